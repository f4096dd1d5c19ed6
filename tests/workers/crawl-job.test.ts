// One crawl job at a time, driven directly (no worker loop), against the range through its SOCKS
// gateway, with real Redis, PostgreSQL and BullMQ queues: what a single page job does to the source's
// politeness budget.
import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFrontier } from '../../crawler/crawl-run.js';
import { HttpFetcher, type HttpFetchOptions, type HttpFetchResult } from '../../crawler/fetch-http.js';
import { Politeness, type SourceLimits } from '../../crawler/politeness.js';
import { startRange, type RunningRange } from '../../range/range.js';
import { addSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { processCrawlJob, startCrawlRun, type CrawlDeps } from '../../workers/crawl.js';
import { jobId, openQueues, type PipelineQueues } from '../../workers/queues.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

/** The real token bucket, recording which source keys are inside a politeness slot right now. */
class WatchedPoliteness extends Politeness {
  readonly inside = new Map<string, number>();
  override async run<T>(
    source: string,
    limits: SourceLimits,
    fn: () => Promise<T>,
    opts?: Parameters<Politeness['run']>[3],
  ): Promise<T> {
    return super.run(
      source,
      limits,
      async () => {
        this.inside.set(source, (this.inside.get(source) ?? 0) + 1);
        try {
          return await fn();
        } finally {
          this.inside.set(source, this.inside.get(source)! - 1);
        }
      },
      opts as never,
    );
  }
}

/** The real HTTP fetcher, noting for each URL whether a politeness slot of the source was held. */
class WatchedHttp extends HttpFetcher {
  readonly log: Array<{ url: string; polite: boolean }> = [];
  constructor(
    private readonly politeness: WatchedPoliteness,
    private readonly key: () => string,
  ) {
    super();
  }
  override fetch(url: string, opts: HttpFetchOptions): Promise<HttpFetchResult> {
    this.log.push({ url, polite: (this.politeness.inside.get(this.key()) ?? 0) > 0 });
    return super.fetch(url, opts);
  }
}

describe('a crawl job', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let redis: Redis;
  let queues: PipelineQueues;
  const r = testRedis('crawl-job');

  beforeAll(async () => {
    [range, t] = await Promise.all([startRange({ seed: 31, size: 60 }), freshDatabase()]);
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
    queues = openQueues(redis, r.prefix);
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await range?.stop();
    await t?.drop();
  });

  function deps(politeness: Politeness, http: HttpFetcher): CrawlDeps {
    return {
      db: t.db,
      redis,
      queues,
      politeness,
      http,
      frontier: new RedisFrontier(redis, `${r.prefix}:run`),
      browser: () => null,
      proxyUrl: range.socksUrl,
      extractorVersion: 'test',
      mirrors: new Map(),
      log: pino({ level: 'silent' }),
    };
  }

  it("fetches the signed mirror list inside the source's politeness budget, like every page", async () => {
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    const probe = new HttpFetcher();
    const key = (await probe.fetch(`${market.url}pgp.txt`, { proxyUrl: range.socksUrl, identity: 'analyst' }))
      .body;
    probe.close();
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'polite-mirrors',
      kind: 'market',
      urls: [market.url],
      pgpKey: key,
      policy: { requestsPerMinute: 6000, concurrency: 1, pageBudget: 3, maxDepth: 1 },
    });
    const politeness = new WatchedPoliteness(redis, `${r.prefix}:polite`);
    const http = new WatchedHttp(politeness, () => String(source.id));
    try {
      const d = deps(politeness, http);
      const run = await startCrawlRun(d, source, 'manual');
      const outcome = await processCrawlJob(d, { runId: run.id, url: source.baseUrls[0]!, depth: 0 }, 0, 4);
      expect(outcome).toBe('fetched');
      expect(http.log.map((l) => new URL(l.url).pathname)).toEqual(['/mirrors.txt', '/']);
      expect(http.log.every((l) => l.polite)).toBe(true);
      // The list was used: its mirrors were added.
      const { rows } = await t.db.query(
        `select 1 from source_mirrors where source_id = $1 and origin = 'signed_list'`,
        [source.id],
      );
      expect(rows.length).toBe(market.mirrors.length);
    } finally {
      http.close();
    }
  });
  // A worker killed mid-job leaves its page 'fetching'; BullMQ runs the job again once the lock
  // lapses. Each test stops the first execution at one point between two writes that are not one
  // transaction, and checks the second execution repairs it.
  it('run again after dying between queueing its children in the table and in BullMQ, queues them', async () => {
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'crash-children',
      kind: 'market',
      urls: [market.url],
      policy: { requestsPerMinute: 60_000, concurrency: 2, pageBudget: 40, maxDepth: 2 },
    });
    const politeness = new Politeness(redis, `${r.prefix}:polite`);
    const http = new HttpFetcher();
    const d = deps(politeness, http);
    const addBulk = queues.crawl.addBulk.bind(queues.crawl);
    try {
      const run = await startCrawlRun(d, source, 'manual');
      const seed = { runId: run.id, url: source.baseUrls[0]!, depth: 0 };
      queues.crawl.addBulk = () => Promise.reject(new Error('killed'));
      await expect(processCrawlJob(d, seed, 0, 4)).rejects.toThrow('killed');
      queues.crawl.addBulk = addBulk;
      const children = await t.db.query<{ url: string; depth: number }>(
        `select url, depth from crawl_urls where run_id = $1 and discovered_from = $2`,
        [run.id, seed.url],
      );
      expect(children.rows.length).toBeGreaterThan(3);
      const queued = async () =>
        (
          await Promise.all(
            children.rows.map((c) =>
              queues.crawl.getJobState(jobId.crawl({ runId: run.id, url: c.url, depth: c.depth })),
            ),
          )
        ).filter((s) => s !== 'unknown').length;
      expect(await queued()).toBe(0);
      expect(await processCrawlJob(d, seed, 0, 4)).toBe('fetched');
      expect(await queued()).toBe(children.rows.length);
    } finally {
      queues.crawl.addBulk = addBulk;
      http.close();
    }
  });

  it('run again after dying between closing the last page and closing the run, closes the run', async () => {
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'crash-last-page',
      kind: 'market',
      urls: [market.url],
      policy: { requestsPerMinute: 60_000, concurrency: 1, pageBudget: 1, maxDepth: 0 },
    });
    const http = new HttpFetcher();
    const d = { ...deps(new Politeness(redis, `${r.prefix}:polite`), http) };
    try {
      const run = await startCrawlRun(d, source, 'manual');
      const seed = { runId: run.id, url: source.baseUrls[0]!, depth: 0 };
      // The page's own bookkeeping succeeds; the run's does not (the process dies there).
      const query = t.db.query.bind(t.db);
      d.db = new Proxy(t.db, {
        get(target, prop, receiver) {
          if (prop !== 'query') return Reflect.get(target, prop, receiver);
          return (text: unknown, ...rest: unknown[]) =>
            typeof text === 'string' && /^\s*update crawl_runs set status = \$2/.test(text)
              ? Promise.reject(new Error('killed'))
              : (query as (...a: unknown[]) => unknown)(text, ...rest);
        },
      });
      await expect(processCrawlJob(d, seed, 0, 4)).rejects.toThrow('killed');
      d.db = t.db;
      const status = async () =>
        (await t.db.query<{ status: string }>('select status from crawl_runs where id = $1', [run.id]))
          .rows[0]!.status;
      expect(await status()).toBe('running');
      expect(await processCrawlJob(d, seed, 0, 4)).toBe('skipped');
      expect(await status()).toBe('completed');
    } finally {
      http.close();
    }
  });
});
