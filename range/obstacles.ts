// Switchable obstacles in front of a site handler, in the order a real hidden service puts
// them: rate limiting, flaky backend (random 5xx and stalls), an anti-DDoS queue with a
// CAPTCHA a person solves once, and a login wall. The CAPTCHA and session cookies are plain
// signed tokens, not bound to a client: solved in a browser, they work for the crawler too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  esc,
  html,
  redirect,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from './http/site-server.js';
import { Rng } from './prng.js';

export const OBSTACLES = ['login', 'captcha', 'ratelimit', 'errors', 'traps', 'malformed'] as const;
export type ObstacleName = (typeof OBSTACLES)[number];

export const QUEUE_COOKIE = 'dw_pass';
export const SESSION_COOKIE = 'dw_session';

export interface ObstacleSettings {
  site: string;
  seed: number;
  enabled: ReadonlySet<ObstacleName>;
  /** Does this site have a login wall / a CAPTCHA queue (when those obstacles are on)? */
  loginWall: boolean;
  captchaQueue: boolean;
  /** Token bucket per client key (session cookie, else queue cookie, else one shared bucket). */
  rateLimit: { perSecond: number; burst: number };
  /** Share of requests answered 500/502/503. */
  errorRate: number;
  /** Share of requests held for `stallMs` before the answer. */
  stallRate: number;
  stallMs: number;
  now?: () => number;
}

/** Paths every visitor may fetch: the operator's signed mirror list and key, static assets. */
function isPublic(path: string): boolean {
  return (
    path === '/mirrors.txt' || path === '/pgp.txt' || path === '/robots.txt' || path.startsWith('/static/')
  );
}

function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url').slice(0, 24);
}

function verify(secret: string, value: string, mac: string): boolean {
  const want = Buffer.from(sign(secret, value));
  const got = Buffer.from(mac);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Only same-site paths: no scheme, no `//host` (open-redirect safe). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 2000)
    return '/';
  return /[\r\n]/.test(next) ? '/' : next;
}

function parseForm(body: string): URLSearchParams {
  return new URLSearchParams(body.slice(0, 8192));
}

function obstaclePage(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${esc(title)}</title>\n<style>body{font-family:sans-serif;background:#222;color:#eee;display:flex;justify-content:center;padding-top:60px}form{background:#333;padding:24px;border-radius:8px}input{display:block;margin:8px 0;padding:6px}</style></head>\n<body><div class="obstacle">${body}</div></body></html>\n`;
}

export function withObstacles(inner: SiteHandler, s: ObstacleSettings): SiteHandler {
  const secret = `darkwatch-range/${s.seed}/${s.site}`;
  const rng = new Rng(s.seed, `obstacles/${s.site}`);
  const now = s.now ?? (() => Date.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  const on = (o: ObstacleName) => s.enabled.has(o);

  const sessionUser = (req: RangeRequest): string | null => {
    const raw = req.cookies[SESSION_COOKIE];
    if (!raw) return null;
    const dot = raw.lastIndexOf('.');
    if (dot <= 0) return null;
    const user = raw.slice(0, dot);
    return verify(secret, `session:${user}`, raw.slice(dot + 1)) ? user : null;
  };
  const passedQueue = (req: RangeRequest): boolean => {
    const raw = req.cookies[QUEUE_COOKIE];
    if (!raw) return false;
    const dot = raw.lastIndexOf('.');
    return dot > 0 && verify(secret, `pass:${raw.slice(0, dot)}`, raw.slice(dot + 1));
  };

  const rateLimited = (req: RangeRequest): RangeResponse | null => {
    const key = req.cookies[SESSION_COOKIE] ?? req.cookies[QUEUE_COOKIE] ?? 'anonymous';
    const t = now();
    const b = buckets.get(key) ?? { tokens: s.rateLimit.burst, at: t };
    b.tokens = Math.min(s.rateLimit.burst, b.tokens + ((t - b.at) / 1000) * s.rateLimit.perSecond);
    b.at = t;
    if (buckets.size > 10_000) buckets.clear();
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    const wait = Math.max(1, Math.ceil((1 - b.tokens) / s.rateLimit.perSecond));
    return {
      status: 429,
      headers: { 'retry-after': String(wait), 'content-type': 'text/html; charset=utf-8' },
      body: obstaclePage(
        '429 Too Many Requests',
        `<h1>Slow down</h1><p>Too many requests. Try again in ${wait} s.</p>`,
      ),
    };
  };

  const challenge = (next: string, error = ''): RangeResponse => {
    const a = rng.int(2, 19);
    const b = rng.int(2, 19);
    const nonce = rng.bytes(6).toString('hex');
    const token = `${a}.${b}.${nonce}`;
    const mac = sign(secret, `captcha:${token}`);
    return html(
      obstaclePage(
        'Security check - queue',
        `<h1>DDoS protection</h1><p>You are in the queue. Prove you are human to enter.</p>${error ? `<p class="error">${esc(error)}</p>` : ''}` +
          `<form method="post" action="/queue"><input type="hidden" name="token" value="${token}.${mac}"><input type="hidden" name="next" value="${esc(next)}">` +
          `<label for="answer">What is <span class="q">${a} + ${b}</span>?</label><input id="answer" name="answer" autocomplete="off" autofocus><button type="submit">Enter</button></form>`,
      ),
      error ? 403 : 200,
    );
  };

  const solve = (req: RangeRequest): RangeResponse => {
    const form = parseForm(req.body);
    const next = safeNext(form.get('next'));
    const parts = (form.get('token') ?? '').split('.');
    if (parts.length !== 4) return challenge(next, 'Invalid or expired challenge.');
    const [a, b, nonce, mac] = parts as [string, string, string, string];
    if (!verify(secret, `captcha:${a}.${b}.${nonce}`, mac))
      return challenge(next, 'Invalid or expired challenge.');
    if (Number((form.get('answer') ?? '').trim()) !== Number(a) + Number(b))
      return challenge(next, 'Wrong answer, try again.');
    const pass = `${nonce}.${sign(secret, `pass:${nonce}`)}`;
    return redirect(next, { 'set-cookie': `${QUEUE_COOKIE}=${pass}; Path=/; HttpOnly; SameSite=Lax` });
  };

  const loginForm = (next: string, error = '', status = 200): RangeResponse =>
    html(
      obstaclePage(
        'Login',
        `<h1>Members only</h1>${error ? `<p class="error">${esc(error)}</p>` : ''}<form method="post" action="/login"><input type="hidden" name="next" value="${esc(next)}">` +
          `<label>Username <input name="username" autocomplete="username"></label><label>Password <input type="password" name="password" autocomplete="current-password"></label><button type="submit">Login</button></form>` +
          '<p><small>No account? Any username (3-32 letters, digits, _ . -) and a password of 4+ characters registers one.</small></p>',
      ),
      status,
    );

  const login = (req: RangeRequest): RangeResponse => {
    const form = parseForm(req.body);
    const next = safeNext(form.get('next'));
    const user = form.get('username') ?? '';
    const pass = form.get('password') ?? '';
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(user) || pass.length < 4 || pass.length > 256) {
      return loginForm(next, 'Invalid username or password.', 401);
    }
    const cookie = `${user}.${sign(secret, `session:${user}`)}`;
    return redirect(next, { 'set-cookie': `${SESSION_COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Lax` });
  };

  return async (req) => {
    if (on('ratelimit')) {
      const limited = rateLimited(req);
      if (limited) return limited;
    }
    let stallMs = 0;
    if (on('errors')) {
      const roll = rng.next();
      if (roll < s.errorRate) {
        const status = rng.pick([500, 502, 503]);
        return {
          status,
          headers: { 'content-type': 'text/html; charset=utf-8' },
          body: obstaclePage(`${status}`, `<h1>${status}</h1><p>The server is busy. Try again later.</p>`),
        };
      }
      if (roll < s.errorRate + s.stallRate) stallMs = s.stallMs;
    }
    const answer = await route(req);
    return stallMs > 0 ? { ...answer, stallMs } : answer;
  };

  async function route(req: RangeRequest): Promise<RangeResponse> {
    const target = `${req.path}${req.query.size > 0 ? `?${req.query.toString()}` : ''}`;
    if (on('captcha') && s.captchaQueue && !isPublic(req.path)) {
      if (req.path === '/queue' && req.method === 'POST') return solve(req);
      if (!passedQueue(req)) return challenge(req.path === '/queue' ? '/' : target);
      if (req.path === '/queue') return redirect('/');
    }
    if (on('login') && s.loginWall && !isPublic(req.path)) {
      if (req.path === '/login')
        return req.method === 'POST' ? login(req) : loginForm(safeNext(req.query.get('next')));
      if (req.path === '/logout')
        return redirect('/login', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0` });
      if (!sessionUser(req)) return redirect(`/login?next=${encodeURIComponent(target)}`);
    }
    return inner(req);
  }
}
