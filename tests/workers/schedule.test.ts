// Scheduled recrawls through real BullMQ job schedulers, Redis, PostgreSQL and the range: ticks
// start runs, a tick during a run starts nothing, and the schedulers follow the sources table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { startRange, type RunningRange } from '../../range/range.js';
import { addSource, removeSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import type { PageExtractor } from '../../workers/extract.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { startPipeline } from '../../workers/runner.js';
import { openScheduleQueue, schedulerId, syncRecrawlSchedules } from '../../workers/schedule.js';
import { runCli } from '../helpers/cli.js';
import { syncSchedulesFromCli } from '../../cli/schedules.js';
import { loadConfig } from '../../core/config.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const noExtraction: PageExtractor = () => ({
  pageType: 'other',
  site: null,
  listings: [],
  posts: [],
  entities: [],
  language: null,
});

describe('scheduled recrawls', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let redis: Redis;
  const r = testRedis('schedule');
  beforeAll(async () => {
    [range, t] = await Promise.all([startRange({ seed: 8, size: 60 }), freshDatabase()]);
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await range?.stop();
    await t?.drop();
  });

  async function schedulers(prefix: string): Promise<Array<{ key: string; every?: number }>> {
    const q = openScheduleQueue(redis, prefix);
    try {
      return (await q.getJobSchedulers(0, -1)).map((s) => ({ key: s.key, every: s.every }));
    } finally {
      await q.close();
    }
  }

  it(
    'starts a run per tick, never two at once, and only for sources with an interval',
    { timeout: 90_000 },
    async () => {
      const ws = await operationalWorkspace(t.db);
      const site = range.sites.find((s) => s.name === 'stashbin')!;
      // ~2 s per run at 4 pages/s: longer than the 1 s tick, so some ticks find a run in progress.
      const scheduled = await addSource(t.db, ws.id, {
        name: 'stash-scheduled',
        kind: 'paste',
        urls: [site.url],
        fetchMode: 'http',
        policy: {
          requestsPerMinute: 240,
          concurrency: 2,
          pageBudget: 8,
          maxDepth: 2,
          recrawlIntervalSec: 60,
        },
      });
      const manual = await addSource(t.db, ws.id, {
        name: 'stash-manual',
        kind: 'paste',
        urls: [site.url],
        fetchMode: 'http',
      });

      const pipeline = await startPipeline({
        databaseUrl: t.url,
        redisUrl: r.url,
        prefix: r.prefix,
        proxyUrl: range.socksUrl,
        chromiumPath: '/usr/bin/chromium',
        concurrency: 4,
        extract: noExtraction,
        extractorVersion: 'test',
        log: pino({ level: 'silent' }),
        recrawlEveryMs: 1000,
      });
      const prefix = await pipelinePrefix(t.db, r.prefix);
      const outcomes: string[] = [];
      pipeline.workers
        .at(-1)!
        .on('completed', (_job, result: { outcome: string }) => outcomes.push(result.outcome));
      try {
        expect(await schedulers(prefix)).toEqual([{ key: schedulerId(scheduled.id), every: 1000 }]);
        const deadline = Date.now() + 60_000; // ~5 s alone; a loaded CI machine is slower
        for (;;) {
          const { rows } = await t.db.query<{ n: number }>(
            `select count(*)::int as n from crawl_runs where source_id = $1 and status = 'completed'`,
            [scheduled.id],
          );
          if (rows[0]!.n >= 2) break;
          if (Date.now() > deadline)
            throw new Error(`only ${rows[0]!.n} scheduled runs completed; ticks: ${outcomes.join(',')}`);
          await new Promise((res) => setTimeout(res, 200));
        }
      } finally {
        await pipeline.close();
      }
      const { rows: runs } = await t.db.query<{
        id: number;
        sourceId: number;
        trigger: string;
        status: string;
        createdAt: Date;
        finishedAt: Date | null;
      }>(
        `select id, source_id as "sourceId", trigger, status, created_at as "createdAt", finished_at as "finishedAt" from crawl_runs order by id`,
      );
      expect(runs.every((x) => x.sourceId === scheduled.id && x.trigger === 'scheduled')).toBe(true);
      expect(runs.filter((x) => x.status === 'completed').length).toBeGreaterThanOrEqual(2);
      // No overlap: each run was created after the previous one had finished.
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i - 1]!.finishedAt).not.toBeNull();
        expect(runs[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
      }
      expect(outcomes.filter((o) => o === 'started')).toHaveLength(runs.length);
      expect(outcomes).toContain('already-running');
      expect(runs.some((x) => x.sourceId === manual.id)).toBe(false);
    },
  );

  it('syncs schedulers with the sources table: interval changes, removals', async () => {
    const ws = await operationalWorkspace(t.db);
    const prefix = await pipelinePrefix(t.db, r.prefix);
    const before = await schedulers(prefix);
    expect(before.map((s) => s.key)).toEqual([expect.stringMatching(/^recrawl-\d+$/)]);
    await t.db.query(
      `update sources set policy = policy || '{"recrawlIntervalSec": 3600}' where name = 'stash-scheduled'`,
    );
    await syncRecrawlSchedules(t.db, { prefix, redis });
    expect(await schedulers(prefix)).toEqual([{ key: before[0]!.key, every: 3_600_000 }]);
    // A source with evidence is disabled rather than deleted; either way its scheduler goes.
    expect(await removeSource(t.db, ws.id, 'stash-scheduled')).toBe(true);
    const result = await syncRecrawlSchedules(t.db, { prefix, redis });
    expect(result.removed).toEqual([Number(before[0]!.key.slice('recrawl-'.length))]);
    expect(await schedulers(prefix)).toEqual([]);
  });

  it('`source add --recrawl` and `source rm` keep the schedulers in step', async () => {
    const env = { DATABASE_URL: t.url, REDIS_URL: r.url, DARKWATCH_REDIS_PREFIX: r.prefix };
    const prefix = await pipelinePrefix(t.db, r.prefix);
    const onion = 'http://' + 'c'.repeat(55) + 'd.onion/';
    const add = await runCli(['source', 'add', 'sched-cli', onion, '--recrawl', '120', '--json'], { env });
    expect(add.stderr).toBe('');
    const id = JSON.parse(add.stdout).id as number;
    expect(await schedulers(prefix)).toEqual([{ key: schedulerId(id), every: 120_000 }]);
    const rm = await runCli(['source', 'rm', 'sched-cli'], { env });
    expect(rm.stderr).toBe('');
    expect(await schedulers(prefix)).toEqual([]);
  });

  it('a source change from the CLI stands when Redis is down: one warning, bounded wait', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (
      written.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    const started = Date.now();
    try {
      await syncSchedulesFromCli(
        t.db,
        loadConfig({ REDIS_URL: 'redis://127.0.0.1:9' }),
        'redis://127.0.0.1:9',
      );
    } finally {
      process.stderr.write = original;
    }
    expect(Date.now() - started).toBeLessThan(10_000); // refused at once; only a retry loop would take longer
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^darkwatch: warning: recrawl schedules not synced \(.*\); workers sync them when they start\n$/,
    );
  });
});
