// Every range template extracts to the range's ground truth: listing pages field by field, index
// and vendor pages row by row, forum threads and pastes post by post. Pages are rendered by the
// range's own template handlers (no network, no obstacles), exactly the HTML the crawler stores.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedEntity } from '../../core/types.js';
import { extractPage, type PageExtraction } from '../../extractors/page/extract.js';
import type { RatesTable } from '../../extractors/price.js';
import { EUR_RATES } from '../../range/generate/catalog.js';
import { generateWorld } from '../../range/generate/world.js';
import { SITE_DEFS } from '../../range/sites/registry.js';
import { templateHandler } from '../../range/sites/index.js';
import type { SiteHandler } from '../../range/http/site-server.js';
import { buildTruth, type RangeTruth, type TruthListing } from '../../range/truth.js';

const SEED = 11;
let truth: RangeTruth;
const handlers = new Map<string, SiteHandler>();
/** The range's own rates (EUR per unit), as a rates table (units per EUR). */
const rangeRates: RatesTable = {
  date: 'range',
  base: 'EUR',
  rates: Object.fromEntries(Object.entries(EUR_RATES).map(([c, eurPerUnit]) => [c, 1 / eurPerUnit])),
};

beforeAll(() => {
  const world = generateWorld({ seed: SEED, size: 150 });
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
});

async function render(url: string): Promise<string> {
  const u = new URL(url);
  const handler = handlers.get(u.hostname)!;
  const r = await handler({
    method: 'GET',
    path: u.pathname,
    query: u.searchParams,
    headers: {},
    host: u.hostname,
    cookies: {},
    body: '',
  });
  expect(r.status).toBe(200);
  return String(r.body ?? '');
}

async function extract(url: string): Promise<PageExtraction> {
  return extractPage(await render(url), url, { rates: rangeRates });
}

const key = (e: ExtractedEntity) => `${e.type}:${e.value}`;

function expectListing(got: PageExtraction['listings'][number], t: TruthListing, full: boolean): void {
  expect(got.title).toBe(t.title);
  expect(got.price).toEqual(t.price);
  // The page shows a rounded amount; its EUR value is within that rounding of the truth's.
  const step = t.price.currency === 'BTC' ? 0.5e-5 : t.price.currency === 'XMR' ? 0.5e-3 : 0.005;
  expect(Math.abs(got.priceEur! - t.priceEur)).toBeLessThanOrEqual(
    step / (rangeRates.rates[t.price.currency] ?? 1) + 0.01,
  );
  expect(got.url).toBe(t.url);
  if (!full) return;
  expect(got.description).toBe(t.description);
  expect(got.vendor).toBe(t.vendor);
  expect(got.category).toBe(t.categoryPath);
  expect(got.shipsFrom).toBe(t.shipsFrom);
  expect(got.shipsTo).toEqual(t.shipsTo);
}

const staticTemplates = (l: TruthListing) =>
  ['ironbazaar', 'ironbazaar-clone', 'blackforge'].includes(l.site);

describe('range templates → ground truth', () => {
  it('listing pages (market-tables, shop): every field and entity of every listing', async () => {
    const listings = truth.listings.filter(staticTemplates);
    expect(listings.length).toBeGreaterThan(50);
    for (const t of listings) {
      const r = await extract(t.url);
      expect(r.pageType).toBe('listing');
      expect(r.listings).toHaveLength(1);
      expectListing(r.listings[0]!, t, true);
      // Every planted entity is found, and nothing else is.
      expect(new Set(r.entities.map(key))).toEqual(new Set(t.entities.map(key)));
    }
  });

  it('market-tables index and vendor pages: every row matches its listing', async () => {
    const site = truth.sites.find((s) => s.name === 'ironbazaar')!;
    const home = await extract(site.url);
    expect(home.pageType).toBe('listing_index');
    expect(home.listings.length).toBeGreaterThan(5);
    for (const got of home.listings) {
      const t = truth.listings.find((l) => l.url === got.url)!;
      expect(t).toBeDefined();
      expectListing(got, t, false);
      expect(got.vendor).toBe(t.vendor);
      expect(got.category).toBe(t.categoryPath);
      expect(got.shipsFrom).toBe(t.shipsFrom);
    }
    const vendors = truth.vendors.filter((v) => v.profileUrls.ironbazaar);
    for (const v of vendors.slice(0, 10)) {
      const r = await extract(v.profileUrls.ironbazaar!);
      expect(r.pageType).toBe('vendor_profile');
      expect(r.vendors[0]).toMatchObject({
        name: v.handles.ironbazaar ?? v.handle,
        pgpFingerprint: v.pgpFingerprint,
      });
      const mine = truth.listings.filter((l) => l.site === 'ironbazaar' && l.vendorId === v.id);
      expect(r.listings.map((l) => l.url).sort()).toEqual(mine.map((l) => l.url).sort());
      for (const c of v.contacts.filter((c) => ['email', 'telegram'].includes(c.type)))
        expect(r.entities.map(key)).toContain(key(c));
    }
  });

  it('shop storefront and about page', async () => {
    const site = truth.sites.find((s) => s.name === 'blackforge')!;
    const home = await extract(site.url);
    expect(home.pageType).toBe('listing_index');
    expect(home.listings.length).toBeGreaterThan(0);
    for (const got of home.listings) {
      const t = truth.listings.find((l) => l.url === got.url)!;
      expectListing(got, t, false);
    }
    const owner = truth.vendors.find((v) => v.profileUrls.blackforge)!;
    const about = await extract(owner.profileUrls.blackforge!);
    expect(about.pageType).toBe('vendor_profile');
    expect(about.vendors[0]!.name).toBe(owner.handles.blackforge ?? owner.handle);
    expect(about.vendors[0]!.pgpFingerprint).toBe(owner.pgpFingerprint);
    for (const a of [...owner.btc, ...owner.xmr]) expect(about.entities.map((e) => e.value)).toContain(a);
  });

  it('forum threads and pastes: every post, in order, with author, time and body', async () => {
    const byUrl = new Map<string, typeof truth.posts>();
    for (const p of truth.posts) byUrl.set(p.url, [...(byUrl.get(p.url) ?? []), p]);
    expect(byUrl.size).toBeGreaterThan(5);
    for (const [url, expected] of byUrl) {
      const r = await extract(url);
      expect(r.pageType).toBe('forum_thread');
      const want = expected.slice().sort((a, b) => a.position - b.position);
      expect(r.posts.map((p) => p.author)).toEqual(want.map((p) => p.author));
      expect(r.posts.map((p) => p.body)).toEqual(want.map((p) => p.body));
      expect(r.posts.map((p) => p.threadTitle)).toEqual(want.map((p) => p.threadTitle));
      expect(r.posts.map((p) => Date.parse(p.postedAt!))).toEqual(want.map((p) => Date.parse(p.postedAt)));
      const planted = new Set(want.flatMap((p) => p.entities.map(key)));
      for (const e of planted) expect(r.entities.map(key)).toContain(e);
    }
  });
});
