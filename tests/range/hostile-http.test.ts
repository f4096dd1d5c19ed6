// Hostile HTTP against the range's site servers (through the gateway, as a crawler's bugs or an
// attacker would send it): odd request targets, bad percent-encoding, huge headers and bodies,
// silly pagination. Every case gets a clear status and the range keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { waitFor } from '../../services/ports.js';
import { fetchVia, rawHttpVia } from './helpers.js';

let range: RunningRange;
beforeAll(async () => {
  range = await startRange({ seed: 12, size: 60, obstacles: ['login', 'captcha'] });
});
afterAll(async () => range.stop());

const status = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('site servers under hostile HTTP', () => {
  it('answers odd request targets with 400, never crashes', async () => {
    const onion = range.sites[0]!.onion;
    for (const [target, want] of [
      ['*', [400]],
      ['no-slash', [400]],
      ['//%%', [200, 404]], // a (strange) path: the queue page or 404, but an answer
      ['//', [200, 404]],
    ] as const) {
      const raw = await rawHttpVia(
        range.socksPort,
        onion,
        `GET ${target} HTTP/1.1\r\nHost: ${onion}\r\nConnection: close\r\n\r\n`,
      );
      expect(want as readonly number[], target).toContain(status(raw));
    }
    const garbage = await rawHttpVia(range.socksPort, onion, 'FOO BAR BAZ\r\n\r\n\x00\x01\x02');
    expect(status(garbage)).toBe(400);
  });

  it('handles bad percent-encoding and odd pages after the walls', async () => {
    const base = range.sites[0]!.url;
    const cookieless = await fetchVia(range.socksUrl, `${base}vendor/%E0%A4%A`);
    expect(cookieless.status).toBe(200); // the queue page comes first
    // Walls do not care; the template answers 404 for undecodable or unknown things.
    const shop = range.sites[3]!.url;
    for (const path of [
      'product/%ZZ',
      'product/../../etc/passwd',
      'product/' + 'A'.repeat(5000),
      '?page=-1',
      '?page=abc',
      '?page=99999999',
    ]) {
      const res = await fetchVia(range.socksUrl, `${shop}${path}`);
      expect([200, 404]).toContain(res.status);
    }
    const paste = range.sites[4]!.url;
    expect((await fetchVia(range.socksUrl, `${paste}raw/%F0%9F%92%A9`)).status).toBe(404);
  });

  it('rejects huge headers and bodies', async () => {
    const onion = range.sites[4]!.onion;
    const bigHeader = await rawHttpVia(
      range.socksPort,
      onion,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
    );
    expect(status(bigHeader)).toBe(431);
    const body = 'username=' + 'a'.repeat(100_000);
    const res = await fetchVia(range.socksUrl, `${range.sites[0]!.url}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) },
      body,
    });
    expect(res.status).toBe(413);
  });

  it('rejects script injection in login fields and next= redirects off-site', async () => {
    const base = range.sites[2]!.url; // forum: login wall, no queue
    const res = await fetchVia(
      range.socksUrl,
      `${base}login?next=${encodeURIComponent('"><script>alert(1)</script>')}`,
    );
    expect(res.body).not.toContain('<script>alert(1)</script>');
    const login = await fetchVia(range.socksUrl, `${base}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=analyst&password=secret1&next=%2F%2Fevil.example%2F',
    });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
  });

  it('still serves normally afterwards', async () => {
    const res = await fetchVia(range.socksUrl, range.sites[4]!.url);
    expect(res.status).toBe(200);
    // Every stream of the hostile cases ends (the gateway sees each close a moment after the
    // client's response ends, so wait for it rather than count at once).
    await waitFor(
      'all gateway streams closed',
      async () => (range.counters().active === 0 ? true : undefined),
      20_000,
    );
  });
});

describe('cookie parsing', () => {
  it('keeps hostile cookie names as data', async () => {
    const { parseCookies } = await import('../../range/http/site-server.js');
    const c = parseCookies('__proto__=x; constructor=y; a=%E0%A4%A; b=1; b=2; =v; novalue');
    expect(Object.getPrototypeOf(c)).toBeNull();
    expect(c['__proto__']).toBe('x');
    expect(c.constructor).toBe('y');
    expect(c.a).toBe('%E0%A4%A');
    expect(c.b).toBe('1');
    expect(Object.keys(c).sort()).toEqual(['__proto__', 'a', 'b', 'constructor']);
  });
});
