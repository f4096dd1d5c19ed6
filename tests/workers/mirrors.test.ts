// Mirrors: a signed mirror list adds mirrors, a clone's list is reported as phishing and never
// followed, and a dead primary fails over to a mirror.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFetcher } from '../../crawler/fetch-http.js';
import { deriveSiteKey } from '../../range/onion.js';
import { startRange, type RunningRange } from '../../range/range.js';
import { addSource, getSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

describe('mirrors', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  let marketKey: string;

  beforeAll(async () => {
    range = await startRange({ seed: 31, size: 120 });
    t = await freshDatabase();
    const redis = testRedis('mirrors');
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: redis.prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: '/usr/bin/chromium',
      concurrency: 4,
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
      extract: () => ({
        pageType: 'other',
        site: null,
        listings: [],
        posts: [],
        entities: [],
        language: null,
      }),
    });
    const http = new HttpFetcher();
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    marketKey = (await http.fetch(`${market.url}pgp.txt`, { proxyUrl: range.socksUrl, identity: 'analyst' }))
      .body;
    http.close();
    expect(marketKey).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });
  afterAll(async () => {
    await pipeline?.close();
    await range?.stop();
    await t?.drop();
  });

  async function crawl(name: string, urls: string[], pgpKey: string | null) {
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name,
      kind: 'market',
      urls,
      pgpKey,
      policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 6, maxDepth: 2 },
    });
    const run = await startCrawlRun(
      { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
      source,
      'manual',
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await runState(t.db, pipeline.queues, run.id);
      if (s.run.status !== 'queued' && s.run.status !== 'running')
        return { run: s.run, source: (await getSource(t.db, ws.id, name))! };
      if (Date.now() > deadline) throw new Error('run did not finish');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('adds the mirrors of a list signed with the pinned key', async () => {
    const market = range.sites.find((s) => s.name === 'ironbazaar')!;
    const { run, source } = await crawl('signed', [market.url], marketKey);
    expect(run.status).toBe('completed');
    const fromList = source.mirrors
      .filter((m) => m.origin === 'signed_list')
      .map((m) => new URL(m.url).host)
      .sort();
    expect(fromList).toEqual([...market.mirrors].sort());
    expect(source.lastError).toBeNull();
  });

  it("reports a clone's mirror list as phishing and follows none of it", async () => {
    const clone = range.sites.find((s) => s.cloneOf === 'ironbazaar')!;
    const { source } = await crawl('clone', [clone.url], marketKey);
    expect(source.lastError).toMatch(/phishing/);
    expect(source.mirrors.filter((m) => m.origin === 'signed_list')).toEqual([]);
  });

  it('fails over from a dead primary to a mirror', async () => {
    const market = range.sites.find((s) => s.name === 'blackforge')!;
    const dead = `http://${deriveSiteKey(999, 'nowhere').onion}/`;
    const { run } = await crawl('failover', [dead, market.url], null);
    expect(run.status).toBe('completed');
    const { rows } = await t.db.query<{ final_url: string }>(
      'select final_url from snapshots where crawl_run_id = $1',
      [run.id],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.final_url.startsWith(market.url))).toBe(true);
  });
});
