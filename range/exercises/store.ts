// Exercises in the database: the exercise row, its planted targets, its trainee accounts, the
// trainees' escalations, and the purge that resets it. Every query is scoped to the exercise's
// own training workspace.
import { randomBytes } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import type { Actor } from '../../store/audit.js';
import { appendAudit } from '../../store/audit.js';
import { withTransaction, type Db, type Queryable } from '../../store/db.js';
import { createUser } from '../../store/users.js';
import { createTrainingWorkspace } from '../../store/workspaces.js';
import type { Scenario } from './scenario.js';
import type { Escalation } from './score.js';
import { entityKey, listingKey, vendorKey, type Target } from './targets.js';

export interface ExerciseRow {
  id: number;
  workspaceId: number;
  scenario: string;
  seed: number;
  config: { scenario: Scenario; file: string | null };
  status: 'created' | 'running' | 'finished';
  createdAt: Date;
  startedAt: Date | null;
  endsAt: Date | null;
}

export interface TraineeLogin {
  username: string;
  password: string;
}

const EXERCISE_SELECT = `select id, workspace_id as "workspaceId", scenario, seed::int as seed, config, status,
  created_at as "createdAt", started_at as "startedAt", ends_at as "endsAt" from exercises`;

export async function getExercise(db: Queryable, id: number): Promise<ExerciseRow | null> {
  const { rows } = await db.query<ExerciseRow>(`${EXERCISE_SELECT} where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function requireExercise(db: Queryable, id: number): Promise<ExerciseRow> {
  const ex = await getExercise(db, id);
  if (!ex) throw new UserError(`no exercise ${id}`);
  return ex;
}

/** A workspace, the exercise row, its targets and N trainee accounts — one transaction. */
export async function createExercise(
  db: Db,
  input: { scenario: Scenario; file: string | null; targets: Target[]; trainees: number },
  actor: Actor,
): Promise<{ exercise: ExerciseRow; trainees: TraineeLogin[] }> {
  if (!Number.isInteger(input.trainees) || input.trainees < 1 || input.trainees > 200)
    throw new UserError('--trainees must be a whole number from 1 to 200');
  const tag = randomBytes(3).toString('hex');
  return withTransaction(db, async (tx) => {
    const ws = await createTrainingWorkspace(tx, `exercise ${input.scenario.name} ${tag}`);
    const { rows } = await tx.query<{ id: number }>(
      `insert into exercises (workspace_id, scenario, seed, config, created_by) values ($1, $2, $3, $4, $5) returning id`,
      [
        ws.id,
        input.scenario.name,
        input.scenario.range.seed,
        JSON.stringify({ scenario: input.scenario, file: input.file }),
        actor.id,
      ],
    );
    const id = rows[0]!.id;
    for (const t of input.targets) {
      await tx.query(
        `insert into exercise_targets (exercise_id, target_key, kind, category, data) values ($1, $2, $3, $4, $5)`,
        [id, t.key, t.kind, t.category, JSON.stringify({ label: t.label, matchKeys: t.matchKeys })],
      );
    }
    const trainees: TraineeLogin[] = [];
    for (let i = 1; i <= input.trainees; i++) {
      const login = {
        username: `ex${id}-${tag}-trainee${i}`,
        password: randomBytes(12).toString('base64url'),
      };
      await createUser(
        tx,
        { ...login, role: 'trainee', workspaceId: ws.id, displayName: `Trainee ${i} (exercise ${id})` },
        actor,
      );
      trainees.push(login);
    }
    await appendAudit(tx, {
      actor,
      workspaceId: ws.id,
      action: 'exercise.create',
      entityType: 'exercise',
      entityId: id,
      after: {
        scenario: input.scenario.name,
        seed: input.scenario.range.seed,
        targets: input.targets.length,
        trainees: input.trainees,
      },
    });
    return { exercise: (await getExercise(tx, id))!, trainees };
  });
}

export async function exerciseTargets(db: Queryable, exerciseId: number): Promise<Target[]> {
  const { rows } = await db.query<{
    key: string;
    kind: Target['kind'];
    category: string | null;
    data: { label: string; matchKeys: string[] };
  }>(
    `select target_key as key, kind, category, data from exercise_targets where exercise_id = $1 order by target_key`,
    [exerciseId],
  );
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind,
    category: r.category,
    label: r.data.label,
    matchKeys: r.data.matchKeys,
  }));
}

export async function trainees(
  db: Queryable,
  workspaceId: number,
): Promise<Array<{ id: number; username: string }>> {
  const { rows } = await db.query<{ id: number; username: string }>(
    `select id::int as id, username from users where workspace_id = $1 and role = 'trainee' order by id`,
    [workspaceId],
  );
  return rows;
}

export async function markStarted(db: Queryable, ex: ExerciseRow): Promise<void> {
  const minutes = ex.config.scenario.timeLimitMinutes;
  await db.query(
    `update exercises set status = 'running', started_at = coalesce(started_at, now()),
       ends_at = coalesce(ends_at, now() + make_interval(mins => $2)) where id = $1`,
    [ex.id, minutes],
  );
}

/**
 * Alerts a trainee escalated (an `escalated` event by them), or that are assigned to them and
 * escalated; with the match keys of each alert's subject.
 */
export async function traineeEscalations(
  db: Queryable,
  workspaceId: number,
  userId: number,
): Promise<Escalation[]> {
  const { rows } = await db.query<{
    id: number;
    title: string;
    at: Date;
    subject_type: string;
    listing_url: string | null;
    vendor_source: string | null;
    vendor_name: string | null;
    vendor_pgp: string | null;
    entity_type: string | null;
    entity_value: string | null;
    thread_url: string | null;
  }>(
    `with mine as (
       select a.id, coalesce(
           (select min(e.created_at) from alert_events e where e.alert_id = a.id and e.kind = 'escalated' and e.actor_id = $2),
           (select min(e.created_at) from alert_events e where e.alert_id = a.id and e.kind = 'escalated')) as at
         from alerts a
        where a.workspace_id = $1
          and (exists (select 1 from alert_events e where e.alert_id = a.id and e.kind = 'escalated' and e.actor_id = $2)
               or (a.assignee_id = $2 and a.status = 'escalated')))
     select a.id::int as id, a.title, m.at, a.subject_type,
            l.url as listing_url,
            coalesce(ls.name, vs.name) as vendor_source,
            coalesce(v.name, lv.name, l.vendor_name) as vendor_name,
            coalesce(v.pgp_fingerprint, lv.pgp_fingerprint) as vendor_pgp,
            en.type as entity_type, en.value as entity_value,
            p.thread_url
       from mine m join alerts a on a.id = m.id
       left join listings l on a.subject_type = 'listing' and l.id = a.subject_id and l.workspace_id = $1
       left join sources ls on ls.id = l.source_id
       left join vendors lv on lv.id = l.vendor_id
       left join vendors v on a.subject_type = 'vendor' and v.id = a.subject_id and v.workspace_id = $1
       left join sources vs on vs.id = v.source_id
       left join entities en on a.subject_type = 'entity' and en.id = a.subject_id and en.workspace_id = $1
       left join posts p on a.subject_type = 'post' and p.id = a.subject_id and p.workspace_id = $1
      order by m.at, a.id`,
    [workspaceId, userId],
  );
  return rows.map((r) => {
    const keys: string[] = [];
    if (r.listing_url) keys.push(listingKey(r.listing_url));
    if (r.vendor_source && r.vendor_name) keys.push(vendorKey(r.vendor_source, r.vendor_name));
    if (r.vendor_pgp) keys.push(entityKey('pgp', r.vendor_pgp));
    if (r.entity_type && r.entity_value) keys.push(entityKey(r.entity_type, r.entity_value));
    if (r.thread_url) keys.push(`post:${r.thread_url}`);
    return { alertId: r.id, at: r.at, keys, title: r.title };
  });
}

/**
 * Purge everything the exercise produced in its workspace — crawled evidence, extracted records,
 * rules, alerts, cases — and set it back to `created`. Trainees, targets and the audit log stay;
 * blobs stay (content-addressed, possibly shared). Snapshots are immutable except in a transaction
 * that sets darkwatch.purge_training, and only for a training workspace.
 */
export async function resetExercise(
  db: Db,
  id: number,
  actor: Actor,
): Promise<{ snapshots: number; alerts: number; listings: number }> {
  return withTransaction(db, async (tx) => {
    const ex = await tx.query<{ workspace_id: number; kind: string }>(
      `select e.workspace_id::int as workspace_id, w.kind from exercises e join workspaces w on w.id = e.workspace_id where e.id = $1 for update of e`,
      [id],
    );
    const row = ex.rows[0];
    if (!row) throw new UserError(`no exercise ${id}`);
    if (row.kind !== 'training')
      throw new Error(`exercise ${id} is not in a training workspace; refusing to purge`);
    const ws = row.workspace_id;
    await tx.query(`select set_config('darkwatch.purge_training', 'on', true)`);
    const count = async (sql: string) => (await tx.query(sql, [ws])).rowCount ?? 0;
    const alerts = await count('delete from alerts where workspace_id = $1');
    await count('delete from suppressions where workspace_id = $1');
    await count('delete from cases where workspace_id = $1');
    await count('delete from rules where workspace_id = $1');
    await count('delete from watchlists where workspace_id = $1');
    await count('delete from webhooks where workspace_id = $1');
    const listings = await count('delete from listings where workspace_id = $1');
    await count('delete from posts where workspace_id = $1');
    await count('delete from entities where workspace_id = $1');
    await count('delete from vendors where workspace_id = $1');
    const snapshots = await count('delete from snapshots where workspace_id = $1');
    await count('delete from crawl_runs where workspace_id = $1');
    await count('delete from sources where workspace_id = $1');
    await tx.query(
      `update exercises set status = 'created', started_at = null, ends_at = null where id = $1`,
      [id],
    );
    await appendAudit(tx, {
      actor,
      workspaceId: ws,
      action: 'exercise.reset',
      entityType: 'exercise',
      entityId: id,
      after: { snapshots, alerts, listings },
    });
    return { snapshots, alerts, listings };
  });
}

export interface ExerciseSummary {
  id: number;
  workspaceId: number;
  scenario: string;
  title: string;
  difficulty: number;
  status: ExerciseRow['status'];
  createdAt: Date;
  createdBy: string | null;
  startedAt: Date | null;
  endsAt: Date | null;
  trainees: number;
  targets: number;
}

/** Every exercise, newest first, with its trainee and target counts (for the trainer page). */
export async function listExercises(db: Queryable, limit = 200): Promise<ExerciseSummary[]> {
  const { rows } = await db.query<ExerciseSummary>(
    `select e.id, e.workspace_id as "workspaceId", e.scenario, e.config->'scenario'->>'title' as title,
            (e.config->'scenario'->>'difficulty')::int as difficulty, e.status, e.created_at as "createdAt",
            u.username as "createdBy", e.started_at as "startedAt", e.ends_at as "endsAt",
            (select count(*)::int from users t where t.workspace_id = e.workspace_id and t.role = 'trainee') as trainees,
            (select count(*)::int from exercise_targets x where x.exercise_id = e.id) as targets
       from exercises e left join users u on u.id = e.created_by
      order by e.id desc limit $1`,
    [limit],
  );
  return rows;
}
