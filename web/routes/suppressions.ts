// Alert suppressions: a rule silenced for one listing, a vendor or an entity, with a reason, an
// owner and usually an expiry. Everyone in the workspace can see them (they explain missing
// alerts); admins, analysts and trainers add and lift them. Lifting expires a suppression now and
// keeps it in the history. The store audits every change.
import type { FastifyInstance } from 'fastify';
import { ENTITY_TYPES, type EntityType } from '../../core/types.js';
import { withTransaction } from '../../store/db.js';
import {
  addSuppression,
  liftSuppression,
  listSuppressions,
  type SuppressionSubject,
} from '../../store/suppressions.js';
import { actorOf } from '../../store/users.js';
import { authOf, HttpError } from '../auth.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

/** Suppressions may last at most this long (an unbounded silence needs expiresAt: null explicitly). */
const MAX_EXPIRY_MS = 5 * 365 * 86_400_000;

export function registerSuppressionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/suppressions',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Suppressions of the workspace (active ones, or all with all=true)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { all: { type: 'boolean' } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { all } = req.query as { all?: boolean };
      return { suppressions: await listSuppressions(db, a.workspaceId, { includeExpired: all ?? false }) };
    },
  );

  app.post(
    '/api/suppressions',
    {
      config: { perm: 'suppress' },
      schema: {
        summary:
          'Silence a rule for one listing, a vendor or an entity: {rule, subject: {type: listing, listingId} | {type: vendor, name} | {type: entity, entityType, value}, reason, expiresAt (ISO time or null)}',
        body: {
          type: 'object',
          required: ['rule', 'subject', 'reason'],
          additionalProperties: false,
          properties: {
            rule: { type: 'string', minLength: 1, maxLength: 200 },
            reason: { type: 'string', minLength: 1, maxLength: 2000 },
            expiresAt: { type: ['string', 'null'], maxLength: 40 },
            subject: {
              type: 'object',
              required: ['type'],
              additionalProperties: false,
              properties: {
                type: { type: 'string', enum: ['listing', 'vendor', 'entity'] },
                listingId: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
                name: { type: 'string', minLength: 1, maxLength: 200 },
                entityType: { type: 'string', enum: [...ENTITY_TYPES] },
                value: { type: 'string', minLength: 1, maxLength: 10000 },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const body = req.body as {
        rule: string;
        reason: string;
        expiresAt?: string | null;
        subject: {
          type: 'listing' | 'vendor' | 'entity';
          listingId?: number;
          name?: string;
          entityType?: EntityType;
          value?: string;
        };
      };
      const subject = subjectOf(body.subject);
      let expiresAt: Date | null = null;
      if (body.expiresAt) {
        expiresAt = new Date(body.expiresAt);
        if (!/^\d{4}-\d{2}-\d{2}T/.test(body.expiresAt) || Number.isNaN(expiresAt.getTime()))
          throw new HttpError(400, 'expiresAt must be an ISO 8601 time, e.g. 2026-12-31T00:00:00Z');
        if (expiresAt.getTime() - Date.now() > MAX_EXPIRY_MS)
          throw new HttpError(
            400,
            'expiresAt is more than 5 years away; use null for a suppression without expiry',
          );
      }
      const row = await withTransaction(db, (tx) =>
        addSuppression(
          tx,
          a.workspaceId,
          { rule: body.rule, subject, reason: body.reason, expiresAt },
          actorOf(a.user),
        ),
      );
      return { suppression: row };
    },
  );

  app.post(
    '/api/suppressions/:id/lift',
    {
      config: { perm: 'suppress' },
      schema: { summary: 'Lift a suppression now (it stays in the history)', params: idParams },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const row = await withTransaction(db, (tx) => liftSuppression(tx, a.workspaceId, id, actorOf(a.user)));
      if (!row) throw new HttpError(404, 'suppression not found');
      return { suppression: row };
    },
  );
}

function subjectOf(s: {
  type: 'listing' | 'vendor' | 'entity';
  listingId?: number;
  name?: string;
  entityType?: EntityType;
  value?: string;
}): SuppressionSubject {
  if (s.type === 'listing') {
    if (s.listingId === undefined) throw new HttpError(400, 'a listing suppression needs subject.listingId');
    return { type: 'listing', listingId: s.listingId };
  }
  if (s.type === 'vendor') {
    if (!s.name) throw new HttpError(400, 'a vendor suppression needs subject.name');
    return { type: 'vendor', name: s.name };
  }
  if (!s.entityType || !s.value)
    throw new HttpError(400, 'an entity suppression needs subject.entityType and subject.value');
  return { type: 'entity', entityType: s.entityType, value: s.value };
}
