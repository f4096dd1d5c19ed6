// The pipeline survives what production throws at it: a worker process killed mid-crawl (its jobs
// move to another worker; no page is lost or stored twice) and Redis restarted mid-crawl.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { startLocalRedis, type LocalRedis } from '../../services/redis.js';
import { stopProcess } from '../../services/ports.js';
import { addSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState } from '../../workers/progress.js';
import { openPipelineClient } from '../../workers/queues.js';
import { startPipeline } from '../../workers/runner.js';
import { BIN } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const silent = pino({ level: 'silent' });
const noExtraction = () => ({
  pageType: 'other' as const,
  site: null,
  listings: [],
  posts: [],
  entities: [],
  language: null,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function fetchedCount(t: TestDatabase, runId: number): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(
    `select count(*)::int as n from crawl_urls where run_id = $1 and status = 'fetched'`,
    [runId],
  );
  return rows[0]!.n;
}

async function assertCompleteAndUnique(t: TestDatabase, range: RunningRange, runId: number, site: string) {
  const { rows } = await t.db.query<{ url: string; status: string }>(
    'select url, status from crawl_urls where run_id = $1',
    [runId],
  );
  expect(rows.filter((r) => r.status !== 'fetched')).toEqual([]);
  const fetched = new Set(rows.map((r) => r.url));
  const missing = range.truth().listings.filter((l) => l.site === site && !fetched.has(l.url));
  expect(missing).toEqual([]);
  const dup = await t.db.query(
    'select url from snapshots where crawl_run_id = $1 group by url having count(*) > 1',
    [runId],
  );
  expect(dup.rows).toEqual([]);
  const snaps = await t.db.query<{ n: number }>(
    'select count(*)::int as n from snapshots where crawl_run_id = $1',
    [runId],
  );
  expect(snaps.rows[0]!.n).toBe(rows.length);
}

describe('pipeline resilience', () => {
  let range: RunningRange;
  let t: TestDatabase;
  beforeAll(async () => {
    // Some latency so that a crawl is still in flight when we interfere with it.
    range = await startRange({ seed: 5, latencyMs: 40 });
    t = await freshDatabase();
  });
  afterAll(async () => {
    await range?.stop();
    await t?.drop();
  });

  it(
    'a worker process killed mid-crawl loses no page and duplicates none',
    { timeout: 240_000 },
    async () => {
      const redis = testRedis('kill');
      const env = {
        ...process.env,
        DATABASE_URL: t.url,
        REDIS_URL: redis.url,
        DARKWATCH_REDIS_PREFIX: redis.prefix.replace(/[^A-Za-z0-9:_-]/g, '_'),
        TOR_SOCKS_URL: range.socksUrl,
        DARKWATCH_JOB_LOCK_MS: '3000',
        LOG_LEVEL: 'silent',
      };
      const worker = (): ChildProcess =>
        spawn(process.execPath, [BIN, 'worker', '--queues', 'crawl', '--concurrency', '4'], {
          env,
          stdio: 'ignore',
        });
      const ws = await operationalWorkspace(t.db);
      const site = range.sites.find((s) => s.name === 'ironbazaar')!;
      const source = await addSource(t.db, ws.id, {
        name: 'kill-test',
        kind: 'market',
        urls: [site.url],
        policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 5000, maxDepth: 8 },
      });
      const client = await openPipelineClient(t.db, redis.url, env.DARKWATCH_REDIS_PREFIX);
      let first: ChildProcess | null = worker();
      let second: ChildProcess | null = null;
      try {
        const run = await startCrawlRun(
          { db: t.db, queues: client.queues, frontier: client.frontier },
          source,
          'manual',
        );
        await until(
          '30 pages',
          async () => ((await fetchedCount(t, run.id)) >= 30 ? true : undefined),
          120_000,
        );
        first.kill('SIGKILL');
        await new Promise((r) => first!.once('exit', r));
        first = null;
        const atKill = await fetchedCount(t, run.id);
        second = worker();
        await until(
          'the run to complete',
          async () => {
            const s = await runState(t.db, client.queues, run.id);
            return s.run.status === 'completed' ? true : undefined;
          },
          180_000,
        );
        expect(await fetchedCount(t, run.id)).toBeGreaterThan(atKill);
        await assertCompleteAndUnique(t, range, run.id, 'ironbazaar');
      } finally {
        first?.kill('SIGKILL');
        second?.kill('SIGTERM');
        if (second) await new Promise((r) => second!.once('exit', r));
        await client.close();
      }
    },
  );

  it('a crawl completes when Redis restarts in the middle of it', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-redis-restart-'));
    let server: LocalRedis = await startLocalRedis(dir);
    const pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: server.url,
      prefix: 'restart',
      proxyUrl: range.socksUrl,
      chromiumPath: '/usr/bin/chromium',
      concurrency: 4,
      extract: noExtraction,
      extractorVersion: 'test',
      log: silent,
      lockDurationMs: 3000,
    });
    try {
      const ws = await operationalWorkspace(t.db);
      const site = range.sites.find((s) => s.name === 'ironbazaar')!;
      const source = await addSource(t.db, ws.id, {
        name: 'redis-restart',
        kind: 'market',
        urls: [site.url],
        policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 5000, maxDepth: 8 },
      });
      const run = await startCrawlRun(
        { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
        source,
        'manual',
      );
      await until(
        '20 pages',
        async () => ((await fetchedCount(t, run.id)) >= 20 ? true : undefined),
        120_000,
      );
      await stopProcess(server.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
      server = await startLocalRedis(dir, server.port);
      await until(
        'the run to complete',
        async () => {
          const s = await runState(t.db, pipeline.queues, run.id).catch(() => undefined);
          return s?.run.status === 'completed' ? true : undefined;
        },
        180_000,
      );
      await assertCompleteAndUnique(t, range, run.id, 'ironbazaar');
    } finally {
      await pipeline.close();
      await stopProcess(server.pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('politeness across worker processes', () => {
  let range: RunningRange;
  let t: TestDatabase;
  beforeAll(async () => {
    range = await startRange({ seed: 6 });
    t = await freshDatabase();
  });
  afterAll(async () => {
    await range?.stop();
    await t?.drop();
  });

  it(
    'holds a source to its requests-per-minute with two worker processes crawling it',
    { timeout: 180_000 },
    async () => {
      const redis = testRedis('polite');
      const prefix = redis.prefix.replace(/[^A-Za-z0-9:_-]/g, '_');
      const env = {
        ...process.env,
        DATABASE_URL: t.url,
        REDIS_URL: redis.url,
        DARKWATCH_REDIS_PREFIX: prefix,
        TOR_SOCKS_URL: range.socksUrl,
        LOG_LEVEL: 'silent',
      };
      const workers = [0, 1].map(() =>
        spawn(process.execPath, [BIN, 'worker', '--queues', 'crawl', '--concurrency', '4'], {
          env,
          stdio: 'ignore',
        }),
      );
      const ws = await operationalWorkspace(t.db);
      const site = range.sites.find((s) => s.name === 'ironbazaar')!;
      const rpm = 300; // 5 requests per second for the whole source, however many workers
      const source = await addSource(t.db, ws.id, {
        name: 'polite',
        kind: 'market',
        urls: [site.url],
        policy: { requestsPerMinute: rpm, concurrency: 8, pageBudget: 5000, maxDepth: 8 },
      });
      const client = await openPipelineClient(t.db, redis.url, prefix);
      try {
        // Both processes are listening before the run starts (starting one can take seconds on a loaded
        // machine), so each of them takes part however long the other took to start.
        await until(
          'two workers',
          async () => ((await client.queues.crawl.getWorkers()).length >= 2 ? true : undefined),
          120_000,
        );
        const run = await startCrawlRun(
          { db: t.db, queues: client.queues, frontier: client.frontier },
          source,
          'manual',
        );
        await until(
          '40 pages',
          async () => ((await fetchedCount(t, run.id)) >= 40 ? true : undefined),
          120_000,
        );
        const { rows } = await t.db.query<{ at: Date }>(
          'select captured_at as at from snapshots where crawl_run_id = $1 order by captured_at',
          [run.id],
        );
        const span = (rows.at(-1)!.at.getTime() - rows[0]!.at.getTime()) / 1000;
        const rate = (rows.length - 1) / span;
        // Capture times trail the grants by each fetch's duration, which varies on a loaded machine and
        // shortens the measured span by up to a second or so: 25% room. Two unshared buckets would
        // give twice the rate.
        expect(rate).toBeLessThanOrEqual((rpm / 60) * 1.25);
        // …and both processes took part: they share one bucket, it is not one process doing it all.
        const done = await client.queues.crawl.getJobs(['completed'], 0, 1000);
        expect(new Set(done.map((j) => j.processedBy)).size).toBe(2);
      } finally {
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
        await client.close();
      }
    },
  );
});
