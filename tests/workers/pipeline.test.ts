// The crawl pipeline end to end against the training range, through its SOCKS gateway, with real
// PostgreSQL, Redis and BullMQ workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startRange, type RunningRange } from '../../range/range.js';
import { addSource, getSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun, processCrawlJob } from '../../workers/crawl.js';
import { runState, runSummary } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import type { PageExtractor } from '../../workers/extract.js';

const noExtraction: PageExtractor = () => ({
  pageType: 'other',
  site: null,
  listings: [],
  posts: [],
  entities: [],
  language: null,
});

async function waitSettled(p: RunningPipeline, runId: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await runState(p.db, p.queues, runId);
    if (state.settled) return state;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} not settled: ${JSON.stringify(state.progress)} ${state.run.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('crawl pipeline against the range', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  let prefix: string;

  beforeAll(async () => {
    range = await startRange({ seed: 11 });
    t = await freshDatabase();
    const redis = testRedis('pipeline');
    prefix = redis.prefix;
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      concurrency: 6,
      extract: noExtraction,
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await pipeline?.close();
    await range?.stop();
    await t?.drop();
  });

  it('fetches every listing page of a server-rendered market, leaks nothing and isolates the source', async () => {
    const site = range.sites.find((s) => s.name === 'ironbazaar')!;
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'ironbazaar',
      kind: 'market',
      urls: [site.url],
      fetchMode: 'http',
      policy: { requestsPerMinute: 60_000, concurrency: 6, pageBudget: 5000, maxDepth: 8 },
    });
    const frontier = pipeline.frontier;
    const run = await startCrawlRun({ db: t.db, queues: pipeline.queues, frontier }, source, 'manual');
    const state = await waitSettled(pipeline, run.id);
    expect(state.run.status).toBe('completed');

    const { rows } = await t.db.query<{ url: string }>(
      `select url from crawl_urls where run_id = $1 and status = 'fetched'`,
      [run.id],
    );
    const fetched = new Set(rows.map((r) => r.url));
    const truthUrls = range
      .truth()
      .listings.filter((l) => l.site === 'ironbazaar')
      .map((l) => l.url);
    expect(truthUrls.length).toBeGreaterThan(50);
    const missing = truthUrls.filter((u) => !fetched.has(u));
    expect(missing).toEqual([]);

    const counters = range.counters();
    expect(counters.refused).toBe(0);
    const users = Object.keys(counters.byUser ?? {});
    expect(users).toEqual([`dw-${source.id}`]);

    const summary = await runSummary(t.db, run.id);
    expect(summary).toMatchObject({ run: run.id, failed: 0 });
    expect(summary.pages).toBe(fetched.size);

    // Every fetched page is evidence: exact bytes, hash checked by the database.
    const evidence = await t.db.query<{ n: number }>(
      `select count(*)::int as n from snapshots s join blobs b on b.sha256 = s.content_sha256 where s.crawl_run_id = $1`,
      [run.id],
    );
    expect(evidence.rows[0]!.n).toBe(fetched.size);
  });

  it('processes a page job twice without fetching or storing it twice', async () => {
    const ws = await operationalWorkspace(t.db);
    const source = (await getSource(t.db, ws.id, 'ironbazaar'))!;
    const frontier = pipeline.frontier;
    const run = await startCrawlRun({ db: t.db, queues: pipeline.queues, frontier }, source, 'manual');
    await waitSettled(pipeline, run.id);
    const before = await t.db.query<{ n: number }>(
      'select count(*)::int as n from snapshots where crawl_run_id = $1',
      [run.id],
    );
    const deps = {
      db: t.db,
      redis: pipeline.redis,
      queues: pipeline.queues,
      frontier,
      politeness: undefined as never,
      http: undefined as never,
      browser: () => null,
      proxyUrl: range.socksUrl,
      extractorVersion: 'test',
      mirrors: new Map(),
      log: pino({ level: 'silent' }),
    };
    const outcome = await processCrawlJob(deps, { runId: run.id, url: source.baseUrls[0]!, depth: 0 }, 0, 4);
    expect(outcome).toBe('skipped');
    const after = await t.db.query<{ n: number }>(
      'select count(*)::int as n from snapshots where crawl_run_id = $1',
      [run.id],
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
