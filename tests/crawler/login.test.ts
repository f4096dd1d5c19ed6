// Scripted logins: the pure parts (recipe validation, env references, form discovery, cookies) with
// hostile input, then real logins through the range's SOCKS gateway — a CSRF-checking form in http
// mode, the range forum's login wall in http and browser mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserFetcher } from '../../crawler/fetch-browser.js';
import { HttpFetcher } from '../../crawler/fetch-http.js';
import {
  findLoginForm,
  formBody,
  LoginError,
  loginRecipeSchema,
  mergeCookies,
  parseSetCookie,
  performLogin,
  resolveFields,
  type LoginContext,
} from '../../crawler/login.js';
import { extractLinks } from '../../crawler/links.js';
import { detectObstacle } from '../../crawler/obstacles.js';
import { limitNesting } from '../../crawler/page-text.js';
import { sourceIdentity } from '../../crawler/proxy.js';
import { startRange, type RunningRange } from '../../range/range.js';
import { startHostileSite, type HostileSite } from './helpers/hostile-site.js';

describe('login recipes (pure)', () => {
  it('accepts paths and http(s) URLs; rejects everything else with a clear message', () => {
    expect(loginRecipeSchema.safeParse({ url: '/login', fields: { u: 'a' } }).success).toBe(true);
    expect(
      loginRecipeSchema.safeParse({ url: 'http://x.onion/login', fields: { u: 'a' }, submitSelector: '#go' })
        .success,
    ).toBe(true);
    const bad = [
      { url: 'javascript:alert(1)', fields: { u: 'a' } },
      { url: '//evil.example/login', fields: { u: 'a' } },
      { url: 'http://user:pw@x.onion/', fields: { u: 'a' } },
      { url: '/login', fields: {} },
      { url: '/login', fields: { 'a b': 'x' } },
      { url: '/login', fields: { '"]): evil': 'x' } },
      { url: '/login', fields: { u: 'x'.repeat(1001) } },
      { url: '/login', fields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, 'v'])) },
      { url: '/login', fields: { p: '${env:DATABASE_URL}' } },
      { url: '/login', fields: { p: '${env:DW_SRC_X' } },
      { url: '/login', fields: { u: 'a' }, extra: 1 },
      { url: '/' + 'a'.repeat(3000), fields: { u: 'a' } },
    ];
    for (const recipe of bad)
      expect(loginRecipeSchema.safeParse(recipe).success, JSON.stringify(recipe).slice(0, 80)).toBe(false);
    const issue = loginRecipeSchema.safeParse({ url: '/login', fields: { p: '${env:DATABASE_URL}' } });
    expect(issue.error?.issues[0]?.message).toMatch(/\$\{env:DW_SRC_NAME\}/);
  });

  it('resolves ${env:DW_SRC_…} from the environment, only those, and says which one is missing', () => {
    const env = { DW_SRC_PASS: 'hunter2', DATABASE_URL: 'postgres://secret' };
    expect(
      resolveFields({ user: 'agent', pass: '${env:DW_SRC_PASS}', both: 'x-${env:DW_SRC_PASS}-y' }, env),
    ).toEqual({
      user: 'agent',
      pass: 'hunter2',
      both: 'x-hunter2-y',
    });
    expect(() => resolveFields({ pass: '${env:DW_SRC_MISSING}' }, env)).toThrow(/DW_SRC_MISSING is not set/);
    expect(() => resolveFields({ pass: '${env:DATABASE_URL}' }, env)).toThrow(LoginError);
    // A value that looks like a reference after substitution is not expanded again.
    expect(resolveFields({ p: '${env:DW_SRC_PASS}' }, { DW_SRC_PASS: '${env:DATABASE_URL}' })).toEqual({
      p: '${env:DATABASE_URL}',
    });
  });

  it('finds the password form, carries its hidden fields and defaults, and puts the recipe over them', () => {
    const html =
      '<form action="/search"><input name="q" value="x"></form>' +
      '<form method=POST action="do-login?x=1"><input type=hidden name=csrf value="T0K"><input type=hidden name=next value="/b/">' +
      '<input name=user value="prefill"><input type=password name=pass><input type=checkbox name=remember value=yes checked>' +
      '<input type=checkbox name=spam value=1><input type=radio name=lang value=en checked><input type=radio name=lang value=de>' +
      '<select name=zone><option value=a>A</option><option value=b selected>B</option></select><textarea name=note>hi</textarea>' +
      '<input name=off value=1 disabled><input type=submit name=go value=Go><button type=submit>Log in</button></form>';
    const form = findLoginForm(html, 'http://x.onion/account/login', ['user', 'pass'])!;
    expect(form).toEqual({
      action: 'http://x.onion/account/do-login?x=1',
      method: 'POST',
      fields: [
        ['csrf', 'T0K'],
        ['next', '/b/'],
        ['user', 'prefill'],
        ['pass', ''],
        ['remember', 'yes'],
        ['lang', 'en'],
        ['zone', 'b'],
        ['note', 'hi'],
      ],
    });
    expect(formBody(form, { user: 'agent', pass: 'p&ss=1', extra: 'e' })).toBe(
      'csrf=T0K&next=%2Fb%2F&user=agent&pass=p%26ss%3D1&remember=yes&lang=en&zone=b&note=hi&extra=e',
    );
  });

  it('finds no form on pages without one, and survives hostile HTML', () => {
    expect(findLoginForm('<p>nothing</p>', 'http://x.onion/', ['u'])).toBeNull();
    expect(findLoginForm('<form><input name="q"></form>', 'http://x.onion/', ['u'])).toBeNull();
    const junk = '<form>'.repeat(5000) + '<input type=password name=p>' + '\u0000\uFFFF'.repeat(1000);
    expect(findLoginForm(junk, 'http://x.onion/', ['p'])).not.toBeNull();
    // 50,000 unclosed divs: quadratic for an HTML parser unless flattened first (see limitNesting).
    const deep = '<div>'.repeat(50_000) + '<form method=post><input type=password name=p></form>';
    expect(findLoginForm(deep, 'http://x.onion/', ['p'])?.fields).toEqual([['p', '']]);
    expect(
      findLoginForm('<form action="http://[bad"><input type=password name=p></form>', 'http://x.onion/', [
        'p',
      ]),
    ).toBeNull();
  });

  it('keeps cookies per site: replaces, deletes, and refuses cookies for other domains', () => {
    expect(parseSetCookie('sid=abc; Path=/; HttpOnly', 'http://a.onion/x')).toEqual({
      cookie: { name: 'sid', value: 'abc', domain: 'a.onion', path: '/' },
      deleted: false,
    });
    expect(parseSetCookie('sid=abc; Domain=evil.example', 'http://a.onion/')?.cookie.domain).toBe('a.onion');
    expect(parseSetCookie('garbage', 'http://a.onion/')).toBeNull();
    expect(parseSetCookie('=x', 'http://a.onion/')).toBeNull();
    let jar = mergeCookies(
      [{ name: 'dw_pass', value: 'q' }],
      ['sid=1; Path=/', 'csrf=t; Path=/'],
      'http://a.onion/login',
    );
    jar = mergeCookies(jar, ['sid=2; Path=/', 'csrf=; Max-Age=0; Path=/'], 'http://a.onion/login');
    expect(jar).toEqual([
      { name: 'dw_pass', value: 'q' },
      { name: 'sid', value: '2', domain: 'a.onion', path: '/' },
    ]);
    expect(
      mergeCookies(
        [],
        Array.from({ length: 500 }, (_, i) => `c${i}=v`),
        'http://a.onion/',
      ),
    ).toHaveLength(100);
  });
});

describe('limitNesting (parsers are quadratic on deep markup)', () => {
  it('leaves ordinary pages alone and flattens deep ones, keeping links, forms and text', () => {
    const normal =
      '<!doctype html><html><body><div><p>hi <a href="/a">a</a><br/><img src=x></p></div><!-- <div> --></body></html>';
    expect(limitNesting(normal)).toBe(normal);
    const deep = '<div>'.repeat(1000) + '<span>text</span><a href="/deep">d</a>' + '</div>'.repeat(1000);
    const flat = limitNesting(deep, 100);
    expect(flat.match(/<div>/g)).toHaveLength(100);
    expect(flat.match(/<\/div>/g)).toHaveLength(100);
    expect(flat).toContain('text<a href="/deep">d</a>');
    expect(
      extractLinks('<div>'.repeat(300_000) + '<a href="/x">x</a>', 'http://a.onion/').map((l) => l.url),
    ).toEqual(['http://a.onion/x']);
    expect(
      detectObstacle({
        status: 200,
        html: '<div>'.repeat(60_000) + '<form><input type=password name=p></form>',
      })?.kind,
    ).toBe('login_wall');
    // Unterminated tags and comment floods stay linear and unchanged.
    const junk = '<a'.repeat(100_000) + '<!--'.repeat(100_000);
    expect(limitNesting(junk)).toBe(junk);
  });
});

describe('logins through the gateway', () => {
  let range: RunningRange;
  let site: HostileSite;
  const http = new HttpFetcher();
  let browser: BrowserFetcher;
  const timeouts = { connectMs: 5000, firstByteMs: 5000, idleMs: 5000, totalMs: 20000 };

  beforeAll(async () => {
    range = await startRange({ seed: 44, size: 40, obstacles: ['login'] });
    site = await startHostileSite(range, 'login-site');
    browser = new BrowserFetcher({ proxyUrl: range.socksUrl, maxContexts: 1, http });
  });
  afterAll(async () => {
    await browser?.close();
    http.close();
    await site?.close();
    await range?.stop();
  });

  const ctx = (baseUrl: string, identity: string, over: Partial<LoginContext> = {}): LoginContext => ({
    baseUrl,
    identity,
    proxyUrl: range.socksUrl,
    http,
    browser,
    mode: 'http',
    cookies: [],
    inScope: (u) => new URL(u).origin === new URL(baseUrl).origin,
    timeouts,
    ...over,
  });

  it('http: carries the CSRF token (field and cookie) and the form defaults; the session opens the members area', async () => {
    const id = sourceIdentity('login-csrf');
    const r = await performLogin(
      { url: '/csrf-login', fields: { user: 'agent', pass: '${env:DW_SRC_TEST_PASS}' } },
      ctx(site.base + '/', id, { env: { DW_SRC_TEST_PASS: 's3cret!' } }),
    );
    expect(r.finalUrl).toBe(site.base + '/members');
    expect(r.cookies.map((c) => c.name)).toEqual(['member']);
    const members = await http.fetch(site.base + '/members', {
      proxyUrl: range.socksUrl,
      identity: id,
      timeouts,
      session: { cookies: r.cookies },
    });
    expect(members.body).toContain('Members area');
  });

  it('http: a wrong password is a LoginError, not a session', async () => {
    const attempt = performLogin(
      { url: '/csrf-login', fields: { user: 'agent', pass: 'wrong' } },
      ctx(site.base + '/', sourceIdentity('login-bad')),
    );
    await expect(attempt).rejects.toThrow(LoginError);
    await expect(attempt).rejects.toThrow(/HTTP 403|login wall/);
  });

  it('refuses a login page or form action off the source', async () => {
    await expect(
      performLogin(
        { url: `http://${site.otherOnion}/csrf-login`, fields: { user: 'a' } },
        ctx(site.base + '/', sourceIdentity('login-off')),
      ),
    ).rejects.toThrow(/not on the source's site/);
    await expect(
      performLogin({ url: '/', fields: { user: 'a' } }, ctx(site.base + '/', sourceIdentity('login-none'))),
    ).rejects.toThrow(/no login form/);
  });

  it('http and browser: the range forum login wall accepts a member and the session reads the board', async () => {
    const forum = range.sites.find((s) => s.name === 'balkanboard')!;
    for (const mode of ['http', 'browser'] as const) {
      const id = sourceIdentity(`login-forum-${mode}`);
      const r = await performLogin(
        {
          url: '/login?next=%2F',
          fields: { username: 'analyst', password: 'correct horse' },
          submitSelector: 'button[type=submit]',
        },
        ctx(forum.url, id, { mode, javascript: false }),
      );
      expect(r.cookies.find((c) => c.name === 'dw_session')?.value, mode).toMatch(/^analyst\./);
      const board = await http.fetch(forum.url, {
        proxyUrl: range.socksUrl,
        identity: id,
        timeouts,
        session: { cookies: r.cookies },
      });
      expect(board.finalUrl, mode).toBe(forum.url);
      expect(board.body, mode).toMatch(/href="\/b\//);
      const bad = performLogin(
        { url: '/login', fields: { username: 'analyst', password: 'x' } },
        ctx(forum.url, id, { mode, javascript: false }),
      );
      await expect(bad, mode).rejects.toThrow(/login wall|HTTP 401/);
      expect(range.counters().byUser[id]?.streams, mode).toBeGreaterThan(0);
    }
    expect(range.counters().refusedDestinations).toEqual([]);
  });
});
