// Alerts: one per (rule, subject). A later hit on the same subject appends a sighting event and
// bumps the counters instead of creating a new alert — no alert storms, even with many workers
// racing (the unique key and ON CONFLICT make the upsert atomic).
import type { AlertStatus, DismissReason, Severity } from '../core/types.js';
import { appendAudit, type Actor } from './audit.js';
import type { Queryable } from './db.js';

export type SubjectType = 'listing' | 'post' | 'vendor' | 'entity';

export interface MatchedTerm {
  term: string;
  field: string;
  start: number;
  end: number;
}

export interface Hit {
  workspaceId: number;
  ruleId: number;
  ruleVersionId: number;
  severity: Severity;
  subjectType: SubjectType;
  subjectId: number;
  title: string;
  matchedTerms: MatchedTerm[];
  snapshotId: number | null;
  sourceId: number | null;
  category: string | null;
  /** What made a change rule fire (price drop, relisting…), kept on the event. */
  reason?: Record<string, unknown>;
}

export interface HitResult {
  alertId: number;
  created: boolean;
  suppressed: boolean;
}

/** Is (rule, subject) silenced by an unexpired suppression? */
export async function isSuppressed(
  db: Queryable,
  ruleId: number,
  subjectType: SubjectType,
  subjectKey: string,
): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from suppressions where rule_id = $1 and subject_type = $2 and subject_key = $3
       and (expires_at is null or expires_at > now()) limit 1`,
    [ruleId, subjectType, subjectKey],
  );
  return rows.length > 0;
}

/**
 * Is this hit silenced? By a suppression of (rule, this subject) — for a listing, its id — or, for
 * a listing, by a suppression of (rule, its vendor) or (rule, an entity it mentions). Vendor keys
 * are normalised like store/records.ts normaliseVendorName; entity keys are `type:value`.
 */
export async function isHitSuppressed(
  db: Queryable,
  ruleId: number,
  subjectType: SubjectType,
  subjectId: number,
): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from suppressions s
      where s.rule_id = $1 and (s.expires_at is null or s.expires_at > now())
        and ((s.subject_type = $2 and s.subject_key = $3::text)
          or ($2 = 'listing' and s.subject_type = 'vendor' and exists (
                select 1 from listings l left join vendors v on v.id = l.vendor_id
                 where l.id = $3::bigint
                   and s.subject_key in (v.name_norm, lower(regexp_replace(btrim(normalize(l.vendor_name, NFKC)), '\\s+', ' ', 'g')))))
          or ($2 = 'listing' and s.subject_type = 'entity' and exists (
                select 1 from entity_mentions m join entities e on e.id = m.entity_id
                 where m.listing_id = $3::bigint and lower(s.subject_key) = lower(e.type || ':' || e.value))))
      limit 1`,
    [ruleId, subjectType, String(subjectId)],
  );
  return rows.length > 0;
}

export async function recordHit(tx: Queryable, hit: Hit): Promise<HitResult | null> {
  if (await isHitSuppressed(tx, hit.ruleId, hit.subjectType, hit.subjectId)) return null;
  const { rows } = await tx.query<{ id: number; created: boolean }>(
    `insert into alerts (workspace_id, rule_id, rule_version_id, subject_type, subject_id, severity, title, matched_terms,
       snapshot_id, source_id, category)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (rule_id, subject_type, subject_id) do update set
       sightings = alerts.sightings + 1,
       last_seen_at = now(),
       updated_at = now(),
       rule_version_id = excluded.rule_version_id,
       matched_terms = excluded.matched_terms,
       snapshot_id = coalesce(excluded.snapshot_id, alerts.snapshot_id),
       title = excluded.title
     returning id, (xmax = 0) as created`,
    [
      hit.workspaceId,
      hit.ruleId,
      hit.ruleVersionId,
      hit.subjectType,
      hit.subjectId,
      hit.severity,
      hit.title,
      JSON.stringify(hit.matchedTerms),
      hit.snapshotId,
      hit.sourceId,
      hit.category,
    ],
  );
  const { id, created } = rows[0]!;
  await tx.query('insert into alert_events (alert_id, kind, data, snapshot_id) values ($1, $2, $3, $4)', [
    id,
    created ? 'created' : 'sighting',
    JSON.stringify({
      ruleVersionId: hit.ruleVersionId,
      terms: hit.matchedTerms.map((t) => t.term),
      ...(hit.reason ?? {}),
    }),
    hit.snapshotId,
  ]);
  return { alertId: id, created, suppressed: false };
}

export interface AlertRow {
  id: number;
  workspaceId: number;
  ruleId: number;
  ruleName: string;
  ruleVersion: number;
  subjectType: SubjectType;
  subjectId: number;
  severity: Severity;
  status: AlertStatus;
  dismissReason: DismissReason | null;
  assigneeId: number | null;
  assignee: string | null;
  caseId: number | null;
  title: string;
  matchedTerms: MatchedTerm[];
  snapshotId: number | null;
  sourceId: number | null;
  sourceName: string | null;
  category: string | null;
  sightings: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** last_seen_at with full microsecond precision (a JS Date keeps only ms): the keyset cursor key. */
  lastSeenKey: string;
}

const ALERT_SELECT = `select a.id, a.workspace_id as "workspaceId", a.rule_id as "ruleId", r.name as "ruleName", v.version as "ruleVersion",
    a.subject_type as "subjectType", a.subject_id as "subjectId", a.severity, a.status, a.dismiss_reason as "dismissReason",
    a.assignee_id as "assigneeId", u.username as assignee, a.case_id as "caseId", a.title, a.matched_terms as "matchedTerms",
    a.snapshot_id as "snapshotId", a.source_id as "sourceId", s.name as "sourceName", a.category, a.sightings,
    a.first_seen_at as "firstSeenAt", a.last_seen_at as "lastSeenAt",
    to_char(a.last_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "lastSeenKey"
  from alerts a
  join rules r on r.id = a.rule_id
  join rule_versions v on v.id = a.rule_version_id
  left join users u on u.id = a.assignee_id
  left join sources s on s.id = a.source_id`;

export interface AlertFilter {
  status?: AlertStatus[];
  severity?: Severity[];
  rule?: string;
  category?: string;
  sourceId?: number;
  assigneeId?: number;
  since?: Date;
  until?: Date;
  limit?: number;
  /** Keyset paging: alerts strictly older than this (last_seen_at, id). */
  before?: { lastSeenAt: Date; id: number };
  /** Source (site) by name. */
  sourceName?: string;
  /** Vendor name of the listing or vendor the alert is about (case-insensitive). */
  vendor?: string;
  unassigned?: boolean;
  sort?: AlertSort;
  /** Keyset paging for any sort: the last row of the previous page. */
  after?: AlertCursor;
}

export const ALERT_SORTS = ['newest', 'oldest', 'severity'] as const;
export type AlertSort = (typeof ALERT_SORTS)[number];
export interface AlertCursor {
  /** A Date, or the exact ISO text of AlertRow.lastSeenKey (microseconds). */
  lastSeenAt: Date | string;
  id: number;
  /** 1 (low) … 4 (critical); only for the severity sort. */
  severityRank?: number;
}
const SEVERITY_RANK = `array_position(array['low','medium','high','critical']::text[], a.severity)`;

export function severityRank(s: Severity): number {
  return ['low', 'medium', 'high', 'critical'].indexOf(s) + 1;
}

/** The cursor that continues after `row` in the given sort. */
export function alertCursor(row: AlertRow, sort: AlertSort = 'newest'): AlertCursor {
  return sort === 'severity'
    ? { lastSeenAt: row.lastSeenKey, id: row.id, severityRank: severityRank(row.severity) }
    : { lastSeenAt: row.lastSeenKey, id: row.id };
}

/** The triage queue: newest first, filtered, keyset-paged (stable under inserts). */
export async function listAlerts(
  db: Queryable,
  workspaceId: number,
  f: AlertFilter = {},
): Promise<AlertRow[]> {
  const where = ['a.workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.status?.length) add('a.status = any(?)', f.status);
  if (f.severity?.length) add('a.severity = any(?)', f.severity);
  if (f.rule)
    add('a.rule_id = (select r2.id from rules r2 where r2.workspace_id = $1 and r2.name = ?)', f.rule);
  if (f.category) add('a.category = ?', f.category);
  if (f.sourceId !== undefined) add('a.source_id = ?', f.sourceId);
  if (f.assigneeId !== undefined) add('a.assignee_id = ?', f.assigneeId);
  if (f.since) add('a.last_seen_at >= ?', f.since);
  if (f.until) add('a.last_seen_at < ?', f.until);
  // Resolved to an id first (an init plan), so the planner can use alerts_source_time.
  if (f.sourceName)
    add(
      'a.source_id = (select s2.id from sources s2 where s2.workspace_id = $1 and s2.name = ?)',
      f.sourceName,
    );
  if (f.unassigned) where.push('a.assignee_id is null');
  if (f.vendor) {
    // The listings whose vendor (the linked vendor's name, else the listing's own vendor name) is
    // this one, found through vendors_name_lower / listings_vendor_name_unlinked, then their
    // alerts through alerts_subject — never a probe per queued alert.
    params.push(f.vendor);
    const v = `lower($${params.length})`;
    where.push(`a.subject_type = 'listing' and a.subject_id in (
        select l.id from vendors vv join listings l on l.vendor_id = vv.id
         where vv.workspace_id = $1 and lower(vv.name) = ${v} and l.workspace_id = $1
        union all
        select l.id from listings l where l.workspace_id = $1 and l.vendor_id is null and lower(l.vendor_name) = ${v})`);
  }
  if (f.before) {
    params.push(f.before.lastSeenAt, f.before.id);
    where.push(`(a.last_seen_at, a.id) < ($${params.length - 1}, $${params.length})`);
  }
  const sort = f.sort ?? 'newest';
  if (f.after) {
    params.push(f.after.lastSeenAt, f.after.id);
    const [t, i] = [`$${params.length - 1}::timestamptz`, `$${params.length}`];
    if (sort === 'oldest') where.push(`(a.last_seen_at, a.id) > (${t}, ${i})`);
    else if (sort === 'newest') where.push(`(a.last_seen_at, a.id) < (${t}, ${i})`);
    else {
      params.push(f.after.severityRank ?? 5);
      where.push(`(${SEVERITY_RANK}, a.last_seen_at, a.id) < ($${params.length}, ${t}, ${i})`);
    }
  }
  const order =
    sort === 'oldest'
      ? 'a.last_seen_at asc, a.id asc'
      : sort === 'severity'
        ? `${SEVERITY_RANK} desc, a.last_seen_at desc, a.id desc`
        : 'a.last_seen_at desc, a.id desc';
  params.push(Math.min(Math.max(f.limit ?? 50, 1), 500));
  const { rows } = await db.query<AlertRow>(
    `${ALERT_SELECT} where ${where.join(' and ')} order by ${order} limit $${params.length}`,
    params,
  );
  return rows;
}

export async function getAlert(
  db: Queryable,
  workspaceId: number,
  alertId: number,
): Promise<AlertRow | null> {
  const { rows } = await db.query<AlertRow>(`${ALERT_SELECT} where a.workspace_id = $1 and a.id = $2`, [
    workspaceId,
    alertId,
  ]);
  return rows[0] ?? null;
}

export async function alertEvents(
  db: Queryable,
  alertId: number,
): Promise<Array<{ kind: string; actorId: number | null; data: Record<string, unknown>; createdAt: Date }>> {
  const { rows } = await db.query<{
    kind: string;
    actorId: number | null;
    data: Record<string, unknown>;
    createdAt: Date;
  }>(
    `select kind, actor_id as "actorId", data, created_at as "createdAt" from alert_events where alert_id = $1 order by id`,
    [alertId],
  );
  return rows;
}

const TRANSITIONS: Record<AlertStatus, AlertStatus[]> = {
  new: ['in_review', 'escalated', 'dismissed', 'closed'],
  in_review: ['new', 'escalated', 'dismissed', 'closed'],
  escalated: ['in_review', 'closed'],
  dismissed: ['in_review', 'closed'],
  closed: ['in_review'],
};

export function canTransition(from: AlertStatus, to: AlertStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export class AlertTransitionError extends Error {}

/** Move an alert through the workflow, with an event and an audit entry in the same transaction. */
export async function setAlertStatus(
  tx: Queryable,
  workspaceId: number,
  alertId: number,
  status: AlertStatus,
  actor: Actor,
  opts: { reason?: DismissReason; caseId?: number } = {},
): Promise<AlertRow> {
  const { rows } = await tx.query<{
    status: AlertStatus;
    dismiss_reason: string | null;
    case_id: number | null;
  }>('select status, dismiss_reason, case_id from alerts where id = $1 and workspace_id = $2 for update', [
    alertId,
    workspaceId,
  ]);
  const before = rows[0];
  if (!before) throw new AlertTransitionError(`alert ${alertId} not found`);
  if (!canTransition(before.status, status))
    throw new AlertTransitionError(`cannot move an alert from ${before.status} to ${status}`);
  if (status === 'dismissed' && !opts.reason)
    throw new AlertTransitionError('dismissing needs a reason: false_positive, duplicate or not_relevant');
  await tx.query(
    `update alerts set status = $2, dismiss_reason = $3, case_id = coalesce($4, case_id), updated_at = now() where id = $1`,
    [alertId, status, status === 'dismissed' ? opts.reason : null, opts.caseId ?? null],
  );
  await tx.query('insert into alert_events (alert_id, kind, actor_id, data) values ($1, $2, $3, $4)', [
    alertId,
    status === 'escalated' ? 'escalated' : 'status',
    actor.id,
    JSON.stringify({
      from: before.status,
      to: status,
      reason: opts.reason ?? null,
      caseId: opts.caseId ?? null,
    }),
  ]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'alert.set_status',
    entityType: 'alert',
    entityId: alertId,
    before: { status: before.status, dismissReason: before.dismiss_reason, caseId: before.case_id },
    after: {
      status,
      dismissReason: status === 'dismissed' ? opts.reason : null,
      caseId: opts.caseId ?? before.case_id,
    },
  });
  return (await getAlert(tx, workspaceId, alertId))!;
}

export async function assignAlert(
  tx: Queryable,
  workspaceId: number,
  alertId: number,
  assigneeId: number | null,
  actor: Actor,
): Promise<void> {
  const { rows } = await tx.query<{ assignee_id: number | null }>(
    'select assignee_id from alerts where id = $1 and workspace_id = $2 for update',
    [alertId, workspaceId],
  );
  if (!rows[0]) throw new AlertTransitionError(`alert ${alertId} not found`);
  await tx.query('update alerts set assignee_id = $2, updated_at = now() where id = $1', [
    alertId,
    assigneeId,
  ]);
  await tx.query('insert into alert_events (alert_id, kind, actor_id, data) values ($1, $2, $3, $4)', [
    alertId,
    'assigned',
    actor.id,
    JSON.stringify({ from: rows[0].assignee_id, to: assigneeId }),
  ]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'alert.assign',
    entityType: 'alert',
    entityId: alertId,
    before: { assigneeId: rows[0].assignee_id },
    after: { assigneeId },
  });
}

export async function addAlertNote(
  tx: Queryable,
  workspaceId: number,
  alertId: number,
  body: string,
  actor: Actor,
): Promise<number> {
  const owned = await tx.query('select 1 from alerts where id = $1 and workspace_id = $2', [
    alertId,
    workspaceId,
  ]);
  if (owned.rows.length === 0) throw new AlertTransitionError(`alert ${alertId} not found`);
  const { rows } = await tx.query<{ id: number }>(
    'insert into alert_notes (alert_id, author_id, body) values ($1, $2, $3) returning id',
    [alertId, actor.id, body],
  );
  await tx.query('insert into alert_events (alert_id, kind, actor_id, data) values ($1, $2, $3, $4)', [
    alertId,
    'note',
    actor.id,
    JSON.stringify({ noteId: rows[0]!.id }),
  ]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'alert.note',
    entityType: 'alert',
    entityId: alertId,
    after: { body },
  });
  return rows[0]!.id;
}

export interface AlertNote {
  id: number;
  authorId: number | null;
  author: string | null;
  body: string;
  createdAt: Date;
}

/** Notes on one alert (scoped to the workspace), oldest first. */
export async function alertNotes(db: Queryable, workspaceId: number, alertId: number): Promise<AlertNote[]> {
  const { rows } = await db.query<AlertNote>(
    `select n.id, n.author_id as "authorId", u.username as author, n.body, n.created_at as "createdAt"
       from alert_notes n join alerts a on a.id = n.alert_id left join users u on u.id = n.author_id
      where a.workspace_id = $1 and n.alert_id = $2 order by n.id`,
    [workspaceId, alertId],
  );
  return rows;
}
