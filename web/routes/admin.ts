// Administration: users (admins only) and the audit log with its chain verification.
import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../core/types.js';
import { verifyAuditLog } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { actorOf, createUser, listUsers } from '../../store/users.js';
import { authOf } from '../auth.js';
import type { AppContext } from '../server.js';
import { publicUser } from './auth.js';

export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/users', { config: { perm: 'admin' }, schema: { summary: 'All users' } }, async () => ({
    users: (await listUsers(db)).map(publicUser),
  }));

  app.post(
    '/api/users',
    {
      config: { perm: 'admin' },
      schema: {
        summary: 'Create a user',
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', maxLength: 64 },
            password: { type: 'string', minLength: 10, maxLength: 1024 },
            role: { type: 'string', enum: [...ROLES] },
            workspaceId: { type: ['integer', 'null'], minimum: 1 },
            displayName: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const b = req.body as {
        username: string;
        password: string;
        role: Role;
        workspaceId?: number | null;
        displayName?: string;
      };
      const user = await withTransaction(db, (tx) => createUser(tx, b, actorOf(a.user)));
      return publicUser(user);
    },
  );

  app.get(
    '/api/audit',
    {
      config: { perm: 'admin' },
      schema: {
        summary: 'Audit log entries, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (req) => {
      const q = req.query as { before?: number; limit?: number };
      const { rows } = await db.query(
        `select id, at, actor_name as "actorName", workspace_id as "workspaceId", action, entity_type as "entityType", entity_id as "entityId",
                before, after, hash from audit_log where ($1::bigint is null or id < $1) order by id desc limit $2`,
        [q.before ?? null, q.limit ?? 100],
      );
      return { entries: rows };
    },
  );

  app.get(
    '/api/audit/verify',
    { config: { perm: 'admin' }, schema: { summary: 'Recompute the audit hash chain' } },
    async () => verifyAuditLog(db),
  );
}
