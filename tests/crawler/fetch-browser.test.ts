import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { BrowserFetcher } from '../../crawler/fetch-browser.js';
import { FetchError } from '../../crawler/fetch-http.js';
import { sourceIdentity } from '../../crawler/proxy.js';
import { startSocksForwarder } from '../../crawler/socks-forwarder.js';
import { startHostileSite, type HostileSite } from './helpers/hostile-site.js';

let range: RunningRange;
let site: HostileSite;
let browser: BrowserFetcher;
// Generous: nothing here tests a timeout, and a loaded machine renders slowly.
const timeouts = { connectMs: 20_000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 };
// Script pages hold a request open until they have rendered (helpers/hostile-site.ts), so waiting
// for the network to go idle is waiting for the page; this is only the upper bound.
const settleMs = 30_000;

beforeAll(async () => {
  range = await startRange({ seed: 11 });
  site = await startHostileSite(range, 'hostile-browser');
  browser = new BrowserFetcher({ proxyUrl: range.socksUrl, maxContexts: 2 });
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await range?.stop();
});

async function socksExchange(port: number, bytes: Buffer[]): Promise<Buffer> {
  const s = net.connect({ host: '127.0.0.1', port });
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  for (const b of bytes) {
    s.write(b);
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 100));
  s.destroy();
  return Buffer.concat(got);
}

describe('SOCKS forwarder', () => {
  it('relays CONNECT with the source username, refuses BIND/UDP and auth-only clients', async () => {
    const fwd = await startSocksForwarder({ upstreamProxyUrl: range.socksUrl, identity: 'dw-fwd-test' });
    try {
      const name = Buffer.from(site.onion);
      const connect = (cmd: number) =>
        Buffer.concat([Buffer.from([5, cmd, 0, 3, name.length]), name, Buffer.from([0, 80])]);
      const ok = await socksExchange(fwd.port, [
        Buffer.from([5, 1, 0]),
        connect(1),
        Buffer.from(`GET / HTTP/1.1\r\nHost: ${site.onion}\r\nConnection: close\r\n\r\n`),
      ]);
      expect(ok.subarray(0, 2)).toEqual(Buffer.from([5, 0]));
      expect(ok[3]).toBe(0); // CONNECT succeeded
      expect(ok.toString('latin1')).toContain('HTTP/1.1 200');
      expect(range.counters().byUser['dw-fwd-test']?.streams).toBe(1);
      const udp = await socksExchange(fwd.port, [Buffer.from([5, 1, 0]), connect(3)]);
      expect(udp[3]).toBe(7); // command not supported
      const authOnly = await socksExchange(fwd.port, [Buffer.from([5, 1, 2])]);
      expect(authOnly).toEqual(Buffer.from([5, 0xff]));
      const garbage = await socksExchange(fwd.port, [Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
      expect(garbage.length).toBeLessThanOrEqual(10);
      const unknown = await socksExchange(fwd.port, [
        Buffer.from([5, 1, 0]),
        Buffer.concat([Buffer.from([5, 1, 0, 3, 11]), Buffer.from('example.com'), Buffer.from([0, 80])]),
      ]);
      expect(unknown[3]).not.toBe(0); // refused upstream, reply passed through
      expect(fwd.stats.relayed).toBe(1);
      expect(fwd.stats.refused).toBeGreaterThanOrEqual(3);
    } finally {
      await fwd.close();
    }
  });
});

describe('BrowserFetcher through the range gateway', () => {
  it('renders a JS page with JavaScript on: screenshot, rendered DOM, raw main document, images blocked', async () => {
    const identity = sourceIdentity('js-source');
    const before = range.counters();
    const r = await browser.fetch(site.base + '/js-page', { identity, javascript: true, timeouts, settleMs });
    expect(r.renderedHtml).toContain('Glock 19');
    expect(r.title).toBe('rendered');
    expect(r.screenshot.subarray(1, 4).toString()).toBe('PNG');
    expect(r.screenshotSha256).toBe(createHash('sha256').update(r.screenshot).digest('hex'));
    expect(r.document.body).toContain('<div id="app"></div>'); // evidence = what the server sent
    expect(r.document.sha256).toBe(createHash('sha256').update(r.document.rawBytes).digest('hex'));
    expect(r.requests.blocked).toBeGreaterThanOrEqual(1); // the <img>
    expect(r.requests.subresources).toBeGreaterThanOrEqual(2); // css, js, xhr
    // Every stream Chromium opened (document, script, XHR — how many depends on keep-alive
    // reuse) reached the gateway under the source's username, none without it.
    const after = range.counters();
    const mine = after.byUser[identity]?.streams ?? 0;
    expect(mine).toBeGreaterThanOrEqual(1);
    expect(after.streams - before.streams).toBe(mine);
  });
  it('with JavaScript off the shell stays empty', async () => {
    const r = await browser.fetch(site.base + '/js-page', {
      identity: sourceIdentity('nojs'),
      javascript: false,
      timeouts,
    });
    expect(r.renderedHtml).not.toContain('Glock 19');
    expect(r.screenshot.length).toBeGreaterThan(100);
  });
  it('applies the HTTP caps to the main document and follows in-scope redirects', async () => {
    const opts = {
      identity: sourceIdentity('caps'),
      javascript: false,
      timeouts,
      maxDecodedBytes: 1024 * 1024,
    };
    const err = await browser.fetch(site.base + '/bomb', opts).catch((e: unknown) => e);
    expect((err as FetchError).code).toBe('decompression_bomb');
    const r = await browser.fetch(site.base + '/redirect', opts);
    expect(r.finalUrl).toBe(site.base + '/gzip');
    expect(r.renderedHtml).toContain('gzipped');
    const tall = await browser.fetch(site.base + '/tall', { ...opts, maxScreenshotHeight: 3000 });
    expect(tall.screenshot.readUInt32BE(20)).toBe(3000); // PNG IHDR height
  });
  it('sends the source session cookies, and a new session gets a fresh context', async () => {
    const o = { identity: sourceIdentity('sess'), javascript: false, timeouts };
    const a = await browser.fetch(site.base + '/echo-cookie', {
      ...o,
      session: { cookies: [{ name: 'dw', value: '1' }] },
    });
    expect(a.renderedHtml).toContain('cookie=[dw=1]');
    const b = await browser.fetch(site.base + '/echo-cookie', {
      ...o,
      session: { cookies: [{ name: 'dw', value: '2' }] },
    });
    expect(b.renderedHtml).toContain('cookie=[dw=2]');
  });
  it('blocks third-party subresources unless their origin is allowed', async () => {
    const id = sourceIdentity('third');
    const r = await browser.fetch(site.base + '/third-party', {
      identity: id,
      javascript: true,
      timeouts,
      settleMs,
    });
    expect(r.requests.blocked).toBe(1);
    expect(r.renderedHtml).toContain('Glock 19'); // the own-origin script ran
    expect(
      Object.keys(range.counters().byUser[id]?.destinations ?? {}).some((d) => d.startsWith(site.otherOnion)),
    ).toBe(false);
    const wide = await browser.fetch(site.base + '/third-party', {
      identity: id,
      javascript: true,
      timeouts,
      settleMs,
      subresourceOrigins: [`http://${site.otherOnion}`],
    });
    expect(wide.requests.blocked).toBe(0);
    expect(
      Object.keys(range.counters().byUser[id]?.destinations ?? {}).some((d) => d.startsWith(site.otherOnion)),
    ).toBe(true);
  });
  it('WebRTC gathers no candidates that bypass the proxy', async () => {
    const r = await browser.fetch(site.base + '/webrtc', {
      identity: sourceIdentity('rtc'),
      javascript: true,
      timeouts,
      // The page reports after a 300 ms timer and holds a request open until then.
      settleMs,
    });
    const m = /<pre id="out">([^<]*)<\/pre>/.exec(r.renderedHtml);
    const text = m?.[1] ?? '';
    expect(text).toMatch(/^\[.*\]$/); // the script ran and reported its candidates
    expect(text).not.toMatch(/typ (host|srflx)/);
  });
  it('reuses a bounded pool of contexts across pages and sources', async () => {
    const ids = ['a', 'b', 'c'].map((x) => sourceIdentity(`pool-${x}`));
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        browser.fetch(site.base + '/', { identity: ids[i % 3] as string, javascript: false, timeouts }),
      ),
    );
    expect(results.every((r) => r.document.status === 200)).toBe(true);
    expect(browser.contextCount).toBeLessThanOrEqual(2);
  });
  it('zero refused connections, and every source identity visible at the gateway', () => {
    const c = range.counters();
    expect(c.refusedDestinations.filter((d) => d.host !== 'example.com')).toEqual([]);
    for (const id of ['js-source', 'nojs', 'caps', 'rtc', 'pool-a', 'pool-b', 'pool-c'])
      expect(c.byUser[sourceIdentity(id)]?.streams, id).toBeGreaterThan(0);
    expect(c.byUser['']).toBeUndefined(); // nothing reached the gateway without a username
  });
});
