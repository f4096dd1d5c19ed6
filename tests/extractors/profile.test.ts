import { describe, expect, it } from 'vitest';
import * as cheerio from 'cheerio';
import {
  chooseProfile,
  extractWithProfile,
  loadProfiles,
  parseProfile,
  ProfileError,
} from '../../extractors/page/profile.js';

describe('site profiles', () => {
  it('every shipped profile loads and validates', () => {
    const names = loadProfiles().map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['range-forum', 'range-market-tables', 'range-paste', 'range-shop']),
    );
  });

  it('rejects malformed profiles with the file and field named', () => {
    expect(() => parseProfile({ name: 'Bad Name', pages: [{ type: 'listing' }] }, 'a.yaml')).toThrow(
      /a\.yaml: name:/,
    );
    expect(() => parseProfile({ name: 'x', pages: [] }, 'b.yaml')).toThrow(ProfileError);
    expect(() => parseProfile({ name: 'x', pages: [{ type: 'shop' }] }, 'c.yaml')).toThrow(
      /c\.yaml: pages\.0\.type/,
    );
    expect(() =>
      parseProfile({ name: 'x', pages: [{ type: 'listing', listing: { title: {} } }] }, 'd.yaml'),
    ).toThrow(/selector or a label/);
    expect(() => parseProfile({ name: 'x', pages: [{ type: 'listing', url: '(?=x)' }] }, 'e.yaml')).toThrow(
      /RE2/,
    );
    expect(() => parseProfile({ name: 'x', extra: 1, pages: [{ type: 'other' }] }, 'f.yaml')).toThrow(
      /f\.yaml/,
    );
  });

  it('page-level selectors read the document as the browser does; row selectors stay inside the row', () => {
    const profile = parseProfile(
      {
        name: 'doc-scope',
        pages: [
          { type: 'listing', listing: { title: 'body > main h1', price: 'html body span.p' } },
          { type: 'listing_index', items: 'div.row', listing: { title: 'div a', price: 'span.p' } },
        ],
      },
      'doc-scope.yaml',
    );
    const page = cheerio.load(
      '<html><body><main><h1>Glock 19</h1><span class="p">450 EUR</span></main></body></html>',
    );
    expect(extractWithProfile(page, 'http://x.onion/l/1', profile)?.listings[0]).toMatchObject({
      title: 'Glock 19',
      price: '450 EUR',
    });
    // Under a row, "div a" needs a div inside the row: the row's own <div> does not count.
    const index = parseProfile({ ...profile, pages: [profile.pages[1]!] }, 'doc-scope.yaml');
    const rows = cheerio.load(
      '<body><div class="row"><a href="/1">direct</a><span class="p">1</span></div><div class="row"><div><a href="/2">nested</a></div><span class="p">2</span></div></body>',
    );
    expect(extractWithProfile(rows, 'http://x.onion/', index)?.listings.map((l) => l.title)).toEqual([
      null,
      'nested',
    ]);
  });

  it('applies selectors, attributes, joins, lists, RE2 patterns and labels; bad selectors match nothing', () => {
    const profile = parseProfile(
      {
        name: 'demo',
        match: { selectors: ['body.demo'] },
        pages: [
          {
            type: 'listing',
            url: '^/item/\\d+$',
            listing: {
              title: 'h1',
              price: { selector: '.p', pattern: 'Price: (.+)' },
              category: { selector: '.crumb', join: ' > ' },
              shipsTo: { selector: '.to li', all: true },
              url: { selector: 'a.self', attr: 'href' },
              vendor: { label: 'Seller' },
              description: 'div[[[',
            },
          },
        ],
      },
      'demo.yaml',
    );
    const $ = cheerio.load(
      '<body class="demo"><h1>Item</h1><span class="crumb">A</span><span class="crumb">B</span><div class="p">Price: 5 EUR</div><ul class="to"><li>Serbia</li><li>Greece</li></ul><a class="self" href="/item/1?x">s</a><p>Seller: Bob</p></body>',
    );
    expect(chooseProfile($, 'http://q.onion/item/1', [profile])).toBe(profile);
    const page = extractWithProfile($, 'http://q.onion/item/1', profile)!;
    expect(page.listings[0]).toMatchObject({
      title: 'Item',
      price: '5 EUR',
      category: 'A > B',
      shipsTo: ['Serbia', 'Greece'],
      url: 'http://q.onion/item/1?x',
      vendor: 'Bob',
      description: null,
    });
    expect(extractWithProfile($, 'http://q.onion/other', profile)).toBeNull();
  });
});
