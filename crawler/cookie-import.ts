// Cookies an analyst supplies for a blocked source: the Netscape cookies.txt format that browsers
// and their extensions export, or a JSON array of {name, value, domain?, path?}. Pure parsing; the
// result is validated with the source session schema by the caller.
import type { SourceSession } from '../core/types.js';
import { UserError } from '../core/errors.js';

export type ImportedCookie = SourceSession['cookies'][number];

/** Files larger than this are not cookie jars. */
export const MAX_COOKIE_FILE = 256 * 1024;
const MAX_COOKIES = 100;

/** Parse a cookies.txt (tab-separated, `#` comments, `#HttpOnly_` prefixes) or JSON cookie file. */
export function parseCookieFile(text: string): ImportedCookie[] {
  if (text.length > MAX_COOKIE_FILE)
    throw new UserError(`cookie file larger than ${MAX_COOKIE_FILE / 1024} KiB`);
  if (text.includes('\u0000')) throw new UserError('cookie file is binary, not cookies.txt or JSON');
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJsonCookies(trimmed);
  const cookies: ImportedCookie[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    let line = raw;
    if (line.startsWith('#HttpOnly_')) line = line.slice('#HttpOnly_'.length);
    else if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split('\t');
    if (f.length !== 7)
      throw new UserError(
        `cookie file line ${i + 1}: expected 7 tab-separated fields (cookies.txt), got ${f.length}`,
      );
    const [domain, , cookiePath, , , name, value] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    cookies.push({ name, value, domain: domain.replace(/^\./, ''), path: cookiePath || '/' });
    if (cookies.length > MAX_COOKIES) throw new UserError(`more than ${MAX_COOKIES} cookies in the file`);
  }
  if (cookies.length === 0) throw new UserError('no cookies in the file');
  return cookies;
}

function parseJsonCookies(text: string): ImportedCookie[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`cookie file is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new UserError('JSON cookie file must be an array of {name, value}');
  if (data.length > MAX_COOKIES) throw new UserError(`more than ${MAX_COOKIES} cookies in the file`);
  return data.map((c: unknown, i) => {
    const o = c as Record<string, unknown> | null;
    if (!o || typeof o.name !== 'string' || typeof o.value !== 'string')
      throw new UserError(`JSON cookie ${i + 1}: needs string "name" and "value"`);
    return {
      name: o.name,
      value: o.value,
      ...(typeof o.domain === 'string' ? { domain: o.domain.replace(/^\./, '') } : {}),
      ...(typeof o.path === 'string' ? { path: o.path } : {}),
    };
  });
}

/** `NAME=VALUE` from the command line (the value may contain `=`). */
export function parseCookieFlag(flag: string): ImportedCookie {
  const eq = flag.indexOf('=');
  if (eq < 1) throw new UserError(`--cookie "${flag.slice(0, 80)}": expected NAME=VALUE`);
  return { name: flag.slice(0, eq), value: flag.slice(eq + 1) };
}
