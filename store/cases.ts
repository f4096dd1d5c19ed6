// Cases: investigations that group escalated alerts, with notes. Every change is audited in the
// transaction that makes it; every query is scoped to one workspace.
import { AlertTransitionError, setAlertStatus } from './alerts.js';
import { appendAudit, type Actor } from './audit.js';
import type { Queryable } from './db.js';

export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

export interface Case {
  id: number;
  workspaceId: number;
  title: string;
  description: string;
  status: 'open' | 'closed';
  tlp: Tlp;
  ownerId: number | null;
  owner: string | null;
  alertCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CaseNote {
  id: number;
  authorId: number | null;
  author: string | null;
  body: string;
  createdAt: Date;
}

const CASE_SELECT = `select c.id, c.workspace_id as "workspaceId", c.title, c.description, c.status, c.tlp, c.owner_id as "ownerId",
    u.username as owner, (select count(*)::int from alerts a where a.case_id = c.id) as "alertCount",
    c.created_at as "createdAt", c.updated_at as "updatedAt"
  from cases c left join users u on u.id = c.owner_id`;

export async function createCase(
  tx: Queryable,
  workspaceId: number,
  c: { title: string; description?: string; tlp?: Tlp },
  actor: Actor,
): Promise<Case> {
  const { rows } = await tx.query<{ id: number }>(
    'insert into cases (workspace_id, title, description, tlp, owner_id) values ($1, $2, $3, $4, $5) returning id',
    [workspaceId, c.title, c.description ?? '', c.tlp ?? 'amber', actor.id],
  );
  const id = rows[0]!.id;
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'case.create',
    entityType: 'case',
    entityId: id,
    after: { title: c.title, tlp: c.tlp ?? 'amber' },
  });
  return (await getCase(tx, workspaceId, id))!;
}

export async function getCase(db: Queryable, workspaceId: number, caseId: number): Promise<Case | null> {
  const { rows } = await db.query<Case>(`${CASE_SELECT} where c.workspace_id = $1 and c.id = $2`, [
    workspaceId,
    caseId,
  ]);
  return rows[0] ?? null;
}

export async function listCases(
  db: Queryable,
  workspaceId: number,
  opts: { status?: 'open' | 'closed'; limit?: number } = {},
): Promise<Case[]> {
  const { rows } = await db.query<Case>(
    `${CASE_SELECT} where c.workspace_id = $1 and ($2::text is null or c.status = $2) order by c.updated_at desc, c.id desc limit $3`,
    [workspaceId, opts.status ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
  );
  return rows;
}

export async function updateCase(
  tx: Queryable,
  workspaceId: number,
  caseId: number,
  change: { title?: string; description?: string; status?: 'open' | 'closed'; tlp?: Tlp },
  actor: Actor,
): Promise<Case | null> {
  const before = await getCase(tx, workspaceId, caseId);
  if (!before) return null;
  await tx.query(
    `update cases set title = coalesce($3, title), description = coalesce($4, description), status = coalesce($5, status),
       tlp = coalesce($6, tlp), updated_at = now() where workspace_id = $1 and id = $2`,
    [
      workspaceId,
      caseId,
      change.title ?? null,
      change.description ?? null,
      change.status ?? null,
      change.tlp ?? null,
    ],
  );
  const after = (await getCase(tx, workspaceId, caseId))!;
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'case.update',
    entityType: 'case',
    entityId: caseId,
    before: { title: before.title, description: before.description, status: before.status, tlp: before.tlp },
    after: { title: after.title, description: after.description, status: after.status, tlp: after.tlp },
  });
  return after;
}

export async function addCaseNote(
  tx: Queryable,
  workspaceId: number,
  caseId: number,
  body: string,
  actor: Actor,
): Promise<number | null> {
  const owned = await tx.query('select 1 from cases where id = $1 and workspace_id = $2 for update', [
    caseId,
    workspaceId,
  ]);
  if (owned.rows.length === 0) return null;
  const { rows } = await tx.query<{ id: number }>(
    'insert into case_notes (case_id, author_id, body) values ($1, $2, $3) returning id',
    [caseId, actor.id, body],
  );
  await tx.query('update cases set updated_at = now() where id = $1', [caseId]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'case.note',
    entityType: 'case',
    entityId: caseId,
    after: { noteId: rows[0]!.id, body },
  });
  return rows[0]!.id;
}

export async function caseNotes(db: Queryable, workspaceId: number, caseId: number): Promise<CaseNote[]> {
  const { rows } = await db.query<CaseNote>(
    `select n.id, n.author_id as "authorId", u.username as author, n.body, n.created_at as "createdAt"
       from case_notes n join cases c on c.id = n.case_id left join users u on u.id = n.author_id
      where c.workspace_id = $1 and n.case_id = $2 order by n.id`,
    [workspaceId, caseId],
  );
  return rows;
}

/**
 * Escalate alerts into a case: each alert moves to `escalated` with the case id (through
 * setAlertStatus, which records the event and the audit entry). Alerts already in the case are
 * left alone; an alert of another workspace is "not found".
 */
export async function escalateIntoCase(
  tx: Queryable,
  workspaceId: number,
  caseId: number,
  alertIds: number[],
  actor: Actor,
): Promise<number[]> {
  const c = await tx.query('select 1 from cases where id = $1 and workspace_id = $2 for update', [
    caseId,
    workspaceId,
  ]);
  if (c.rows.length === 0) throw new AlertTransitionError(`case ${caseId} not found`);
  const moved: number[] = [];
  for (const alertId of [...new Set(alertIds)]) {
    const { rows } = await tx.query<{ status: string; case_id: number | null }>(
      'select status, case_id from alerts where id = $1 and workspace_id = $2',
      [alertId, workspaceId],
    );
    const a = rows[0];
    if (!a) throw new AlertTransitionError(`alert ${alertId} not found`);
    if (a.case_id === caseId && a.status === 'escalated') continue;
    // Escalated/dismissed/closed alerts go back through review first, as the workflow requires.
    if (a.status === 'dismissed' || a.status === 'closed')
      await setAlertStatus(tx, workspaceId, alertId, 'in_review', actor);
    if (a.status === 'escalated') {
      await tx.query('update alerts set case_id = $2, updated_at = now() where id = $1', [alertId, caseId]);
      await appendAudit(tx, {
        actor,
        workspaceId,
        action: 'alert.move_case',
        entityType: 'alert',
        entityId: alertId,
        before: { caseId: a.case_id },
        after: { caseId },
      });
    } else {
      await setAlertStatus(tx, workspaceId, alertId, 'escalated', actor, { caseId });
    }
    moved.push(alertId);
  }
  await tx.query('update cases set updated_at = now() where id = $1', [caseId]);
  return moved;
}

export async function caseAlertIds(db: Queryable, workspaceId: number, caseId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    'select id from alerts where workspace_id = $1 and case_id = $2 order by id',
    [workspaceId, caseId],
  );
  return rows.map((r) => r.id);
}

export interface AuditTrailEntry {
  id: number;
  at: Date;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

/** The audit entries about a case and its alerts (with their chain hashes, for the package). */
export async function caseAuditTrail(
  db: Queryable,
  workspaceId: number,
  caseId: number,
  alertIds: number[],
): Promise<AuditTrailEntry[]> {
  const { rows } = await db.query<AuditTrailEntry>(
    `select id, at, actor_name as "actorName", action, entity_type as "entityType", entity_id as "entityId", before, after,
            prev_hash as "prevHash", hash
       from audit_log
      where workspace_id = $1
        and ((entity_type = 'case' and entity_id = $2) or (entity_type = 'alert' and entity_id = any($3::text[])))
      order by id`,
    [workspaceId, String(caseId), alertIds.map(String)],
  );
  return rows;
}
