import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cheerio from 'cheerio';
import { loadCorpus } from '../../extractors/classifier/corpus.js';
import { detectLanguage, LANGUAGE_SAMPLE_CHARS, loadLanguageDetector } from '../../extractors/language.js';
import { extractPage } from '../../extractors/page/extract.js';
import { renderRangePages } from '../../range/render.js';
import { expectSameAsEld, loadDifferential, type Differential } from './language-differential.js';

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

  it('bounds work on huge input: only a bounded prefix is read', () => {
    const huge = 'kokainë e pastër '.repeat(500_000);
    // Whatever follows the sample cannot change the answer, so the work cannot depend on it.
    expect(detectLanguage(huge + 'Продавам пистолет '.repeat(1000))).toBe(
      detectLanguage(huge.slice(0, LANGUAGE_SAMPLE_CHARS)),
    );
    expect(detectLanguage(huge)).toBe('sq');
  });

  // The sample was cut from 1,000 to 500 characters. eld reads only the first ~380 UTF-8 bytes of
  // words anyway; the Macedonian/Serbian refinement looks further. 500 must answer as 1,000 does.
  it('a 500-character sample answers as 1,000 characters do, on index-page-like corpus text', () => {
    const byLang = new Map<string, string[]>();
    for (const r of loadCorpus())
      byLang.set(r.lang, [...(byLang.get(r.lang) ?? []), `${r.title}. ${r.description ?? ''}`]);
    let compared = 0;
    const correct = { 500: 0, 1000: 0 };
    for (const [lang, texts] of byLang)
      for (let i = 0; i + 6 <= texts.length; i += 6) {
        // Six listings in a row, as languageSample joins an index page's cards.
        const t = texts.slice(i, i + 6).join('\n');
        const short = detectLanguage(t);
        expect(short, t.slice(0, 80)).toBe(detectLanguage(t, { maxChars: 1000 }));
        compared++;
        const ok = (l: string | null) => l === lang || (lang === 'hr' && (l === 'bs' || l === 'sr'));
        correct[500] += Number(ok(short));
        correct[1000] += Number(ok(detectLanguage(t, { maxChars: 1000 })));
      }
    expect(compared).toBeGreaterThan(300);
    expect(correct[500]).toBe(correct[1000]);
    expect(correct[500] / compared).toBeGreaterThan(0.97);
  });

  it('Macedonian letters after the sample still settle Macedonian', () => {
    const serbianLooking = 'Продајем пиштољ у одличном стању, достава брза. '.repeat(12);
    expect(detectLanguage(serbianLooking)).toBe('sr');
    expect(detectLanguage(`${serbianLooking} Ѓорче Петров, ќе се јавам.`)).toBe('mk');
  });

  it('the minimum letter count is exact and counts letters only', () => {
    const text = 'Glock 19 pistol in excellent condition, ships worldwide from Europe with tracking.';
    const letters = text.replace(/\P{L}/gu, '').length;
    expect(detectLanguage(text, { minLetters: letters })).toBe('en');
    expect(detectLanguage(text, { minLetters: letters + 1 })).toBeNull();
  });
});

// extractors/eld-fast.ts re-runs eld's algorithm over eld's database, with its own cleaning, n-gram
// encoding and table. It must read the same n-grams as eld, score them the same and give exactly
// eld's verdict (language and reliability) on any text. Edge cases of the cleaning (every BMP
// character, apostrophes, Σ, long words, cut-offs) are in language-cleaning.test.ts.
describe('eld-fast answers as eld does', () => {
  let d: Differential;
  beforeAll(async () => {
    d = await loadDifferential();
  });
  const same = (text: string): void => expectSameAsEld(d, text);

  it('on every corpus listing, alone and six in a row', () => {
    const rows = loadCorpus();
    expect(rows.length).toBeGreaterThan(1000);
    for (const r of rows) same(`${r.title}. ${r.description ?? ''}`);
    for (let i = 0; i + 6 <= rows.length; i += 6)
      same(
        rows
          .slice(i, i + 6)
          .map((r) => `${r.title}. ${r.description ?? ''}`)
          .join('\n'),
      );
  });

  it("on the range's pages: the samples the extraction detects on, and each page's whole text", async () => {
    const pages = await renderRangePages(11, 150);
    expect(pages.length).toBeGreaterThan(100);
    let samples = 0;
    for (const p of pages) {
      const x = await extractPage(p.html, p.url);
      const listings = x.listings.map((l) => `${l.title}. ${l.description ?? ''}`).join('\n');
      const posts = x.posts.map((post) => post.body).join('\n');
      for (const text of [listings, posts])
        if (text) {
          same(text);
          samples++;
        }
      // Whole pages bring prices, dates, addresses, menus: separators of every kind.
      const body = cheerio.load(p.html)('body').text();
      same(body.slice(0, 1000));
      same(body.replace(/\s+/g, ' ').slice(0, 1000));
    }
    expect(samples).toBeGreaterThan(100);
  }, 60_000);

  it('on random text mixing scripts, digits, punctuation and surrogate pairs', () => {
    const alphabet = [
      ..."abcdefghijklmnopqrstuvwxyzëçšđžćčăâîșțğıöüßАБВГДЕЖЗИЙКабвгдежзийклмнопрстуфхцчшщъьюяђћѓќѕαβγδεζηθικλμνξοπρστυφχψω0123456789 .,;:!?-_'’`\n\t",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom('😀', '𝔸', '\u200b', '\u00a0')), {
          maxLength: 1200,
        }),
        (chars) => {
          same(chars.join(''));
        },
      ),
      { numRuns: 400 },
    );
    for (const t of [
      '',
      ' ',
      'a',
      'ab c',
      'abc',
      'x'.repeat(200),
      'é'.repeat(500),
      'w'.repeat(80) + ' tail',
      '\ud800 lone surrogate',
    ])
      same(t);
  });
});
