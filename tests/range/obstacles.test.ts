// Obstacles through the gateway: login wall, CAPTCHA queue, 429 rate limiting, random 5xx and
// stalls, link traps, malformed HTML that still carries the planted data.
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../range/obstacles.js';
import { startRange, parseObstacles, type RunningRange } from '../../range/range.js';
import { cookiesFrom, fetchVia } from './helpers.js';
import { parseMarketA } from './pages.js';

function form(fields: Record<string, string>) {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    body: new URLSearchParams(fields).toString(),
  };
}

async function solveQueue(range: RunningRange, base: string, next = '/'): Promise<string> {
  const page = await fetchVia(range.socksUrl, `${base.replace(/\/$/, '')}${next}`);
  const $ = cheerio.load(page.body);
  const [a, b] = $('span.q')
    .text()
    .split('+')
    .map((x) => Number(x.trim()));
  const f = form({ token: String($('input[name=token]').val()), next, answer: String(a! + b!) });
  const res = await fetchVia(range.socksUrl, `${base}queue`, {
    method: 'POST',
    headers: { 'content-type': f['content-type'] },
    body: f.body,
  });
  expect(res.status).toBe(303);
  return cookiesFrom(res.headers);
}

describe('login wall and CAPTCHA queue', () => {
  let range: RunningRange;
  beforeAll(async () => {
    range = await startRange({ seed: 3, size: 160, obstacles: ['login', 'captcha'] });
  });
  afterAll(async () => range.stop());

  it('queue page first, then login, then the market; cookies work for any client', async () => {
    const base = range.sites[0]!.url;
    const first = await fetchVia(range.socksUrl, base);
    expect(first.status).toBe(200);
    expect(first.body).toContain('DDoS protection');
    expect(first.body).not.toContain('Latest listings');

    const pass = await solveQueue(range, base);
    expect(pass).toMatch(/^dw_pass=/);
    const toLogin = await fetchVia(range.socksUrl, `${base}listings?page=2`, { headers: { cookie: pass } });
    expect(toLogin.status).toBe(303);
    expect(toLogin.headers.location).toBe('/login?next=%2Flistings%3Fpage%3D2');

    const bad = await fetchVia(range.socksUrl, `${base}login`, {
      method: 'POST',
      headers: { cookie: pass, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=%3Cscript%3E&password=x',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).not.toContain('<script>');

    const f = form({ username: 'trainee1', password: 'hunter22', next: '/listings?page=2' });
    const ok = await fetchVia(range.socksUrl, `${base}login`, {
      method: 'POST',
      headers: { cookie: pass, 'content-type': f['content-type'] },
      body: f.body,
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/listings?page=2');
    const cookie = `${pass}; ${cookiesFrom(ok.headers)}`;
    // A different SOCKS identity (another "circuit") with the same cookies gets in.
    const page = await fetchVia(range.socksUrl, `${base}listings?page=2`, {
      headers: { cookie },
      agent: new (await import('socks-proxy-agent')).SocksProxyAgent(
        range.socksUrl.replace('//', '//crawler:x@'),
      ),
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('page 2 of');
  });

  it('rejects wrong answers and forged tokens, keeps mirrors.txt and pgp.txt public', async () => {
    const base = range.sites[1]!.url;
    const page = cheerio.load((await fetchVia(range.socksUrl, base)).body);
    const token = String(page('input[name=token]').val());
    const wrong = await fetchVia(range.socksUrl, `${base}queue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}&answer=1000&next=%2F`,
    });
    expect(wrong.status).toBe(403);
    const forged = await fetchVia(range.socksUrl, `${base}queue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=1.1.abc.AAAA&answer=2',
    });
    expect(forged.status).toBe(403);
    const fakeCookie = await fetchVia(range.socksUrl, base, { headers: { cookie: 'dw_pass=abc.def' } });
    expect(fakeCookie.body).toContain('DDoS protection');
    expect((await fetchVia(range.socksUrl, `${base}mirrors.txt`)).body).toContain('BEGIN PGP SIGNED MESSAGE');
    expect((await fetchVia(range.socksUrl, `${base}pgp.txt`)).body).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it('shop and paste site have no walls; the forum has a login wall only', async () => {
    expect((await fetchVia(range.socksUrl, range.sites[3]!.url)).status).toBe(200);
    expect((await fetchVia(range.socksUrl, range.sites[4]!.url)).status).toBe(200);
    const forum = await fetchVia(range.socksUrl, range.sites[2]!.url);
    expect(forum.status).toBe(303);
    expect(forum.headers.location).toMatch(/^\/login/);
  });

  it('never redirects off-site after login', () => {
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('http://evil.example/')).toBe('/');
    expect(safeNext('/\\evil')).toBe('/');
    expect(safeNext('/ok?x=1')).toBe('/ok?x=1');
    expect(safeNext('/a\r\nSet-Cookie: x')).toBe('/');
  });
});

describe('rate limit, errors and stalls', () => {
  it('answers 429 with Retry-After when a client is faster than the limit', async () => {
    const range = await startRange({
      seed: 4,
      size: 60,
      obstacles: ['ratelimit'],
      rateLimit: { perSecond: 0.5, burst: 5 },
    });
    try {
      const url = range.sites[4]!.url;
      // However long the 12 requests take to arrive (a loaded machine spreads them out), at most
      // the burst plus what refilled meanwhile can pass.
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 12 }, () => fetchVia(range.socksUrl, url)));
      const refilled = Math.floor((0.5 * (performance.now() - t0)) / 1000);
      const limited = results.filter((r) => r.status === 429);
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(5 + refilled);
      expect(limited.length).toBeGreaterThanOrEqual(12 - 5 - refilled);
      expect(limited.length).toBeGreaterThan(0);
      const retryAfter = limited.map((r) => Number(r.headers['retry-after']));
      expect(Math.min(...retryAfter)).toBeGreaterThanOrEqual(1);
      // Retry-After is honest: after waiting that long, the next request is served.
      await new Promise((r) => setTimeout(r, Math.max(...retryAfter) * 1000 + 100));
      expect((await fetchVia(range.socksUrl, url)).status).toBe(200);
    } finally {
      await range.stop();
    }
  });

  it('serves seeded 5xx errors and stalled responses', async () => {
    const range = await startRange({
      seed: 5,
      size: 60,
      obstacles: ['errors'],
      errorRate: 0.3,
      stallRate: 0.2,
      stallMs: 400,
    });
    try {
      const url = range.sites[4]!.url;
      const statuses: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        statuses.push((await fetchVia(range.socksUrl, url)).status);
        times.push(performance.now() - t0);
      }
      expect(statuses.filter((s) => s >= 500).length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
      expect(times.filter((t) => t >= 390).length).toBeGreaterThanOrEqual(1);
      // Seeded: a twin range produces the same sequence.
      const twin = await startRange({
        seed: 5,
        size: 60,
        obstacles: ['errors'],
        errorRate: 0.3,
        stallRate: 0.2,
        stallMs: 1,
      });
      try {
        const again: number[] = [];
        for (let i = 0; i < 30; i++) again.push((await fetchVia(twin.socksUrl, twin.sites[4]!.url)).status);
        expect(again).toEqual(statuses);
      } finally {
        await twin.stop();
      }
    } finally {
      await range.stop();
    }
  });
});

describe('traps and malformed HTML', () => {
  let range: RunningRange;
  beforeAll(async () => {
    range = await startRange({ seed: 6, size: 200, obstacles: parseObstacles('traps,malformed') });
  });
  afterAll(async () => range.stop());

  it('the market calendar never ends', async () => {
    let url = `${range.sites[0]!.url}events/calendar?month=2026-01`;
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const $ = cheerio.load((await fetchVia(range.socksUrl, url)).body);
      const next = $('a:contains("next month")').attr('href');
      expect(next).toBeDefined();
      seen.add(next!);
      url = `${range.sites[0]!.url}${next!.slice(1)}`;
    }
    expect(seen.size).toBe(15);
  });

  it('forum links carry a session id that changes from page to page', async () => {
    const forum = range.sites[2]!.url;
    const one = cheerio
      .load((await fetchVia(range.socksUrl, forum)).body)('section.board a')
      .first()
      .attr('href')!;
    expect(one).toMatch(/\?sid=[0-9a-f]{32}$/);
    const two = cheerio
      .load((await fetchVia(range.socksUrl, `${forum}${one.slice(1)}`)).body)('.banner a')
      .attr('href')!;
    expect(two).toMatch(/^\/\?sid=/);
    expect(two).not.toBe(one);
    const three = cheerio
      .load((await fetchVia(range.socksUrl, `${forum}${two.slice(1)}`)).body)('section.board a')
      .first()
      .attr('href')!;
    expect(three.split('?')[0]).toBe(one.split('?')[0]);
    expect(three).not.toBe(one);
  });

  it('broken listing pages still carry exactly the planted data', async () => {
    const truth = range.truth();
    const broken = truth.listings
      .filter((l) => l.site === 'ironbazaar' && range.world.listingById.get(l.id)!.malformed)
      .slice(0, 4);
    expect(broken.length).toBeGreaterThan(0);
    for (const t of broken) {
      const res = await fetchVia(range.socksUrl, t.url);
      expect(res.body).not.toContain('</td>');
      expect(res.body).not.toMatch(/<\/html>\s*$/);
      const page = parseMarketA(res.body);
      expect(page.title).toBe(t.title);
      expect(page.description).toBe(t.description);
      expect(page.price).toEqual(t.price);
      expect(page.vendor).toBe(t.vendor);
    }
  });
});
