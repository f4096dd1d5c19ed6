import { beforeAll, describe, expect, it } from 'vitest';
import { detectLanguage, loadLanguageDetector } from '../../extractors/language.js';

beforeAll(async () => {
  await loadLanguageDetector();
});

describe('detectLanguage', () => {
  const samples: Array<[string, string]> = [
    ['sq', 'Pistoletë Glock 19 në gjendje shumë të mirë, dërgohet nga Shqipëria me postë të sigurt.'],
    ['hr', 'Prodajem pištolj u odličnom stanju, dostava iz Hrvatske, plaćanje u bitcoinu.'],
    ['bg', 'Продавам пистолет в отлично състояние, доставка от България с куриер.'],
    ['el', 'Πωλείται πιστόλι σε άριστη κατάσταση, αποστολή από Ελλάδα με ταχυμεταφορά.'],
    ['hu', 'Eladó pisztoly kiváló állapotban, szállítás Magyarországról futárral.'],
    ['ro', 'Vând pistol în stare excelentă, expediere din România prin curier.'],
    ['tr', 'Satılık tabanca, mükemmel durumda, gönderim Türkiye içinden kargo ile yapılır.'],
    ['sr', 'Продајем пиштољ у одличном стању, достава из Србије, ђак и ћерка.'],
    ['mk', 'Се продава пиштол во одлична состојба, испорака од Македонија, ѓубре и ќе.'],
    ['en', 'Glock 19 pistol in excellent condition, ships worldwide from Europe with tracking.'],
  ];
  for (const [lang, text] of samples) {
    it(`recognises ${lang}`, () => {
      expect(detectLanguage(text)).toBe(lang);
    });
  }

  it('returns null for short or empty text instead of guessing', () => {
    for (const t of ['', 'glock 19', 'Hello', '12345 67890 !!!', '😀'.repeat(100)])
      expect(detectLanguage(t)).toBeNull();
  });

  it('bounds work on huge input', () => {
    const t0 = performance.now();
    detectLanguage('kokainë e pastër '.repeat(500_000));
    expect(performance.now() - t0).toBeLessThan(15_000); // unbounded work on 8.5 MB would take far longer
  });
});
