// Suppressions: an analyst silences a (rule, subject) pair — one listing, a vendor (every listing
// by that vendor), or an entity (every listing mentioning that address / key / handle) — with a
// reason, an owner and usually an expiry. Adding and removing one is audited; matching is done in
// store/alerts.ts (suppressedHit), so the match stage needs no change to honour them.
import { ENTITY_TYPES, type EntityType } from '../core/types.js';
import { appendAudit, type Actor } from './audit.js';
import type { Queryable } from './db.js';
import { normaliseVendorName } from './records.js';

export type SuppressionSubject =
  | { type: 'listing'; listingId: number }
  | { type: 'vendor'; name: string }
  | { type: 'entity'; entityType: EntityType; value: string };

export class SuppressionError extends Error {}

/** The stored subject_key of a subject: listing id, normalised vendor name, or `type:value`. */
export function suppressionKey(s: SuppressionSubject): string {
  switch (s.type) {
    case 'listing':
      return String(s.listingId);
    case 'vendor':
      return normaliseVendorName(s.name);
    case 'entity':
      // Fingerprints are shown grouped and in either case; store them the way extractors do.
      return `${s.entityType}:${s.entityType === 'pgp' ? s.value.replace(/\s+/g, '').toUpperCase() : s.value.trim()}`;
  }
}

/** `TYPE:VALUE` from the command line, e.g. `pgp:0123…` or `btc:bc1q…`. */
export function parseEntitySubject(text: string): SuppressionSubject {
  const i = text.indexOf(':');
  const type = i > 0 ? text.slice(0, i).trim().toLowerCase() : '';
  const value = i > 0 ? text.slice(i + 1).trim() : '';
  if (!(ENTITY_TYPES as readonly string[]).includes(type))
    throw new SuppressionError(
      `entity must look like TYPE:VALUE with TYPE one of ${ENTITY_TYPES.join(', ')}`,
    );
  if (!value) throw new SuppressionError('entity value is empty');
  return { type: 'entity', entityType: type as EntityType, value };
}

function checkText(label: string, value: string, max: number): string {
  const v = value.trim();
  if (!v) throw new SuppressionError(`${label} is empty`);
  if (v.length > max) throw new SuppressionError(`${label} is longer than ${max} characters`);
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(v))
    throw new SuppressionError(`${label} contains control characters`);
  return v;
}

export interface SuppressionRow {
  id: number;
  rule: string;
  subjectType: 'listing' | 'vendor' | 'entity' | 'post';
  subjectKey: string;
  reason: string;
  owner: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  active: boolean;
}

export async function addSuppression(
  tx: Queryable,
  workspaceId: number,
  input: { rule: string; subject: SuppressionSubject; reason: string; expiresAt: Date | null },
  actor: Actor,
  now = new Date(),
): Promise<SuppressionRow> {
  const reason = checkText('reason', input.reason, 2000);
  if (input.expiresAt && !(input.expiresAt.getTime() > now.getTime()))
    throw new SuppressionError('expiry must be in the future');
  const rule = await tx.query<{ id: number }>('select id from rules where workspace_id = $1 and name = $2', [
    workspaceId,
    input.rule,
  ]);
  if (!rule.rows[0]) throw new SuppressionError(`no rule named "${input.rule}"`);
  const s = input.subject;
  if (s.type === 'listing') {
    const found = await tx.query('select 1 from listings where id = $1 and workspace_id = $2', [
      s.listingId,
      workspaceId,
    ]);
    if (found.rows.length === 0) throw new SuppressionError(`listing ${s.listingId} not found`);
  } else if (s.type === 'vendor') checkText('vendor', s.name, 200);
  else checkText('entity value', s.value, 10_000);
  const key = suppressionKey(s);
  const { rows } = await tx.query<{ id: number }>(
    `insert into suppressions (workspace_id, rule_id, subject_type, subject_key, reason, owner_id, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [workspaceId, rule.rows[0].id, s.type, key, reason, actor.id, input.expiresAt],
  );
  const id = rows[0]!.id;
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'suppression.add',
    entityType: 'suppression',
    entityId: id,
    after: {
      rule: input.rule,
      subjectType: s.type,
      subjectKey: key,
      reason,
      expiresAt: input.expiresAt?.toISOString() ?? null,
    },
  });
  return (await listSuppressions(tx, workspaceId, { includeExpired: true, id }))[0]!;
}

export async function listSuppressions(
  db: Queryable,
  workspaceId: number,
  opts: { includeExpired?: boolean; id?: number } = {},
): Promise<SuppressionRow[]> {
  // The owner is the user (web) or, for the CLI, the actor name recorded in the audit log.
  const { rows } = await db.query<SuppressionRow>(
    `select s.id, r.name as rule, s.subject_type as "subjectType", s.subject_key as "subjectKey", s.reason,
            coalesce(u.username, (select a.actor_name from audit_log a where a.action = 'suppression.add' and a.entity_type = 'suppression'
                                   and a.entity_id = s.id::text order by a.id limit 1)) as owner,
            s.expires_at as "expiresAt", s.created_at as "createdAt", (s.expires_at is null or s.expires_at > now()) as active
       from suppressions s join rules r on r.id = s.rule_id left join users u on u.id = s.owner_id
      where s.workspace_id = $1 and ($2 or s.expires_at is null or s.expires_at > now()) and ($3::bigint is null or s.id = $3)
      order by s.id`,
    [workspaceId, opts.includeExpired ?? false, opts.id ?? null],
  );
  return rows;
}

export async function removeSuppression(
  tx: Queryable,
  workspaceId: number,
  id: number,
  actor: Actor,
): Promise<boolean> {
  const before = (await listSuppressions(tx, workspaceId, { includeExpired: true, id }))[0];
  if (!before) return false;
  await tx.query('delete from suppressions where id = $1 and workspace_id = $2', [id, workspaceId]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'suppression.remove',
    entityType: 'suppression',
    entityId: id,
    before: {
      rule: before.rule,
      subjectType: before.subjectType,
      subjectKey: before.subjectKey,
      reason: before.reason,
    },
  });
  return true;
}

/**
 * Lift a suppression: it expires now (alerts fire again) but stays in the list of all
 * suppressions, so who silenced what, why and until when remains visible. Audited before/after.
 */
export async function liftSuppression(
  tx: Queryable,
  workspaceId: number,
  id: number,
  actor: Actor,
): Promise<SuppressionRow | null> {
  const before = (await listSuppressions(tx, workspaceId, { includeExpired: true, id }))[0];
  if (!before) return null;
  if (!before.active) throw new SuppressionError(`suppression ${id} is not active`);
  await tx.query('update suppressions set expires_at = now() where id = $1 and workspace_id = $2', [
    id,
    workspaceId,
  ]);
  const after = (await listSuppressions(tx, workspaceId, { includeExpired: true, id }))[0]!;
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'suppression.lift',
    entityType: 'suppression',
    entityId: id,
    before: {
      rule: before.rule,
      subjectType: before.subjectType,
      subjectKey: before.subjectKey,
      expiresAt: before.expiresAt?.toISOString() ?? null,
    },
    after: {
      rule: after.rule,
      subjectType: after.subjectType,
      subjectKey: after.subjectKey,
      expiresAt: after.expiresAt?.toISOString() ?? null,
    },
  });
  return after;
}
