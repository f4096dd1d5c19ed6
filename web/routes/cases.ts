// Cases: list, create (optionally from alerts), detail, update, notes, add alerts, and the
// evidence package export.
import type { FastifyInstance } from 'fastify';
import { getAlert } from '../../store/alerts.js';
import { appendAudit } from '../../store/audit.js';
import {
  addCaseNote,
  caseAlertIds,
  caseNotes,
  createCase,
  escalateIntoCase,
  getCase,
  listCases,
  TLP_LEVELS,
  updateCase,
  type Tlp,
} from '../../store/cases.js';
import { withTransaction } from '../../store/db.js';
import { actorOf } from '../../store/users.js';
import { authOf, HttpError } from '../auth.js';
import { casePackage } from '../exports/package.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

export function registerCaseRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/cases',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Cases of the workspace',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['open', 'closed'] } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      return {
        cases: await listCases(db, a.workspaceId, {
          status: (req.query as { status?: 'open' | 'closed' }).status,
        }),
      };
    },
  );

  app.post(
    '/api/cases',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Open a case, optionally escalating alerts into it',
        body: {
          type: 'object',
          required: ['title'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 500 },
            description: { type: 'string', maxLength: 100000 },
            tlp: { type: 'string', enum: [...TLP_LEVELS] },
            alertIds: { type: 'array', maxItems: 500, items: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const b = req.body as { title: string; description?: string; tlp?: Tlp; alertIds?: number[] };
      return withTransaction(db, async (tx) => {
        const c = await createCase(tx, a.workspaceId, b, actorOf(a.user));
        if (b.alertIds?.length) await escalateIntoCase(tx, a.workspaceId, c.id, b.alertIds, actorOf(a.user));
        return getCase(tx, a.workspaceId, c.id);
      });
    },
  );

  app.get(
    '/api/cases/:id',
    { config: { perm: 'read' }, schema: { summary: 'A case with its notes and alerts', params: idParams } },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const c = await getCase(db, a.workspaceId, id);
      if (!c) throw new HttpError(404, 'case not found');
      const alerts = [];
      for (const alertId of await caseAlertIds(db, a.workspaceId, id))
        alerts.push(await getAlert(db, a.workspaceId, alertId));
      return { case: c, notes: await caseNotes(db, a.workspaceId, id), alerts };
    },
  );

  app.patch(
    '/api/cases/:id',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Change title, description, status or TLP',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 500 },
            description: { type: 'string', maxLength: 100000 },
            status: { type: 'string', enum: ['open', 'closed'] },
            tlp: { type: 'string', enum: [...TLP_LEVELS] },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const c = await withTransaction(db, (tx) =>
        updateCase(tx, a.workspaceId, id, req.body as Parameters<typeof updateCase>[3], actorOf(a.user)),
      );
      if (!c) throw new HttpError(404, 'case not found');
      return c;
    },
  );

  app.post(
    '/api/cases/:id/notes',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Add a note to a case',
        params: idParams,
        body: {
          type: 'object',
          required: ['body'],
          additionalProperties: false,
          properties: { body: { type: 'string', minLength: 1, maxLength: 100000 } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const noteId = await withTransaction(db, (tx) =>
        addCaseNote(tx, a.workspaceId, id, (req.body as { body: string }).body, actorOf(a.user)),
      );
      if (noteId === null) throw new HttpError(404, 'case not found');
      return { id: noteId };
    },
  );

  app.post(
    '/api/cases/:id/alerts',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Escalate alerts into this case',
        params: idParams,
        body: {
          type: 'object',
          required: ['alertIds'],
          additionalProperties: false,
          properties: {
            alertIds: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const moved = await withTransaction(db, (tx) =>
        escalateIntoCase(
          tx,
          a.workspaceId,
          id,
          (req.body as { alertIds: number[] }).alertIds,
          actorOf(a.user),
        ),
      );
      return { escalated: moved };
    },
  );

  app.get(
    '/api/cases/:id/package',
    {
      config: { perm: 'read' },
      schema: {
        summary:
          'Evidence package (zip): captures, screenshots, extracted JSON, audit trail, manifest.json with sha256 of every file',
        params: idParams,
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const pkg = await casePackage(db, a.workspaceId, id, a.user.username);
      if (!pkg) throw new HttpError(404, 'case not found');
      await withTransaction(db, (tx) =>
        appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'case.export',
          entityType: 'case',
          entityId: id,
          after: { files: pkg.manifest.files.length, alerts: pkg.manifest.alerts },
        }),
      );
      return reply
        .header('content-disposition', `attachment; filename="case-${id}-evidence.zip"`)
        .type('application/zip')
        .send(pkg.zip);
    },
  );
}
