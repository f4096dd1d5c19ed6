// A two-epoch exercise: the range clock moves between the crawls, so the relisted listings (the
// targets) are absent from the first crawl and present after the second.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExercise, scenarioTruths, type ExerciseRun } from '../../range/exercises/run.js';
import { loadScenarioFile } from '../../range/exercises/scenario.js';
import { createExercise, exerciseTargets } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('a two-epoch exercise', () => {
  let t: TestDatabase;
  let run: ExerciseRun;
  const scenario = loadScenarioFile(path.join(here, 'fixtures', 'small-relisting.yaml'));

  beforeAll(async () => {
    t = await freshDatabase();
    const targets = selectTargets(scenario, scenarioTruths(scenario));
    const { exercise } = await createExercise(
      t.db,
      { scenario, file: null, targets, trainees: 1 },
      SYSTEM_ACTOR,
    );
    const redis = testRedis('relist');
    run = await runExercise(t.db, exercise.id, {
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: redis.prefix,
      chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      concurrency: 4,
      extract: defaultPageExtractor(),
      extractorVersion: EXTRACTOR_VERSION,
      log: pino({ level: 'silent' }),
      epochTimeoutMs: 120_000,
    });
  }, 240_000);
  afterAll(async () => {
    await run?.stop();
    await t?.drop();
  });

  it('crawls each epoch in order and the relisted targets only appear in the second', async () => {
    expect(run.crawls.map((c) => c.epoch)).toEqual([0, 6]);
    const targets = await exerciseTargets(t.db, run.exercise.id);
    expect(targets.length).toBeGreaterThanOrEqual(2);
    const [first, second] = run.crawls.map((c) => c.summary.run);
    for (const target of targets) {
      const url = target.key.slice('listing:'.length);
      const seen = await t.db.query<{ run: number }>(
        `select distinct s.crawl_run_id::int as run from snapshots s where s.workspace_id = $1 and s.url = $2`,
        [run.exercise.workspaceId, url],
      );
      expect(
        seen.rows.map((r) => r.run),
        url,
      ).toEqual([second]);
      expect(seen.rows.map((r) => r.run)).not.toContain(first);
      const listing = await t.db.query('select 1 from listings where workspace_id = $1 and url = $2', [
        run.exercise.workspaceId,
        url,
      ]);
      expect(listing.rows, url).toHaveLength(1);
    }
  });
});
