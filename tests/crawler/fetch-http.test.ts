import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { FetchError, HttpFetcher, decodeContent, type HttpFetchOptions } from '../../crawler/fetch-http.js';
import { isolatedProxyUrl, parseProxyUrl, ProxyConfigError, sourceIdentity } from '../../crawler/proxy.js';
import { startHostileSite, type HostileSite } from './helpers/hostile-site.js';

let range: RunningRange;
let site: HostileSite;
const fetcher = new HttpFetcher();
let opts: HttpFetchOptions;

beforeAll(async () => {
  range = await startRange({ seed: 7 });
  site = await startHostileSite(range);
  opts = {
    proxyUrl: range.socksUrl,
    identity: sourceIdentity('hostile'),
    // Generous: on a loaded machine a page that does answer must not time out. The stall test
    // below sets short ones of its own.
    timeouts: { connectMs: 20_000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 },
    maxBytes: 1024 * 1024,
    maxDecodedBytes: 4 * 1024 * 1024,
  };
});
afterAll(async () => {
  fetcher.close();
  await site?.close();
  await range?.stop();
});

async function fails(path: string, code: string, extra: Partial<HttpFetchOptions> = {}): Promise<FetchError> {
  const err = await fetcher.fetch(site.base + path, { ...opts, ...extra }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  expect((err as FetchError).code).toBe(code);
  return err as FetchError;
}

describe('proxy configuration', () => {
  it('accepts only socks5h:// and builds per-source usernames', () => {
    expect(() => parseProxyUrl('socks5://127.0.0.1:9050')).toThrow(ProxyConfigError);
    expect(() => parseProxyUrl('http://127.0.0.1:8080')).toThrow(/socks5h/);
    expect(() => parseProxyUrl('socks4a://127.0.0.1:9050')).toThrow(ProxyConfigError);
    expect(() => parseProxyUrl('not a url')).toThrow(ProxyConfigError);
    expect(parseProxyUrl('socks5h://127.0.0.1:9050')).toEqual({ host: '127.0.0.1', port: 9050 });
    expect(isolatedProxyUrl('socks5h://127.0.0.1:9050', sourceIdentity('src 7/ä'))).toBe(
      'socks5h://dw-src_7__:x@127.0.0.1:9050',
    );
  });
  it('the fetcher refuses a non-socks5h proxy before any connection', async () => {
    await expect(
      fetcher.fetch(site.base + '/', { ...opts, proxyUrl: 'socks5://127.0.0.1:1' }),
    ).rejects.toThrow(ProxyConfigError);
  });
});

describe('HttpFetcher through the range gateway', () => {
  it('fetches a page: raw bytes, sha256, timings, identity', async () => {
    const r = await fetcher.fetch(site.base + '/', opts);
    expect(r.status).toBe(200);
    expect(r.body).toContain('hello');
    expect(r.sha256).toBe(createHash('sha256').update(r.rawBytes).digest('hex'));
    expect(r.proxyIdentity).toBe('dw-hostile');
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(r.contentType).toBe('text/html');
  });
  it('keeps the encoded wire bytes as evidence and decodes gzip, br, raw deflate, chunked, charsets', async () => {
    const g = await fetcher.fetch(site.base + '/gzip', opts);
    expect(g.rawBytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    expect(g.body).toContain('gzipped ünïcode');
    expect(zlib.gunzipSync(g.rawBytes).equals(g.bodyBytes)).toBe(true);
    expect((await fetcher.fetch(site.base + '/br', opts)).body).toContain('brotli');
    expect((await fetcher.fetch(site.base + '/deflate-raw', opts)).body).toContain('raw deflate');
    expect((await fetcher.fetch(site.base + '/chunked', opts)).body).toContain('part one part two');
    const cp = await fetcher.fetch(site.base + '/cp1251', opts);
    expect(cp.charset).toBe('windows-1251');
    expect(cp.body).toContain('Пистолет');
  });
  it('stops gzip and brotli bombs at the decompression cap', async () => {
    const e = await fails('/bomb', 'decompression_bomb');
    expect(e.message).toMatch(/exceeds 4194304 bytes/);
    await fails('/br-bomb', 'decompression_bomb');
    await fails('/corrupt-gzip', 'bad_encoding');
    await fails('/weird-encoding', 'bad_encoding');
  });
  it('stops huge pages at the size cap, declared or streamed', async () => {
    const e = await fails('/huge', 'too_large');
    expect(e.details.bytesReceived).toBeLessThan(2 * 1024 * 1024);
    await fails('/huge-declared', 'too_large');
  });
  it('refuses disallowed and binary content, allows images only when the source does', async () => {
    await fails('/pdf', 'content_type');
    await fails('/image', 'content_type');
    const img = await fetcher.fetch(site.base + '/image', { ...opts, allowImages: true });
    expect(img.contentType).toBe('image/png');
    const bin = await fails('/binary', 'binary_content');
    expect(bin.details.result?.rawBytes.length).toBe(4096); // the bytes are not lost
  });
  it('returns 5xx responses for the caller to judge', async () => {
    expect((await fetcher.fetch(site.base + '/500', opts)).status).toBe(500);
    const r = await fetcher.fetch(site.base + '/503', opts);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('30');
  });
  it('times out stalls at the first byte and mid-body', async () => {
    // These never finish, so short timeouts cannot fire early; the elapsed bound shows that the
    // first-byte and idle timers ended them, not the 60 s total.
    const t0 = Date.now();
    await fails('/stall-headers', 'first_byte_timeout', { timeouts: { ...opts.timeouts, firstByteMs: 800 } });
    await fails('/stall-body', 'idle_timeout', { timeouts: { ...opts.timeouts, idleMs: 500 } });
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
  it('follows redirects in scope with cookies, refuses escapes and loops', async () => {
    const r = await fetcher.fetch(site.base + '/redirect', opts);
    expect(r.finalUrl).toBe(site.base + '/gzip');
    expect(r.redirects).toEqual([
      { url: site.base + '/redirect', status: 302, location: site.base + '/gzip' },
    ]);
    expect(r.setCookies[0]).toMatch(/^sess=abc/);
    await fails('/redirect-out', 'redirect_out_of_scope');
    await fails('/loop', 'too_many_redirects');
  });
  it('sends the source session cookies', async () => {
    const r = await fetcher.fetch(site.base + '/echo-cookie', {
      ...opts,
      session: {
        cookies: [
          { name: 'dw', value: '1' },
          { name: 'other', value: '2', domain: 'elsewhere.onion' },
        ],
      },
    });
    expect(r.body).toContain('cookie=[dw=1]');
  });
  it('reports malformed HTTP (header bomb) clearly', async () => {
    await fails('/header-bomb', 'bad_response');
  });
  it('no connection went anywhere but range sites, and the per-source username is visible', () => {
    const c = range.counters();
    expect(c.refused).toBe(0);
    expect(c.byUser['dw-hostile']?.streams).toBeGreaterThan(5);
    expect(c.byUser['']).toBeUndefined();
  });
  it('an unknown onion is refused by the proxy and reported as such', async () => {
    const unknown = `http://${'a'.repeat(52)}aaad.onion/`;
    const err = await fetcher.fetch(unknown, { ...opts, inScope: () => true }).catch((e: unknown) => e);
    expect((err as FetchError).code).toBe('proxy_refused');
  });
});

describe('decodeContent (pure)', () => {
  it('handles stacked encodings and identity', async () => {
    const two = zlib.gzipSync(zlib.deflateSync(Buffer.from('stacked')));
    expect((await decodeContent(two, 'deflate, gzip', 1000)).toString()).toBe('stacked');
    expect((await decodeContent(Buffer.from('x'), 'identity', 10)).toString()).toBe('x');
  });
});
