// The text helpers' fast paths (one element holding one text node; text that is already tidy or
// trimmed) against a verbatim copy of the helpers without them: same output on every element of
// every range page and on random markup built to hit the edges (hidden elements, images with alt
// text, every kind of space, nesting, the size bound).
import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentOf } from '../../extractors/page/select.js';
import { blockText, inlineText, tidyLines, trimSpace } from '../../extractors/page/text.js';
import { renderRangePages, type RenderedPage } from '../../range/render.js';
import * as reference from './reference/text.js';

let pages: RenderedPage[] = [];
beforeAll(async () => {
  pages = await renderRangePages(11, 40);
});

function everyNode($: cheerio.CheerioAPI): AnyNode[] {
  const out: AnyNode[] = [];
  const stack: AnyNode[] = [documentOf($)];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    if ('children' in n) stack.push(...n.children);
  }
  return out;
}

function expectSame(nodes: AnyNode[]): void {
  for (const n of nodes) {
    expect(blockText(n)).toBe(reference.blockText(n));
    expect(blockText(n, 4_000_000, undefined, true)).toBe(reference.blockText(n, 4_000_000, undefined, true));
    expect(blockText(n, 3)).toBe(reference.blockText(n, 3));
    expect(blockText(n, 0)).toBe(reference.blockText(n, 0));
    for (const max of [1, 10, 50])
      expect(blockText(n, max, undefined, true)).toBe(reference.blockText(n, max, undefined, true));
    expect(inlineText(n)).toBe(reference.inlineText(n));
  }
}

describe('text helpers: fast paths equal the plain walk', () => {
  it('on every node of the range pages', () => {
    expect(pages.length).toBeGreaterThan(50);
    for (const p of pages) expectSame(everyNode(cheerio.load(p.html)));
  });

  it('on hand-picked edges', () => {
    for (const html of [
      '<div><span>a</span>b</div>',
      '<p>x<b>y</b>z</p><p>w</p>',
      'a<img alt="i">b<img>c<br>d',
      '<div hidden>h</div>v<span style="display: none">s</span>w',
      '<table><tr><td>1</td><td><a href="#">2</a></td></tr></table>3',
      '<ul><li>a<li>b</ul><!-- c -->d',
    ])
      expectSame(everyNode(cheerio.load(html)));
  });

  it('on random markup', () => {
    // Mostly nothing: text that touches an element's edge is where the separators show.
    const space = fc.constantFrom(
      '',
      '',
      '',
      '',
      ' ',
      '  ',
      '\n',
      '\t',
      '\u00a0',
      '\u2003',
      '\u3000',
      '\ufeff',
    );
    const word = fc.constantFrom('a', 'Ships from: RS', '€ 1.200,50', 'x\u200by', '');
    const text = fc.tuple(space, word, space).map(([a, w, b]) => `${a}${w}${b}`);
    const attrs = fc.constantFrom(
      '',
      ' hidden',
      ' style="display:none"',
      ' aria-hidden="true"',
      ' class="x"',
    );
    const tag = fc.constantFrom('td', 'span', 'div', 'b', 'p', 'li', 'script', 'img alt="Alt"', 'br');
    const markup: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc
          .tuple(tag, attrs, fc.array(tie('node'), { maxLength: 3 }))
          .map(([t, a, kids]) => `<${t}${a}>${kids.join('')}</${t.split(' ')[0]}>`),
      ),
    })).node;
    fc.assert(
      fc.property(fc.array(markup, { maxLength: 4 }), (parts) => {
        expectSame(everyNode(cheerio.load(`<table><tr>${parts.join('')}</tr></table>${parts.join('')}`)));
      }),
      { numRuns: 400 },
    );
  });

  it('tidyLines and trimSpace on any string', () => {
    const chars = fc.constantFrom(
      ' ',
      '\n',
      '\t',
      '\r',
      '\v',
      'a',
      'é',
      '\ufeff',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\u0085',
    );
    const s = fc.oneof(
      fc.string(),
      fc.array(chars, { maxLength: 30 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(s, (t) => {
        expect(tidyLines(t)).toBe(reference.tidyLines(t));
        expect(trimSpace(t)).toBe(reference.trimSpace(t));
      }),
      { numRuns: 3000 },
    );
  });
});
