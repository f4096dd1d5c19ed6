// Scripted logins (SourceSession.login): what an analyst would do by hand to get past a site's
// login wall, done by the crawler through the source's own SOCKS identity. The recipe names the form
// page and the field values; values may refer to environment variables (`${env:DW_SRC_…}`) so the
// secret lives in the worker's environment, not in YAML or the database.
//
// http mode: GET the form page, keep its cookies, take every field the form itself carries (hidden
// CSRF tokens, `next`, defaults), put the recipe's values over them, POST to the form's action, and
// keep the cookies the answer sets. browser mode: Chromium fills the fields and clicks the submit
// button (BrowserFetcher.login), for forms that need JavaScript. Either way the result must not be a
// login wall again, or the login failed.
import * as cheerio from 'cheerio';
import { z } from 'zod';
import type { SourceSession } from '../core/types.js';
import type { BrowserFetcher } from './fetch-browser.js';
import { FetchError, type FetchTimeouts, type HttpFetcher } from './fetch-http.js';
import { detectObstacle } from './obstacles.js';
import { limitNesting } from './page-text.js';

export type LoginRecipe = NonNullable<SourceSession['login']>;
export type SessionCookie = SourceSession['cookies'][number];

export class LoginError extends Error {}

/**
 * Only variables named DW_SRC_… may be used: a recipe is written by a person and sent to a site, so
 * it must not be able to send the worker's own secrets (DATABASE_URL, …) to whoever runs that site.
 */
export const ENV_REF = /\$\{env:(DW_SRC_[A-Z0-9_]{1,100})\}/g;
const ANY_ENV_REF = /\$\{env:([^}]*)\}?/g;

const loginUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine(
    (v) => {
      if (v.startsWith('/') && !v.startsWith('//')) return true;
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'must be a path on the site (/login) or an http(s) URL without credentials' },
  );

const fieldValue = z
  .string()
  .max(1000)
  .superRefine((v, ctx) => {
    for (const m of v.matchAll(ANY_ENV_REF)) {
      if (!/^DW_SRC_[A-Z0-9_]{1,100}$/.test(m[1] ?? '') || !m[0].endsWith('}'))
        ctx.addIssue({
          code: 'custom',
          message: `environment references must look like \${env:DW_SRC_NAME} (got ${JSON.stringify(m[0].slice(0, 60))})`,
        });
    }
  });

/** A login recipe as people write it (YAML, CLI flags, API). */
export const loginRecipeSchema = z
  .object({
    url: loginUrl,
    fields: z
      .record(
        z
          .string()
          .min(1)
          .max(100)
          .regex(/^[^\s"'<>\\]+$/, 'field names have no spaces, quotes or brackets'),
        fieldValue,
      )
      .refine((f) => Object.keys(f).length > 0, 'at least one field')
      .refine((f) => Object.keys(f).length <= 50, 'at most 50 fields'),
    submitSelector: z.string().min(1).max(200).optional(),
  })
  .strict();

/** The recipe's values with `${env:DW_SRC_…}` replaced from `env`; a missing variable is an error. */
export function resolveFields(
  fields: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    const bad = [...value.matchAll(ANY_ENV_REF)].find(
      (m) => !/^\$\{env:DW_SRC_[A-Z0-9_]{1,100}\}$/.test(m[0]),
    );
    if (bad) throw new LoginError(`field ${name}: environment references must look like \${env:DW_SRC_NAME}`);
    out[name] = value.replace(ENV_REF, (_m, v: string) => {
      const resolved = env[v];
      if (resolved === undefined)
        throw new LoginError(`field ${name}: environment variable ${v} is not set on this worker`);
      return resolved;
    });
  }
  return out;
}

export interface LoginForm {
  action: string;
  method: 'GET' | 'POST';
  /** Every field the form itself submits, in order (hidden tokens included). */
  fields: Array<[string, string]>;
}

/**
 * The login form of a page: the one with a password field, else the one holding most of the
 * recipe's field names. Its own fields are what a browser would submit without any typing.
 */
export function findLoginForm(html: string, pageUrl: string, recipeFields: string[]): LoginForm | null {
  // Login pages are small; the cap and the flattening keep hostile ones cheap to parse.
  const $ = cheerio.load(limitNesting(html.slice(0, 512 * 1024)));
  const forms = $('form').toArray().slice(0, 100);
  if (forms.length === 0) return null;
  const score = (f: (typeof forms)[number]) => {
    const names = new Set(
      $(f)
        .find('input, select, textarea')
        .toArray()
        .map((e) => $(e).attr('name')),
    );
    const hits = recipeFields.filter((n) => names.has(n)).length;
    return ($(f).find('input[type="password" i]').length > 0 ? 1000 : 0) + hits;
  };
  const best = forms.reduce((a, b) => (score(b) > score(a) ? b : a));
  if (score(best) === 0) return null;
  const form = $(best);
  const fields: Array<[string, string]> = [];
  form.find('input, select, textarea').each((_i, el) => {
    const e = $(el);
    const name = e.attr('name');
    if (!name || e.is('[disabled]')) return;
    const tag = el.tagName.toLowerCase();
    if (tag === 'select') {
      const opt = e.find('option[selected]').first().length
        ? e.find('option[selected]').first()
        : e.find('option').first();
      fields.push([name, opt.attr('value') ?? opt.text()]);
      return;
    }
    if (tag === 'textarea') {
      fields.push([name, e.text()]);
      return;
    }
    const type = (e.attr('type') ?? 'text').toLowerCase();
    if (['submit', 'button', 'image', 'reset', 'file'].includes(type)) return;
    if ((type === 'checkbox' || type === 'radio') && !e.is('[checked]')) return;
    fields.push([name, e.attr('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
  });
  let action: string;
  try {
    action = new URL(form.attr('action') || pageUrl, pageUrl).href;
  } catch {
    return null;
  }
  return { action, method: (form.attr('method') ?? 'get').toLowerCase() === 'post' ? 'POST' : 'GET', fields };
}

/** The form's own fields with the recipe's values put over them (first occurrence kept, rest dropped). */
export function formBody(form: LoginForm, values: Record<string, string>): string {
  const body = new URLSearchParams();
  const done = new Set<string>();
  for (const [name, value] of form.fields) {
    if (name in values) {
      if (done.has(name)) continue;
      done.add(name);
      body.append(name, values[name]!);
    } else body.append(name, value);
  }
  for (const [name, value] of Object.entries(values)) if (!done.has(name)) body.append(name, value);
  return body.toString();
}

/** Parse one Set-Cookie header into a session cookie (null: deletion or junk). */
export function parseSetCookie(
  header: string,
  requestUrl: string,
  now = Date.now(),
): { cookie: SessionCookie; deleted: boolean } | null {
  const parts = header.split(';');
  const first = parts.shift()?.trim() ?? '';
  const eq = first.indexOf('=');
  if (eq <= 0) return null;
  const name = first.slice(0, eq).trim();
  const value = first.slice(eq + 1).trim();
  if (!name || name.length > 256 || value.length > 8192) return null;
  const host = new URL(requestUrl).hostname;
  let domain = host;
  let path: string | undefined;
  let deleted = false;
  for (const p of parts) {
    const [k, ...rest] = p.split('=');
    const key = (k ?? '').trim().toLowerCase();
    const v = rest.join('=').trim();
    if (key === 'domain' && v) {
      const d = v.replace(/^\./, '').toLowerCase();
      // A site may only set cookies for itself (or its parent domain), never for somebody else.
      if (host === d || host.endsWith(`.${d}`)) domain = d;
    } else if (key === 'path' && v.startsWith('/')) path = v;
    else if (key === 'max-age' && /^-?\d+$/.test(v) && Number(v) <= 0) deleted = true;
    else if (key === 'expires' && Date.parse(v) <= now) deleted = true;
  }
  return { cookie: { name, value, domain, ...(path ? { path } : {}) }, deleted };
}

/** Apply Set-Cookie headers (in order) to a cookie jar; same (name, domain, path) replaces. */
export function mergeCookies(
  jar: SessionCookie[],
  setCookies: string[],
  requestUrl: string,
): SessionCookie[] {
  const out = [...jar];
  const key = (c: SessionCookie) => `${c.name}\u0000${c.domain ?? ''}\u0000${c.path ?? '/'}`;
  for (const header of setCookies) {
    const parsed = parseSetCookie(header, requestUrl);
    if (!parsed) continue;
    const i = out.findIndex(
      (c) => key(c) === key(parsed.cookie) || (!c.domain && c.name === parsed.cookie.name),
    );
    if (i >= 0) out.splice(i, 1);
    if (!parsed.deleted) out.push(parsed.cookie);
  }
  return out.slice(-100);
}

export interface LoginContext {
  /** Primary base URL of the source; a relative recipe URL is resolved against it. */
  baseUrl: string;
  identity: string;
  proxyUrl: string;
  http: HttpFetcher;
  browser?: BrowserFetcher | (() => BrowserFetcher | null);
  mode: 'http' | 'browser';
  /** Cookies the source already has (a CAPTCHA queue pass, say): kept unless the site replaces them. */
  cookies: SessionCookie[];
  /** Where the form may send us: the source's scope (mirrors included). */
  inScope: (url: string) => boolean;
  origins?: string[];
  javascript?: boolean;
  timeouts?: Partial<FetchTimeouts>;
  env?: NodeJS.ProcessEnv;
}

export interface LoginResult {
  cookies: SessionCookie[];
  /** Where the login left us (the page after the form). */
  finalUrl: string;
}

function afterLoginProblem(status: number, html: string, url: string): string | null {
  const obstacle = detectObstacle({ status, html, url });
  if (obstacle?.kind === 'login_wall')
    return `still a login wall after submitting the form (HTTP ${status}): credentials rejected?`;
  if (obstacle?.needsPerson) return `${obstacle.reason} after submitting the form`;
  if (status >= 400) return `the form answered HTTP ${status}`;
  return null;
}

/** Perform the recipe. Throws LoginError (why it failed, one line) or FetchError (network). */
export async function performLogin(recipe: LoginRecipe, ctx: LoginContext): Promise<LoginResult> {
  const parsed = loginRecipeSchema.safeParse(recipe);
  if (!parsed.success)
    throw new LoginError(`invalid login recipe: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const values = resolveFields(recipe.fields, ctx.env);
  const url = new URL(recipe.url, ctx.baseUrl).href;
  if (!ctx.inScope(url)) throw new LoginError(`login URL ${url} is not on the source's site`);
  return ctx.mode === 'browser' ? viaBrowser(recipe, values, url, ctx) : viaHttp(values, url, ctx);
}

async function viaHttp(values: Record<string, string>, url: string, ctx: LoginContext): Promise<LoginResult> {
  const common = {
    proxyUrl: ctx.proxyUrl,
    identity: ctx.identity,
    timeouts: ctx.timeouts,
    inScope: ctx.inScope,
  };
  let jar = ctx.cookies;
  const page = await ctx.http.fetch(url, { ...common, session: { cookies: jar } });
  jar = mergeCookies(jar, page.setCookies, page.finalUrl);
  const gate = detectObstacle({
    status: page.status,
    headers: page.headers,
    html: page.body,
    url: page.finalUrl,
  });
  if (gate && gate.kind !== 'login_wall') throw new LoginError(`login page: ${gate.reason}`);
  const form = findLoginForm(page.body, page.finalUrl, Object.keys(values));
  if (!form) throw new LoginError(`no login form on ${page.finalUrl} (HTTP ${page.status})`);
  if (!ctx.inScope(form.action))
    throw new LoginError(`the login form posts off the site (${new URL(form.action).origin})`);
  const body = formBody(form, values);
  const res =
    form.method === 'POST'
      ? await ctx.http.fetch(form.action, { ...common, session: { cookies: jar }, form: body })
      : await ctx.http.fetch(`${form.action.split('?')[0]}?${body}`, {
          ...common,
          session: { cookies: jar },
        });
  jar = mergeCookies(jar, res.setCookies, res.url);
  const problem = afterLoginProblem(res.status, res.body, res.finalUrl);
  if (problem) throw new LoginError(problem);
  return { cookies: jar, finalUrl: res.finalUrl };
}

async function viaBrowser(
  recipe: LoginRecipe,
  values: Record<string, string>,
  url: string,
  ctx: LoginContext,
): Promise<LoginResult> {
  const browser = typeof ctx.browser === 'function' ? ctx.browser() : ctx.browser;
  if (!browser)
    throw new FetchError('aborted', 'a browser login needs Chromium, which this worker cannot start', url);
  let r: Awaited<ReturnType<BrowserFetcher['login']>>;
  try {
    r = await browser.login(url, {
      identity: ctx.identity,
      fields: values,
      submitSelector: recipe.submitSelector,
      cookies: ctx.cookies,
      javascript: ctx.javascript ?? true,
      origins: ctx.origins,
      timeoutMs: ctx.timeouts?.totalMs,
    });
  } catch (err) {
    const message = (err as Error).message?.split('\n')[0] ?? String(err);
    // The network failing is worth a retry; a form that is not what the recipe says is not.
    if (err instanceof FetchError || /net::ERR_|Timeout .*exceeded/i.test(message))
      throw err instanceof FetchError
        ? err
        : new FetchError('connection_failed', `browser login: ${message}`, url);
    throw new LoginError(`browser login: ${message}`);
  }
  const problem = afterLoginProblem(r.status, r.html, r.finalUrl);
  if (problem) throw new LoginError(problem);
  return { cookies: r.cookies, finalUrl: r.finalUrl };
}
