// How vendors dodge keyword filters: leetspeak (gl0ck, c0ca1ne, pa$$port), zero-width
// characters inside words, and homoglyphs (Cyrillic letters that look Latin).
import type { Rng } from '../prng.js';

export const OBFUSCATIONS = ['leet', 'zero-width', 'homoglyph'] as const;
export type Obfuscation = (typeof OBFUSCATIONS)[number];

const LEET: Record<string, string[]> = {
  o: ['0'],
  i: ['1'],
  e: ['3'],
  a: ['4', '@'],
  s: ['$', '5'],
  l: ['1'],
};
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];
const HOMOGLYPHS: Record<string, string> = {
  a: '\u0430',
  c: '\u0441',
  e: '\u0435',
  o: '\u043e',
  p: '\u0440',
  x: '\u0445',
  y: '\u0443',
  i: '\u0456',
  A: '\u0410',
  B: '\u0412',
  C: '\u0421',
  E: '\u0415',
  H: '\u041d',
  K: '\u041a',
  M: '\u041c',
  O: '\u041e',
  P: '\u0420',
  T: '\u0422',
};

export function leet(word: string, rng: Rng): string {
  let out = '';
  let changed = false;
  for (const ch of word) {
    const subs = LEET[ch.toLowerCase()];
    // 'l' → '1' only in the first half of the word, so "glock" stays readable as "gl0ck".
    if (subs && ch.toLowerCase() !== 'l' && (rng.chance(0.7) || !changed)) {
      out += rng.pick(subs);
      changed = true;
    } else out += ch;
  }
  return out;
}

export function zeroWidth(word: string, rng: Rng): string {
  if (word.length < 2) return word;
  const chars = [...word];
  const at = rng.int(1, chars.length - 1);
  chars.splice(at, 0, rng.pick(ZERO_WIDTH));
  return chars.join('');
}

export function homoglyph(word: string, rng: Rng): string {
  let out = '';
  let changed = false;
  for (const ch of word) {
    const sub = HOMOGLYPHS[ch];
    if (sub && (rng.chance(0.5) || !changed)) {
      out += sub;
      changed = true;
    } else out += ch;
  }
  return out;
}

/** Obfuscates the given keywords wherever they occur in `text` with one technique. */
export function obfuscateKeywords(text: string, keywords: string[], kind: Obfuscation, rng: Rng): string {
  let out = text;
  for (const kw of keywords) {
    if (kw.length < 3 || !out.includes(kw)) continue;
    const replaced =
      kind === 'leet' ? leet(kw, rng) : kind === 'zero-width' ? zeroWidth(kw, rng) : homoglyph(kw, rng);
    out = out.split(kw).join(replaced);
  }
  return out;
}
