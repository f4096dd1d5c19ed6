// Triage: the queue (filters, sorts, keyset pages), live stream, alert detail, workflow actions
// (status, assignment, notes, escalation into a case, bulk), entity pivots and exports.
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  ALERT_SORTS,
  alertCursor,
  alertEvents,
  alertNotes,
  addAlertNote,
  assignAlert,
  getAlert,
  listAlerts,
  setAlertStatus,
  type AlertCursor,
  type AlertFilter,
  type AlertRow,
  type AlertSort,
} from '../../store/alerts.js';
import { FILTER_VALUE_MAX, parseAlertFilterText, parseIdList } from '../../store/alert-filters.js';
import { appendAudit } from '../../store/audit.js';
import { createCase, escalateIntoCase, TLP_LEVELS, type Tlp } from '../../store/cases.js';
import { withTransaction, type Queryable } from '../../store/db.js';
import { getSnapshot } from '../../store/evidence.js';
import { entityPivot, listingHistory } from '../../store/records.js';
import {
  getListing,
  getPost,
  listEntities,
  ruleVersionOf,
  subjectEntities,
  vendorAcrossSites,
} from '../../store/search.js';
import { actorOf, getUserByName } from '../../store/users.js';
import {
  ALERT_STATUSES,
  CATEGORIES,
  DISMISS_REASONS,
  ENTITY_TYPES,
  SEVERITIES,
  type AlertStatus,
  type DismissReason,
  type EntityType,
} from '../../core/types.js';
import { authOf, HttpError } from '../auth.js';
import { alertsCsv, entitiesCsv } from '../exports/csv.js';
import { exportAlerts } from '../exports/gather.js';
import { mispEvent } from '../exports/misp.js';
import { stixBundle } from '../exports/stix.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

const filterQuery = {
  status: {
    type: 'string',
    maxLength: FILTER_VALUE_MAX,
    description: `comma-separated: ${ALERT_STATUSES.join(', ')}`,
  },
  severity: {
    type: 'string',
    maxLength: FILTER_VALUE_MAX,
    description: `comma-separated: ${SEVERITIES.join(', ')}`,
  },
  rule: { type: 'string', maxLength: FILTER_VALUE_MAX },
  category: { type: 'string', enum: [...CATEGORIES] },
  site: { type: 'string', maxLength: FILTER_VALUE_MAX, description: 'source name' },
  vendor: { type: 'string', maxLength: FILTER_VALUE_MAX },
  assignee: { type: 'string', maxLength: 64, description: '"me", "none" or a username' },
  since: { type: 'string', format: 'date-time' },
  until: { type: 'string', format: 'date-time' },
  sort: { type: 'string', enum: [...ALERT_SORTS] },
};

interface FilterQuery {
  status?: string;
  severity?: string;
  rule?: string;
  category?: string;
  site?: string;
  vendor?: string;
  assignee?: string;
  since?: string;
  until?: string;
  sort?: AlertSort;
  cursor?: string;
  limit?: number;
}

export function encodeCursor(c: AlertCursor): string {
  const t = typeof c.lastSeenAt === 'string' ? c.lastSeenAt : c.lastSeenAt.toISOString();
  return Buffer.from(JSON.stringify({ t, i: c.id, r: c.severityRank })).toString('base64url');
}

export function decodeCursor(s: string): AlertCursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as {
      t: string;
      i: number;
      r?: number;
    };
    // Keep the exact text (microseconds); it only ever reaches SQL as a bound timestamptz parameter.
    const ok =
      typeof v.t === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(v.t) &&
      !Number.isNaN(Date.parse(v.t));
    if (!ok || !Number.isSafeInteger(v.i) || (v.r !== undefined && !Number.isInteger(v.r)))
      throw new Error('bad');
    return { lastSeenAt: v.t, id: v.i, severityRank: v.r };
  } catch {
    throw new HttpError(400, 'bad cursor');
  }
}

async function toFilter(db: Queryable, q: FilterQuery, me: number): Promise<AlertFilter> {
  const f: AlertFilter = {
    ...parseAlertFilterText(q, (field) => field),
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    sort: q.sort,
    limit: q.limit,
  };
  if (q.assignee === 'me') f.assigneeId = me;
  else if (q.assignee === 'none') f.unassigned = true;
  else if (q.assignee) {
    const u = await getUserByName(db, q.assignee);
    f.assigneeId = u?.id ?? -1;
  }
  if (q.cursor) f.after = decodeCursor(q.cursor);
  return f;
}

async function resolveAssignee(db: Queryable, value: string | null, me: number): Promise<number | null> {
  if (value === null) return null;
  if (value === 'me') return me;
  const u = await getUserByName(db, value);
  if (!u) throw new HttpError(400, `no user named "${value.slice(0, 64)}"`);
  return u.id;
}

export async function alertDetail(db: Queryable, ws: number, alert: AlertRow) {
  const listing = alert.subjectType === 'listing' ? await getListing(db, ws, alert.subjectId) : null;
  const post = alert.subjectType === 'post' ? await getPost(db, ws, alert.subjectId) : null;
  const vendorId = listing?.vendorId ?? (alert.subjectType === 'vendor' ? alert.subjectId : null);
  const entities = listing
    ? await subjectEntities(db, ws, { listingId: listing.id })
    : post
      ? await subjectEntities(db, ws, { postId: post.id })
      : vendorId !== null
        ? await subjectEntities(db, ws, { vendorId })
        : [];
  const snapshotId = alert.snapshotId ?? listing?.lastSnapshotId ?? null;
  const snapshot = snapshotId !== null ? await getSnapshot(db, snapshotId, ws) : null;
  return {
    alert,
    listing,
    post,
    priceHistory: listing ? await listingHistory(db, listing.id) : [],
    vendorAcrossSites: vendorId !== null ? await vendorAcrossSites(db, ws, vendorId) : [],
    entities,
    rule: await ruleVersionOf(db, ws, alert.ruleId, alert.ruleVersion),
    notes: await alertNotes(db, ws, alert.id),
    events: await alertEvents(db, alert.id),
    snapshot: snapshot && {
      id: snapshot.id,
      url: snapshot.url,
      finalUrl: snapshot.finalUrl,
      statusCode: snapshot.statusCode,
      sha256: snapshot.contentSha256,
      contentType: snapshot.contentType,
      contentLength: snapshot.contentLength,
      screenshotSha256: snapshot.screenshotSha256,
      capturedAt: snapshot.capturedAt,
      proxyIdentity: snapshot.proxyIdentity,
      fetchMode: snapshot.fetchMode,
    },
  };
}

async function sendExport(
  reply: FastifyReply,
  format: 'csv' | 'stix' | 'misp',
  body: { csv: () => string; stix: () => unknown; misp: () => unknown },
  name: string,
): Promise<unknown> {
  const ext = format === 'csv' ? 'csv' : 'json';
  void reply.header('content-disposition', `attachment; filename="${name}-${format}.${ext}"`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(body.csv());
  return reply
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(format === 'stix' ? body.stix() : body.misp(), null, 2));
}

export function registerAlertRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/alerts',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Triage queue: filtered, sorted, keyset-paged (pass nextCursor back as cursor)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterQuery,
            cursor: { type: 'string', maxLength: 300 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const q = req.query as FilterQuery;
      const f = await toFilter(db, q, a.user.id);
      const limit = f.limit ?? 50;
      const rows = await listAlerts(db, a.workspaceId, { ...f, limit });
      const last = rows[rows.length - 1];
      return {
        alerts: rows,
        nextCursor: rows.length === limit && last ? encodeCursor(alertCursor(last, f.sort)) : null,
      };
    },
  );

  app.get(
    '/api/alerts/stream',
    {
      config: { perm: 'read' },
      schema: {
        summary: `Server-sent events: "alert" events as alerts arrive (from this database's Redis channel <prefix>:<instance key>:alerts)`,
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      ctx.hub.attach(reply, a.workspaceId);
    },
  );

  app.get(
    '/api/alerts/export',
    {
      config: { perm: 'read' },
      schema: {
        summary:
          'Export alerts (same filters as the queue, or ids) as CSV, a STIX 2.1 bundle or a MISP event',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: {
            ...filterQuery,
            format: { type: 'string', enum: ['csv', 'stix', 'misp'] },
            ids: { type: 'string', maxLength: 20000, pattern: '^[0-9]+(,[0-9]+)*$' },
            tlp: { type: 'string', enum: [...TLP_LEVELS] },
            limit: { type: 'integer', minimum: 1, maximum: 10000 },
          },
        },
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      const q = req.query as FilterQuery & { format: 'csv' | 'stix' | 'misp'; ids?: string; tlp?: Tlp };
      let rows: AlertRow[];
      const ids = parseIdList(q.ids, 'ids');
      if (ids) {
        rows = [];
        for (const id of ids) {
          const row = await getAlert(db, a.workspaceId, id);
          if (row) rows.push(row);
        }
      } else {
        rows = [];
        const f = await toFilter(db, q, a.user.id);
        const total = Math.min(q.limit ?? 1000, 10000);
        while (rows.length < total) {
          const page = await listAlerts(db, a.workspaceId, {
            ...f,
            limit: Math.min(500, total - rows.length),
          });
          rows.push(...page);
          if (page.length < 500) break;
          f.after = alertCursor(page[page.length - 1]!, f.sort);
        }
      }
      const data = await exportAlerts(db, a.workspaceId, rows);
      const exportCtx = {
        producer: ctx.producer,
        tlp: q.tlp ?? 'amber',
        generatedAt: new Date(),
        title: `darkwatch alerts export (${data.length})`,
      } as const;
      await withTransaction(db, (tx) =>
        appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'alerts.export',
          entityType: 'alert',
          entityId: null,
          after: { format: q.format, ids: data.map((d) => d.id) },
        }),
      );
      return sendExport(
        reply,
        q.format,
        {
          csv: () => alertsCsv(data),
          stix: () => stixBundle(data, [], exportCtx),
          misp: () => mispEvent(data, [], exportCtx),
        },
        'alerts',
      );
    },
  );

  app.get(
    '/api/alerts/:id',
    {
      config: { perm: 'read' },
      schema: {
        summary:
          'Alert detail: record, matched terms, price history, vendor across sites, entities, rule, notes, history, evidence',
        params: idParams,
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const alert = await getAlert(db, a.workspaceId, id);
      if (!alert) throw new HttpError(404, 'alert not found');
      return alertDetail(db, a.workspaceId, alert);
    },
  );

  app.post(
    '/api/alerts/:id/status',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Move an alert through the workflow (dismissing needs a reason)',
        params: idParams,
        body: {
          type: 'object',
          required: ['status'],
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...ALERT_STATUSES] },
            reason: { type: 'string', enum: [...DISMISS_REASONS] },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const { status, reason } = req.body as { status: AlertStatus; reason?: DismissReason };
      if (status === 'escalated')
        throw new HttpError(400, 'escalate through /api/alerts/:id/escalate (it needs a case)');
      return withTransaction(db, (tx) =>
        setAlertStatus(tx, a.workspaceId, id, status, actorOf(a.user), { reason }),
      );
    },
  );

  app.post(
    '/api/alerts/:id/assign',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Assign to "me", a username, or null to unassign',
        params: idParams,
        body: {
          type: 'object',
          required: ['assignee'],
          additionalProperties: false,
          properties: { assignee: { type: ['string', 'null'], maxLength: 64 } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const { assignee } = req.body as { assignee: string | null };
      const assigneeId = await resolveAssignee(db, assignee, a.user.id);
      await withTransaction(db, (tx) => assignAlert(tx, a.workspaceId, id, assigneeId, actorOf(a.user)));
      return getAlert(db, a.workspaceId, id);
    },
  );

  app.post(
    '/api/alerts/:id/notes',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Add a note',
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
      const { body } = req.body as { body: string };
      const noteId = await withTransaction(db, (tx) =>
        addAlertNote(tx, a.workspaceId, id, body, actorOf(a.user)),
      );
      return { id: noteId };
    },
  );

  const escalateBody = {
    type: 'object',
    additionalProperties: false,
    properties: {
      caseId: { type: 'integer', minimum: 1 },
      title: { type: 'string', minLength: 1, maxLength: 500 },
      tlp: { type: 'string', enum: [...TLP_LEVELS] },
    },
  };

  async function escalate(
    ws: number,
    ids: number[],
    body: { caseId?: number; title?: string; tlp?: Tlp },
    user: Parameters<typeof actorOf>[0],
  ) {
    return withTransaction(db, async (tx) => {
      const actor = actorOf(user);
      let caseId = body.caseId;
      if (caseId === undefined) {
        const first = await getAlert(tx, ws, ids[0]!);
        if (!first) throw new HttpError(404, 'alert not found');
        caseId = (
          await createCase(tx, ws, { title: body.title ?? first.title.slice(0, 500), tlp: body.tlp }, actor)
        ).id;
      }
      const moved = await escalateIntoCase(tx, ws, caseId, ids, actor);
      return { caseId, escalated: moved };
    });
  }

  app.post(
    '/api/alerts/:id/escalate',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'Escalate into a case (an existing caseId, or a new case)',
        params: idParams,
        body: escalateBody,
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      return escalate(
        a.workspaceId,
        [id],
        req.body as { caseId?: number; title?: string; tlp?: Tlp },
        a.user,
      );
    },
  );

  app.post(
    '/api/alerts/bulk',
    {
      config: { perm: 'triage' },
      schema: {
        summary: 'One action on many alerts, all or nothing',
        body: {
          type: 'object',
          required: ['ids', 'action'],
          additionalProperties: false,
          properties: {
            ids: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'integer', minimum: 1 } },
            action: { type: 'string', enum: ['assign_me', 'unassign', 'status', 'dismiss', 'escalate'] },
            status: { type: 'string', enum: ALERT_STATUSES.filter((s) => s !== 'escalated') },
            reason: { type: 'string', enum: [...DISMISS_REASONS] },
            caseId: { type: 'integer', minimum: 1 },
            title: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const b = req.body as {
        ids: number[];
        action: string;
        status?: AlertStatus;
        reason?: DismissReason;
        caseId?: number;
        title?: string;
      };
      const ids = [...new Set(b.ids)];
      if (b.action === 'escalate') return escalate(a.workspaceId, ids, b, a.user);
      await withTransaction(db, async (tx) => {
        const actor = actorOf(a.user);
        for (const id of ids) {
          if (b.action === 'assign_me') await assignAlert(tx, a.workspaceId, id, a.user.id, actor);
          else if (b.action === 'unassign') await assignAlert(tx, a.workspaceId, id, null, actor);
          else if (b.action === 'dismiss') {
            if (!b.reason) throw new HttpError(400, 'dismissing needs a reason');
            await setAlertStatus(tx, a.workspaceId, id, 'dismissed', actor, { reason: b.reason });
          } else {
            if (!b.status) throw new HttpError(400, 'status is required');
            await setAlertStatus(tx, a.workspaceId, id, b.status, actor, { reason: b.reason });
          }
        }
      });
      return { updated: ids.length };
    },
  );

  app.get(
    '/api/entities/:type/:value',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Pivot: everything in this workspace that mentions one address / key / handle',
        params: {
          type: 'object',
          required: ['type', 'value'],
          properties: {
            type: { type: 'string', enum: [...ENTITY_TYPES] },
            value: { type: 'string', minLength: 1, maxLength: 10000 },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { type, value } = req.params as { type: EntityType; value: string };
      const pivot = await entityPivot(db, a.workspaceId, type, value);
      if (!pivot) throw new HttpError(404, 'entity not found');
      return pivot;
    },
  );

  app.get(
    '/api/entities/export',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Export entities as CSV, STIX 2.1 observables or a MISP event',
        querystring: {
          type: 'object',
          required: ['format'],
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['csv', 'stix', 'misp'] },
            type: { type: 'string', enum: [...ENTITY_TYPES] },
            tlp: { type: 'string', enum: [...TLP_LEVELS] },
            limit: { type: 'integer', minimum: 1, maximum: 100000 },
          },
        },
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      const q = req.query as {
        format: 'csv' | 'stix' | 'misp';
        type?: EntityType;
        tlp?: Tlp;
        limit?: number;
      };
      const entities = await listEntities(db, a.workspaceId, { type: q.type, limit: q.limit });
      const plain = entities.map((e) => ({ type: e.type, value: e.value }));
      const exportCtx = {
        producer: ctx.producer,
        tlp: q.tlp ?? 'amber',
        generatedAt: new Date(),
        title: `darkwatch entities export (${plain.length})`,
      } as const;
      await withTransaction(db, (tx) =>
        appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'entities.export',
          entityType: 'entity',
          entityId: null,
          after: { format: q.format, count: plain.length },
        }),
      );
      return sendExport(
        reply,
        q.format,
        {
          csv: () => entitiesCsv(entities),
          stix: () => stixBundle([], plain, exportCtx),
          misp: () => mispEvent([], plain, exportCtx),
        },
        'entities',
      );
    },
  );
}
