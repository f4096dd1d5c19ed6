import { describe, expect, it } from 'vitest';
import { createChangeCondition, entityKey } from '../../rules/conditions.js';
import { compileRules } from '../../rules/compile.js';
import type { ListingHistory } from '../../rules/types.js';
import { listing, rules } from './helpers.js';

const empty: ListingHistory = { versions: [], vendorSightings: [], entitySites: {} };
const v = (priceEur: number | null, removed = false) => ({
  seenAt: '2026-11-01T00:00:00Z',
  priceEur,
  title: 't',
  removed,
});

describe('change and correlation conditions against in-memory history', () => {
  it('price_drop compares with the latest earlier price', () => {
    const c = createChangeCondition({ kind: 'price_drop', percent: 20 }, null);
    const l = listing({ priceEur: 80 });
    expect(c.test(l, { ...empty, versions: [v(100)] })).toBe(true);
    expect(c.test(l, { ...empty, versions: [v(90)] })).toBe(false);
    expect(c.test(l, { ...empty, versions: [v(1000), v(99)] })).toBe(false); // latest, not the maximum
    expect(c.test(l, { ...empty, versions: [v(100), v(null)] })).toBe(true); // unknown prices skipped
    expect(c.test(l, empty)).toBe(false); // first sighting: nothing to drop from
    expect(c.test(listing({ priceEur: null }), { ...empty, versions: [v(100)] })).toBe(false);
  });

  it('relisted: the latest earlier observation found it removed', () => {
    const c = createChangeCondition({ kind: 'relisted' }, null);
    expect(c.test(listing(), { ...empty, versions: [v(1), v(1, true)] })).toBe(true);
    expect(c.test(listing(), { ...empty, versions: [v(1, true), v(1)] })).toBe(false);
    expect(c.test(listing(), empty)).toBe(false);
  });

  it('new_vendor_in_category: first sighting of the vendor in this category', () => {
    const c = createChangeCondition({ kind: 'new_vendor_in_category' }, null);
    const l = listing({ vendor: 'ghost', classification: { label: 'firearms', confidence: 0.9 } });
    expect(c.test(l, empty)).toBe(true);
    expect(c.test(l, { ...empty, vendorSightings: [{ site: 'm1', category: 'drugs' }] })).toBe(true);
    expect(c.test(l, { ...empty, vendorSightings: [{ site: 'm2', category: 'firearms' }] })).toBe(false);
    expect(c.test(listing({ vendor: null, classification: l.classification }), empty)).toBe(false);
  });

  it('same_entity_on_sites: the same PGP key or address on ≥ min sites, this one included', () => {
    const c = createChangeCondition({ kind: 'same_entity_on_sites', min: 2 }, null);
    const l = listing({ site: 'Market-A', entities: [{ type: 'pgp', value: 'ABCD' }] });
    expect(c.test(l, { ...empty, entitySites: { [entityKey('pgp', 'ABCD')]: ['market-b'] } })).toBe(true);
    expect(c.test(l, { ...empty, entitySites: { [entityKey('pgp', 'ABCD')]: ['market-a'] } })).toBe(false);
    expect(c.test(l, empty)).toBe(false);
    const three = createChangeCondition({ kind: 'same_entity_on_sites', min: 3 }, null);
    expect(
      three.test(l, { ...empty, entitySites: { [entityKey('pgp', 'ABCD')]: ['market-b', 'forum-c'] } }),
    ).toBe(true);
  });

  it('watched_vendor_new_site: a watched vendor (by name or key) somewhere new', () => {
    const w = { addresses: [], pgp: ['0000111122223333'], handles: [], vendors: ['ghost dealer'] };
    const c = createChangeCondition({ kind: 'watched_vendor_new_site' }, w);
    const l = listing({ vendor: 'Ghost_Dealer', site: 'market-c' });
    expect(c.test(l, { ...empty, vendorSightings: [{ site: 'market-a', category: null }] })).toBe(true);
    expect(c.test(l, { ...empty, vendorSightings: [{ site: 'MARKET-C', category: null }] })).toBe(false);
    expect(c.test(listing({ vendor: 'someone', site: 'x' }), empty)).toBe(false);
    const byKey = listing({
      vendor: 'renamed',
      site: 'x',
      entities: [{ type: 'pgp', value: 'aaaabbbbccccdddd eeeeffff0000111122223333' }],
    });
    expect(c.test(byKey, empty)).toBe(true);
  });
});

describe('change rules in a compiled set', () => {
  const set = compileRules(
    rules(
      { name: 'text', query: 'cocaine' },
      { name: 'drop', query: 'cocaine', on: { price_drop: { percent: 30 } } },
      { name: 'relisted', category: 'drugs', on: 'relisted' },
    ),
  );
  const l = listing({
    title: 'Cocaine 1g',
    priceEur: 50,
    classification: { label: 'drugs', confidence: 0.9 },
  });

  it('without history, change rules are reported as awaiting it — not as hits', () => {
    const d = set.matchDetailed(l);
    expect(d.matches.map((m) => m.rule.id)).toEqual(['text']);
    expect(d.awaitingHistory.map((r) => r.id)).toEqual(['drop', 'relisted']);
  });

  it('a price change re-fires only the change rule that it satisfies', () => {
    const hist: ListingHistory = { ...empty, versions: [v(100)] };
    expect(set.match(l, hist).map((m) => m.rule.id)).toEqual(['text', 'drop']);
    expect(set.match({ ...l, priceEur: 95 }, hist).map((m) => m.rule.id)).toEqual(['text']);
    expect(set.match(l, { ...empty, versions: [v(50, true)] }).map((m) => m.rule.id)).toEqual([
      'text',
      'relisted',
    ]);
  });

  it('history is not asked for when the other conditions already fail', () => {
    expect(set.matchDetailed(listing({ title: 'heroin', classification: null })).awaitingHistory).toEqual([]);
  });
});
