// The fast path (normalise.ts' prechecks and transliteration table, features.ts' tokenize, the one-pass
// scorer) against the reference implementation as first written (reference.ts): the same tokens and
// the same probabilities, bit for bit, for every corpus row and every range listing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CATEGORIES } from '../../../core/types.js';
import { loadCorpus } from '../../../extractors/classifier/corpus.js';
import { tokenize } from '../../../extractors/classifier/features.js';
import {
  createClassifier,
  defaultClassifier,
  FALLBACK_THRESHOLD,
} from '../../../extractors/classifier/index.js';
import { foldTableUnits, normaliseText } from '../../../extractors/classifier/normalise.js';
import {
  createReferenceClassifier,
  normaliseTextReference,
  tokenizeReference,
  type ReferenceClassifier,
} from '../../../extractors/classifier/reference.js';
import { createScorer } from '../../../extractors/classifier/scorer.js';
import { generateWorld } from '../../../range/generate/world.js';

const model = defaultClassifier().model;
const rows = loadCorpus();

type Listing = [title: string, description: string | null];

/** Every listing whose fast and reference results differ, with both, so a failure names them. */
function mismatches(
  listings: Listing[],
  fast = createClassifier(model),
  ref: ReferenceClassifier = createReferenceClassifier(model, FALLBACK_THRESHOLD),
): unknown[] {
  const bad: unknown[] = [];
  for (const [title, description] of listings) {
    const pf = fast.probabilities(title, description);
    const pr = ref.probabilities(title, description);
    const cf = fast.classify(title, description);
    const cr = ref.classify(title, description);
    // Exact equality: the fast path does the reference's floating-point operations in its order.
    const same = CATEGORIES.every((c) => Object.is(pf[c], pr[c])) && cf.label === cr.label;
    if (!same || !Object.is(cf.confidence, cr.confidence)) bad.push({ title, description, pf, pr, cf, cr });
  }
  return bad;
}

describe('one-pass classifier = two-pass reference', () => {
  it('every corpus row, with its description, without one, and with an empty one', () => {
    const listings: Listing[] = rows.flatMap((r): Listing[] => [
      [r.title, r.description],
      [r.title, null],
      [r.title, '  \n'],
    ]);
    expect(listings.length).toBeGreaterThan(6000);
    expect(mismatches(listings)).toEqual([]);
  });

  it('every range listing (seeds 1 and 11), as shown and in plain spelling', () => {
    const listings: Listing[] = [1, 11].flatMap((seed) =>
      generateWorld({ seed, size: 300 }).listings.flatMap((l): Listing[] => [
        [l.title, l.description],
        [l.plainTitle, l.description],
      ]),
    );
    expect(listings.length).toBeGreaterThan(1000);
    expect(mismatches(listings)).toEqual([]);
  });

  it('descriptions paired with other titles (the title-only reading must be the title alone)', () => {
    // A description's first word after a title's last forms a bigram that is not the title's.
    const listings: Listing[] = rows.map((r, i) => [r.title, rows[(i * 7 + 3) % rows.length]!.description]);
    expect(mismatches(listings)).toEqual([]);
  });

  it('hostile and odd input: huge, binary, non-string, one word, repeated words', () => {
    const bytes = Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    const huge = 'Glock 19 pištolj Пасош c.o.c.a.i.n.e k o k a i n gl0ck '.repeat(20_000);
    const listings: Listing[] = [
      ['', null],
      ['', ''],
      ['', 'glock'],
      ['glock', ''],
      ['glock', 'glock'],
      ['glock glock glock', 'glock glock'],
      [bytes, bytes],
      [huge, huge],
      ['\u0000\ud800\udfff\ufffd', '\u0000'],
      ['pistol \ud800', '\udc00 ammo'],
      [null as unknown as string, 42 as unknown as string],
      [undefined as unknown as string, undefined as unknown as null],
      ['Glock 17', 17 as unknown as string],
    ];
    expect(mismatches(listings)).toEqual([]);
  });

  it('random listings over the corpus vocabulary, obfuscations and scripts', () => {
    const words = [...new Set(rows.flatMap((r) => `${r.title} ${r.description ?? ''}`.split(/\s+/)))];
    const word = fc.oneof(
      fc.constantFrom(...words),
      fc.string({ unit: fc.constantFrom(...'abcgkloptsх.-*· $@0134ѓќьΘό\u0301'), maxLength: 12 }),
    );
    const text = fc.array(word, { maxLength: 30 }).map((ws) => ws.join(' '));
    const fast = createClassifier(model);
    const ref = createReferenceClassifier(model, FALLBACK_THRESHOLD);
    fc.assert(
      fc.property(text, fc.option(text), (title, description) => {
        expect(mismatches([[title, description]], fast, ref)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('still equal when tiny cache bounds drop the caches before every listing', () => {
    // Every listing overflows these bounds, so each starts from empty caches (clears happen between
    // listings, never inside one: a listing's records must stay put while it is scored).
    const score = createScorer(model, { tokenEntries: 5, bigrams: 7 });
    const ref = createReferenceClassifier(model, FALLBACK_THRESHOLD);
    const out = new Float64Array(CATEGORIES.length);
    const bad: string[] = [];
    for (const r of rows.slice(0, 300)) {
      score(r.title, r.description, out);
      const p = ref.probabilities(r.title, r.description);
      if (!CATEGORIES.every((c, i) => Object.is(out[i], p[c]))) bad.push(r.title);
    }
    expect(bad).toEqual([]);
  });
});

describe('normaliseText and tokenize = their first versions', () => {
  // Characters the prechecks, the transliteration table and the tokenizer care about, so random
  // strings hit spaced-out words (c.o.k.e, k o k a), scripts, marks, leet and surrogates often.
  const alphabet = fc.constantFrom(
    ...'aeiklopstz019 .-_*·•|/$@\t\nђјљпсшщъьѓќѕΑαθόΐ\u0301\u0308\u200bßæøłı\ufb01ｇ',
    '\ud83d\ude00',
    // Astral letters and digits that NFKC keeps (CJK, Gothic, Osmanya digit) and one it folds (𝟎).
    '\u{20000}',
    '\u{10330}',
    '\u{104a0}',
    '\u{1d7ce}',
    '\ud800',
    '\udc00',
  );
  const tricky = fc.string({ unit: alphabet, maxLength: 80 });
  const anything = fc.string({ unit: 'binary', maxLength: 200 });
  // Single characters joined by one separator (k o k a, c.o.k.e, 1-2-3), inside random text.
  const spaced = fc
    .tuple(
      fc.string({ unit: alphabet, maxLength: 6 }),
      fc.array(fc.constantFrom(...'akoeс1ђ$', '\ud83d\ude00'), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(...' .-_*·•|/', '  ', '..'),
      fc.string({ unit: alphabet, maxLength: 6 }),
    )
    .map(([before, chars, sep, after]) => before + chars.join(sep) + after);
  const input = fc.oneof(tricky, anything, spaced);

  it('normaliseText', () => {
    fc.assert(
      fc.property(input, (s) => normaliseText(s) === normaliseTextReference(s)),
      { numRuns: 3000 },
    );
    const spacedOut = [
      'k o k a',
      'k o k a ',
      ' k o k a',
      'x k o k a',
      'k o k',
      'c.o.k.e',
      'c.o',
      'g-l-o-c-k 19',
    ];
    for (const s of spacedOut) expect(normaliseText(s), s).toBe(normaliseTextReference(s));
    for (const r of rows) {
      for (const s of [r.title, r.description ?? ''])
        expect(normaliseText(s)).toBe(normaliseTextReference(s));
    }
  });

  it('normaliseText by its per-character fold table: every pair of table characters, and random text', () => {
    // The table path is right only if no table character changes its neighbour's fold (normalise.ts).
    // A de Bruijn sequence of order 2 over the table's characters holds every ordered pair once;
    // it is checked in chunks that overlap by one character, so no pair falls between two.
    const units = foldTableUnits();
    expect(units.length).toBeGreaterThan(1000);
    const seq: number[] = [];
    for (let i = 0; i < units.length; i++) {
      seq.push(units[i]!);
      for (let j = i + 1; j < units.length; j++) seq.push(units[i]!, units[j]!);
    }
    seq.push(units[0]!);
    const bad: number[] = [];
    const CHUNK = 1 << 15;
    for (let at = 0; at < seq.length - 1; at += CHUNK) {
      const s = String.fromCharCode(...seq.slice(at, at + CHUNK + 1));
      if (normaliseText(s) !== normaliseTextReference(s)) bad.push(at);
    }
    expect(bad).toEqual([]);
    // A text too long for the shared output buffer (it gets one of its own).
    const huge = 'ПИШТОЉ ёж Θεσσαλονίκη pištolj … '.repeat(6000);
    expect(normaliseText(huge)).toBe(normaliseTextReference(huge));
    // Longer-range context (final sigma, spaced-out words, $ and @ inside words) on table text.
    const tableChar = fc.constantFrom(...units.map((c) => String.fromCharCode(c)), 'Σ', 'ς', ' ', '.', '$');
    fc.assert(
      fc.property(
        fc.string({ unit: tableChar, maxLength: 60 }),
        (s) => normaliseText(s) === normaliseTextReference(s),
      ),
      { numRuns: 3000 },
    );
  });

  it('tokenize', () => {
    fc.assert(
      fc.property(input, (s) => {
        expect(tokenize(s)).toEqual(tokenizeReference(s));
      }),
      { numRuns: 2000 },
    );
    for (const r of rows)
      expect(tokenize(`${r.title} ${r.description ?? ''}`)).toEqual(
        tokenizeReference(`${r.title} ${r.description ?? ''}`),
      );
  });

  it('every BMP character, inside a word and before a digit, tokenizes as the regex split did', () => {
    const bad: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [`ab${ch}cd`, `${ch}9`]) {
        const a = tokenize(s);
        const b = tokenizeReference(s);
        if (a.length !== b.length || a.some((t, i) => t !== b[i])) bad.push(c.toString(16));
      }
    }
    expect(bad).toEqual([]);
  });

  it('every character the transliteration table covers maps as the pattern did', () => {
    for (let c = 0; c <= 0x0500; c++) {
      const s = `x${String.fromCharCode(c)}y`;
      expect(normaliseText(s), c.toString(16)).toBe(normaliseTextReference(s));
    }
  });
});
