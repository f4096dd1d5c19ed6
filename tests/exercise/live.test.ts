// Live alerts in exercises: two exercises run at once, each through its own pipeline publishing on
// its own channel (<prefix>exercise-<id>:alerts); one web server's SSE streams deliver to each
// trainee exactly the alerts of their own exercise, and nothing to the other trainee or to an
// analyst watching the operational workspace. Forged messages naming another workspace's alert
// reach nobody. Real PostgreSQL, Redis, workers, ranges and SOCKS gateways.
import http from 'node:http';
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
import { exerciseAlertsPattern, exercisePrefix } from '../../web/live.js';
import { buildServer } from '../../web/server.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { login } from '../web/client.js';
import { PASSWORD } from '../web/seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Stream {
  ids: number[];
  opened: Promise<void>;
  close(): void;
}

function openStream(base: string, cookie: string): Stream {
  const ids: number[] = [];
  let buf = '';
  let req: http.ClientRequest;
  const opened = new Promise<void>((resolve, reject) => {
    req = http.get(
      `${base}/api/alerts/stream`,
      { headers: { cookie: `dw_session=${cookie}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          if (buf.includes(': connected')) resolve();
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^event: alert\ndata: (.*)$/m.exec(block.replace(/^id: .*\n/m, ''))?.[1];
            if (data) ids.push((JSON.parse(data) as { id: number }).id);
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
  });
  return { ids, opened, close: () => req.destroy() };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
    await waitFor(() => a!.stream!.ids.length >= idsA.length && b!.stream!.ids.length >= idsB.length, 20_000);
    expect([...a!.stream!.ids].sort((x, y) => x - y)).toEqual(idsA);
    expect([...b!.stream!.ids].sort((x, y) => x - y)).toEqual(idsB);
    // The operational workspace's analyst saw none of it.
    expect(analystStream.ids).toEqual([]);
  });

  it("delivers a forged message naming another workspace's alert to nobody", async () => {
    const [a, b] = ex;
    const before = [a!.stream!.ids.length, b!.stream!.ids.length];
    const [alertOfA] = await alertIds(a!.workspaceId);
    const [alertOfB] = await alertIds(b!.workspaceId);
    const chanA = `${exercisePrefix(redis.prefix, a!.id)}:alerts`;
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
    await waitFor(() => a!.stream!.ids.length === before[0]! + 1, 10_000);
    expect(a!.stream!.ids.at(-1)).toBe(alertOfA);
    expect(b!.stream!.ids.length).toBe(before[1]);
    expect(analystStream.ids).toEqual([]);
  });

  it('escapes glob characters of the deployment prefix in the subscription pattern', () => {
    expect(exerciseAlertsPattern('dw')).toBe('dwexercise-*:alerts');
    expect(exerciseAlertsPattern('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\exercise-*:alerts');
    expect(`${exercisePrefix('dw', 7)}:alerts`).toBe('dwexercise-7:alerts');
  });
});
