import { describe, expect, it } from 'vitest';
import { fires, listing, rules } from './helpers.js';
import { compileRules } from '../../rules/compile.js';

// [query, title, description, expected]
const table: Array<[string, string, string | null, boolean]> = [
  // terms: whole words, case-insensitive
  ['glock', 'Glock 19 Gen5', null, true],
  ['glock', 'glockenspiel for sale', null, false],
  ['glock', 'nothing here', 'but a GLOCK in the description', true],
  // implicit and explicit AND
  ['glock 19', 'glock model 19', null, true],
  ['glock AND 19', 'glock model 17', null, false],
  ['glock && 19', 'glock 19', null, true],
  // OR
  ['glock OR beretta', 'Beretta 92', null, true],
  ['glock OR beretta', 'Walther P99', null, false],
  ['glock || beretta', 'walther', null, false],
  // NOT
  ['glock NOT airsoft', 'glock 17 airsoft replica', null, false],
  ['glock NOT airsoft', 'glock 17 real steel', null, true],
  ['NOT airsoft', 'anything at all', null, true],
  ['NOT airsoft', 'airsoft gun', null, false],
  ['NOT NOT glock', 'glock', null, true],
  // precedence: NOT > AND > OR
  ['a OR b AND c', 'a', null, true],
  ['a OR b AND c', 'b', null, false],
  ['(a OR b) AND c', 'a', null, false],
  ['(a OR b) AND c', 'b c', null, true],
  ['NOT a b', 'b', null, true],
  ['NOT a b', 'a b', null, false],
  // phrases: adjacent, in order
  ['"cz 75"', 'CZ 75 B compact', null, true],
  ['"cz 75"', 'cz-75', null, true],
  ['"cz 75"', 'CZ75', null, true],
  ['"cz 75"', '75 cz', null, false],
  ['"cz 75"', 'cz model 75', null, false],
  ['"ak 47"', 'AK-47 rifle', null, true],
  ['ak-47', 'ak 47', null, true],
  // proximity in phrases: in order, ≤ N tokens in between
  ['"glock 19"~3', 'glock gen 5 new model 19', null, false],
  ['"glock 19"~3', 'glock gen 5 model 19', null, true],
  ['"glock 19"~3', 'glock gen 5 19', null, true],
  ['"glock 19"~3', '19 glock', null, false],
  // NEAR: either order
  ['glock NEAR/3 19', '19 with a glock', null, true],
  ['glock NEAR/3 19', 'glock a b c 19', null, true],
  ['glock NEAR/3 19', 'glock a b c d 19', null, false],
  ['glock NEAR/0 19', 'glock 19', null, true],
  ['(glock OR beretta) NEAR/2 pistol', 'beretta compact pistol', null, true],
  ['glock NEAR/5 19', 'glock', '19', false],
  // prefix
  ['pistol*', 'pistols and pistolj', null, true],
  ['kalash*', 'Kalashnikov AKM', null, true],
  ['kalash*', 'a kalas', null, false],
  ['"glock gen*"', 'glock gen5', null, true],
  // fuzzy: bounded Damerau–Levenshtein
  ['glok~1', 'Glock 17', null, true],
  ['glock~1', 'gloc 17', null, true],
  ['glock~1', 'golck', null, true],
  ['glock~1', 'gluk', null, false],
  ['beretta~2', 'baretta', null, true],
  ['beretta~2', 'brta', null, false],
  ['glock~0', 'glock', null, true],
  // field scopes
  ['title:glock', 'glock', null, true],
  ['title:glock', 'pistol', 'glock', false],
  ['description:glock', 'pistol', 'glock', true],
  ['title:(glock OR beretta) description:ammo', 'beretta', 'with ammo', true],
  // regex: RE2 over the normalised text
  ['/gl[o0]ck\\s?\\d+/', 'GL0CK 19', null, true],
  ['/gl[o0]ck\\s?\\d+/', 'glock', null, false],
  ['/\\bcz\\s*75\\b/', 'CZ75 b', null, true],
  ['/(glock|beretta) \\d+/', 'beretta 92', null, true],
  ['/\\d{4,}/', 'only 123', null, false],
  ['/\\d{4,}/', 'lot 12345', null, true],
  ['title:/\\d+ ?rounds/', 'ammo', '500 rounds', false],
];

describe('operator semantics (compiled and naive agree)', () => {
  it.each(table)('%s on %j / %j → %s', (query, title, description, expected) => {
    expect(fires(query, listing({ title, description }))).toBe(expected);
  });

  it('rule-level fields restrict unscoped terms', () => {
    expect(fires({ query: 'glock', fields: 'title' }, listing({ title: 'x', description: 'glock' }))).toBe(
      false,
    );
    expect(
      fires({ query: 'glock', fields: ['description'] }, listing({ title: 'x', description: 'glock' })),
    ).toBe(true);
    expect(fires({ query: 'glock', fields: 'all' }, listing({ title: 'x', description: 'glock' }))).toBe(
      true,
    );
  });
});

describe('field filters', () => {
  const base = listing({
    title: 'Glock 19',
    priceEur: 800,
    price: { amount: 0.02, currency: 'BTC' },
    vendor: 'Balkan_Guns',
    classification: { label: 'firearms', confidence: 0.8 },
    shipsFrom: 'Srbija',
    shipsTo: ['Bosna i Hercegovina', 'HR'],
    site: 'Market-A',
    language: 'sr',
  });
  it.each([
    [{ category: 'firearms' }, true],
    [{ category: ['drugs', 'documents'] }, false],
    [{ category: 'firearms', minConfidence: 0.9 }, false],
    [{ category: 'firearms', minConfidence: 0.8 }, true],
    [{ priceEur: { min: 100, max: 3000 } }, true],
    [{ priceEur: { min: 900 } }, false],
    [{ priceEur: { max: 799.99 } }, false],
    [{ currency: 'btc' }, true],
    [{ currency: ['XMR'] }, false],
    [{ shipsFrom: ['RS'] }, true],
    [{ shipsFrom: ['Србија'] }, true],
    [{ shipsFrom: ['BA'] }, false],
    [{ shipsTo: ['BA'] }, true],
    [{ shipsTo: ['Hrvatska'] }, true],
    [{ shipsTo: ['AL'] }, false],
    [{ site: 'market-a' }, true],
    [{ site: 'market-b' }, false],
    [{ vendor: 'balkan guns' }, true],
    [{ vendor: 'other' }, false],
    [{ language: 'Serbian' }, true],
    [{ language: 'bg' }, false],
  ] as Array<[Record<string, unknown>, boolean]>)('%j → %s', (filter, expected) => {
    expect(fires({ query: 'glock', ...filter }, base)).toBe(expected);
    // Filter-only rules (no query) give the same answer.
    expect(fires(filter, base)).toBe(expected);
  });

  it('an unknown listing value fails a filter instead of passing it', () => {
    expect(fires({ query: 'glock', priceEur: { max: 100 } }, listing({ title: 'glock' }))).toBe(false);
    expect(fires({ query: 'glock', shipsFrom: ['RS'] }, listing({ title: 'glock' }))).toBe(false);
    expect(fires({ query: 'glock', category: 'firearms' }, listing({ title: 'glock' }))).toBe(false);
  });

  it('"ships worldwide" satisfies any shipsTo filter', () => {
    expect(
      fires({ query: 'glock', shipsTo: ['AL'] }, listing({ title: 'glock', shipsTo: ['Worldwide'] })),
    ).toBe(true);
  });

  it('disabled rules never fire', () => {
    expect(fires({ query: 'glock', enabled: false }, listing({ title: 'glock' }))).toBe(false);
  });
});

describe('watchlists', () => {
  const l = listing({
    title: 'clean pistol, pay to bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
    vendor: 'Ghost.Dealer',
    entities: [
      { type: 'btc', value: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' },
      { type: 'pgp', value: 'AAAABBBBCCCCDDDDEEEEFFFF0000111122223333' },
      { type: 'telegram', value: '@ghost_guns' },
    ],
  });
  it.each([
    [{ addresses: ['BC1QXY2KGDYGJRSQTZQ2N0YRF2493P83KKFJHX0WLH'] }, true],
    [{ addresses: ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT'] }, false],
    [{ pgp: ['aaaa bbbb cccc dddd eeee ffff 0000 1111 2222 3333'] }, true],
    [{ pgp: ['0000111122223333'] }, true],
    [{ pgp: ['1111111122223333'] }, false],
    [{ handles: ['ghost_guns'] }, true],
    [{ vendors: ['ghost dealer'] }, true],
    [{ vendors: ['someone else'] }, false],
  ] as Array<[Record<string, string[]>, boolean]>)('%j → %s', (watchlists, expected) => {
    expect(fires({ watchlists }, l)).toBe(expected);
  });

  it('reports where a watched address appears in the text', () => {
    const set = compileRules(
      rules({ watchlists: { addresses: ['bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh'] } }),
    );
    const [m] = set.match(l);
    expect(m!.hits[0]).toMatchObject({
      field: 'title',
      start: l.title.indexOf('bc1q'),
      text: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
    });
  });
});

describe('hits', () => {
  it('report each matched term once with original offsets, not terms under NOT or failed branches', () => {
    const set = compileRules(rules({ query: '(glock OR (beretta AND missing) OR "cz 75") NOT airsoft2' }));
    const title = 'Beretta, GLOCK and CZ-75';
    const [m] = set.match(listing({ title }));
    expect(m!.terms).toEqual(['glock', 'cz 75']);
    expect(m!.hits.map((h) => [h.term, title.slice(h.start, h.end)])).toEqual([
      ['glock', 'GLOCK'],
      ['cz 75', 'CZ-75'],
    ]);
  });
});
