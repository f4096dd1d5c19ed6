import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { MAX_COOKIE_FILE, parseCookieFile, parseCookieFlag } from '../../crawler/cookie-import.js';

describe('cookie import', () => {
  it('reads cookies.txt as browsers export it, HttpOnly lines included, comments skipped', () => {
    const jar = [
      '# Netscape HTTP Cookie File',
      '# https://curl.se/docs/http-cookies.html',
      '',
      '.abc.onion\tTRUE\t/\tFALSE\t0\tsid\tv=1;x',
      '#HttpOnly_abc.onion\tFALSE\t/forum\tFALSE\t1893456000\tauth\ttok en',
    ].join('\r\n');
    expect(parseCookieFile(jar)).toEqual([
      { name: 'sid', value: 'v=1;x', domain: 'abc.onion', path: '/' },
      { name: 'auth', value: 'tok en', domain: 'abc.onion', path: '/forum' },
    ]);
  });

  it('reads a JSON array, keeping only name, value, domain and path', () => {
    const json = JSON.stringify([
      { name: 'sid', value: 'x', domain: '.a.onion', httpOnly: true },
      { name: 'b', value: '' },
    ]);
    expect(parseCookieFile(json)).toEqual([
      { name: 'sid', value: 'x', domain: 'a.onion' },
      { name: 'b', value: '' },
    ]);
  });

  it.each([
    ['empty', '', /no cookies/],
    ['comments only', '# Netscape HTTP Cookie File\n', /no cookies/],
    ['wrong field count', 'a.onion\tTRUE\t/\tsid\tv\n', /line 1: expected 7 tab-separated fields/],
    ['binary', 'a.onion\u0000\u0001\u0002', /binary/],
    ['broken JSON', '[{"name": "a",', /not valid JSON/],
    ['JSON without value', '[{"name": "a"}]', /JSON cookie 1: needs string "name" and "value"/],
    ['JSON of objects that are not cookies', '[1, 2]', /JSON cookie 1/],
    ['huge', 'x'.repeat(MAX_COOKIE_FILE + 1), /larger than 256 KiB/],
    [
      'too many',
      Array.from({ length: 101 }, (_, i) => `a.onion\tTRUE\t/\tFALSE\t0\tc${i}\tv`).join('\n'),
      /more than 100/,
    ],
    [
      'too many in JSON',
      JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, value: 'v' }))),
      /more than 100/,
    ],
  ])('refuses %s with a clear error', (_label, text, message) => {
    expect(() => parseCookieFile(text)).toThrow(UserError);
    expect(() => parseCookieFile(text)).toThrow(message);
  });

  it('reads NAME=VALUE flags, the value may hold "="', () => {
    expect(parseCookieFlag('sid=a=b')).toEqual({ name: 'sid', value: 'a=b' });
    expect(parseCookieFlag('sid=')).toEqual({ name: 'sid', value: '' });
    expect(() => parseCookieFlag('=x')).toThrow(/expected NAME=VALUE/);
    expect(() => parseCookieFlag('novalue')).toThrow(/expected NAME=VALUE/);
  });
});
