// The scorer's caches (scorer.ts: token entries, bigrams, the arena of packed model rows) stay
// bounded under hostile input — endless distinct tokens and word pairs — and dropping them never
// changes a result.
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../../core/types.js';
import { loadCorpus } from '../../../extractors/classifier/corpus.js';
import { defaultClassifier, FALLBACK_THRESHOLD } from '../../../extractors/classifier/index.js';
import { createReferenceClassifier } from '../../../extractors/classifier/reference.js';
import { createScorer } from '../../../extractors/classifier/scorer.js';

const model = defaultClassifier().model;
const K = CATEGORIES.length;
const rows = loadCorpus();

/** A listing of never-seen tokens mixed with real words, so entries carry records and bigrams hit. */
function hostileListing(i: number): [string, string] {
  const fresh = (j: number): string => `zq${(i * 31 + j).toString(36)}glock`;
  const row = rows[i % rows.length]!;
  const title = `${fresh(0)} ${row.title} ${fresh(1)}`;
  const description = Array.from({ length: 12 }, (_, j) => `${fresh(j + 2)} pistol${j}`).join(' ');
  return [title, `${description} ${row.description ?? ''}`.slice(0, 1500)];
}

describe('scorer cache bounds', () => {
  it('endless distinct tokens: every cache stays within its bound plus one listing', () => {
    const limits = { tokenEntries: 300, bigrams: 400, records: 6000 };
    const score = createScorer(model, limits);
    const out = new Float64Array(K);
    let maxEntries = 0;
    let maxRecords = 0;
    let maxBytes = 0;
    let sawClear = false;
    let previous = 0;
    for (let i = 0; i < 800; i++) {
      const [title, description] = hostileListing(i);
      score(title, description, out);
      const s = score.cacheStats();
      maxEntries = Math.max(maxEntries, s.tokenEntries);
      maxRecords = Math.max(maxRecords, s.records);
      maxBytes = Math.max(maxBytes, s.arenaBytes);
      if (s.tokenEntries < previous) sawClear = true;
      previous = s.tokenEntries;
      // One listing adds at most MAX_TOKENS (600) entries and bigrams beyond a bound.
      expect(s.bigrams).toBeLessThanOrEqual(limits.bigrams + 600);
    }
    expect(sawClear).toBe(true);
    // ~40 tokens per listing here; the arena doubles, so its buffer is at most twice what it holds.
    expect(maxEntries).toBeLessThanOrEqual(limits.tokenEntries + 100);
    expect(maxRecords).toBeLessThanOrEqual(limits.records + 100 * 60);
    expect(maxBytes).toBeLessThanOrEqual(2 * (limits.records + 100 * 60) * (K + 1) * 4);
  });

  it('the arena shrinks back after one huge listing', () => {
    const score = createScorer(model, { tokenEntries: 1000, bigrams: 1000, records: 5000 });
    const out = new Float64Array(K);
    // 4000 characters of distinct long tokens: many records in one listing.
    const huge = Array.from({ length: 400 }, (_, j) => `pištolj${j.toString(36)}ammunition`).join(' ');
    score('glock', huge, out);
    const peak = score.cacheStats().arenaBytes;
    expect(score.cacheStats().records).toBeGreaterThan(5000);
    score('glock', 'pistol', out);
    const after = score.cacheStats();
    expect(after.arenaBytes).toBeLessThan(peak);
    expect(after.records).toBeLessThan(100);
  });

  it('results equal the reference while the caches are being thrashed', () => {
    const score = createScorer(model, { tokenEntries: 50, bigrams: 80, records: 700 });
    const ref = createReferenceClassifier(model, FALLBACK_THRESHOLD);
    const out = new Float64Array(K);
    const bad: string[] = [];
    for (let i = 0; i < 400; i++) {
      const [title, description] = hostileListing(i);
      score(title, description, out);
      const p = ref.probabilities(title, description);
      if (!CATEGORIES.every((c, k) => Object.is(out[k], p[c]))) bad.push(title);
    }
    expect(bad).toEqual([]);
  });
});
