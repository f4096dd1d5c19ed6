import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../../core/types.js';
import { CORPUS_DIR, loadCorpus, splitCorpus } from '../../../extractors/classifier/corpus.js';
import { buildCorpusFiles } from '../../../extractors/classifier/corpus/build.js';
import { BANKS } from '../../../extractors/classifier/corpus/banks/index.js';
import { HARD_NEGATIVE_FAMILIES } from '../../../extractors/classifier/corpus/bank.js';

const rows = loadCorpus();
const LANGS = ['en', 'sq', 'hr', 'sr', 'bg', 'el', 'hu', 'mk', 'ro', 'tr'];

describe('shipped corpus', () => {
  it('is up to date with the phrase banks (rebuild: npx tsx extractors/classifier/corpus/build.ts)', () => {
    for (const [name, text] of buildCorpusFiles()) {
      expect(readFileSync(join(CORPUS_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('is large enough, in every language, with every class', () => {
    expect(rows.length).toBeGreaterThanOrEqual(1500);
    for (const lang of LANGS) {
      const inLang = rows.filter((r) => r.lang === lang);
      expect(inLang.length, lang).toBeGreaterThanOrEqual(100);
      for (const c of CATEGORIES)
        expect(inLang.filter((r) => r.label === c).length, `${lang} ${c}`).toBeGreaterThanOrEqual(40);
    }
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(LANGS));
  });

  it('has every hard-negative family in every language, labelled other', () => {
    const hn = rows.filter((r) => r.hardNegative);
    expect(hn.every((r) => r.label === 'other')).toBe(true);
    for (const lang of LANGS)
      for (const fam of HARD_NEGATIVE_FAMILIES)
        expect(
          hn.some((r) => r.lang === lang && r.family === fam),
          `${lang} ${fam}`,
        ).toBe(true);
  });

  it('contains obfuscated spellings', () => {
    const text = rows.map((r) => `${r.title} ${r.description ?? ''}`).join('\n');
    for (const s of ['gl0ck', 'c0ca1ne', 'pa$$port', 'k0ka1në']) expect(text).toContain(s);
    expect(rows.filter((r) => /\p{L}[0-9$@]\p{L}|\p{L}\.\p{L}\.\p{L}/u.test(r.title)).length).toBeGreaterThan(
      50,
    );
  });

  it('rows follow the schema', () => {
    for (const r of rows) {
      expect(typeof r.title).toBe('string');
      expect(r.title.length).toBeGreaterThan(0);
      expect(r.source).toBe('handwritten');
      expect(['train', 'heldout']).toContain(r.split);
    }
  });

  it('held-out titles are worded with templates that training never uses', () => {
    const { train, heldout } = splitCorpus(rows);
    const key = (r: { title: string; description: string | null }) => `${r.title}\u0000${r.description}`;
    const trainKeys = new Set(train.map(key));
    expect(heldout.filter((r) => trainKeys.has(key(r)))).toEqual([]);
    // Rebuild the templates of each target class and check which side of the split each held-out
    // title can come from.
    let checked = 0;
    let leaked = 0;
    for (const bank of BANKS) {
      for (const label of ['firearms', 'drugs', 'documents'] as const) {
        const titles = bank[label].titles;
        const nHeld = Math.max(1, Math.round(titles.length * 0.3));
        const trainTemplates = titles.slice(0, titles.length - nHeld).map(templateRegex);
        for (const r of heldout.filter((x) => x.lang === bank.lang && x.label === label)) {
          checked++;
          if (trainTemplates.some((re) => re.test(r.title))) leaked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(leaked / checked).toBeLessThan(0.05);
  });
});

function templateRegex(template: string): RegExp {
  const [before, after] = template.split('{item}').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(★ )?${before}.+${after ?? ''}( ★| ✅)?$`, 'iu');
}
