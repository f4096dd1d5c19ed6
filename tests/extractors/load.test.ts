// The extraction's parse (extractors/page/load.ts: parse5 through cheerio with a leaner tree
// adapter) must build the very tree cheerio.load builds: profiles are written against it, and the
// adapter only leaves out tables that serialising namespaced attributes reads. Compared node by
// node — type, name, namespace, attributes, text, and every parent/sibling link — on the range's
// pages, the hand-written fixtures, and markup that exercises the tree builder's odd corners.
import { readdirSync, readFileSync } from 'node:fs';
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPage } from '../../extractors/page/load.js';
import { documentOf } from '../../extractors/page/select.js';
import { renderRangePages } from '../../range/render.js';

/** A comparable description of the tree, links included (as positions in document order). */
function describeTree(root: AnyNode): unknown[] {
  const order: AnyNode[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    if ('children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  const at = new Map(order.map((n, i) => [n, i]));
  const pos = (n: AnyNode | null | undefined): number => (n ? at.get(n)! : -1);
  return order.map((n) => {
    const el = n as Element;
    return {
      type: n.type,
      name: el.name,
      namespace: el.namespace,
      attribs: el.attribs ? { ...el.attribs } : undefined,
      attributes: el.attribs ? el.attributes.map((a) => [a.name, a.value]) : undefined,
      data: 'data' in n ? n.data : undefined,
      parent: pos(n.parent),
      prev: pos(n.prev),
      next: pos(n.next),
      children: 'children' in n ? n.children.map(pos) : undefined,
    };
  });
}

function expectSameTree(html: string): void {
  expect(describeTree(documentOf(loadPage(html).$))).toEqual(describeTree(documentOf(cheerio.load(html))));
}

const ODD_CORNERS = [
  '<html lang="en"><body class="a"><p>x</p><html data-x="1" lang="fr"><body id="b" class="c">y</body>',
  '<svg viewBox="0 0 1 1"><use xlink:href="#a" xml:lang="en"/><foreignObject><p>t</p></foreignObject></svg>',
  '<math><mi xlink:href="#m">x</mi><annotation-xml encoding="text/html"><div>h</div></annotation-xml></math>',
  '<table><tr><td>1</td>stray<b>bold</b><tr><td>2</table>',
  '<p><b><i>a</b>b</i>c</p><a href="1"><div><a href="2">nested</a></div></a>',
  '<template><td>t</td></template><noscript><p>n</p></noscript><select><option>o<option>p</select>',
  '<!DOCTYPE html><title>t &amp; u</title><textarea>a<b></textarea><script>if (a<b) x()</script>',
  '<ul><li>a<li>b</ul><dl><dt>k<dd>v</dl><form><form>inner</form></form><frameset><frame>',
  '<div id="a" id="b" CLASS="Up" data-é="ü" onclick="x">dup attrs</div><br/><br></br>',
];

describe('the extraction parse builds the tree cheerio.load builds', () => {
  let pages: { html: string }[] = [];
  beforeAll(async () => {
    pages = await renderRangePages(11, 60);
  });

  it('on every range page', () => {
    expect(pages.length).toBeGreaterThan(50);
    for (const p of pages) expectSameTree(p.html);
  });

  it('on the hand-written fixtures', () => {
    const dir = new URL('./fixtures/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.html'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expectSameTree(readFileSync(new URL(f, dir), 'utf8'));
  });

  it("on the tree builder's odd corners", () => {
    for (const html of ODD_CORNERS) expectSameTree(html);
    // The second <html>/<body> lends its new attributes to the first (adoptAttributes).
    const $ = loadPage(ODD_CORNERS[0]!).$;
    expect($('html').attr('data-x')).toBe('1');
    expect($('html').attr('lang')).toBe('en');
    expect($('body').attr('id')).toBe('b');
  });

  it('on random tag soup', () => {
    const piece = fc.constantFrom(
      '<p>',
      '</p>',
      '<b>',
      '</b>',
      '<i>',
      '</i>',
      '<table>',
      '<tr>',
      '<td>',
      '</table>',
      '<a href=x>',
      '</a>',
      '<svg>',
      '</svg>',
      '<use xlink:href=#q>',
      '<body bgcolor=red>',
      '<html dir=rtl>',
      '<li>',
      'text',
      ' ',
      '<select>',
      '<option>',
      '<template>',
      '</template>',
      '<!-- c -->',
      '&amp;',
      '<br>',
      '</div>',
      '<div class=c>',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        expectSameTree(`x${parts.join('')}`);
      }),
      { numRuns: 300 },
    );
  });
});
