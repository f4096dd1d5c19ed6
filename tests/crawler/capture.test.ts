import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { capturePage, snapshotFields, type CaptureSource } from '../../crawler/capture.js';
import { BrowserFetcher } from '../../crawler/fetch-browser.js';
import { HttpFetcher } from '../../crawler/fetch-http.js';
import { fetchMirrorList } from '../../crawler/mirrors.js';
import { sourceIdentity } from '../../crawler/proxy.js';
import { startHostileSite, type HostileSite } from './helpers/hostile-site.js';

let range: RunningRange;
let site: HostileSite;
let keys: { publicKey: string; privateKey: string };
let phisherKeys: { publicKey: string; privateKey: string };
const http = new HttpFetcher();
let browser: BrowserFetcher;
// Generous: nothing here tests a timeout, and a loaded machine renders slowly.
const timeouts = { connectMs: 20_000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 };

async function signed(text: string, armoredPrivate: string): Promise<string> {
  const signingKeys = await openpgp.readPrivateKey({ armoredKey: armoredPrivate });
  return openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys });
}

beforeAll(async () => {
  range = await startRange({ seed: 5 });
  const gen = (name: string) =>
    openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'armored' });
  keys = await gen('site');
  phisherKeys = await gen('phisher');
  const mirrorOnion = range.sites[0]?.onion as string;
  // The hostile site's own onion publishes a genuine list; its "other" onion a list signed by a phisher.
  const { deriveSiteKey } = await import('../../range/onion.js');
  const own = deriveSiteKey(424242, 'cap').onion;
  const other = deriveSiteKey(424242, 'cap-other').onion;
  site = await startHostileSite(range, 'cap', {
    [`${own}/mirrors.txt`]: {
      type: 'text/plain',
      body: await signed(`mirrors:\nhttp://${mirrorOnion}\n`, keys.privateKey),
    },
    [`${other}/mirrors.txt`]: {
      type: 'text/plain',
      body: await signed(`http://${other}\n`, phisherKeys.privateKey),
    },
  });
  browser = new BrowserFetcher({ proxyUrl: range.socksUrl, maxContexts: 1, http });
});
afterAll(async () => {
  await browser?.close();
  http.close();
  await site?.close();
  await range?.stop();
});

const source = (over: Partial<CaptureSource> = {}): CaptureSource => ({
  identity: sourceIdentity('cap-src'),
  fetchMode: 'http',
  policy: { allowImages: false, javascript: false },
  session: null,
  ...over,
});

describe('capturePage through the range', () => {
  it('http mode: a range site page with links and no obstacle', async () => {
    const s = range.sites[0]!;
    const p = await capturePage(s.url, source(), { proxyUrl: range.socksUrl, http, timeouts });
    expect(p.mode).toBe('http');
    expect(p.document.status).toBe(200);
    expect(p.html).toContain(`<title>`);
    expect(p.obstacle).toBeNull();
    expect(p.screenshot).toBeNull();
    const snap = snapshotFields(p);
    expect(snap.body).toBe(p.document.rawBytes);
    expect(snap.fetchMode).toBe('http');
    expect(snap.proxyIdentity).toBe(sourceIdentity('cap-src'));
  });
  it('auto mode escalates a JS shell to the browser and gets the rendered links', async () => {
    const p = await capturePage(
      site.base + '/js-page',
      source({ fetchMode: 'auto', identity: sourceIdentity('auto-src') }),
      {
        proxyUrl: range.socksUrl,
        http,
        browser,
        timeouts,
      },
    );
    expect(p.mode).toBe('browser');
    expect(p.escalated).toMatch(/noscript|#app/);
    expect(p.links).toContain(site.base + '/listing/1');
    expect(p.screenshot?.length).toBeGreaterThan(100);
    expect(p.document.body).toContain('<div id="app"></div>');
    expect(snapshotFields(p).document?.toString()).toContain('listing/1');
    // Every stream of this capture (http probe, browser document, subresources) carried the source's
    // identity; how many streams there were depends on keep-alive reuse, so only presence is checked.
    expect(range.counters().byUser[sourceIdentity('auto-src')]?.streams).toBeGreaterThan(0);
  });
  it('auto mode keeps a server-rendered page in http mode', async () => {
    const p = await capturePage(site.base + '/', source({ fetchMode: 'auto' }), {
      proxyUrl: range.socksUrl,
      http,
      browser,
      timeouts,
    });
    expect(p.mode).toBe('http');
    expect(p.links).toEqual([site.base + '/a']);
  });
  it('reports a rate-limit page as an obstacle', async () => {
    const p = await capturePage(site.base + '/503', source(), { proxyUrl: range.socksUrl, http, timeouts });
    expect(p.obstacle).toMatchObject({ kind: 'rate_limited', needsPerson: false });
  });
});

describe('signed mirror lists over the gateway', () => {
  const fetchText = (identity: string) => async (url: string) => {
    const r = await http.fetch(url, { proxyUrl: range.socksUrl, identity, timeouts });
    return { status: r.status, body: r.body };
  };
  it('the genuine list yields mirrors; the clone list is phishing; a missing list is unavailable', async () => {
    const good = await fetchMirrorList(fetchText('dw-mirrors'), site.base, keys.publicKey);
    expect(good).toMatchObject({ status: 'valid', mirrors: [`http://${range.sites[0]!.onion}`] });
    const clone = await fetchMirrorList(fetchText('dw-mirrors'), `http://${site.otherOnion}`, keys.publicKey);
    expect(clone).toMatchObject({ status: 'phishing', claimedMirrors: [`http://${site.otherOnion}`] });
    const none = await fetchMirrorList(fetchText('dw-mirrors'), range.sites[2]!.url, keys.publicKey);
    expect(none.status).toBe('unavailable');
  });
  it('no refused connections during any of this', () => {
    expect(range.counters().refused).toBe(0);
  });
});
