// Exercises end to end: two exercises of the same scenario (same seed, so the very same onion
// URLs) created, started and crawled at the same time through their own ranges, real
// PostgreSQL, Redis, BullMQ workers and extraction; a scripted trainee whose score is known in
// advance; isolation between the two; reset.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';
import { exerciseReport } from '../../range/exercises/report.js';
import { runExercise, scenarioTruths, type ExerciseRun } from '../../range/exercises/run.js';
import { loadScenarioFile } from '../../range/exercises/scenario.js';
import { createExercise, resetExercise, type TraineeLogin } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { loadRuleFile } from '../../rules/index.js';
import {
  AlertTransitionError,
  assignAlert,
  listAlerts,
  setAlertStatus,
  type AlertRow,
} from '../../store/alerts.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { saveRule } from '../../store/rules.js';
import { getSource } from '../../store/sources.js';
import { getUserByName } from '../../store/users.js';
import { SAMPLE_RULES } from '../../cli/demo.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REGION = ['AL', 'BA', 'BG', 'GR', 'HU', 'MD', 'ME', 'MK', 'RO', 'RS', 'TR', 'XK'];

describe('an exercise, end to end', () => {
  let t: TestDatabase;
  const scenario = loadScenarioFile(path.join(here, 'fixtures', 'small-handguns.yaml'));
  // Independent of selectTargets: straight from the generator's ground truth.
  const truth = buildTruth(generateWorld({ seed: 7, size: 150 }), 0);
  const targetUrls = new Set(
    truth.listings
      .filter((l) => l.site === 'ironbazaar' && l.subcategory === 'pistols' && REGION.includes(l.shipsFrom))
      .map((l) => l.url),
  );
  const ex: Array<{ id: number; workspaceId: number; trainees: TraineeLogin[]; run: ExerciseRun | null }> =
    [];
  const started = Date.now();

  async function listingUrl(alert: AlertRow): Promise<string | null> {
    const { rows } = await t.db.query<{ url: string }>(
      'select url from listings where id = $1 and workspace_id = $2',
      [alert.subjectId, alert.workspaceId],
    );
    return alert.subjectType === 'listing' ? (rows[0]?.url ?? null) : null;
  }

  beforeAll(async () => {
    t = await freshDatabase();
    const targets = selectTargets(scenario, scenarioTruths(scenario));
    const { rules, problems } = loadRuleFile(SAMPLE_RULES);
    expect(problems).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const { exercise, trainees } = await createExercise(
        t.db,
        { scenario, file: null, targets, trainees: 2 },
        SYSTEM_ACTOR,
      );
      // The trainees' own rules, written before the crawl (the sample rule set).
      await withTransaction(t.db, async (tx) => {
        for (const def of rules)
          await saveRule(
            tx,
            exercise.workspaceId,
            {
              name: def.id,
              severity: def.severity,
              description: def.description,
              definition: def,
              sourceText: stringify(def),
            },
            null,
          );
      });
      ex.push({ id: exercise.id, workspaceId: exercise.workspaceId, trainees, run: null });
    }
    // Both at once, each with its own range (same seed) and its own pipeline.
    const runs = await Promise.all(
      ex.map((e) => {
        const redis = testRedis(`exercise-${e.id}`);
        return runExercise(t.db, e.id, {
          databaseUrl: t.url,
          redisUrl: redis.url,
          prefix: redis.prefix,
          chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          concurrency: 4,
          extract: defaultPageExtractor(),
          extractorVersion: EXTRACTOR_VERSION,
          log: pino({ level: 'silent' }),
          epochTimeoutMs: 150_000,
        });
      }),
    );
    runs.forEach((r, i) => (ex[i]!.run = r));
  }, 240_000);

  afterAll(async () => {
    for (const e of ex) await e.run?.stop();
    await t?.drop();
  });

  it('plants the targets from the ground truth and creates trainee accounts confined to the workspace', async () => {
    const report = await exerciseReport(t.db, ex[0]!.id);
    expect(report.targets.map((x) => x.key).sort()).toEqual(
      [...targetUrls].map((u) => `listing:${u}`).sort(),
    );
    for (const login of ex[0]!.trainees) {
      const u = await getUserByName(t.db, login.username);
      expect(u).toMatchObject({ role: 'trainee', workspaceId: ex[0]!.workspaceId });
    }
    expect(report.status).toBe('running');
  });

  it('scores a scripted trainee exactly: K correct and J wrong escalations', async () => {
    const [a] = ex;
    const alerts = await listAlerts(t.db, a!.workspaceId, { limit: 500 });
    const correct: AlertRow[] = [];
    const wrong: AlertRow[] = [];
    for (const alert of alerts) {
      const url = await listingUrl(alert);
      if (url && targetUrls.has(url)) {
        // One escalation per target, so recall is K / targets.
        if (!correct.some((c) => c.subjectId === alert.subjectId)) correct.push(alert);
      } else if (!targetUrls.has(url ?? '')) wrong.push(alert);
    }
    const K = 2;
    const J = 1;
    expect(correct.length).toBeGreaterThanOrEqual(K);
    expect(wrong.length).toBeGreaterThanOrEqual(J);
    const trainee = (await getUserByName(t.db, a!.trainees[0]!.username))!;
    const actor = { id: trainee.id, name: trainee.username };
    await withTransaction(t.db, async (tx) => {
      for (const alert of [...correct.slice(0, K), ...wrong.slice(0, J)])
        await setAlertStatus(tx, a!.workspaceId, alert.id, 'escalated', actor);
      // A dismissal is not a claim: it must not count.
      if (wrong[J])
        await setAlertStatus(tx, a!.workspaceId, wrong[J].id, 'dismissed', actor, {
          reason: 'false_positive',
        });
    });
    // The second trainee: one target alert assigned to them and escalated by the trainer.
    const second = (await getUserByName(t.db, a!.trainees[1]!.username))!;
    await withTransaction(t.db, async (tx) => {
      await assignAlert(tx, a!.workspaceId, correct[K - 1]!.id, second.id, SYSTEM_ACTOR);
    });

    const report = await exerciseReport(t.db, a!.id);
    const me = report.trainees.find((x) => x.trainee === trainee.username)!;
    expect(me).toMatchObject({ escalated: K + J, correct: K });
    expect(me.precision).toBeCloseTo(K / (K + J), 3);
    expect(me.recall).toBeCloseTo(K / targetUrls.size, 3);
    expect(me.missedTargets).toHaveLength(targetUrls.size - K);
    expect(me.wrongAlerts).toEqual([wrong[0]!.id]);
    expect(me.timeToFirstHitSeconds).not.toBeNull();
    expect(me.timeToFirstHitSeconds!).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000));
    // Assigned and escalated (by someone else) counts for the assignee.
    const other = report.trainees.find((x) => x.trainee === second.username)!;
    expect(other).toMatchObject({ escalated: 1, correct: 1, precision: 1 });
  });

  it('keeps two exercises that run at once apart', async () => {
    const [a, b] = ex;
    const counts = async (ws: number) =>
      (
        await t.db.query<{ listings: number; snapshots: number; alerts: number }>(
          `select (select count(*)::int from listings where workspace_id = $1) as listings,
                  (select count(*)::int from snapshots where workspace_id = $1) as snapshots,
                  (select count(*)::int from alerts where workspace_id = $1) as alerts`,
          [ws],
        )
      ).rows[0]!;
    const ca = await counts(a!.workspaceId);
    const cb = await counts(b!.workspaceId);
    // Same seed, same pages: each exercise crawled its own complete copy.
    expect(ca.listings).toBeGreaterThan(0);
    expect(cb.listings).toBe(ca.listings);
    expect(cb.alerts).toBe(ca.alerts);
    const alertsA = await listAlerts(t.db, a!.workspaceId, { limit: 500 });
    const alertsB = await listAlerts(t.db, b!.workspaceId, { limit: 500 });
    expect(alertsA.every((x) => x.workspaceId === a!.workspaceId)).toBe(true);
    expect(alertsB.every((x) => x.workspaceId === b!.workspaceId)).toBe(true);
    expect(alertsA.map((x) => x.id).filter((id) => alertsB.some((y) => y.id === id))).toEqual([]);
    // Sources are per workspace: B's source is not A's.
    expect((await getSource(t.db, a!.workspaceId, 'ironbazaar'))!.id).not.toBe(
      (await getSource(t.db, b!.workspaceId, 'ironbazaar'))!.id,
    );
    // A trainee of B cannot touch A's alerts through B's workspace.
    const traineeB = (await getUserByName(t.db, b!.trainees[0]!.username))!;
    await expect(
      withTransaction(t.db, (tx) =>
        setAlertStatus(tx, b!.workspaceId, alertsA[0]!.id, 'escalated', {
          id: traineeB.id,
          name: traineeB.username,
        }),
      ),
    ).rejects.toBeInstanceOf(AlertTransitionError);
    // B's escalations do not change A's scores.
    const before = await exerciseReport(t.db, a!.id);
    await withTransaction(t.db, (tx) =>
      setAlertStatus(tx, b!.workspaceId, alertsB[0]!.id, 'escalated', {
        id: traineeB.id,
        name: traineeB.username,
      }),
    );
    const after = await exerciseReport(t.db, a!.id);
    expect(after.trainees).toEqual(before.trainees);
    const bReport = await exerciseReport(t.db, b!.id);
    expect(bReport.trainees.find((x) => x.trainee === traineeB.username)!.escalated).toBe(1);
  });

  it("reset purges one exercise's data (snapshots included) and leaves the other intact", async () => {
    const [a, b] = ex;
    const snapsB = await t.db.query<{ n: number }>(
      'select count(*)::int as n from snapshots where workspace_id = $1',
      [b!.workspaceId],
    );
    const blobs = await t.db.query<{ n: number }>('select count(*)::int as n from blobs');
    const r = await resetExercise(t.db, a!.id, SYSTEM_ACTOR);
    expect(r.snapshots).toBeGreaterThan(0);
    const left = await t.db.query<{ n: number }>(
      `select (select count(*) from snapshots where workspace_id = $1) + (select count(*) from listings where workspace_id = $1)
            + (select count(*) from alerts where workspace_id = $1) + (select count(*) from sources where workspace_id = $1) as n`,
      [a!.workspaceId],
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
    expect(
      (
        await t.db.query<{ n: number }>('select count(*)::int as n from snapshots where workspace_id = $1', [
          b!.workspaceId,
        ])
      ).rows[0]!.n,
    ).toBe(snapsB.rows[0]!.n);
    expect((await t.db.query<{ n: number }>('select count(*)::int as n from blobs')).rows[0]!.n).toBe(
      blobs.rows[0]!.n,
    );
    const report = await exerciseReport(t.db, a!.id);
    expect(report.status).toBe('created');
    expect(report.targets.length).toBe(targetUrls.size);
    expect(report.trainees.every((x) => x.escalated === 0)).toBe(true);
    // Outside a purge, evidence stays immutable.
    await expect(
      t.db.query('delete from snapshots where workspace_id = $1', [b!.workspaceId]),
    ).rejects.toThrow(/immutable/);
  });
});
