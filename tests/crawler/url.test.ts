import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeUrl, tryNormalizeUrl, UrlError, normalizePercentEncoding } from '../../crawler/url.js';

const ONION = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion';

describe('normalizeUrl', () => {
  it('lower-cases scheme and host, drops default port and fragment', () => {
    expect(normalizeUrl(`HTTP://${ONION.toUpperCase()}:80/Path#frag`)).toBe(`http://${ONION}/Path`);
    expect(normalizeUrl('https://Example.ONION:443/')).toBe('https://example.onion/');
    expect(normalizeUrl('http://example.onion:8080/')).toBe('http://example.onion:8080/');
  });
  it('resolves dot segments and relative links', () => {
    expect(normalizeUrl('http://a.onion/x/./y/../z')).toBe('http://a.onion/x/z');
    expect(normalizeUrl('../b?x=1', 'http://a.onion/one/two/three')).toBe('http://a.onion/one/b?x=1');
    expect(normalizeUrl('http://a.onion')).toBe('http://a.onion/');
  });
  it('sorts query parameters and keeps repeated names in order', () => {
    expect(normalizeUrl('http://a.onion/s?z=1&a=2&m=3&a=1')).toBe('http://a.onion/s?a=2&a=1&m=3&z=1');
    expect(normalizeUrl('http://a.onion/s?&&b&a=')).toBe('http://a.onion/s?a=&b');
  });
  it('normalises percent-encoding', () => {
    expect(normalizeUrl('http://a.onion/%7euser/%2f%41?q=%c3%a9')).toBe('http://a.onion/~user/%2FA?q=%C3%A9');
    expect(normalizePercentEncoding('%zz%4')).toBe('%zz%4');
  });
  it('strips session ids in query and path', () => {
    expect(normalizeUrl('http://a.onion/l?id=5&PHPSESSID=abc&sid=1')).toBe('http://a.onion/l?id=5');
    expect(normalizeUrl('http://a.onion/l;jsessionid=ABC123?x=1')).toBe('http://a.onion/l?x=1');
    expect(normalizeUrl('http://a.onion/l?JSESSIONID=z&ASPSESSIONIDQQ=1')).toBe('http://a.onion/l');
    const hex = 'deadbeef'.repeat(5);
    expect(normalizeUrl(`http://a.onion/l?tok=${hex}&page=2`)).toBe('http://a.onion/l?page=2');
    // content ids that look like tokens stay
    expect(normalizeUrl(`http://a.onion/l?id=${hex}`)).toBe(`http://a.onion/l?id=${hex}`);
  });
  it('rejects hostile and non-http input with a clear error', () => {
    for (const bad of [
      '',
      'javascript:alert(1)',
      'data:text/html,x',
      'mailto:a@b',
      'ftp://a.onion/',
      'http://',
      'http://u:p@a.onion/',
      '\u0000',
    ])
      expect(() => normalizeUrl(bad)).toThrow(UrlError);
    expect(() => normalizeUrl('http://a.onion/' + 'a'.repeat(10_000))).toThrow(/longer than/);
    expect(tryNormalizeUrl('http://[::1')).toBeNull();
  });
  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = tryNormalizeUrl(url);
        if (once === null) return true;
        return normalizeUrl(once) === once;
      }),
      { numRuns: 300 },
    );
  });
});
