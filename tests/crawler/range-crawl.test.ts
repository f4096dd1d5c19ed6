// Crawls of real range sites through the range's SOCKS gateway with the crawler's building blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { BrowserFetcher } from '../../crawler/fetch-browser.js';
import { HttpFetcher } from '../../crawler/fetch-http.js';
import { fetchMirrorList } from '../../crawler/mirrors.js';
import { sourceIdentity } from '../../crawler/proxy.js';
import { Scope } from '../../crawler/scope.js';
import { miniCrawl } from './helpers/mini-crawl.js';

let range: RunningRange;
const http = new HttpFetcher();
let browser: BrowserFetcher;
const timeouts = { connectMs: 20_000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 };

beforeAll(async () => {
  range = await startRange({ seed: 3, size: 40, obstacles: ['traps'] });
  browser = new BrowserFetcher({ proxyUrl: range.socksUrl, maxContexts: 2, http });
});
afterAll(async () => {
  await browser?.close();
  http.close();
  await range?.stop();
});

const site = (name: string) => range.sites.find((s) => s.name === name)!;
const scopeOf = (name: string) =>
  new Scope({
    baseUrls: [site(name).url, ...site(name).mirrors.map((m) => `http://${m}/`)],
    include: [],
    exclude: ['/logout'],
    maxDepth: 8,
    pageBudget: 2000,
    allowImages: false,
  });
const listingUrls = (name: string) =>
  new Set(
    range
      .truth()
      .listings.filter((l) => l.site === name)
      .map((l) => l.url),
  );

describe('crawling range sites', () => {
  it('a table market in http mode: every listing in the ground truth, traps cut off, nothing refused', async () => {
    const expected = listingUrls('ironbazaar');
    expect(expected.size).toBeGreaterThan(3);
    const id = sourceIdentity('ironbazaar');
    const r = await miniCrawl(
      scopeOf('ironbazaar'),
      ['/'],
      { identity: id, fetchMode: 'http', policy: { allowImages: false, javascript: false }, session: null },
      { proxyUrl: range.socksUrl, http, timeouts },
    );
    const missing = [...expected].filter((u) => !r.pages.has(u));
    expect(missing).toEqual([]);
    expect(r.failed.size).toBe(0);
    expect(r.dropped.some((d) => d.why.kind === 'trap')).toBe(true); // the events calendar
    expect(r.pages.size).toBeLessThan(400);
    const c = range.counters();
    expect(c.refused).toBe(0);
    // keep-alive reuses streams, so fewer streams than pages — but all of them under this source's name
    expect(c.byUser[id]?.streams).toBeGreaterThan(0);
    expect(
      Object.keys(c.byUser[id]?.destinations ?? {}).every((d) => d.startsWith(site('ironbazaar').onion)),
    ).toBe(true);
  });

  it('the forum with per-link session ids is crawled once per page', async () => {
    const r = await miniCrawl(
      scopeOf('balkanboard'),
      ['/'],
      {
        identity: sourceIdentity('forum'),
        fetchMode: 'http',
        policy: { allowImages: false, javascript: false },
        session: null,
      },
      { proxyUrl: range.socksUrl, http, timeouts },
    );
    const urls = [...r.pages.keys()];
    expect(urls.some((u) => /[?&]sid=/.test(u))).toBe(false);
    const postPages = new Set(
      range
        .truth()
        .posts.filter((p) => p.site === 'balkanboard')
        .map((p) => p.url),
    );
    expect(postPages.size).toBeGreaterThan(0);
    expect([...postPages].filter((u) => !r.pages.has(u))).toEqual([]);
    // the forum calendar (prev/next forever) stops at depth or at the per-template date limit
    expect(urls.filter((u) => u.includes('/calendar/')).length).toBeLessThanOrEqual(24);
    expect(
      r.dropped.some((d) => d.url?.includes('/calendar/') && ['trap', 'too_deep'].includes(d.why.kind)),
    ).toBe(true);
    expect(r.pages.size).toBeLessThan(500);
  });

  it('the JS market is only complete in auto mode', async () => {
    const expected = listingUrls('nocturne');
    const base = { policy: { allowImages: false, javascript: false }, session: null };
    const plain = await miniCrawl(
      scopeOf('nocturne'),
      ['/'],
      { ...base, identity: sourceIdentity('noct-http'), fetchMode: 'http' },
      {
        proxyUrl: range.socksUrl,
        http,
        timeouts,
      },
    );
    const plainFound = [...expected].filter((u) => plain.pages.has(u)).length;
    expect(plainFound).toBeLessThan(expected.size);
    const auto = await miniCrawl(
      scopeOf('nocturne'),
      ['/'],
      { ...base, identity: sourceIdentity('noct-auto'), fetchMode: 'auto' },
      { proxyUrl: range.socksUrl, http, browser, timeouts },
      2,
    );
    expect([...expected].filter((u) => !auto.pages.has(u))).toEqual([]);
    expect([...auto.pages.values()].some((p) => p.mode === 'browser')).toBe(true);
    const c = range.counters();
    expect(c.refused).toBe(0);
    expect(c.byUser[sourceIdentity('noct-auto')]?.streams).toBeGreaterThan(0);
  });

  it("a market's signed mirror list verifies with its key; the clone's does not", async () => {
    const fetchText = async (url: string) => {
      const r = await http.fetch(url, {
        proxyUrl: range.socksUrl,
        identity: sourceIdentity('mirrors'),
        timeouts,
      });
      return { status: r.status, body: r.body };
    };
    const key = (await fetchText(new URL('/pgp.txt', site('ironbazaar').url).toString())).body;
    const good = await fetchMirrorList(fetchText, site('ironbazaar').url, key);
    expect(good.status).toBe('valid');
    if (good.status === 'valid') expect(good.mirrors).toContain(`http://${site('ironbazaar').onion}`);
    const clone = await fetchMirrorList(fetchText, site('ironbazaar-clone').url, key);
    expect(clone.status).toBe('phishing');
  });
});
