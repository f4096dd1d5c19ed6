// eld-fast does eld's text cleaning (separator regex, trim, toLowerCase) with a per-character table
// and a scan, and reads UTF-8 bytes and n-grams without building strings. These tests go after
// the edges of that: every BMP character, apostrophes (which eld's regex keeps at the end of a
// separator run), letters whose lower case depends on context or has two characters, words past
// eld's 70-byte cut, the 350/380-byte cut-offs, and hostile input. Each text is checked at the
// n-gram, score and verdict level against eld (language-differential.ts).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameAsEld, loadDifferential, type Differential } from './language-differential.js';

let d: Differential;
beforeAll(async () => {
  d = await loadDifferential();
});
const same = (text: string): void => expectSameAsEld(d, text);

describe('eld-fast cleans text as eld does', () => {
  it('every BMP code unit: inside a word, after a separator, at a word start', () => {
    // Sixteen characters a text keeps every one within the bytes eld reads. A letter whose lower
    // case is not one character, or Σ, sends its whole text through toLowerCase(), so these get
    // texts of their own and cannot shield the others from the table.
    const plain: string[] = [];
    const special: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      (ch.toLowerCase().length === 1 && c !== 0x03a3 ? plain : special).push(ch);
    }
    // In a word ("a_b"), after a separator ("!_z": an apostrophe stays, a separator joins the run),
    // starting a word ("_y").
    const contexts = (ch: string): string => `a${ch}b !${ch}z ${ch}y `;
    let texts = 0;
    for (let i = 0; i < plain.length; i += 16) {
      same(
        plain
          .slice(i, i + 16)
          .map(contexts)
          .join(''),
      );
      texts++;
    }
    for (const ch of special) same(`${contexts(ch)} ${ch}`);
    expect(texts).toBeGreaterThan(4000);
    expect(special.length).toBeGreaterThan(0);
  });

  it('separator runs with apostrophes anywhere in them, at the start, the middle and the end', () => {
    const pieces = [
      'a',
      'ё',
      'ß',
      'ω',
      "'",
      '`',
      '’',
      ' ',
      '!',
      '.',
      '\u00a0',
      '😀',
      '\ud800',
      '\u0301',
      '1',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (chars) => {
        same(chars.join(''));
      }),
      { numRuns: 1500 },
    );
    for (const t of ["don't", "rock 'n' roll", "x'!y", "x!'y", "''abc", "abc''", "abc !'", "'!abc", "!'abc"])
      same(t);
    for (const t of ["' ' '", "'", '’’’ ’', "a ' b", "a!'!'b", "a'!'!b"]) same(t);
  });

  it('Σ (lower case by its neighbours) and letters with a two-character lower case', () => {
    // Σ is final (ς) after a cased letter unless a cased letter follows; apostrophes and modifier
    // letters are case-ignorable and do not interrupt; a separator turned space does.
    const around = ['', 'Α', 'α', "'", '’', 'ʰ', 'ΑΣ', ' ', '.', '!', '\u0301', '1', 'İ', 'A'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...around, 'Σ', 'Σ', 'İ', 'ΐ'), { maxLength: 30 }), (chars) => {
        same(chars.join(''));
      }),
      { numRuns: 1000 },
    );
    for (const t of ['ΠΩΛΕΙΤΑΙ ΠΙΣΤΟΛΙ ΣΕ ΑΡΙΣΤΗ ΚΑΤΑΣΤΑΣΗ', 'ΟΔΟΣ.Α', "ΟΔΟΣ'Α", 'Σ', 'ΑΣ', 'İSTANBUL İZMİR'])
      same(t);
  });

  it('words around and past the 70-byte cut, in one-, two-, three- and four-byte letters', () => {
    const letters = ['x', 'é', 'ж', 'ა', '𝔸'];
    const word = fc
      .tuple(fc.constantFrom(...letters), fc.integer({ min: 1, max: 90 }))
      .map(([l, n]) => l.repeat(Math.ceil(n / new TextEncoder().encode(l).length)));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), (words) => {
        same(words.join(' '));
      }),
      { numRuns: 600 },
    );
    // Long words sharing their tail: eld's last n-gram of each runs from byte 66 to the word's end.
    for (const n of [69, 70, 71, 72, 73, 100])
      same(`${'q'.repeat(n)} ${'z'.repeat(n - 66)}${'q'.repeat(66)} ${'q'.repeat(n)}x`);
  });

  it('texts ending around the 350- and 380-byte cut-offs', () => {
    const pieces = ['ab', 'abcdefg', 'жж', 'ჟჟჟ', '𝔸𝔸', ' ', ' ', '!'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 80, maxLength: 200 }), (chars) => {
        same(chars.join(''));
      }),
      { numRuns: 400 },
    );
    for (let n = 340; n <= 390; n++) {
      same('a'.repeat(n) + ' bcd efg');
      same('ab '.repeat(Math.floor(n / 3)) + 'ж'.repeat(20));
    }
  });

  it('hostile input: binary, control characters, lone surrogates, astral runs, huge text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1100 }), (s) => {
        same(s);
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        same(Buffer.from(bytes).toString('latin1'));
        same(Buffer.from(bytes).toString('utf8'));
      }),
      { numRuns: 200 },
    );
    for (const t of ['\u0000'.repeat(50), '\ud800'.repeat(600), '\udc00a\ud800b', '😀'.repeat(700)]) same(t);
    const huge = 'Продавам пистолет в отлично състояние. '.repeat(100_000);
    same(huge);
    expect(d.fast.detect(huge)).toEqual({ language: 'bg', reliable: true });
  });
});
