// The shared scans against the plain regex scans they stand in for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoized, clearEntityMemos } from '../../../extractors/entities/memo.js';
import {
  alnumRuns,
  matchesAtStarts,
  matchesInSpans,
  MIN_ALNUM_RUN,
  runsAround,
} from '../../../extractors/entities/scan.js';

const textish = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...'abcXYZ0123456789') },
    { weight: 2, arbitrary: fc.constantFrom(...' .@-_%+\n·é') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 1 }) },
  ),
  maxLength: 400,
});

describe('alnumRuns', () => {
  it('equals the maximal /[0-9A-Za-z]{11,}/ runs', () => {
    fc.assert(
      fc.property(textish, (text) => {
        const expected = Array.from(text.matchAll(/[0-9A-Za-z]{11,}/g), (m) => ({
          start: m.index,
          end: m.index + m[0].length,
        }));
        expect(alnumRuns(text)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
  it('finds runs of exactly the minimum length at every offset', () => {
    for (let pad = 0; pad < 2 * MIN_ALNUM_RUN; pad++) {
      const text = '.'.repeat(pad) + 'a'.repeat(MIN_ALNUM_RUN) + ' ' + 'b'.repeat(MIN_ALNUM_RUN - 1);
      expect(alnumRuns(text)).toEqual([{ start: pad, end: pad + MIN_ALNUM_RUN }]);
    }
  });
});

describe('runsAround', () => {
  it('returns each maximal run holding the anchor once, in order', () => {
    const member = (c: number): boolean => c !== 32 && c !== 10;
    fc.assert(
      fc.property(textish, (text) => {
        const expected: Array<{ start: number; end: number }> = [];
        for (const m of text.matchAll(/[^ \n]+/g))
          if (m[0].includes('@')) expected.push({ start: m.index, end: m.index + m[0].length });
        expect(runsAround(text, '@', member)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('matchesInSpans and matchesAtStarts', () => {
  it('give the global scan of a run-bounded regex', () => {
    const re = /(?<![0-9A-Za-z])[0-9a-c]{11,20}(?![0-9A-Za-z])/g;
    fc.assert(
      fc.property(textish, (text) => {
        const expected = Array.from(text.matchAll(re), (m) => ({ 0: m[0], index: m.index }));
        expect(matchesInSpans(text, alnumRuns(text), re)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
  it('give the global scan when the start pattern covers every match start, overlapping ones included', () => {
    const full = /(?:abc|bca|cab)[\s\S]{0,5}?\d{2}/g;
    const sticky = new RegExp(full.source, 'y');
    const starts = /abc|bca|cab/gi;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcAB12 '), maxLength: 200 }), (text) => {
        const expected = Array.from(text.matchAll(full), (m) => [m.index, m[0]]);
        expect(matchesAtStarts(text, sticky, starts).map((m) => [m.index, m[0]])).toEqual(expected);
        expect(matchesAtStarts(text, sticky, starts, 2).map((m) => [m.index, m[0]])).toEqual(
          expected.slice(0, 2),
        );
      }),
      { numRuns: 500 },
    );
  });
  it('refuse regexes that would make them wrong', () => {
    expect(() => matchesInSpans('x', [], /x/)).toThrow();
    expect(() => matchesAtStarts('x', /x/g, /x/g)).toThrow();
  });
});

describe('memoized', () => {
  it('computes each key once until cleared', () => {
    let calls = 0;
    const twice = memoized((s: string) => {
      calls++;
      return s + s;
    });
    expect([twice('a'), twice('a'), twice('b')]).toEqual(['aa', 'aa', 'bb']);
    expect(calls).toBe(2);
    clearEntityMemos();
    expect(twice('a')).toBe('aa');
    expect(calls).toBe(3);
  });
});
