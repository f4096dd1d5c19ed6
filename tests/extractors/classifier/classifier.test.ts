import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, type Category } from '../../../core/types.js';
import { loadCorpus, splitCorpus } from '../../../extractors/classifier/corpus.js';
import {
  classify,
  createClassifier,
  trainClassifier,
  type ListingClassifier,
} from '../../../extractors/classifier/index.js';
import { evaluate, type EvalReport } from '../../../extractors/classifier/metrics.js';
import { trainSoftmax } from '../../../extractors/classifier/model.js';
import {
  featurize,
  MAX_DESCRIPTION_CHARS,
  MAX_TITLE_CHARS,
} from '../../../extractors/classifier/features.js';
import { HARD_NEGATIVE_FAMILIES } from '../../../extractors/classifier/corpus/bank.js';

// Floors are the figures `npm run eval` measured (docs/classifier.md) minus a margin, so a change
// that makes the classifier clearly worse fails here.
let heldoutReport: EvalReport;
let trained: ListingClassifier;

beforeAll(() => {
  const { train, heldout } = splitCorpus(loadCorpus());
  trained = trainClassifier(train);
  heldoutReport = evaluate(
    heldout.map((row) => ({ row, predicted: trained.classify(row.title, row.description) })),
  );
});

describe('accuracy on the held-out split (model trained on the training split only)', () => {
  it('macro-F1 and per-class F1 stay above their floors', () => {
    expect(heldoutReport.rows).toBeGreaterThan(500);
    expect(heldoutReport.macroF1).toBeGreaterThanOrEqual(0.86); // measured 0.910
    for (const c of CATEGORIES) expect(heldoutReport.perClass[c].f1, c).toBeGreaterThanOrEqual(0.82);
    for (const c of ['firearms', 'drugs', 'documents'] as const)
      expect(heldoutReport.perClass[c].precision, c).toBeGreaterThanOrEqual(0.9);
  });

  it('every language is classified well', () => {
    const langs = Object.keys(heldoutReport.perLanguage);
    expect(langs.sort()).toEqual(['bg', 'el', 'en', 'hr', 'hu', 'mk', 'ro', 'sq', 'sr', 'tr']);
    for (const lang of langs)
      expect(heldoutReport.perLanguage[lang]!.accuracy, lang).toBeGreaterThanOrEqual(0.78);
  });

  it('hard negatives come out as other, family by family', () => {
    expect(heldoutReport.hardNegatives.falsePositiveRate).toBeLessThanOrEqual(0.1); // measured 0.05
    for (const fam of HARD_NEGATIVE_FAMILIES) {
      const f = heldoutReport.hardNegatives.perFamily[fam];
      expect(f, fam).toBeDefined();
      expect(f!.fpr, fam).toBeLessThanOrEqual(0.3);
    }
  });

  it('confidence is calibrated-ish', () => {
    expect(heldoutReport.ece).toBeLessThan(0.06); // measured 0.023
  });
});

// Listings written for this test only (not in the corpus), one block per concern.
const cases: Array<[string, string | null, Category]> = [
  // obfuscated spellings
  ['gl0ck 19 gen 5 for sale', 'clean piece, 2 mags', 'firearms'],
  ['G.L.O.C.K 26 compact', 'never registered, comes with ammo', 'firearms'],
  ['c0ca1ne 5g uncut', 'straight from the brick', 'drugs'],
  ['c.o.c.a.i.n.e  10 gram', null, 'drugs'],
  ['m3th shards 3.5g', 'crystal clear, strong', 'drugs'],
  ['pa$$port EU registered', 'your photo, biometric chip', 'documents'],
  ['ｐａｓｓｐｏｒｔ real, registered', 'biometric chip, your photo, passes border control', 'documents'],
  ['co\u200bcaine 1g', 'zero-width joiners inside the word', 'drugs'],
  // one per language
  ['Shes pistoletë CZ me fishekë', 'armë e vërtetë, pa numër serik', 'firearms'],
  ['Prodajem kokain, 2 grama', 'čist, vagano', 'drugs'],
  ['Продајем пасош, регистрован', 'биометријски чип', 'documents'],
  ['Фалшиви банкноти 20 евро', 'минават UV проверка', 'documents'],
  ['Πωλείται ηρωίνη 5γρ', 'διακριτική αποστολή', 'drugs'],
  ['Eladó Makarov pisztoly', 'lőszerrel együtt', 'firearms'],
  ['Лажна возачка дозвола', 'на ваше име, со холограм', 'documents'],
  ['Vând iarbă 10g', 'livrare discretă', 'drugs'],
  ['Satılık tabanca 9mm', 'seri numarası silinmiş, mermi ile', 'firearms'],
  // hard negatives written fresh
  ['Airsoft M4 carbine, 6mm BB', 'electric airsoft replica for skirmish games', 'other'],
  ['Prop money 50 EUR stack', 'for film sets, marked as copy, not legal tender', 'other'],
  ['Leather passport wallet', 'holds one passport and cards, RFID blocking', 'other'],
  ['CBD body lotion 300mg', 'cosmetic, 0% THC, for dry skin', 'other'],
];

describe('hand-written listings (obfuscations, languages, hard negatives)', () => {
  it.each(cases)('%s | %s → %s', (title, description, label) => {
    expect(classify(title, description).label).toBe(label);
  });
});

// Listings as the range's markets show them: a clear title over a description that is mostly seller
// boilerplate. The whole-listing reading alone labelled these firearms/other (the demo then missed
// their alerts); the title-led mix keeps the label a vendor-page row (title only) would get.
const boilerplate: Array<[string, string, Category]> = [
  [
    'Kosovo ID card (1 pc) for sale',
    'ID card Kosovo ID card, 1 pc. Fast delivery in the region. In stock. Discreet shipping. Ships from Hungary. Bulk discounts on request.',
    'documents',
  ],
  [
    'Пасош Albanian passport на продажба',
    'Пасош Albanian passport, 1 pc. Врвен квалитет. На залиха. Дискретна достава. Се испраќа од North Macedonia. Попуст за поголеми количини.',
    'documents',
  ],
  [
    'Zastava CZ99 - pištolj, 1 pc',
    'Pištolj Zastava CZ99, 1 pc. Vrhunski kvalitet. Na stanju. Diskretna dostava. Šalje se iz Bosnia and Herzegovina. Popust za veće količine. Kontakt: telegram @kobrachem_official.',
    'firearms',
  ],
  [
    'Puska AR-15 M4 carbine (1 pc) kiváló minőség',
    'Puska AR-15 M4 carbine, 1 pc. Kiváló minőség. Raktáron. Diszkrét szállítás. Feladás helye Hungary. Mennyiségi kedvezmény. Kapcsolat: telegram @eagleimport.',
    'firearms',
  ],
];

describe('boilerplate descriptions do not outvote a clear title', () => {
  it.each(boilerplate)('%s → %s, with or without its description', (title, description, label) => {
    expect(classify(title, null).label).toBe(label);
    expect(classify(title, description).label).toBe(label);
  });
});

describe('determinism', () => {
  it('training twice on the same rows gives the same weights', () => {
    const rows = loadCorpus().filter((_, i) => i % 7 === 0);
    const docs = rows.map((r) => ({ features: featurize(r.title, r.description), label: r.label }));
    const a = trainSoftmax(docs);
    const b = trainSoftmax(docs);
    expect([...a.vocab.keys()]).toEqual([...b.vocab.keys()]);
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
  });

  it('classifying the same listing twice gives the same answer', () => {
    const x = classify('Glock 17 with ammo', 'ships from EU');
    expect(classify('Glock 17 with ammo', 'ships from EU')).toEqual(x);
  });
});

describe('bad input', () => {
  it('empty listing → other', () => {
    expect(classify('', null).label).toBe('other');
    expect(classify('', '').label).toBe('other');
    expect(classify('   \n\t', null).label).toBe('other');
  });

  it('binary garbage → a valid classification', () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    const r = classify(bytes, bytes);
    expect(CATEGORIES).toContain(r.label);
    expect(r.confidence).toBeGreaterThanOrEqual(0);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(classify('\u0000\ud800\udfff\ufffd', '\u0000').label).toBe('other');
  });

  it('a 1 MB title is classified from its beginning only (bounded work, no clock)', () => {
    const title = 'Glock 19 pistol with two magazines and ammunition '.repeat(21_000);
    expect(title.length).toBeGreaterThan(1_000_000);
    const r = classify(title, title);
    expect(r.label).toBe('firearms');
    // Exactly what the capped prefixes give: nothing past the caps is read.
    expect(r).toEqual(classify(title.slice(0, MAX_TITLE_CHARS), title.slice(0, MAX_DESCRIPTION_CHARS)));
    expect(featurize(title, title)).toEqual(
      featurize(title.slice(0, MAX_TITLE_CHARS), title.slice(0, MAX_DESCRIPTION_CHARS)),
    );
  });

  it('tolerates non-string values from untyped callers', () => {
    expect(() => classify(null as unknown as string, 42 as unknown as string)).not.toThrow();
    expect(() => classify(undefined as unknown as string, undefined as unknown as null)).not.toThrow();
  });

  it('confidences are in [0,1] and every label can occur', () => {
    const seen = new Set<string>();
    for (const row of loadCorpus().filter((_, i) => i % 5 === 0)) {
      const r = classify(row.title, row.description);
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      seen.add(r.label);
    }
    expect([...seen].sort()).toEqual([...CATEGORIES].sort());
  });
});

describe('speed', () => {
  it('the per-token caches never change a result (cold and warm classification agree)', () => {
    // Throughput is measured by bench/classify.ts, not asserted here: a clock in a test flakes on a
    // loaded CI machine.
    const rows = loadCorpus().slice(0, 400);
    const fresh = createClassifier(trained.model); // empty id cache
    const cold = rows.map((r) => fresh.classify(r.title, r.description));
    const warm = rows.map((r) => fresh.classify(r.title, r.description));
    expect(warm).toEqual(cold);
    expect(rows.map((r) => trained.classify(r.title, r.description))).toEqual(cold);
    expect(rows.map((r) => classify(r.title, r.description))).toEqual(
      rows.map((r) => classify(r.title, r.description)),
    );
  });
});
