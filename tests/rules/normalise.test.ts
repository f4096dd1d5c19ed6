import { describe, expect, it } from 'vitest';
import { compileRules } from '../../rules/compile.js';
import fc from 'fast-check';
import { buildView, originalRange, translitFromPlain } from '../../rules/text.js';
import { fires, listing, rules } from './helpers.js';

describe('matching on normalised text', () => {
  it.each([
    ['glock', 'GL0CK 19', true],
    ['cocaine', 'pure c0ca1ne', true],
    ['cocaine', 'c0c@ine', true],
    ['glock', 'g\u200Block', true], // zero-width space
    ['glock', 'gl\u00ADock', true], // soft hyphen
    ['glock', 'Ｇｌｏｃｋ', true], // full-width
    ['glock', 'glоck', true], // Cyrillic о inside a Latin word
    ['pistolj', 'pištolj', true], // accents
    ['"glock 19"', 'glock19', true], // letters and digits split
    ['"ak 47"', 'AK47', true],
    ['1911', 'colt 1911', true], // numbers are not leetspeak
    ['glock', 'гlock', false], // г has no Latin look-alike: without transliteration this is not "glock"
    ['glock', 'glockk', false],
  ])('%s vs %j → %s', (query, title, expected) => {
    expect(fires(query, listing({ title }))).toBe(expected);
  });

  it('Cyrillic глок hits glock only when the rule asks for transliteration', () => {
    const l = listing({ title: 'Продајем глок 19, нов' });
    expect(fires({ query: 'glock' }, l)).toBe(false);
    expect(fires({ query: 'glock', transliterate: true }, l)).toBe(true);
    expect(fires({ query: '"glock 19"', transliterate: true }, l)).toBe(true);
  });

  it.each([
    ['kalashnikov', 'Калашњиков АК-47'],
    ['beretta', 'Беретта 92'],
    ['pistol*', 'пиштољ'],
    ['pistol*', 'πιστόλι'],
    ['"ak 47"', 'АК-47'],
  ])('transliterated %s matches %s', (query, title) => {
    expect(fires({ query, transliterate: true }, listing({ title }))).toBe(true);
  });

  it('regexes read the plain view even in transliterating rules', () => {
    expect(fires({ query: '/glock\\s?\\d+/', transliterate: true }, listing({ title: 'Glock 19' }))).toBe(
      true,
    );
    expect(fires({ query: '/beretta/', transliterate: true }, listing({ title: 'beretta' }))).toBe(true);
  });

  it('transliterate: true still matches Latin text', () => {
    expect(fires({ query: 'glock', transliterate: true }, listing({ title: 'Glock 17' }))).toBe(true);
    expect(fires({ query: 'glock', transliterate: true }, listing({ title: 'glockenspiel' }))).toBe(false);
  });

  it('hits point at the original text, whatever the normaliser did', () => {
    const set = compileRules(rules({ query: 'glock OR kalash* OR "cz 75"', transliterate: true }));
    const title = 'Ｇｌ0ｃｋ, Калашњиков and CZ\u200B-75';
    const [m] = set.match(listing({ title }));
    expect(m!.hits.map((h) => title.slice(h.start, h.end))).toEqual([
      'Ｇｌ0ｃｋ',
      'Калашњиков',
      'CZ\u200B-75',
    ]);
    for (const h of m!.hits) expect(h.text).toBe(title.slice(h.start, h.end));
  });

  it('maps every token back inside the original string', () => {
    const s = 'Ａ ß ﬁ 😀 gl0ck 𝐠𝐥𝐨𝐜𝐤 e\u0301 Ω';
    for (const kind of ['plain', 'translit'] as const) {
      const v = buildView(s, kind);
      for (const t of v.tokens) {
        const r = originalRange(v, t.start, t.end);
        expect(r.start).toBeGreaterThanOrEqual(0);
        expect(r.end).toBeLessThanOrEqual(s.length);
        expect(r.end).toBeGreaterThan(r.start);
      }
    }
    expect(buildView(s, 'plain').tokens.map((t) => t.text)).toContain('glock');
  });
});

describe('translit view derived from the plain view', () => {
  it('equals the directly built translit view for text without Cyrillic or Greek', () => {
    const chars = fc.constantFrom(
      ...'aAbcçčkKlmoOsšzž019 .-_@$\u200Bµ\u2126ﬁ𝐠ÉßĐ'.split(''),
      'e\u0301',
      'g l o c k',
      'gl0ck',
      'c.o.k.e',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 30 }).map((a) => a.join('')),
        (text) => {
          const derived = translitFromPlain(buildView(text, 'plain'));
          if (derived === null) return; // µ / Ω-sign fold into Greek: built directly instead
          const direct = buildView(text, 'translit');
          expect({ ...derived }).toEqual({ ...direct });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('declines text that folds into Greek or Cyrillic', () => {
    expect(translitFromPlain(buildView('5 µg', 'plain'))).toBeNull();
    expect(translitFromPlain(buildView('глок', 'plain'))).toBeNull();
    expect(translitFromPlain(buildView('glock', 'plain'))).not.toBeNull();
  });
});
