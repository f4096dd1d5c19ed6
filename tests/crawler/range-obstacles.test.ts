// The range's obstacles (CAPTCHA queue, login wall, 429) are recognised; with the session an
// analyst obtained, the same fetch gets the content.
import http from 'node:http';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { capturePage, type CaptureSource } from '../../crawler/capture.js';
import { HttpFetcher } from '../../crawler/fetch-http.js';
import { isolatedProxyUrl, sourceIdentity } from '../../crawler/proxy.js';

let range: RunningRange;
const fetcher = new HttpFetcher();
const timeouts = { connectMs: 20_000, firstByteMs: 20_000, idleMs: 20_000, totalMs: 60_000 };

beforeAll(async () => {
  range = await startRange({
    seed: 9,
    size: 20,
    obstacles: ['login', 'captcha', 'ratelimit'],
    // Slow refill: the test's sequential requests must outrun it even when each takes a second or
    // more on a loaded machine.
    rateLimit: { perSecond: 0.1, burst: 3 },
  });
});
afterAll(async () => {
  fetcher.close();
  await range?.stop();
});

const site = (name: string) => range.sites.find((s) => s.name === name)!;
const source = (identity: string, session: CaptureSource['session'] = null): CaptureSource => ({
  identity,
  fetchMode: 'http',
  policy: { allowImages: false, javascript: false },
  session,
});

/** What the analyst does once by hand: log in (a form POST), through the same gateway. */
function login(onion: string, identity: string): Promise<string> {
  const agent = new SocksProxyAgent(isolatedProxyUrl(range.socksUrl, identity));
  const body = 'username=analyst&password=secret1&next=%2F';
  return new Promise((resolve, reject) => {
    const req = http.request(
      `http://${onion}/login`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
        },
      },
      (res) => {
        res.resume();
        const cookie = (res.headers['set-cookie'] ?? [])[0]?.split(';')[0];
        agent.destroy();
        if (cookie) resolve(cookie);
        else reject(new Error(`login failed: ${res.statusCode}`));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('range obstacles', () => {
  it('the market answers with its CAPTCHA queue: needs a person', async () => {
    const p = await capturePage(site('ironbazaar').url, source(sourceIdentity('ob-market')), {
      proxyUrl: range.socksUrl,
      http: fetcher,
      timeouts,
    });
    expect(p.obstacle).toMatchObject({ needsPerson: true });
    expect(['captcha', 'ddos_queue']).toContain(p.obstacle?.kind);
  });
  it('the forum redirects to its login wall; with the analyst session the content comes back', async () => {
    const id = sourceIdentity('ob-forum');
    const wall = await capturePage(site('balkanboard').url, source(id), {
      proxyUrl: range.socksUrl,
      http: fetcher,
      timeouts,
    });
    expect(wall.obstacle).toMatchObject({ kind: 'login_wall', needsPerson: true });
    expect(wall.finalUrl).toMatch(/\/login\?next=/);
    const cookie = await login(site('balkanboard').onion, id);
    const [name, value] = cookie.split('=') as [string, string];
    const ok = await capturePage(site('balkanboard').url, source(id, { cookies: [{ name, value }] }), {
      proxyUrl: range.socksUrl,
      http: fetcher,
      timeouts,
    });
    expect(ok.obstacle).toBeNull();
    expect(ok.links.some((l) => l.includes('/b/'))).toBe(true);
  });
  it('rate limiting: 429 with Retry-After, no person needed', async () => {
    const id = sourceIdentity('ob-rate');
    let limited = null;
    for (let i = 0; i < 8 && !limited; i++) {
      const p = await capturePage(`${site('stashbin').url}`, source(id), {
        proxyUrl: range.socksUrl,
        http: fetcher,
        timeouts,
      });
      if (p.obstacle) limited = p;
    }
    expect(limited?.obstacle).toMatchObject({ kind: 'rate_limited', needsPerson: false });
    expect(limited?.document.status).toBe(429);
    expect(Number(limited?.document.headers['retry-after'])).toBeGreaterThan(0);
  });
});
