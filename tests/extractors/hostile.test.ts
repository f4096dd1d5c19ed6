// Bad input at the extractor's boundary: every case ends in a clear result or a clear error, within
// bounded time, and never in a crash, a hang or a stack overflow.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ExtractInputError } from '../../extractors/errors.js';
import { extractPage } from '../../extractors/page/extract.js';
import { clampNesting, decodeHtml, MAX_DEPTH } from '../../extractors/page/load.js';

const URL_ = 'http://hostile.onion/page';

async function timed<T>(fn: () => Promise<T>, limitMs: number): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  expect(performance.now() - t0).toBeLessThan(limitMs);
  return out;
}

describe('refused input: clear errors', () => {
  const cases: Array<[string, Uint8Array | string, RegExp]> = [
    ['empty', '', /empty/],
    ['whitespace only', Buffer.from('  \n\t  '), /empty/],
    ['gzip bytes', gzipSync(Buffer.from('<html><body>hi</body></html>')), /gzip-compressed/],
    ['zip bytes', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), /ZIP/],
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /PNG/],
    ['NUL bytes', Buffer.from('<html>\u0000\u0000binary'), /binary/],
    ['random binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), /binary/],
    ['string with NUL', '<p>a\u0000b</p>', /binary/],
  ];
  for (const [name, input, message] of cases) {
    it(name, async () => {
      await expect(extractPage(input, URL_)).rejects.toThrow(ExtractInputError);
      await expect(extractPage(input, URL_)).rejects.toThrow(message);
    });
  }

  it('over the configurable size cap', async () => {
    const page = Buffer.from(`<html><body>${'x'.repeat(2000)}</body></html>`);
    await expect(extractPage(page, URL_, { maxBytes: 1000 })).rejects.toThrow(/limit/);
    await expect(extractPage(page.toString(), URL_, { maxBytes: 1000 })).rejects.toThrow(/limit/);
  });
});

describe('hostile pages: bounded results', () => {
  it('10^5 nested divs: nesting is clamped, text after it survives, no stack overflow', async () => {
    const deep = `<html><body>${'<div>'.repeat(100_000)}deep text${'</div>'.repeat(100_000)}<h1>Glock 19</h1><p class="price">450 EUR</p></body></html>`;
    const r = await timed(() => extractPage(deep, URL_), 20_000);
    expect(r.pageType).toBe('listing');
    expect(r.listings[0]!.title).toBe('Glock 19');
    expect(r.listings[0]!.price).toEqual({ amount: 450, currency: 'EUR' });
  });

  it('clampNesting keeps depth ≤ MAX_DEPTH, text and shallow pages unchanged', () => {
    const shallow = '<div><p>a</p><ul><li>x<li>y</ul></div>';
    expect(clampNesting(shallow)).toBe(shallow);
    const out = clampNesting(`${'<span>'.repeat(5000)}x${'</span>'.repeat(5000)}`);
    expect(out.match(/<span>/g)!.length).toBe(MAX_DEPTH);
    expect(out).toContain('x');
    // Tags inside scripts and comments are not counted.
    const script = `<script>${'<div>'.repeat(1000)}</script><!-- ${'<div>'.repeat(1000)} -->`;
    expect(clampNesting(script)).toBe(script);
    // Just under and just over the '<' count below which no page can nest too deep.
    const exact = `${'<b>'.repeat(MAX_DEPTH)}x`;
    expect(clampNesting(exact)).toBe(exact);
    const over = `${'<b>'.repeat(MAX_DEPTH + 1)}x`;
    expect(clampNesting(over).match(/<b>/g)!.length).toBe(MAX_DEPTH);
    expect(clampNesting(`${'<b>'.repeat(MAX_DEPTH + 1)}x`, MAX_DEPTH + 1)).toBe(over);
  });

  it('a 10 MB page is extracted within bounded time', async () => {
    const row = '<tr><td><a href="/l/1">Item</a></td><td>0.001 BTC</td></tr>';
    const filler = `<p>${'lorem ipsum dolor sit amet '.repeat(40)}</p>\n`;
    let html = '<html><body><h1>Big</h1><table>' + row.repeat(2000) + '</table>';
    while (html.length < 10 * 1024 * 1024) html += filler;
    html += '</body></html>';
    const r = await timed(() => extractPage(Buffer.from(html), URL_), 60_000);
    expect(r.pageType).toBe('listing_index');
    expect(r.listings.length).toBe(2000);
  }, 90_000);

  it('truncated markup still yields what is there', async () => {
    const page =
      '<html><head><title>Glock 19 - Shop</title></head><body><h1>Glock 19</h1><table><tr><th>Price</th><td>$450';
    const r = await extractPage(page, URL_);
    expect(r.listings[0]).toMatchObject({ title: 'Glock 19', price: { amount: 450, currency: 'USD' } });
    const cut = await extractPage('<div class="card"><a href="/x">It', URL_);
    expect(cut.pageType).toBe('other');
  });

  it('scripts, hidden text and javascript: links are not content', async () => {
    const page = `<html><body>
      <script>document.write('<h1>Fake</h1> Ships from: Germany 999 EUR')</script>
      <style>.x{content:"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}</style>
      <h1>Real title<img src=x onerror="alert(1)"></h1>
      <div hidden>Vendor: Decoy</div><div style="display: none">Ships from: France</div>
      <table><tr><th>Price</th><td>100 EUR</td></tr><tr><th>Ships from</th><td>Albania</td></tr></table>
      <div class="grid"><div class="c"><a href="javascript:alert(1)">A</a> 1 EUR</div><div class="c"><a href="javascript:void(0)">B</a> 2 EUR</div></div>
      </body></html>`;
    const r = await extractPage(page, URL_);
    expect(r.listings[0]).toMatchObject({
      title: 'Real title',
      vendor: null,
      shipsFrom: 'AL',
      price: { amount: 100, currency: 'EUR' },
    });
    expect(r.entities).toEqual([]);
  });

  it('many and huge JSON-LD blocks, billion-laughs-style nesting, odd encodings', async () => {
    const nested = '['.repeat(5000) + ']'.repeat(5000);
    const blocks = Array.from(
      { length: 100 },
      () => `<script type="application/ld+json">${nested}</script>`,
    ).join('');
    const r = await timed(
      () => extractPage(`<html><head>${blocks}</head><body><p>x</p></body></html>`, URL_),
      10_000,
    );
    expect(r.pageType).toBe('other');
    // A declared charset the decoder does not know falls back to UTF-8.
    expect(decodeHtml(Buffer.from('<meta charset="x-unknown-9"><p>ë</p>'))).toContain('ë');
    // Invalid UTF-8 without a declaration reads as windows-1252 instead of failing.
    expect(decodeHtml(Buffer.from([0x3c, 0x70, 0x3e, 0xe9, 0x3c]))).toBe('<p>é<');
  });

  it('20 000 sibling cards stay bounded', async () => {
    const cards = '<div class="c"><a href="/i">x</a> 1 EUR</div>'.repeat(20_000);
    const r = await timed(() => extractPage(`<html><body>${cards}</body></html>`, URL_), 60_000);
    expect(r.pageType).toBe('listing_index');
    expect(r.listings.length).toBe(20_000);
  }, 90_000);
});
