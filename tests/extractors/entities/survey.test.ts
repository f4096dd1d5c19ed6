// The survey against the plain definitions of what it records, and the Unicode facts its NFKC
// shortcut rests on, checked against this Node's ICU.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesAtStarts } from '../../../extractors/entities/scan.js';
import { surveyText, unusualChar } from '../../../extractors/entities/survey.js';

const MARK = /^\p{M}$/u;

describe('unusualChar: text without such characters is its own NFKC form', () => {
  it('flags every code point after the first of a canonical decomposition (what can compose with a preceding character)', () => {
    const missed: string[] = [];
    let composites = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const parts = [...String.fromCodePoint(cp).normalize('NFD')];
      if (parts.length < 2) continue;
      composites++;
      for (const part of parts.slice(1))
        for (let i = 0; i < part.length; i++)
          if (!unusualChar(part.charCodeAt(i))) missed.push(`${cp.toString(16)} → ${part}`);
    }
    expect(composites).toBeGreaterThan(2000);
    expect(missed).toEqual([]);
  });

  it('flags every character with a nonzero combining class (the only ones canonical ordering moves)', () => {
    const missed: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (unusualChar(c)) continue;
      const ch = String.fromCharCode(c);
      if (ch.normalize('NFD') !== ch) continue; // composed: a starter (checked below) and its marks
      // A nonzero class would move U+0334 (class 1) before it, or it before U+05B0 (class 10).
      const moved =
        (ch + '\u0334').normalize('NFD') !== ch + '\u0334' ||
        ('a\u05b0' + ch).normalize('NFD') !== 'a\u05b0' + ch;
      if (moved) missed.push(c.toString(16));
    }
    expect(missed).toEqual([]);
  });

  it('flags no composed character whose decomposition starts with a mark', () => {
    const missed: string[] = [];
    for (let c = 0x80; c <= 0xffff; c++) {
      if (unusualChar(c)) continue;
      const first = String.fromCharCode(c).normalize('NFD')[0]!;
      if (MARK.test(first)) missed.push(c.toString(16));
    }
    expect(missed).toEqual([]);
  });

  it('leaves Latin, Cyrillic and Greek letters usual, and flags what NFKC or deobfuscation changes', () => {
    for (const ch of 'éüşğıСсаеЙκλμАБВ€—·')
      expect({ ch, unusual: unusualChar(ch.charCodeAt(0)) }).toEqual({ ch, unusual: false });
    for (const ch of '\u00a0\u00ad\u200b\u2060\ufeff\u0301\u212a\u017f\u03f0１＠［ﬁ\u1161\u3131')
      expect({ ch, unusual: unusualChar(ch.charCodeAt(0)) }).toEqual({ ch, unusual: true });
    expect(unusualChar('😀'.charCodeAt(0))).toBe(true); // surrogates go to NFKC itself
  });

  it('texts of usual characters are their own NFKC form; any unusual one is reported', () => {
    const usual: string[] = [];
    for (let c = 0x80; c <= 0x2fff && usual.length < 4000; c += 1)
      if (!unusualChar(c)) usual.push(String.fromCharCode(c));
    const pool = [...usual, ...'abcXYZ 019@.\n'];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...pool), maxLength: 60 }), (text) => {
        expect(surveyText(text).unusual).toBe(false);
        expect(text.normalize('NFKC')).toBe(text);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const flagged = [...text].some((ch) => [...ch].some((_, i) => unusualChar(ch.charCodeAt(i))));
        expect(surveyText(text).unusual).toBe(flagged);
        if (!flagged) expect(text.normalize('NFKC')).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

const textish = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...'abcdefXYZ0123456789') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ' ',
        '\u00a0',
        '\n',
        '.',
        '@',
        '/',
        '(',
        '[',
        '{',
        'w',
        'W',
        'me/',
        'og/',
        'wickr',
        'WiCkR',
        'key ',
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom('ABCD ', '0123 ', 'dead beef ', 'F00D\u00a0', '12345678') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 1 }) },
  ),
  maxLength: 300,
});

// A mention's full pattern (pgp.ts), tried at every position: where one can start.
const MENTION_AT =
  /(?:fingerprint|pgp|gpg|openpgp|key|ključ|kljuc|ключ|κλειδί|çelës|celes|kulcs|anahtar|cheie)[\s\S]{0,40}?(?<![0-9A-Fa-fxX])((?:[0-9A-Fa-f]{4}[ \u00a0]?){9}[0-9A-Fa-f]{4})(?![0-9A-Fa-f])/iuy;
const KEY_WORD_STARTS =
  /fingerprint|pgp|gpg|openpgp|[k\u212a]ey|[k\u212a]lju|ключ|[κ\u03f0]λε|çel|cel|[k\u212a]ul|anahtar|cheie/gi;

function inWindows(windows: readonly number[], p: number): boolean {
  for (let w = 0; w < windows.length; w += 2) if (p >= windows[w]! && p < windows[w + 1]!) return true;
  return false;
}

describe('surveyText', () => {
  it('records what the plain searches find', () => {
    fc.assert(
      fc.property(textish, (text) => {
        const s = surveyText(text);
        expect(s.runs).toEqual(
          Array.from(text.matchAll(/[0-9A-Za-z]{11,}/g), (m) => ({
            start: m.index,
            end: m.index + m[0].length,
          })),
        );
        expect(s.at).toBe(text.indexOf('@'));
        expect(s.telegramLink).toBe(/(?:me|og)\//i.test(text));
        expect(s.wickr).toBe(/wickr/i.test(text));
        expect(s.bracket).toBe(/[[({]/.test(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('has every position a fingerprint mention starts at inside its (ordered, disjoint) windows', () => {
    const fp = fc
      .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 40, maxLength: 40 })
      .chain((hex) =>
        fc
          .constantFrom(' ', '\u00a0', '', '  ')
          .map((gap) => hex.join('').replace(/(.{4})(?!$)/g, `$1${gap}`)),
      );
    const text = fc
      .array(
        fc.oneof(textish, fp, fc.constantFrom('fingerprint: ', 'PGP key', 'pgpg', 'ключ ', '\u212aey')),
        {
          maxLength: 8,
        },
      )
      .map((parts) => parts.join(''));
    let mentions = 0;
    fc.assert(
      fc.property(text, (t) => {
        const w = surveyText(t).mentionWindows;
        for (let i = 2; i < w.length; i += 2) expect(w[i]!).toBeGreaterThan(w[i - 1]!);
        for (let p = 0; p < t.length; p++) {
          MENTION_AT.lastIndex = p;
          if (!MENTION_AT.test(t)) continue;
          mentions++;
          expect({ p, inside: inWindows(w, p) }).toEqual({ p, inside: true });
        }
        // and so the windowed scan finds what the whole scan finds
        expect(
          matchesAtStarts(t, MENTION_AT, KEY_WORD_STARTS, Infinity, w).map((m) => [m.index, m[0]]),
        ).toEqual(matchesAtStarts(t, MENTION_AT, KEY_WORD_STARTS).map((m) => [m.index, m[0]]));
      }),
      { numRuns: 500 },
    );
    expect(mentions).toBeGreaterThan(100);
  });

  it('reads hostile text in linear time', () => {
    // Each would take minutes if a stretch were walked again for every character of it.
    for (const text of [
      'ABCD '.repeat(200_000),
      'a\u00a0'.repeat(300_000),
      '1'.repeat(500_000),
      '@/me/wickr[('.repeat(50_000),
      '\u0301é'.repeat(200_000),
    ]) {
      const s = surveyText(text);
      expect(s.runs.length + s.mentionWindows.length + Number(s.unusual) + Number(s.at >= 0)).toBeGreaterThan(
        0,
      );
    }
  });
});
