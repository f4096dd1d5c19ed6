// The range end to end over the SOCKS gateway with socks-proxy-agent (socks5h): every template
// renders, pages match the ground truth, same seed gives the same bytes, the clock changes the
// listings, mirror lists are signed, and non-range destinations are refused and counted.
import * as cheerio from 'cheerio';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryName } from '../../range/generate/world.js';
import { isValidOnionV3 } from '../../range/onion.js';
import { SITE_DEFS, siteKeys } from '../../range/sites/registry.js';
import { rangeTorSites } from '../../range/tor/index.js';
import { startRange, type RunningRange } from '../../range/range.js';
import type { RangeTruth, TruthListing } from '../../range/truth.js';
import { fetchVia } from './helpers.js';
import {
  canonicalEntity,
  nocturneBlob,
  parseForumThread,
  parseMarketA,
  parsePaste,
  parseShop,
  type PageListing,
} from './pages.js';

let range: RunningRange;
let truth: RangeTruth;
const SEED = 11;
const SIZE = 150;

const get = (url: string) => fetchVia(range.socksUrl, url);
const site = (name: string) => range.sites.find((s) => s.name === name)!;

beforeAll(async () => {
  range = await startRange({ seed: SEED, size: SIZE });
  truth = range.truth();
});
afterAll(async () => {
  await range.stop();
});

function expectMatches(page: PageListing, t: TruthListing, html: string): void {
  expect(page.title).toBe(t.title);
  expect(page.description).toBe(t.description);
  expect(page.vendor).toBe(t.vendor);
  expect(page.category).toBe(t.categoryPath);
  expect(page.price).toEqual(t.price);
  expect(page.unit).toBe(t.unit);
  expect(page.shipsFrom).toBe(countryName(t.shipsFrom));
  expect(page.shipsTo).toEqual(t.shipsTo.map(countryName));
  // Every block entity is planted, and every planted entity is on the page.
  const planted = new Set(t.entities.map((e) => `${e.type}:${e.value}`));
  for (const e of page.entities) expect(planted).toContain(`${e.type}:${e.value}`);
  for (const e of t.entities) {
    const shown = e.type === 'pgp' ? e.value.replace(/(.{4})(?=.)/g, '$1 ') : e.value;
    expect(html.includes(shown) || html.includes(e.value)).toBe(true);
  }
}

describe('range sites through the gateway', () => {
  it('lists six sites with valid, distinct v3 onions and mirrors', () => {
    expect(range.sites.map((s) => [s.name, s.kind])).toEqual([
      ['ironbazaar', 'market'],
      ['nocturne', 'market'],
      ['balkanboard', 'forum'],
      ['blackforge', 'shop'],
      ['stashbin', 'paste'],
      ['ironbazaar-clone', 'market'],
    ]);
    const all = range.sites.flatMap((s) => [s.onion, ...s.mirrors]);
    expect(new Set(all).size).toBe(all.length);
    for (const o of all) expect(isValidOnionV3(o)).toBe(true);
    expect(site('ironbazaar').mirrors.length).toBeGreaterThanOrEqual(2);
    expect(range.socksUrl).toMatch(/^socks5h:\/\/127\.0\.0\.1:\d+$/);
  });

  it('each template renders its own HTML', async () => {
    const a = await get(site('ironbazaar').url);
    expect(a.status).toBe(200);
    expect(a.body).toContain('<table class="grid listings">');
    const b = await get(site('nocturne').url);
    expect(b.body).toContain('<main id="app"></main>');
    expect(b.body).not.toContain('<table');
    const f = await get(site('balkanboard').url);
    expect(f.body).toContain('<section class="board">');
    const s = await get(site('blackforge').url);
    expect(s.body).toContain('class="product-card"');
    const p = await get(site('stashbin').url);
    expect(p.body).toContain('<ol class="recent">');
    // Mirrors serve the same site.
    const mirror = await get(`http://${site('ironbazaar').mirrors[1]}/`);
    expect(mirror.body).toBe(a.body);
  });

  it('market A listing pages match the ground truth (cheerio)', async () => {
    const listings = truth.listings.filter((l) => l.site === 'ironbazaar').slice(0, 12);
    expect(listings.length).toBe(12);
    for (const t of listings) {
      const res = await get(t.url);
      expect(res.status).toBe(200);
      expectMatches(parseMarketA(res.body), t, res.body);
    }
  });

  it('the phishing clone shows the same listings with its own BTC address', async () => {
    const t = truth.listings.find((l) => l.site === 'ironbazaar-clone')!;
    const res = await get(t.url);
    expectMatches(parseMarketA(res.body), t, res.body);
    expect(t.entities.filter((e) => e.type === 'btc').map((e) => e.value)).toEqual([range.world.phisherBtc]);
  });

  it('shop product pages match the ground truth', async () => {
    for (const t of truth.listings.filter((l) => l.site === 'blackforge').slice(0, 6)) {
      const res = await get(t.url);
      expectMatches(parseShop(res.body), t, res.body);
    }
  });

  it('the JS market hides listing details from a plain HTTP fetch', async () => {
    const t = truth.listings.find((l) => l.site === 'nocturne')!;
    const res = await get(t.url);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(t.title);
    expect(res.body).not.toContain(t.vendor);
    // …but the encoded blob carries exactly the truth.
    const blob = nocturneBlob(res.body)!;
    expect(blob.title).toBe(t.title);
    expect(blob.price).toBe(t.price.amount);
    expect(blob.currency).toBe(t.price.currency);
    expect(blob.category).toBe(t.categoryPath);
    const api = JSON.parse((await get(`${site('nocturne').url}api/listings?page=1`)).body) as {
      total: number;
    };
    expect(api.total).toBe(truth.listings.filter((l) => l.site === 'nocturne').length);
  });

  it('forum posts and pastes match the ground truth', async () => {
    const posts = truth.posts.filter((p) => p.site === 'balkanboard');
    const byUrl = new Map<string, typeof posts>();
    for (const p of posts) byUrl.set(p.url, [...(byUrl.get(p.url) ?? []), p]);
    const urls = [...byUrl.keys()].slice(0, 8);
    // Include a second page of some long thread.
    const paged = [...byUrl.keys()].find((u) => u.includes('?page=2'));
    if (paged) urls.push(paged);
    for (const url of urls) {
      const page = parseForumThread((await get(url)).body);
      const want = byUrl.get(url)!;
      expect(page.title).toBe(want[0]!.threadTitle);
      expect(page.posts.map((p) => [p.author, p.postedAt, p.position, p.body])).toEqual(
        want.map((p) => [p.author, p.postedAt, p.position, p.body]),
      );
    }
    for (const p of truth.posts.filter((x) => x.site === 'stashbin').slice(0, 5)) {
      const page = parsePaste((await get(p.url)).body);
      expect(page.title).toBe(p.threadTitle);
      expect(page.body).toBe(p.body);
      for (const e of p.entities) {
        if (e.type === 'pgp' && !page.body.includes(e.value)) {
          // A pasted key block: the fingerprint is the key's, not text on the page.
          const block = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/.exec(
            page.body,
          )![0];
          const key = await openpgp.readKey({ armoredKey: block });
          expect(key.getFingerprint().toUpperCase()).toBe(e.value);
        } else expect(page.body).toContain(e.value);
      }
    }
    // Every paste kind shows up across the site.
    expect(
      truth.posts.some((x) => x.site === 'stashbin' && x.body.includes('BEGIN PGP PUBLIC KEY BLOCK')),
    ).toBe(true);
  });

  it('vendors reuse PGP keys and addresses across markets, under the same or another handle', () => {
    const multi = truth.vendors.filter((v) => v.sites.includes('ironbazaar') && v.sites.includes('nocturne'));
    expect(multi.length).toBeGreaterThan(0);
    const withKey = multi.find((v) => v.pgpFingerprint)!;
    const sitesWithKey = new Set(
      truth.listings
        .filter((l) => l.entities.some((e) => e.value === withKey.pgpFingerprint))
        .map((l) => l.site),
    );
    expect(sitesWithKey.has('ironbazaar') || sitesWithKey.has('nocturne')).toBe(true);
    const ent = truth.entities.find((e) => e.type === 'pgp' && e.value === withKey.pgpFingerprint)!;
    expect(ent.vendors).toEqual([withKey.id]);
  });

  it("vendor profile pages show the vendor's planted handle, key and contacts", async () => {
    const vendors = truth.vendors
      .filter((v) => v.sites.includes('ironbazaar') && v.sites.includes('nocturne'))
      .slice(0, 3);
    expect(vendors.length).toBeGreaterThan(0);
    for (const v of vendors) {
      const a = await get(v.profileUrls.ironbazaar!);
      expect(a.status).toBe(200);
      const $ = cheerio.load(a.body);
      expect($('h1.vendor-name').text()).toBe(v.handles.ironbazaar);
      const shown = $('td.entity')
        .toArray()
        .map((el) => canonicalEntity($(el).attr('data-type')!, $(el).text()));
      const want = [...v.contacts, ...(v.pgpFingerprint ? [{ type: 'pgp', value: v.pgpFingerprint }] : [])];
      expect(shown.map((e) => `${e.type}:${e.value}`).sort()).toEqual(
        want.map((e) => `${e.type}:${e.value}`).sort(),
      );
      if (v.pgpFingerprint) {
        const key = await openpgp.readKey({ armoredKey: $('pre.key').text() });
        expect(key.getFingerprint().toUpperCase()).toBe(v.pgpFingerprint);
      }
      const b = nocturneBlob((await get(v.profileUrls.nocturne!)).body)!;
      expect(b.handle).toBe(v.handles.nocturne);
      expect(
        (b.entities as Array<{ type: string; value: string }>).map((e) => `${e.type}:${e.value}`).sort(),
      ).toEqual(want.map((e) => `${e.type}:${e.value}`).sort());
    }
    const shopOwner = truth.vendors.find((v) => v.sites.includes('blackforge'))!;
    const about = await get(shopOwner.profileUrls.blackforge!);
    for (const x of [...shopOwner.btc, ...shopOwner.xmr]) expect(about.body).toContain(x);
    expect((await get(`${site('ironbazaar').url}vendor/NoSuchVendor`)).status).toBe(404);
  });

  it('mirror lists are OpenPGP cleartext-signed by the market key; the clone uses another key', async () => {
    const realKey = await openpgp.readKey({
      armoredKey: (await get(`${site('ironbazaar').url}pgp.txt`)).body,
    });
    const realList = await openpgp.readCleartextMessage({
      cleartextMessage: (await get(`${site('ironbazaar').url}mirrors.txt`)).body,
    });
    const ok = await openpgp.verify({ message: realList, verificationKeys: realKey, expectSigned: true });
    for (const a of [site('ironbazaar').onion, ...site('ironbazaar').mirrors]) expect(ok.data).toContain(a);
    expect(realKey.getFingerprint().toUpperCase()).toBe(truth.sites[0]!.pgpFingerprint);

    const cloneText = (await get(`${site('ironbazaar-clone').url}mirrors.txt`)).body;
    const cloneList = await openpgp.readCleartextMessage({ cleartextMessage: cloneText });
    await expect(
      openpgp.verify({ message: cloneList, verificationKeys: realKey, expectSigned: true }),
    ).rejects.toThrow();
    const cloneKey = await openpgp.readKey({
      armoredKey: (await get(`${site('ironbazaar-clone').url}pgp.txt`)).body,
    });
    // Same user ID (it poses as the market), different key.
    expect(cloneKey.getUserIDs()).toEqual(realKey.getUserIDs());
    expect(cloneKey.getFingerprint()).not.toBe(realKey.getFingerprint());
  });

  it('same seed → same bytes; another seed → other addresses', async () => {
    const twin = await startRange({ seed: SEED, size: SIZE });
    try {
      const t = truth.listings.find((l) => l.site === 'ironbazaar')!;
      const paths = [
        '',
        'listings?page=2',
        `listing/${t.id}`,
        `vendor/${encodeURIComponent(t.vendor)}`,
        'mirrors.txt',
        'pgp.txt',
      ];
      for (const p of paths) {
        const one = await get(`${site('ironbazaar').url}${p}`);
        const two = await fetchVia(twin.socksUrl, `${twin.sites[0]!.url}${p}`);
        expect(two.body).toBe(one.body);
      }
      for (const s of range.sites) {
        const one = await get(s.url);
        const two = await fetchVia(twin.socksUrl, twin.sites.find((x) => x.name === s.name)!.url);
        expect(two.body).toBe(one.body);
      }
      expect(JSON.stringify(twin.truth())).toBe(JSON.stringify(truth));
    } finally {
      await twin.stop();
    }
    const other = await startRange({ seed: SEED + 1, size: SIZE });
    try {
      expect(other.sites[0]!.onion).not.toBe(site('ironbazaar').onion);
    } finally {
      await other.stop();
    }
  });

  it('advancing the clock adds, removes and reprices listings as the truth says', async () => {
    const adminPost = async (path: string) => {
      const res = await fetch(`${range.adminUrl}${path}`, { method: 'POST' });
      return (await res.json()) as { epoch: number };
    };
    try {
      for (let e = 1; e <= 5; e++) {
        expect((await adminPost('/clock/advance?by=1')).epoch).toBe(e);
        const events = range.truth().events.filter((x) => x.epoch === e);
        for (const ev of events.filter((x) => x.site === 'ironbazaar').slice(0, 4)) {
          const l = range.world.listingById.get(ev.listingId!)!;
          const url = `${site('ironbazaar').url}listing/${l.id}`;
          const res = await get(url);
          if (ev.type === 'listing_removed') expect(res.status).toBe(404);
          else {
            expect(res.status).toBe(200);
            const now = range.truth().listings.find((x) => x.id === l.id)!;
            expect(parseMarketA(res.body).price).toEqual(now.price);
          }
        }
      }
      const all = range.truth().events;
      expect(all.some((x) => x.type === 'listing_removed')).toBe(true);
      expect(all.some((x) => x.type === 'price_changed' && x.priceEurAfter! < x.priceEurBefore!)).toBe(true);
      expect(all.some((x) => x.type === 'listing_appeared')).toBe(true);
    } finally {
      await adminPost('/clock/set?epoch=0');
    }
    expect(range.clock.epoch).toBe(0);
    const bad = await fetch(`${range.adminUrl}/clock/set?epoch=-3`, { method: 'POST' });
    expect(bad.status).toBe(400);
  });

  it('admin endpoint switches latency and failure injection at run time', async () => {
    const post = (path: string) => fetch(`${range.adminUrl}${path}`, { method: 'POST' });
    expect((await post('/gateway/latency?medianMs=150&sigma=0')).status).toBe(200);
    const t0 = performance.now();
    await get(site('stashbin').url);
    expect(performance.now() - t0).toBeGreaterThan(280);
    expect((await post('/gateway/latency?medianMs=0')).status).toBe(200);
    expect((await post('/gateway/failures?rate=1')).status).toBe(200);
    await expect(get(site('stashbin').url)).rejects.toThrow();
    expect(range.counters().injectedFailures).toBeGreaterThan(0);
    expect((await post('/gateway/failures?rate=0')).status).toBe(200);
    expect((await get(site('stashbin').url)).status).toBe(200);
    expect((await post('/gateway/failures?rate=7')).status).toBe(400);
    expect((await post('/gateway/latency?medianMs=abc')).status).toBe(400);
    expect((await fetch(`${range.adminUrl}/nope`)).status).toBe(404);
  });

  it('exposes the loopback target and derivable key of every address', () => {
    expect(range.targets.length).toBe(range.sites.reduce((n, s) => n + 1 + s.mirrors.length, 0));
    for (const def of SITE_DEFS) {
      const keys = siteKeys(SEED, def);
      const info = site(def.name);
      expect(keys.map((k) => k.onion)).toEqual([info.onion, ...info.mirrors]);
    }
    for (const t of range.targets)
      expect(range.gateway.getRoute(t.onion)).toEqual({ host: t.host, port: t.port });
    // The contract `darkwatch range --tor` relies on: range/tor rebuilds the same keys and finds
    // the local server of every announced address.
    const torSites = rangeTorSites(SEED, range.sites, (onion) => range.gateway.getRoute(onion)?.port);
    expect(torSites.map((x) => [x.onion, x.port])).toEqual(range.targets.map((t) => [t.onion, t.port]));
  });

  it('refuses and counts destinations outside the range; admin endpoint exports the counters', async () => {
    const before = range.counters().refused;
    await expect(get('http://example.com/')).rejects.toThrow();
    await expect(get(`http://${site('ironbazaar').onion}:8080/`)).rejects.toThrow();
    const counters = (await (await fetch(`${range.adminUrl}/counters`)).json()) as {
      refused: number;
      streams: number;
    };
    expect(counters.refused).toBe(before + 2);
    expect(counters.streams).toBeGreaterThan(0);
  });
});
