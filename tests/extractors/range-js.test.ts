// The JavaScript market template (Nocturne) only shows its listings after its script ran, so this
// test renders its pages in Chromium (Debian's, via Playwright) with every request answered by the
// range's template handler in-process — no network, no name resolution — and extracts what the
// browser-mode crawler would store (page.content()).
import { type Browser, type BrowserContext } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedEntity } from '../../core/types.js';
import { extractPage } from '../../extractors/page/extract.js';
import type { RatesTable } from '../../extractors/price.js';
import { EUR_RATES } from '../../range/generate/catalog.js';
import { generateWorld } from '../../range/generate/world.js';
import type { SiteHandler } from '../../range/http/site-server.js';
import { templateHandler } from '../../range/sites/index.js';
import { SITE_DEFS } from '../../range/sites/registry.js';
import { buildTruth, type RangeTruth } from '../../range/truth.js';
import { launchChromium } from '../helpers/chromium.js';

let truth: RangeTruth;
let browser: Browser;
let context: BrowserContext;
const handlers = new Map<string, SiteHandler>();
const rangeRates: RatesTable = {
  date: 'range',
  base: 'EUR',
  rates: Object.fromEntries(Object.entries(EUR_RATES).map(([c, eurPerUnit]) => [c, 1 / eurPerUnit])),
};
const key = (e: ExtractedEntity) => `${e.type}:${e.value}`;

beforeAll(async () => {
  const world = generateWorld({ seed: 11, size: 150 });
  truth = buildTruth(world, 0);
  for (const def of SITE_DEFS) {
    const a = world.addresses.get(def.name)!;
    handlers.set(
      a.onion,
      templateHandler({
        def,
        world,
        epoch: () => 0,
        onion: a.onion,
        mirrors: a.mirrors,
        obstacles: new Set(),
      }),
    );
  }
  browser = await launchChromium();
  context = await browser.newContext({ javaScriptEnabled: true });
  await context.route('**/*', async (route) => {
    const u = new URL(route.request().url());
    const handler = handlers.get(u.hostname);
    if (!handler) return route.abort();
    const r = await handler({
      method: 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: {},
      host: u.hostname,
      cookies: {},
      body: '',
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    await route.fulfill({ status: r.status, headers, body: r.body ?? '' });
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

async function rendered(url: string, selector: string): Promise<string> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForSelector(selector, { timeout: 15_000 });
    return await page.content();
  } finally {
    await page.close();
  }
}

describe('range template market-js (rendered) → ground truth', () => {
  it('listing pages: every field and entity', async () => {
    const listings = truth.listings.filter((l) => l.site === 'nocturne').slice(0, 8);
    expect(listings.length).toBe(8);
    for (const t of listings) {
      const r = await extractPage(await rendered(t.url, 'h1.item-title'), t.url, { rates: rangeRates });
      expect(r.pageType).toBe('listing');
      const got = r.listings[0]!;
      expect(got).toMatchObject({
        title: t.title,
        description: t.description,
        price: t.price,
        vendor: t.vendor,
        category: t.categoryPath,
        shipsFrom: t.shipsFrom,
        shipsTo: t.shipsTo,
        url: t.url,
      });
      expect(new Set(r.entities.map(key))).toEqual(new Set(t.entities.map(key)));
    }
  }, 120_000);

  it('browse page: every card matches its listing', async () => {
    const site = truth.sites.find((s) => s.name === 'nocturne')!;
    const r = await extractPage(await rendered(site.url, 'div.cards div.card'), site.url, {
      rates: rangeRates,
    });
    expect(r.pageType).toBe('listing_index');
    expect(r.listings.length).toBeGreaterThan(5);
    for (const got of r.listings) {
      const t = truth.listings.find((l) => l.url === got.url)!;
      expect(got).toMatchObject({ title: t.title, price: t.price, vendor: t.vendor });
    }
  }, 60_000);
});
