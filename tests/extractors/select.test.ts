// The tag-indexed selection (select.ts) must find exactly what css-select finds by walking the DOM:
// same elements, same order, for every selector the shipped profiles use and for random ones, on
// the hand-written fixtures, whatever the scope.
import { readdirSync, readFileSync } from 'node:fs';
import * as cheerio from 'cheerio';
import { selectAll, selectOne } from 'css-select';
import type { Element, ParentNode } from 'domhandler';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../../extractors/page/profile.js';
import { documentOf, rightmostTag, selectFirstIn, selectIn } from '../../extractors/page/select.js';
import { rawText, tidyLines, trimSpace } from '../../extractors/page/text.js';

const dir = new URL('./fixtures/', import.meta.url);
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.html'))
  .map((f) => cheerio.load(readFileSync(new URL(f, dir), 'utf8')));

function profileSelectors(): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && ['selector', 'items', 'scope', 'selectors', ''].includes(key)) out.add(v);
    else if (Array.isArray(v)) v.forEach((x) => visit(x, key === 'selectors' ? 'selectors' : ''));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (['url', 'attr', 'pattern', 'label', 'join', 'name', 'description', 'type', 'hosts'].includes(k))
          continue;
        visit(x, k);
      }
  };
  for (const p of loadProfiles()) visit(p);
  return [...out];
}

const EXTRA = [
  'td',
  'div.card h3',
  'table tr:has(td)',
  'a[href="/about"] ~ a',
  'ul > li:nth-child(2)',
  'h1 + p',
  'span, div',
  '*',
  '.price',
  'dd:not(.x)',
  'a[title="a > b"] span',
  'section p',
  'DIV',
  // Under an element scope, a combinator's left side must lie inside the scope (css-select's and
  // jQuery's find): "div a" under a div must not match through the scope itself.
  'div a',
  'div > a',
  'table td',
  'body div',
  'div :not(p) a',
];

function check(selector: string): void {
  for (const $ of docs) {
    const doc = documentOf($);
    const scopes: ParentNode[] = [
      doc,
      ...(selectAll('div, table, body, section, article', doc.children) as Element[]).slice(0, 12),
    ];
    for (const scope of scopes) {
      let want: Element[];
      try {
        want = selectAll(selector, scope.children) as Element[];
      } catch {
        expect(() => selectIn(selector, scope)).toThrow();
        continue;
      }
      expect(selectIn(selector, scope)).toEqual(want);
      expect(selectFirstIn(selector, scope)).toBe(
        (selectOne(selector, scope.children) as Element | null) ?? null,
      );
    }
  }
}

describe('tag-indexed selection', () => {
  it('reads the tag of the rightmost compound, and only when it is safe to', () => {
    expect(rightmostTag('table.details td.price')).toBe('td');
    expect(rightmostTag('div#top + div#wrap')).toBe('div');
    expect(rightmostTag('table.listings tr:has(td)')).toBe('tr');
    expect(rightmostTag('nav.top a[href="/about"] ~ a[href="/pgp.txt"]')).toBe('a');
    expect(rightmostTag('a[title="x > y"]')).toBe('a');
    expect(rightmostTag('h1, h2')).toBeNull();
    expect(rightmostTag('.price')).toBeNull();
    expect(rightmostTag('div > *')).toBeNull();
    expect(rightmostTag('td:nth-child(1) a')).toBe('a');
  });

  it('matches css-select exactly for the shipped profiles’ selectors and a few awkward ones', () => {
    const selectors = [...profileSelectors(), ...EXTRA];
    expect(selectors.length).toBeGreaterThan(20);
    for (const s of selectors) check(s);
  });

  it('matches css-select for random tag/class/combinator selectors', () => {
    const part = fc.tuple(
      fc.constantFrom('div', 'td', 'tr', 'a', 'p', 'span', 'li', 'dd', 'h1', 'table', 'section'),
      fc.constantFrom('', '.price', '.title', ':first-child', ':has(a)', '[href]', '.card'),
    );
    const sel = fc
      .array(fc.tuple(part, fc.constantFrom(' ', ' > ', ' + ', ' ~ ')), { minLength: 1, maxLength: 3 })
      .map((ps) => ps.map(([[t, q], c], i) => `${t}${q}${i < ps.length - 1 ? c : ''}`).join(''));
    fc.assert(
      fc.property(sel, (s) => {
        check(s);
      }),
      { numRuns: 120 },
    );
  });

  it('an invalid selector still throws (profiles turn that into "no match")', () => {
    expect(() => selectIn('div[', documentOf(docs[0]!))).toThrow();
    expect(() => selectFirstIn('td:nope(', documentOf(docs[0]!))).toThrow();
  });
});

describe('text helpers', () => {
  it('tidyLines equals the line-by-line definition (trim each line, drop empty ones)', () => {
    const SPACES = /[ \t\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
    const reference = (t: string) =>
      t
        .split('\n')
        .map((l) => trimSpace(l.replace(SPACES, ' ')))
        .filter((l) => l.length > 0)
        .join('\n');
    const chars = fc.constantFrom(' ', '\n', '\t', '\r', 'a', 'é', '\ufeff', '\u00a0', '\u2028', '\u3000');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 60 }), (cs) => {
        expect(tidyLines(cs.join(''))).toBe(reference(cs.join('')));
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.string(), (s) => tidyLines(s) === reference(s)));
  });

  it('rawText is what cheerio .text() gives, iteratively on deep trees', () => {
    for (const $ of docs)
      for (const el of $('pre, textarea, div, td').toArray()) expect(rawText(el)).toBe($(el).text());
    const $ = cheerio.load(`<pre>${'<b>'.repeat(200)}x${'</b>'.repeat(200)}<!-- no --></pre>`);
    expect(rawText($('pre').get(0)!)).toBe('x');
  });
});
