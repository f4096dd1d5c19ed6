// Live alerts in exercises: two exercises run at once, each through its own pipeline publishing on
// its own channel (<prefix>exercise-<id>:<instance key>:alerts); one web server's SSE streams deliver to each
// trainee exactly the alerts of their own exercise, and nothing to the other trainee or to an
// analyst watching the operational workspace. Forged messages naming another workspace's alert
// reach nobody. Real PostgreSQL, Redis, workers, ranges and SOCKS gateways.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RULES } from '../../cli/demo.js';
import { runExercise, scenarioTruths, type ExerciseRun } from '../../range/exercises/run.js';
import { loadScenarioFile } from '../../range/exercises/scenario.js';
import { createExercise, type TraineeLogin } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { loadRuleFile } from '../../rules/index.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { saveRule } from '../../store/rules.js';
import { createUser } from '../../store/users.js';
import { buildServer } from '../../web/server.js';
import { alertsChannel, exerciseAlertsPattern, exercisePrefix } from '../../workers/alert-channel.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { openSseStream as openStream, waitFor, type SseStream as Stream } from '../helpers/sse.js';
import { login } from '../web/client.js';
import { PASSWORD } from '../web/seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('live alerts of exercises', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  let pub: Redis;
  const redis = testRedis('ex-live');
  const ex: Array<{
    id: number;
    workspaceId: number;
    trainees: TraineeLogin[];
    run: ExerciseRun | null;
    stream: Stream | null;
  }> = [];
  let analystStream: Stream;

  beforeAll(async () => {
    t = await freshDatabase();
    const scenario = loadScenarioFile(path.join(here, 'fixtures', 'small-handguns.yaml'));
    const targets = selectTargets(scenario, scenarioTruths(scenario));
    const { rules } = loadRuleFile(SAMPLE_RULES);
    for (let i = 0; i < 2; i++) {
      const { exercise, trainees } = await createExercise(
        t.db,
        { scenario, file: null, targets, trainees: 1 },
        SYSTEM_ACTOR,
      );
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
      ex.push({ id: exercise.id, workspaceId: exercise.workspaceId, trainees, run: null, stream: null });
    }
    await withTransaction(t.db, (tx) =>
      createUser(tx, { username: 'analyst1', password: PASSWORD, role: 'analyst' }, SYSTEM_ACTOR),
    );
    pub = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const cmd = new Redis(redis.url, { maxRetriesPerRequest: null });
    app = await buildServer({
      db: t.db,
      subscriber: new Redis(redis.url, { maxRetriesPerRequest: null }),
      redis: cmd,
      redisPrefix: redis.prefix,
    });
    app.addHook('onClose', async () => cmd.disconnect());
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    // Every browser is watching before the crawls start.
    for (const e of ex) {
      const c = await login(app, e.trainees[0]!.username, e.trainees[0]!.password);
      e.stream = openStream(base, c.cookie);
      await e.stream.opened;
    }
    analystStream = openStream(base, (await login(app, 'analyst1')).cookie);
    await analystStream.opened;

    // Both at once, each with its own range and its own pipeline under its own prefix.
    const runs = await Promise.all(
      ex.map((e) =>
        runExercise(t.db, e.id, {
          databaseUrl: t.url,
          redisUrl: redis.url,
          prefix: exercisePrefix(redis.prefix, e.id),
          chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          concurrency: 4,
          extract: defaultPageExtractor(),
          extractorVersion: EXTRACTOR_VERSION,
          log: pino({ level: 'silent' }),
          epochTimeoutMs: 150_000,
        }),
      ),
    );
    runs.forEach((r, i) => (ex[i]!.run = r));
  }, 240_000);

  afterAll(async () => {
    for (const e of ex) e.stream?.close();
    analystStream?.close();
    for (const e of ex) await e.run?.stop();
    pub?.disconnect();
    await app?.close();
    await t?.drop();
  });

  const alertIds = async (ws: number) =>
    (
      await t.db.query<{ id: number }>('select id::int from alerts where workspace_id = $1 order by id', [ws])
    ).rows.map((r) => r.id);

  it("pushes each trainee exactly their own exercise's new alerts", async () => {
    const [a, b] = ex;
    const idsA = await alertIds(a!.workspaceId);
    const idsB = await alertIds(b!.workspaceId);
    // Same scenario and seed, but each crawl meets the range's obstacles on its own (a page may end
    // up failed under load), so the two counts need not be equal; each must have alerts of its own.
    expect(idsA.length).toBeGreaterThan(0);
    expect(idsB.length).toBeGreaterThan(0);
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    await waitFor(
      () => a!.stream!.alertIds().length >= idsA.length && b!.stream!.alertIds().length >= idsB.length,
      20_000,
    );
    expect([...a!.stream!.alertIds()].sort((x, y) => x - y)).toEqual(idsA);
    expect([...b!.stream!.alertIds()].sort((x, y) => x - y)).toEqual(idsB);
    // The operational workspace's analyst saw none of it.
    expect(analystStream.alertIds()).toEqual([]);
  });

  it("delivers a forged message naming another workspace's alert to nobody", async () => {
    const [a, b] = ex;
    const before = [a!.stream!.alertIds().length, b!.stream!.alertIds().length];
    const [alertOfA] = await alertIds(a!.workspaceId);
    const [alertOfB] = await alertIds(b!.workspaceId);
    const chanA = alertsChannel(await pipelinePrefix(t.db, exercisePrefix(redis.prefix, a!.id)));
    // On A's channel, claiming B's workspace for A's alert, and A's workspace for B's alert.
    await pub.publish(
      chanA,
      JSON.stringify({ type: 'alert.created', workspaceId: b!.workspaceId, alertId: alertOfA }),
    );
    await pub.publish(
      chanA,
      JSON.stringify({ type: 'alert.created', workspaceId: a!.workspaceId, alertId: alertOfB }),
    );
    await pub.publish(chanA, 'not json {');
    // A genuine one last: once it arrives, everything published before it has been handled.
    await pub.publish(
      chanA,
      JSON.stringify({ type: 'alert.created', workspaceId: a!.workspaceId, alertId: alertOfA }),
    );
    await waitFor(() => a!.stream!.alertIds().length === before[0]! + 1, 10_000);
    expect(a!.stream!.alertIds().at(-1)).toBe(alertOfA);
    expect(b!.stream!.alertIds().length).toBe(before[1]);
    expect(analystStream.alertIds()).toEqual([]);
  });

  it('escapes glob characters of the deployment prefix and instance key in the subscription pattern', () => {
    expect(exerciseAlertsPattern('dw', 'k1')).toBe('dwexercise-*:k1:alerts');
    expect(exerciseAlertsPattern('a*b?[c]\\', 'k?')).toBe('a\\*b\\?\\[c\\]\\\\exercise-*:k\\?:alerts');
    expect(exercisePrefix('dw', 7)).toBe('dwexercise-7');
  });
});
