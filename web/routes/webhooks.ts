// Webhooks of the workspace: list with delivery counts (admins, analysts, trainers), add — the
// signing secret is shown once, in this answer only — enable/disable and remove (admins only:
// a webhook sends alert data to another system). Every change is audited by the store.
import type { FastifyInstance } from 'fastify';
import { SEVERITIES, type Severity } from '../../core/types.js';
import { withTransaction } from '../../store/db.js';
import { actorOf } from '../../store/users.js';
import {
  addWebhook,
  deliverySummary,
  listWebhooks,
  removeWebhook,
  setWebhookEnabled,
} from '../../store/webhooks.js';
import { authOf, HttpError } from '../auth.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

export function registerWebhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/webhooks',
    {
      config: { perm: 'sources' },
      schema: { summary: 'Webhooks of the workspace with delivery counts (never the secrets)' },
    },
    async (req) => {
      const a = authOf(req);
      const hooks = await listWebhooks(db, a.workspaceId);
      const stats = await deliverySummary(db, a.workspaceId);
      return {
        webhooks: hooks.map((w) => ({
          ...w,
          deliveries: stats.get(w.id) ?? { pending: 0, delivered: 0, failed: 0, lastError: null },
        })),
      };
    },
  );

  app.post(
    '/api/webhooks',
    {
      config: { perm: 'webhooks' },
      schema: {
        summary:
          'Add a webhook (http/https, no credentials); the answer carries its signing secret, shown once',
        body: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2048 },
            minSeverity: { type: 'string', enum: [...SEVERITIES] },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const body = req.body as { url: string; minSeverity?: Severity };
      const { webhook, secret } = await withTransaction(db, (tx) =>
        addWebhook(tx, a.workspaceId, body, actorOf(a.user)),
      );
      return { webhook, secret };
    },
  );

  app.post(
    '/api/webhooks/:id/enabled',
    {
      config: { perm: 'webhooks' },
      schema: {
        summary: 'Switch a webhook on or off',
        params: idParams,
        body: {
          type: 'object',
          required: ['enabled'],
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const { enabled } = req.body as { enabled: boolean };
      const row = await withTransaction(db, (tx) =>
        setWebhookEnabled(tx, a.workspaceId, id, enabled, actorOf(a.user)),
      );
      if (!row) throw new HttpError(404, 'webhook not found');
      return { webhook: row };
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      config: { perm: 'webhooks' },
      schema: { summary: 'Remove a webhook (and its delivery records)', params: idParams },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const ok = await withTransaction(db, (tx) => removeWebhook(tx, a.workspaceId, id, actorOf(a.user)));
      if (!ok) throw new HttpError(404, 'webhook not found');
      return { removed: id };
    },
  );
}
