// URL normalisation: one canonical spelling per page, so per-run dedup, budgets and evidence all agree
// on what "the same URL" is. Pure functions only.

export class UrlError extends Error {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
    this.name = 'UrlError';
  }
}

/** Longest URL we even try to parse; anything longer is hostile or a trap. */
export const MAX_URL_INPUT = 8192;

/** Query parameters that carry session ids (compared lower-case). */
export const SESSION_PARAMS: ReadonlySet<string> = new Set([
  'phpsessid',
  'sid',
  'sessid',
  'session',
  'sessionid',
  'session_id',
  'jsessionid',
  'aspsessionid',
  'cfid',
  'cftoken',
  'zenid',
  's_id',
]);

/**
 * Parameters that identify content even when their value is a long hex string (a listing hash, a
 * thread id); their values are kept even though they look like tokens.
 */
export const CONTENT_ID_PARAMS: ReadonlySet<string> = new Set([
  'id',
  'item',
  'listing',
  'product',
  'thread',
  'topic',
  'post',
  'p',
  't',
  'vendor',
  'user',
  'hash',
  'page',
]);

const LONG_HEX = /^[0-9a-f]{32,128}$/i;
const ALLOWED_SCHEMES = new Set(['http:', 'https:']);
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Decode %XX escapes of unreserved characters and upper-case the hex of all other escapes (RFC 3986 §6.2.2). */
export function normalizePercentEncoding(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

function isSessionParam(name: string, value: string): boolean {
  const n = name.toLowerCase();
  if (SESSION_PARAMS.has(n) || n.startsWith('aspsessionid')) return true;
  return LONG_HEX.test(value) && !CONTENT_ID_PARAMS.has(n);
}

/** Remove `;jsessionid=…`-style path parameters that servlet containers append to every path. */
export function stripPathSessionIds(pathname: string): string {
  return pathname.replace(/;(jsessionid|phpsessid|sid|sessionid)=[^/?#]*/gi, '');
}

/**
 * Canonical form of an absolute http(s) URL: lower-case scheme and host (WHATWG URL does that and
 * the default port / dot segments), no fragment, no session ids, percent-encoding normalised, query
 * parameters sorted by name (stable, so repeated names keep their order).
 */
export function normalizeUrl(input: string, base?: string): string {
  if (typeof input !== 'string' || input.length === 0) throw new UrlError('empty URL', String(input));
  if (input.length > MAX_URL_INPUT)
    throw new UrlError(`URL longer than ${MAX_URL_INPUT} characters`, input.slice(0, 200));
  let u: URL;
  try {
    u = base === undefined ? new URL(input.trim()) : new URL(input.trim(), base);
  } catch {
    throw new UrlError('not a valid URL', input.slice(0, 200));
  }
  if (!ALLOWED_SCHEMES.has(u.protocol))
    throw new UrlError(`scheme ${u.protocol} is not crawled`, input.slice(0, 200));
  if (u.username || u.password)
    throw new UrlError('URLs with credentials are not crawled', input.slice(0, 200));
  u.hash = '';
  u.hostname = u.hostname.replace(/\.$/, '');
  u.pathname = normalizePercentEncoding(stripPathSessionIds(u.pathname)) || '/';

  const params = parseQuery(u.search).filter(([k, v]) => !isSessionParam(k, v ?? ''));
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const query = params.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&');
  // Assigning through URL.search would re-encode; build the string ourselves.
  const head = `${u.protocol}//${u.host}${u.pathname}`;
  return query ? `${head}?${query}` : head;
}

/** Query as [name, value|null] pairs, each with normalised percent-encoding; empty pairs dropped. */
function parseQuery(search: string): Array<[string, string | null]> {
  const q = search.startsWith('?') ? search.slice(1) : search;
  if (!q) return [];
  const out: Array<[string, string | null]> = [];
  for (const part of q.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = normalizePercentEncoding(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? null : normalizePercentEncoding(part.slice(eq + 1));
    out.push([name, value]);
  }
  return out;
}

/** Parse or return null instead of throwing; for link extraction where junk links are expected. */
export function tryNormalizeUrl(input: string, base?: string): string | null {
  try {
    return normalizeUrl(input, base);
  } catch {
    return null;
  }
}

/** `http://host[:port]` of a URL, lower-case. */
export function originOf(url: string): string {
  return new URL(url).origin;
}
