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
import { openQueues, type PipelineQueues } from '../../workers/queues.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

/** The real token bucket, recording which source keys are inside a politeness slot right now. */
class WatchedPoliteness extends Politeness {
  readonly inside = new Map<string, number>();
  override async run<T>(source: string, limits: SourceLimits, fn: () => Promise<T>, opts?: Parameters<Politeness['run']>[3]): Promise<T> {
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
  constructor(private readonly politeness: WatchedPoliteness, private readonly key: () => string) {
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
      db: t.db, redis, queues, politeness, http, frontier: new RedisFrontier(redis, `${r.prefix}:run`),
      browser: () => null, proxyUrl: range.socksUrl, extractorVersion: 'test', mirrors: new Map(), log: pino({ level: 'silent' }),
    };
  }

  it('fetches the signed mirror list inside the source\'s politeness budget, like every page', async () => {
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    const probe = new HttpFetcher();
    const key = (await probe.fetch(`${market.url}pgp.txt`, { proxyUrl: range.socksUrl, identity: 'analyst' })).body;
    probe.close();
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'polite-mirrors', kind: 'market', urls: [market.url], pgpKey: key,
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
      const { rows } = await t.db.query(`select 1 from source_mirrors where source_id = $1 and origin = 'signed_list'`, [source.id]);
      expect(rows.length).toBe(market.mirrors.length);
    } finally {
      http.close();
    }
  });
});
