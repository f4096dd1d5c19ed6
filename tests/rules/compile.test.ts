import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileRules } from '../../rules/compile.js';
import { listing, rules } from './helpers.js';

const VOCAB = [
  'glock',
  'beretta',
  'cz',
  '75',
  'pistol',
  'pistols',
  'ammo',
  'airsoft',
  'kalashnikov',
  'ak',
  '47',
  'coke',
  'cocaine',
  'gun',
  'rifle',
  'new',
  'gl0ck',
  'Glоck',
  'пиштољ',
  'глок',
];

describe('compiled matching equals naive per-rule evaluation', () => {
  const word = fc.constantFrom(...VOCAB.filter((w) => /^[a-z0-9]+$/.test(w)));
  const leaf = fc.oneof(
    word,
    word.map((w) => `"${w} ${w === 'cz' ? '75' : 'pistol'}"`),
    fc.constantFrom(
      'pistol*',
      'kalash*',
      'glok~1',
      'beretta~2',
      '/gl[o0]ck/',
      '/\\d+/',
      '"glock 19"~2',
      'title:glock',
      'description:ammo',
    ),
  );
  const query: fc.Arbitrary<string> = fc.letrec<{ q: string }>((tie) => ({
    q: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a} AND ${b})`),
      fc.tuple(tie('q'), tie('q')).map(([a, b]) => `(${a} OR ${b})`),
      tie('q').map((a) => `NOT ${a}`),
      fc.tuple(word, word, fc.integer({ min: 0, max: 3 })).map(([a, b, d]) => `${a} NEAR/${d} ${b}`),
    ),
  })).q;
  const text = fc
    .array(fc.constantFrom(...VOCAB, '19', 'x', '-', ','), { maxLength: 12 })
    .map((w) => w.join(' '));

  it('for random rule sets and listings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ query, transliterate: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ title: text, description: fc.option(text) }), { minLength: 1, maxLength: 5 }),
        (specs, listings) => {
          const set = compileRules(rules(...specs));
          for (const l of listings) {
            const li = listing(l);
            const a = set.match(li).map((m) => [m.rule.id, m.terms, m.hits]);
            const b = set.matchNaive(li).map((m) => [m.rule.id, m.terms, m.hits]);
            expect(a).toEqual(b);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('the candidate index', () => {
  it('puts rules without a required literal on the always-check list, and only those', () => {
    const set = compileRules(
      rules(
        { query: 'glock' },
        { query: 'NOT airsoft' },
        { query: '/\\d{3,}/' },
        { query: '/gl[o0]ck \\d+/' },
        { query: 'glock OR NOT airsoft' },
        { query: 'glock AND NOT airsoft' },
        { priceEur: { max: 100 } },
        { category: 'firearms' },
        { watchlists: { vendors: ['x'] } },
      ),
    );
    expect(set.describe()).toMatchObject({ rules: 9, alwaysCheck: 4, indexedByField: 2 });
  });

  it('evaluates only rules whose required term occurs: candidates per record do not grow with rules', () => {
    // Letters-only synthetic words: "term7a" would be the phrase "term 7 a".
    const w = (i: number) => 'q' + [...i.toString(10)].map((d) => 'abcdefghij'[Number(d)]).join('');
    const specs = Array.from({ length: 5_000 }, (_, i) => ({
      query: `(${w(3 * i)} OR ${w(3 * i + 1)}) AND NOT ${w(3 * i + 2)}`,
    }));
    const set = compileRules(rules(...specs, { query: 'glock' }));
    const l = listing({
      title: `glock with ${w(21)} and ${w(3 * 1234 + 1)}`,
      description: `ammo ${w(3 * 99 + 2)}`,
    });
    const fired = set.match(l).map((m) => m.rule.id);
    expect(fired).toEqual(['r7', 'r1234', 'r5000']);
    expect(set.stats).toEqual({ records: 1, candidates: 3 });
  });

  it('a rule set compiles once and matches many records without state leaking between them', () => {
    const set = compileRules(rules({ query: 'glock NEAR/2 19' }, { query: 'beretta' }));
    expect(set.match(listing({ title: 'glock 19' })).map((m) => m.rule.id)).toEqual(['r0']);
    expect(set.match(listing({ title: 'beretta 19' })).map((m) => m.rule.id)).toEqual(['r1']);
    expect(set.match(listing({ title: 'nothing' }))).toEqual([]);
  });

  it('huge listings are matched on their first million characters, in bounded time', () => {
    const set = compileRules(rules({ query: 'glock' }, { query: 'needle' }));
    const title = 'glock ' + 'x'.repeat(1_000_000) + ' needle';
    const t = Date.now();
    expect(set.match(listing({ title })).map((m) => m.rule.id)).toEqual(['r0']);
    expect(Date.now() - t).toBeLessThan(20_000);
  });
});
