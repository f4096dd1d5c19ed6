import { describe, expect, it } from 'vitest';
import { extractLinks } from '../../crawler/links.js';

const PAGE = 'http://m.onion/cat/index.html';

describe('extractLinks', () => {
  const html = `<html><head><link rel="next stylesheet" href="/cat?page=2"><link rel=stylesheet href=/s.css></head><body>
    <a href="item/1#x">1</a><a href="/cat/item/1">dup</a><a href="javascript:alert(1)">js</a><a href="mailto:x@y">m</a>
    <map><area href="/map/a"></map><img src="/i.png"><form method="get" action="/search"></form><form method="post" action="/buy"></form>
    <a href="http://other.onion/">other</a><a href="  HTTP://M.ONION:80/x ">ws</a></body></html>`;
  it('finds a, area and rel=next, resolves, normalises and dedups', () => {
    const links = extractLinks(html, PAGE);
    expect(links).toEqual([
      { url: 'http://m.onion/cat/item/1', kind: 'a' },
      { url: 'http://other.onion/', kind: 'a' },
      { url: 'http://m.onion/x', kind: 'a' },
      { url: 'http://m.onion/map/a', kind: 'area' },
      { url: 'http://m.onion/cat?page=2', kind: 'next' },
    ]);
  });
  it('GET forms and images only on request; POST forms never', () => {
    const links = extractLinks(html, PAGE, { followGetForms: true, allowImages: true });
    expect(links).toContainEqual({ url: 'http://m.onion/search', kind: 'form' });
    expect(links).toContainEqual({ url: 'http://m.onion/i.png', kind: 'image' });
    expect(links.find((l) => l.url.endsWith('/buy'))).toBeUndefined();
  });
  it('honours <base href> and survives malformed, binary and huge pages', () => {
    expect(extractLinks('<base href="http://m.onion/b/"><a href="c">', PAGE)).toEqual([
      { url: 'http://m.onion/b/c', kind: 'a' },
    ]);
    expect(extractLinks('<a href="/ok"><div><<<>>></a href=<p', PAGE)[0]?.url).toBe('http://m.onion/ok');
    expect(extractLinks('\u0000\u0001\uFFFD<a href=/bin>', PAGE)).toEqual([
      { url: 'http://m.onion/bin', kind: 'a' },
    ]);
    const many = Array.from({ length: 20_000 }, (_, i) => `<a href="/p/${i}">`).join('');
    expect(extractLinks(many, PAGE)).toHaveLength(5000);
  });
});
