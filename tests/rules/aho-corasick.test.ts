// modern-ahocorasick is the automaton under the compiled matcher: check it finds exactly the
// occurrences a naive scan finds (overlapping, shared prefixes/suffixes, non-ASCII), with
// UTF-16 offsets usable by slice().
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import AhoCorasick from 'modern-ahocorasick';

function naive(patterns: string[], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((p, i) => {
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) out.push(`${i}@${at}`);
  });
  return out.sort();
}

describe('modern-ahocorasick is sound for our use', () => {
  it('agrees with a naive scan on random dictionaries and texts', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', ' ', 'ш', 'ж', '1');
    const str = (min: number, max: number) =>
      fc.array(alphabet, { minLength: min, maxLength: max }).map((a) => a.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(str(1, 4), { minLength: 1, maxLength: 12 }),
        str(0, 60),
        (patterns, text) => {
          const ac = new AhoCorasick(patterns.map((pattern, i) => ({ pattern, data: i })));
          const found = ac.search(text).map((m) => {
            expect(text.slice(m.start, m.end)).toBe(patterns[m.data!]);
            return `${m.data}@${m.start}`;
          });
          expect(found.sort()).toEqual(naive(patterns, text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports UTF-16 offsets around astral characters', () => {
    const ac = new AhoCorasick(['glock', 'ak']);
    const text = '𝐠 glock 😀 ak';
    expect(ac.search(text).map((m) => text.slice(m.start, m.end))).toEqual(['glock', 'ak']);
  });
});
