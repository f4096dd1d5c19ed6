import { describe, expect, it } from 'vitest';
import { resolveUrl } from '../../extractors/page/generic.js';
import { parsedUrl, pathOf } from '../../extractors/page/url.js';

describe('page URL, parsed once', () => {
  it('answers for the string asked, whatever was asked before', () => {
    const a = 'http://aaaa.onion/listing/1?x=2';
    const b = 'http://bbbb.onion/forum/t/9';
    expect(parsedUrl(a)?.hostname).toBe('aaaa.onion');
    expect(parsedUrl(b)?.hostname).toBe('bbbb.onion');
    expect(parsedUrl(a)?.hostname).toBe('aaaa.onion');
    expect(pathOf(a)).toBe('/listing/1?x=2');
    expect(parsedUrl('not a url')).toBeNull();
    expect(pathOf('not a url')).toBe('not a url');
    expect(parsedUrl(b)?.pathname).toBe('/forum/t/9');
  });

  it('resolveUrl of the page itself equals a fresh parse, and bad bases stay null', () => {
    for (const base of ['http://Aaaa.onion/a/../b?q#h', 'http://x.onion', 'nonsense', 'http://[::1]:80/p'])
      expect(resolveUrl(base, base)).toBe(
        (() => {
          try {
            return new URL(base, base).toString();
          } catch {
            return null;
          }
        })(),
      );
    expect(resolveUrl('javascript:alert(1)', 'http://x.onion/')).toBeNull();
    expect(resolveUrl('/v/1', 'http://x.onion/l/2')).toBe('http://x.onion/v/1');
  });
});
