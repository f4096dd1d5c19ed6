import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CrawlRun,
  planLinks,
  planSeeds,
  RedisFrontier,
  type FrontierEntry,
} from '../../crawler/crawl-run.js';
import { Scope } from '../../crawler/scope.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

const P = 'http://primary.onion';
const M = 'http://mirror.onion';
const scope = (over: Partial<ConstructorParameters<typeof Scope>[0]> = {}) =>
  new Scope({
    baseUrls: [P, M],
    include: [],
    exclude: ['/logout'],
    maxDepth: 2,
    pageBudget: 10,
    allowImages: false,
    ...over,
  });

/** A synthetic site: every page links to two children, a mirror copy, a logout and an outside link. */
function linksOf(url: string): string[] {
  const path = new URL(url).pathname;
  return [
    `${path.replace(/\/$/, '')}/a`,
    `${path.replace(/\/$/, '')}/b`,
    `${M}${path}`,
    '/logout',
    'http://elsewhere.onion/',
  ];
}

describe('planLinks (pure)', () => {
  it('plans depth, folds mirrors, drops off-site/excluded, dedups within a page', () => {
    const parent: FrontierEntry = { url: `${P}/x`, depth: 1, parent: null };
    const plan = planLinks(scope(), parent, [
      '/x/a',
      `${M}/x/a`,
      '/logout',
      'http://elsewhere.onion/',
      'javascript:0',
    ]);
    expect(plan.candidates.map((c) => [c.url, c.depth])).toEqual([[`${P}/x/a`, 2]]);
    expect(plan.dropped.map((d) => d.why.kind).sort()).toEqual(['excluded', 'invalid_url', 'off_site']);
    expect(planSeeds(scope(), []).candidates[0]?.url).toBe(`${P}/`);
  });
});

describe('CrawlRun (in memory)', () => {
  it('crawls a synthetic site to completion within depth and budget, each URL once', () => {
    const run = new CrawlRun(scope({ pageBudget: 100 }));
    const queue = [...run.seeds(['/']).admitted];
    const fetched: string[] = [];
    for (let guard = 0; queue.length && guard < 1000; guard++) {
      const e = queue.shift() as FrontierEntry;
      fetched.push(e.url);
      queue.push(...run.completed(e, linksOf(e.url)).admitted);
    }
    expect(run.done).toBe(true);
    expect(new Set(fetched).size).toBe(fetched.length);
    expect(fetched).toHaveLength(1 + 2 + 4); // depth 0..2
    expect(run.counters.fetched).toBe(7);
  });
  it('stops at the page budget', () => {
    const run = new CrawlRun(scope({ maxDepth: 10 }), 5);
    const queue = [...run.seeds(['/']).admitted];
    let n = 0;
    while (queue.length && n < 100) {
      const e = queue.shift() as FrontierEntry;
      n++;
      queue.push(...run.completed(e, linksOf(e.url)).admitted);
    }
    expect(n).toBe(5);
    expect(run.counters.admitted).toBe(5);
  });
  it('calendar traps are cut off by the trap-group limit', () => {
    const run = new CrawlRun(scope({ maxDepth: 1000, pageBudget: 1000, traps: { maxDatesPerTemplate: 5 } }));
    let e: FrontierEntry = run.seeds(['/cal/2026-01-01']).admitted[0] as FrontierEntry;
    let pages = 1;
    for (let day = 2; day < 400; day++) {
      const next = run.completed(e, [
        `/cal/2026-01-${String(day).padStart(2, '0')}`,
        `/cal/2026-${String(Math.ceil(day / 28)).padStart(2, '0')}-01`,
      ]).admitted;
      if (!next.length) break;
      e = next[0] as FrontierEntry;
      pages++;
    }
    expect(pages).toBe(5);
  });
  it('handles hostile link lists (huge, junk) without losing state', () => {
    const run = new CrawlRun(scope({ pageBudget: 50 }));
    const [seed] = run.seeds(['/']).admitted;
    const junk = Array.from({ length: 5000 }, (_, i) => (i % 3 ? `/p/${i}` : `\u0000:${i}`));
    const r = run.completed(seed as FrontierEntry, junk);
    expect(r.admitted).toHaveLength(49);
    expect(run.counters.admitted).toBe(50);
  });
});

describe('RedisFrontier (shared by processes)', () => {
  let srv: TestRedis;
  let a: Redis;
  let b: Redis;
  beforeAll(async () => {
    srv = await startRedis();
    a = new Redis(srv.url);
    b = new Redis(srv.url);
  });
  afterAll(async () => {
    await a?.quit();
    await b?.quit();
    await srv?.stop();
  });

  it('two workers admitting the same links concurrently admit each once, within budget', async () => {
    const fa = new RedisFrontier(a);
    const fb = new RedisFrontier(b);
    const s = scope({ pageBudget: 30, maxDepth: 5 });
    const parent: FrontierEntry = { url: `${P}/`, depth: 0, parent: null };
    const links = Array.from({ length: 50 }, (_, i) => `/item/${i}`);
    const [ra, rb] = await Promise.all([
      fa.admit('run1', 30, planLinks(s, parent, links)),
      fb.admit('run1', 30, planLinks(s, parent, [...links].reverse())),
    ]);
    const all = [...ra.admitted, ...rb.admitted].map((e) => e.url);
    expect(all).toHaveLength(30);
    expect(new Set(all).size).toBe(30);
    const st = await fa.stats('run1');
    expect(st).toMatchObject({ admitted: 30, pending: 30 });
    // outcomes count once even if a retried job reports twice
    expect(await fa.done('run1', all[0] as string, 'fetched')).toBe(true);
    expect(await fb.done('run1', all[0] as string, 'fetched')).toBe(false);
    await fa.done('run1', all[1] as string, 'failed');
    expect(await fa.stats('run1')).toMatchObject({ fetched: 1, failed: 1, pending: 28 });
    for (const u of all.slice(2)) await fa.done('run1', u, 'fetched');
    expect(await fb.finished('run1')).toBe(true);
  });
  it('enforces trap groups across processes', async () => {
    const fa = new RedisFrontier(a);
    const fb = new RedisFrontier(b);
    const s = scope({ maxDepth: 5, pageBudget: 1000, traps: { maxQueryVariantsPerPath: 4 } });
    const parent: FrontierEntry = { url: `${P}/`, depth: 0, parent: null };
    const links = (from: number) => Array.from({ length: 5 }, (_, i) => `/search?q=${from + i}`);
    const [ra, rb] = await Promise.all([
      fa.admit('run2', 1000, planLinks(s, parent, links(0))),
      fb.admit('run2', 1000, planLinks(s, parent, links(100))),
    ]);
    expect(ra.admitted.length + rb.admitted.length).toBe(4);
    expect([...ra.dropped, ...rb.dropped].filter((d) => d.why.kind === 'trap')).toHaveLength(6);
  });
});
