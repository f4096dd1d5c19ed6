// The audit log: every analyst action, append-only (the database refuses UPDATE/DELETE) and
// hash-chained, so that removing or editing a row anywhere breaks the chain `verifyAuditLog` walks.
import { createHash } from 'node:crypto';
import type { Queryable } from './db.js';

export const GENESIS_HASH = '0'.repeat(64);
// Any constant shared by all writers: appends are serialised so the chain never forks.
const AUDIT_LOCK = 0x64770001;

export interface Actor {
  id: number | null;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, name: 'system' };

export interface AuditEntry {
  actor: Actor;
  workspaceId: number | null;
  action: string;
  entityType: string;
  entityId: string | number | null;
  before?: unknown;
  after?: unknown;
}

interface AuditRow {
  id: number;
  at: string;
  actor_id: number | null;
  actor_name: string;
  workspace_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
}

/** Stable JSON: object keys sorted at every depth, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function rowHash(prevHash: string, row: Omit<AuditRow, 'id' | 'hash' | 'prev_hash'>): string {
  const body = canonicalJson({
    at: row.at,
    actor_id: row.actor_id,
    actor_name: row.actor_name,
    workspace_id: row.workspace_id,
    action: row.action,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    before: row.before ?? null,
    after: row.after ?? null,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * Append one entry. Call it inside the transaction that makes the change, so the change and its
 * audit record commit (or roll back) together.
 */
export async function appendAudit(tx: Queryable, entry: AuditEntry): Promise<number> {
  await tx.query('select pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = await tx.query<{ hash: string }>('select hash from audit_log order by id desc limit 1');
  const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const row = {
    at: new Date().toISOString(),
    actor_id: entry.actor.id,
    actor_name: entry.actor.name,
    workspace_id: entry.workspaceId,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId === null ? null : String(entry.entityId),
    // Round-trip through JSON so what we hash is exactly what jsonb gives back later.
    before: entry.before === undefined ? null : JSON.parse(JSON.stringify(entry.before)),
    after: entry.after === undefined ? null : JSON.parse(JSON.stringify(entry.after)),
  };
  const hash = rowHash(prevHash, row);
  const inserted = await tx.query<{ id: number }>(
    `insert into audit_log (at, actor_id, actor_name, workspace_id, action, entity_type, entity_id, before, after, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
    [
      row.at,
      row.actor_id,
      row.actor_name,
      row.workspace_id,
      row.action,
      row.entity_type,
      row.entity_id,
      JSON.stringify(row.before),
      JSON.stringify(row.after),
      prevHash,
      hash,
    ],
  );
  return inserted.rows[0]!.id;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** First row whose hash or link does not match, when not ok. */
  brokenAt?: number;
  reason?: string;
}

/** Walk the whole chain in id order and recompute every hash. */
export async function verifyAuditLog(db: Queryable, batch = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const { rows } = await db.query<AuditRow & { at_text: string }>(
      `select *, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at_text
         from audit_log where id > $1 order by id limit $2`,
      [lastId, batch],
    );
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      if (row.prev_hash !== prevHash)
        return { ok: false, checked, brokenAt: row.id, reason: 'link to previous entry broken' };
      const expected = rowHash(prevHash, { ...row, at: row.at_text });
      if (expected !== row.hash)
        return { ok: false, checked, brokenAt: row.id, reason: 'entry content does not match its hash' };
      prevHash = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}
