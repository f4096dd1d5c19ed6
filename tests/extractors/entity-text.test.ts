// entityText reads <a href>, <textarea> and <pre> through the document's tag index instead of a
// css-select walk of 'a[href], textarea, pre'. Same elements, same order, so the same text: checked
// against that walk on every range page, the hand-written fixtures and awkward markup.
import { readdirSync, readFileSync } from 'node:fs';
import type { CheerioAPI } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { entityText } from '../../extractors/page/extract.js';
import { loadPage } from '../../extractors/page/load.js';
import { documentOf, select } from '../../extractors/page/select.js';
import { blockText, rawText } from '../../extractors/page/text.js';
import { rangePages } from './entities/range-texts.js';

/** entityText as it was: one css-select walk. */
function reference($: CheerioAPI): string {
  const root = documentOf($);
  const parts: string[] = [blockText(root, 4_000_000, undefined, true)];
  const raw: string[] = [];
  let links = 0;
  for (const el of select('a[href], textarea, pre', root.children)) {
    if (el.name === 'a') {
      if (++links > 5000) continue;
      const href = el.attribs.href ?? '';
      if (/^(mailto:|https?:\/\/(t\.me|telegram\.me)|tel:)/i.test(href) || /\.onion\b/i.test(href))
        parts.push(href.replace(/^mailto:|^tel:/i, ''));
    } else if (raw.length < 200) raw.push(rawText(el));
  }
  return parts.concat(raw).join('\n');
}

describe('entityText', () => {
  it('equals the css-select walk on every range page and fixture', async () => {
    const pages = (await rangePages()).map((p) => p.html);
    const dir = new URL('./fixtures/', import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.html')))
      pages.push(readFileSync(new URL(f, dir), 'utf8'));
    expect(pages.length).toBeGreaterThan(200);
    let withCarriers = 0;
    for (const html of pages) {
      const { $ } = loadPage(html);
      const want = reference($);
      expect(entityText($)).toBe(want);
      if (/mailto:|\.onion|<pre|<textarea/i.test(html)) withCarriers++;
    }
    expect(withCarriers).toBeGreaterThan(30);
  });

  it('equals it on awkward markup: anchors without href, upper case, SVG, nesting, interleaved pre/textarea, over the caps', () => {
    const cases = [
      '<p>x</p><a>no href</a><A HREF="mailto:a@b.example">m</A><svg><a href="http://x.onion/">s</a></svg>',
      '<pre>one 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa</pre><textarea>two</textarea><pre>three<pre>four</pre></pre><textarea>five</textarea>',
      '<div><a href="tel:+38591234567">call</a><a href="">empty</a><a href="https://t.me/handle">tg</a></div>',
      '<body>' + '<a href="http://abc.onion/x">l</a>'.repeat(5100) + '</body>',
      '<body>' + '<pre>p</pre><textarea>t</textarea>'.repeat(150) + '</body>',
      '<body>' + '<a name="x">anchor</a>'.repeat(5001) + '<a href="mailto:late@b.example">late</a></body>',
      '<template><pre>in template</pre></template><noscript><a href="mailto:n@s.example">n</a></noscript>',
    ];
    for (const html of cases) {
      const { $ } = loadPage(html);
      expect(entityText($)).toBe(reference($));
    }
  });
});
