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
