// Runs a crashed process left `running` are expired — quiet frontier AND no live BullMQ job — so
// scheduled recrawls of their source go on; a quiet run whose jobs are still queued is left alone.
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFrontier } from '../../crawler/crawl-run.js';
import { startRange, type RunningRange } from '../../range/range.js';
import { createRun, enqueueUrls, getRun, type CrawlRun } from '../../store/runs.js';
import { addSource, type SourceRecord } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { openQueues, jobId, type PipelineQueues } from '../../workers/queues.js';
import { startPipeline } from '../../workers/runner.js';
import { processRecrawlJob, type RecrawlDeps } from '../../workers/schedule.js';
import { expireStaleRuns } from '../../workers/stale-runs.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const silent = pino({ level: 'silent' });

describe('stale crawl runs', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let redis: Redis;
  let queues: PipelineQueues;
  let deps: RecrawlDeps;
  const r = testRedis('stale');

  beforeAll(async () => {
    [range, t] = await Promise.all([startRange({ seed: 17, size: 60 }), freshDatabase()]);
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
    queues = openQueues(redis, `${r.prefix}:direct`);
    deps = {
      db: t.db,
      queues,
      frontier: new RedisFrontier(redis, `${r.prefix}:direct:run`),
      extractorVersion: 'test',
      log: silent,
      staleRunMs: 60_000,
    };
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await range?.stop();
    await t?.drop();
  });

  async function source(name: string): Promise<SourceRecord> {
    const ws = await operationalWorkspace(t.db);
    const site = range.sites.find((s) => s.name === 'stashbin')!;
    return addSource(t.db, ws.id, {
      name,
      kind: 'paste',
      urls: [site.url],
      fetchMode: 'http',
      policy: { requestsPerMinute: 6000, concurrency: 2, pageBudget: 5, maxDepth: 1, recrawlIntervalSec: 60 },
    });
  }

  /** What a worker that died mid-page leaves: run running, its URL fetching, nothing touched since. */
  async function crashedAgo(run: CrawlRun, minutes: number) {
    await t.db.query(
      `update crawl_runs set status = 'running', created_at = now() - make_interval(mins => $2), started_at = now() - make_interval(mins => $2) where id = $1`,
      [run.id, minutes],
    );
    await t.db.query(
      `update crawl_urls set status = 'fetching', updated_at = now() - make_interval(mins => $2) where run_id = $1`,
      [run.id, minutes],
    );
  }

  async function dropJobs(run: CrawlRun) {
    const { rows } = await t.db.query<{ url: string; depth: number }>(
      'select url, depth from crawl_urls where run_id = $1',
      [run.id],
    );
    for (const u of rows)
      await queues.crawl.remove(jobId.crawl({ runId: run.id, url: u.url, depth: u.depth }));
  }

  it('a quiet run whose jobs are still queued keeps blocking; once its jobs are gone it is abandoned and the tick starts a run', async () => {
    const s = await source('stale-a');
    const tick = { sourceId: s.id, workspaceId: s.workspaceId };
    const old = await startCrawlRun(deps, s, 'scheduled');
    await crashedAgo(old, 120);

    // Jobs still waiting in BullMQ (no worker yet): somebody will process them, so nothing expires.
    expect(await processRecrawlJob(deps, tick)).toMatchObject({ outcome: 'already-running', expired: [] });
    expect((await getRun(t.db, old.id))!.status).toBe('running');

    await dropJobs(old);
    const next = await processRecrawlJob(deps, tick);
    expect(next).toMatchObject({ outcome: 'started', expired: [{ runId: old.id, outcome: 'abandoned' }] });
    const abandoned = (await getRun(t.db, old.id))!;
    expect(abandoned.status).toBe('failed');
    expect(abandoned.error).toMatch(
      /^abandoned: no crawl activity since .* no live crawl job for its 1 open URL/,
    );
    expect(abandoned.finishedAt).not.toBeNull();
    expect(abandoned.pagesFailed).toBe(1);
    const urls = await t.db.query<{ status: string; last_error: string }>(
      'select status, last_error from crawl_urls where run_id = $1',
      [old.id],
    );
    expect(urls.rows).toEqual([{ status: 'failed', last_error: abandoned.error }]);

    // The new run is recent: even without live jobs it is not stale yet.
    const fresh = (await getRun(t.db, next.runId!))!;
    await dropJobs(fresh);
    expect(await processRecrawlJob(deps, tick)).toMatchObject({ outcome: 'already-running', expired: [] });
    expect((await getRun(t.db, fresh.id))!.status).toBe('queued');
  });

  it('a quiet run with nothing left open is completed, not failed; other sources are not touched', async () => {
    const s = await source('stale-b');
    const other = await source('stale-c');
    const done = await createRun(t.db, s.workspaceId, s.id, 'manual');
    await enqueueUrls(t.db, done.id, [{ url: s.baseUrls[0]!, depth: 0 }], null);
    await crashedAgo(done, 30);
    await t.db.query(`update crawl_urls set status = 'fetched' where run_id = $1`, [done.id]);
    await t.db.query(`update crawl_urls set updated_at = now() - interval '30 minutes' where run_id = $1`, [
      done.id,
    ]);
    const elsewhere = await createRun(t.db, other.workspaceId, other.id, 'manual');
    await enqueueUrls(t.db, elsewhere.id, [{ url: other.baseUrls[0]!, depth: 0 }], null);
    await crashedAgo(elsewhere, 30);

    expect(await expireStaleRuns(deps, { quietMs: 60_000, sourceId: s.id })).toEqual([
      { runId: done.id, outcome: 'completed' },
    ]);
    expect((await getRun(t.db, done.id))!.status).toBe('completed');
    expect((await getRun(t.db, elsewhere.id))!.status).toBe('running');
    // Hostile settings cannot expire live work: a zero quiet time still needs the jobs to be gone.
    const live = await startCrawlRun(deps, other, 'manual');
    expect((await expireStaleRuns(deps, { quietMs: 0 })).map((x) => x.runId)).not.toContain(live.id);
  });

  it(
    'with real workers: a run left behind by a crash no longer blocks the schedule',
    { timeout: 60_000 },
    async () => {
      const s = await source('stale-pipeline');
      // A crash before the jobs reached Redis: the frontier rows exist, the jobs never did.
      const left = await createRun(t.db, s.workspaceId, s.id, 'scheduled');
      await enqueueUrls(t.db, left.id, [{ url: s.baseUrls[0]!, depth: 0 }], null);
      await crashedAgo(left, 20);
      const pipeline = await startPipeline({
        databaseUrl: t.url,
        redisUrl: r.url,
        prefix: r.prefix,
        proxyUrl: range.socksUrl,
        chromiumPath: '/usr/bin/chromium',
        concurrency: 2,
        extract: () => ({
          pageType: 'other',
          site: null,
          listings: [],
          posts: [],
          entities: [],
          language: null,
        }),
        extractorVersion: 'test',
        log: silent,
        recrawlEveryMs: 500,
        staleRunMs: 5 * 60_000,
      });
      try {
        const deadline = Date.now() + 45_000;
        for (;;) {
          const { rows } = await t.db.query<{ n: number }>(
            `select count(*)::int as n from crawl_runs where source_id = $1 and id > $2 and status = 'completed'`,
            [s.id, left.id],
          );
          if (rows[0]!.n >= 1) break;
          if (Date.now() > deadline) throw new Error('no scheduled run completed after the stale one');
          await new Promise((res) => setTimeout(res, 200));
        }
      } finally {
        await pipeline.close();
      }
      const after = (await getRun(t.db, left.id))!;
      expect(after.status).toBe('failed');
      expect(after.error).toMatch(/^abandoned:/);
    },
  );
});
