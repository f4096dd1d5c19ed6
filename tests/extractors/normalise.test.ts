import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  normalise,
  normaliseForMatch,
  normaliseWork,
  originalRange,
  tokenize,
  tokenSpans,
  transliterate,
} from '../../extractors/normalise.js';

describe('normaliseForMatch: obfuscations', () => {
  const cases: Array<[string, string]> = [
    ['Gl0ck 19', 'glock 19'],
    ['c0ca1ne', 'cocaine'],
    ['pa$$port', 'passport'],
    ['h@sh', 'hash'],
    ['m3th', 'meth'],
    ['l33t', 'leet'],
    ['0xyc0d0ne', 'oxycodone'],
    ['c.o.k.e', 'coke'],
    ['g-l-o-c-k', 'glock'],
    ['c*o*c*a*i*n*e', 'cocaine'],
    ['c o c a i n e', 'cocaine'],
    ['c.0.k.e', 'coke'],
    ['GLOCK', 'glock'],
    ['glo\u200bck', 'glock'],
    ['g\u200dl\u2060o\ufeffc\u00adk', 'glock'],
    ['GLОCK', 'glock'], // Cyrillic О
    ['glосk', 'glock'], // Cyrillic о, с
    ['pаsspоrt', 'passport'], // Cyrillic а, о
    ['cοcaine', 'cocaine'], // Greek ο
    ['ﬁrearm', 'firearm'], // NFKC ligature
    ['ＧＬＯＣＫ', 'glock'], // full-width
    ['Dërgohet nga Shqipëria', 'dergohet nga shqiperia'],
    ['Expediere din România, ș ț', 'expediere din romania, s t'],
    ['Gönderim yeri Türkiye, ğ ı', 'gonderim yeri turkiye, g i'],
    ['Szállítás innen Magyarország', 'szallitas innen magyarorszag'],
    ['Đakovo Łódź straße', 'djakovo lodz strasse'.replace('dj', 'd')],
    ['Кокаин и хероин', 'kokain i heroin'],
    ['Доставка из Србије', 'dostavka iz srbije'],
    ['Џеп Ђорђе Љубљана Њиш', 'dzep djordje ljubljana njis'],
    ['Ѓорѓе ќе', 'gjorgje kje'],
    ['Αποστολή από Ελλάδα', 'apostoli apo ellada'],
    ['κοκαΐνη', 'kokaini'],
    ['ΟΔΟΣ ουρανός', 'odos ouranos'],
    ['  many   spaces\n\tand\r\nlines  ', 'many spaces and lines'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      expect(normalise(input)).toBe(expected);
    });
  }

  it('keeps real numbers, prices and weapon/drug designations', () => {
    for (const s of [
      'glock 19',
      '$450.00',
      '1.200,50 €',
      '0.0042 btc',
      '9mm',
      'ak47',
      '2cb',
      '4-mmc',
      '10mg',
      '1.2.3',
    ])
      expect(normalise(s)).toBe(s);
  });

  it('leaves prose with single letters alone', () => {
    expect(normalise('a b c')).toBe('a b c');
    expect(normalise('example.com')).toBe('example.com');
  });

  it('can skip transliteration (Cyrillic kept, homoglyphs still folded into the word script)', () => {
    expect(normalise('Кокаин', { transliterate: false })).toBe('кокаин');
    expect(normalise('кoкаин', { transliterate: false })).toBe('кокаин'); // Latin o planted in Cyrillic
    expect(normalise('glосk', { transliterate: false })).toBe('glock');
    expect(normalise('ΟΔΟΣ', { transliterate: false })).toBe('οδοσ');
  });

  it('can skip leet and separator folding', () => {
    expect(normalise('gl0ck c.o.k.e', { leet: false, separators: false })).toBe('gl0ck c.o.k.e');
  });

  it('maps every normalised unit back to the original character', () => {
    const original = 'Buy G\u200bL0CK\u00a019 — c.o.k.e';
    const r = normaliseForMatch(original);
    expect(r.text).toBe('buy glock 19 — coke');
    const at = r.text.indexOf('glock');
    const [s, e] = originalRange(original, r, at, at + 'glock'.length);
    expect(original.slice(s, e)).toBe('G\u200bL0CK');
    const c = r.text.indexOf('coke');
    const [cs, ce] = originalRange(original, r, c, c + 4);
    expect(original.slice(cs, ce)).toBe('c.o.k.e');
  });

  it('maps expansions (ß → ss, Љ → lj, astral chars) to their source', () => {
    const original = 'Љ ß 😀x';
    const r = normaliseForMatch(original);
    expect(r.text).toBe('lj ss 😀x');
    expect(r.map).toEqual([0, 0, 1, 2, 2, 3, 4, 4, 6]);
  });
});

describe('transliterate', () => {
  it('spells Serbian, Macedonian, Bulgarian Cyrillic and Greek in Latin, case kept', () => {
    expect(transliterate('Београд')).toBe('Beograd');
    expect(transliterate('Скопје Ѓорѓија')).toBe('Skopje Gjorgjija');
    expect(transliterate('София щъркел')).toBe('Sofiya shtarkel');
    expect(transliterate('Αθήνα')).toBe('Athina');
    expect(transliterate('ΟΥΡΑΝΟΣ')).toBe('OURANOS');
    expect(transliterate('Latin stays, 123')).toBe('Latin stays, 123');
  });
});

describe('tokenize', () => {
  it('keeps ș, ț, ë, ğ, ј and Greek letters inside words', () => {
    expect(tokenize('Dërgohet nga Shqipëria; expediere ș țară, ğüzel ђак ј ελληνικά 9mm')).toEqual([
      'Dërgohet',
      'nga',
      'Shqipëria',
      'expediere',
      'ș',
      'țară',
      'ğüzel',
      'ђак',
      'ј',
      'ελληνικά',
      '9mm',
    ]);
  });
  it('keeps decomposed letters together and reports offsets', () => {
    const nfd = 'Shqipe\u0308ria x';
    expect(tokenize(nfd)).toEqual(['Shqipe\u0308ria', 'x']);
    expect(tokenSpans('ab  ç')).toEqual([
      { token: 'ab', start: 0, end: 2 },
      { token: 'ç', start: 4, end: 5 },
    ]);
  });
});

// Strings that mix the character classes the normaliser cares about, so properties hit real cases.
const interesting = fc.constantFrom(
  ..."aeocpxyiksjhgltmnbOPCXAEKMHT01345789@$!.-_* |/\\+~,:;'’".split(''),
  ...'аеорсухіјѕкмнтвАЕОРСХКМНТ'.split(''), // Cyrillic look-alikes
  ...'жшчђљњџѓќщъюяйёЖШЧЂ'.split(''),
  ...'αορνικυχγετΑΒΕΖΗΙΚΜΝΟΡΤΥΧσςΣάΐ'.split(''),
  ...'ëșțğıİßæøłđĐŁ'.split(''),
  '\u0301',
  '\u0308',
  '\u0327', // combining marks
  '\u200b',
  '\u200c',
  '\u200d',
  '\ufeff',
  '\u00ad',
  '\u2060',
  '\u202e',
  '\ufe0f',
  '\u034f',
  '\u3164', // invisibles
  '\u00a0',
  '\t',
  '\n',
  '\u3000',
  '\u0000',
  '\u0007',
  'ﬁ',
  'Ｇ',
  '①',
  '½',
  'ǅ',
  'ǈ',
  '\u1100',
  '\u1161',
  '😀',
  '\ud800',
  '\udc00',
);
const mixedString = fc.oneof(
  fc.string({ unit: interesting, maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);
const optionsArb = fc.record(
  { transliterate: fc.boolean(), leet: fc.boolean(), separators: fc.boolean() },
  { requiredKeys: [] },
);

describe('normaliseForMatch: properties', () => {
  it('never throws and keeps map the same length as text, in range and non-decreasing', () => {
    fc.assert(
      fc.property(mixedString, optionsArb, (s, opts) => {
        const r = normaliseForMatch(s, opts);
        expect(r.map.length).toBe(r.text.length);
        for (let i = 0; i < r.map.length; i++) {
          expect(r.map[i]).toBeGreaterThanOrEqual(0);
          expect(r.map[i]).toBeLessThan(s.length);
          if (i > 0) expect(r.map[i]).toBeGreaterThanOrEqual(r.map[i - 1]!);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(mixedString, optionsArb, (s, opts) => {
        const once = normalise(s, opts);
        expect(normalise(once, opts)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('produces lower-case NFKC text without invisibles or doubled spaces', () => {
    fc.assert(
      fc.property(mixedString, (s) => {
        const t = normalise(s);
        expect(t).toBe(t.normalize('NFKC'));
        expect(t).toBe(t.toLowerCase());
        expect(t).not.toMatch(/[\u200b-\u200d\ufeff\u00ad\u2060]/u);
        expect(t).not.toMatch(/\s\s|^\s|\s$/u);
      }),
      { numRuns: 2000 },
    );
  });

  // Scaling by counted steps, not by the clock: every pass counts the units it visits, so 4× the
  // input must cost exactly ~4× the steps, on any machine under any load. A quadratic pass would
  // show 16×. Shapes: hostile mixtures and the pathological one-word / one-group inputs.
  it('stays linear on huge input: 4× the text costs 4× the counted steps', () => {
    const steps = (input: string): number => {
      const before = normaliseWork();
      normaliseForMatch(input);
      return normaliseWork() - before;
    };
    const chunk = 'Gl0ck c.o.k.e GLОCK\u200b pa$$port Кокаин κοκαΐνη ë\u0301\u0301 ';
    const sized = (n: number) => chunk.repeat(Math.ceil(n / chunk.length));
    expect(normaliseForMatch(sized(1_000_000)).text.length).toBeGreaterThan(500_000);
    const shapes: Array<(n: number) => string> = [
      sized,
      ...['a.', 'a1', '.', 'a ', 'g l o c k ', '0', 'о', 'aо1.', '$$a', 'c.0.k.3 '].map(
        (u) => (n: number) => u.repeat(n),
      ),
      (n) => 'a' + '\u0301'.repeat(n),
      (n) => 'a1'.repeat(n) + ' ' + 'b.'.repeat(n),
    ];
    for (const shape of shapes) {
      const small = steps(shape(5_000));
      const large = steps(shape(20_000));
      expect(small).toBeGreaterThan(0);
      expect(large / small, shape(3)).toBeGreaterThan(3.9);
      expect(large / small, shape(3)).toBeLessThan(4.1);
    }
  });

  it('linear for random inputs too (property: steps(10 copies) ≈ 10 × steps(1 copy))', () => {
    const alphabet = fc.constantFrom(
      'a',
      'g',
      '0',
      '1',
      '@',
      '$',
      '.',
      '-',
      ' ',
      'о',
      'α',
      'ë',
      '\u0301',
      '\u200b',
      'Ж',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 200, maxLength: 400 }), (cs) => {
        const t = cs.join('');
        const a = normaliseWork();
        normaliseForMatch(t);
        const b = normaliseWork();
        normaliseForMatch(t.repeat(10));
        const c = normaliseWork();
        // Joins across copy boundaries change a few steps, never the growth.
        expect((c - b) / (b - a)).toBeLessThan(10 * 1.1);
      }),
      { numRuns: 60 },
    );
  });
});
