// The matcher's view of a text: normalised (extractors/normalise.ts), tokenised, with a
// way back to offsets in the original text for highlighting. Rules see one of two views:
// `plain` (case, accents, zero-width characters, homoglyphs in mixed words, leetspeak) or
// `translit` (plain + Cyrillic/Greek transliteration + a phonetic skeleton, so "глок" and
// "glock" both read "glok"). Terms of a rule go through exactly the same function, so a rule
// and a listing always agree on spelling.
import { normaliseForMatch } from '../extractors/normalise.js';

export type ViewKind = 'plain' | 'translit';
export const VIEW_KINDS: readonly ViewKind[] = ['plain', 'translit'];

export interface Token {
  /** Normalised text of the token. */
  text: string;
  /** Offsets in the normalised text, end exclusive. */
  start: number;
  end: number;
}

export interface TextView {
  original: string;
  text: string;
  /** origStart[i]: offset in `original` of the character behind text[i]. */
  origStart: Int32Array;
  /** origEnd[i]: offset in `original` just past the character behind text[i]. */
  origEnd: Int32Array;
  tokens: Token[];
  /** tokenStartingAt[i] = index of the token starting at text offset i, else -1. */
  tokenStartingAt: Int32Array;
  /** tokenEndingAt[i] = index of the token ending at text offset i (exclusive), else -1. */
  tokenEndingAt: Int32Array;
  /** tokenContaining[i] = index of the token covering text offset i, else -1. */
  tokenContaining: Int32Array;
}

const NON_ASCII_LETTER = /[\p{L}\p{M}]/u;
const NON_ASCII_DIGIT = /\p{N}/u;

// Per UTF-16 unit: a surrogate half counts as a letter, so astral letters (𝐠) stay in words.
function isLetter(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0xd800 && code <= 0xdfff) return true;
  return NON_ASCII_LETTER.test(c);
}

function isDigit(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 0x80) return code >= 48 && code <= 57;
  return NON_ASCII_DIGIT.test(c);
}

const SKELETON_PAIRS: Record<string, string> = {
  ck: 'k',
  sh: 's',
  ch: 'c',
  zh: 'z',
  kh: 'h',
  ph: 'f',
  th: 't',
  lj: 'l',
  nj: 'n',
  dj: 'd',
  dz: 'z',
  gj: 'g',
  kj: 'k',
};
const SKELETON_SINGLE: Record<string, string> = { w: 'v', q: 'k', y: 'i', j: 'i' };

/**
 * Phonetic skeleton of one token for the translit view: transliterations disagree on digraphs
 * (ш = sh/š/s, њ = nj/ñ/n, "glock"/"глок"), doubled letters and c/k, so both sides are folded.
 */
function skeleton(chars: string[], starts: number[], ends: number[]): Mapped {
  const a: Mapped = { chars: [], starts: [], ends: [] };
  for (let i = 0; i < chars.length; i++) {
    const pair = i + 1 < chars.length ? SKELETON_PAIRS[chars[i]! + chars[i + 1]!] : undefined;
    a.chars.push(pair ?? SKELETON_SINGLE[chars[i]!] ?? chars[i]!);
    a.starts.push(starts[i]!);
    if (pair !== undefined) i++;
    a.ends.push(ends[i]!);
  }
  const out: Mapped = { chars: [], starts: [], ends: [] };
  for (let i = 0; i < a.chars.length; i++) {
    let c = a.chars[i]!;
    if (c === 'c' && i + 1 < a.chars.length && 'aou'.includes(a.chars[i + 1]!)) c = 'k';
    const last = out.chars.length - 1;
    if (last >= 0 && out.chars[last] === c) {
      out.ends[last] = a.ends[i]!;
      continue;
    }
    out.chars.push(c);
    out.starts.push(a.starts[i]!);
    out.ends.push(a.ends[i]!);
  }
  return out;
}

interface Mapped {
  chars: string[];
  starts: number[];
  ends: number[];
}

export function buildView(original: string, kind: ViewKind): TextView {
  const n = normaliseForMatch(original, { transliterate: kind === 'translit' });
  // A unit's original end: where the next original character begins (so accents and
  // zero-width characters dropped by the normaliser stay inside the highlight).
  const origEnd = new Array<number>(n.map.length);
  let next = original.length;
  for (let i = n.map.length - 1; i >= 0; i--) {
    const st = n.map[i]!;
    if (i + 1 < n.map.length && n.map[i + 1]! > st) next = n.map[i + 1]!;
    origEnd[i] = next > st ? next : st;
  }
  return finishView(original, n.text, n.map, origEnd, kind);
}

const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;

/**
 * The translit view derived from the plain one, for text with no Cyrillic or Greek letters
 * (even after compatibility folding: µ, Ω-sign): for such text both normalisations agree and
 * only the skeleton differs, so the normaliser need not run twice. Null when it must.
 */
export function translitFromPlain(plain: TextView): TextView | null {
  if (CYRILLIC_OR_GREEK.test(plain.original.normalize('NFKC'))) return null;
  return finishView(
    plain.original,
    plain.text,
    Array.from(plain.origStart),
    Array.from(plain.origEnd),
    'translit',
  );
}

function finishView(
  original: string,
  text: string,
  starts: number[],
  ends: number[],
  kind: ViewKind,
): TextView {
  let origStart = starts;
  let origEnd = ends;
  if (kind === 'translit') {
    const out: Mapped = { chars: [], starts: [], ends: [] };
    for (let i = 0; i < text.length;) {
      if (!isLetter(text[i]!)) {
        out.chars.push(text[i]!);
        out.starts.push(origStart[i]!);
        out.ends.push(origEnd[i]!);
        i++;
        continue;
      }
      let j = i;
      while (j < text.length && isLetter(text[j]!)) j++;
      const sk = skeleton(text.slice(i, j).split(''), origStart.slice(i, j), origEnd.slice(i, j));
      for (let k = 0; k < sk.chars.length; k++) {
        out.chars.push(sk.chars[k]!);
        out.starts.push(sk.starts[k]!);
        out.ends.push(sk.ends[k]!);
      }
      i = j;
    }
    text = out.chars.join('');
    origStart = out.starts;
    origEnd = out.ends;
  }
  const tokens = tokenizeNormalised(text);
  const tokenStartingAt = new Int32Array(text.length + 1).fill(-1);
  const tokenEndingAt = new Int32Array(text.length + 1).fill(-1);
  const tokenContaining = new Int32Array(text.length + 1).fill(-1);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    tokenStartingAt[t.start] = i;
    tokenEndingAt[t.end] = i;
    tokenContaining.fill(i, t.start, t.end);
  }
  return {
    original,
    text,
    origStart: Int32Array.from(origStart),
    origEnd: Int32Array.from(origEnd),
    tokens,
    tokenStartingAt,
    tokenEndingAt,
    tokenContaining,
  };
}

/** Words of normalised text: runs of letters or runs of digits ("glock19" → glock, 19). */
export function tokenizeNormalised(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const letter = isLetter(c);
    if (!letter && !isDigit(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && (letter ? isLetter(text[j]!) : isDigit(text[j]!))) j++;
    tokens.push({ text: text.slice(i, j), start: i, end: j });
    i = j;
  }
  return tokens;
}

/** Original-text range of normalised range [start, end). */
export function originalRange(view: TextView, start: number, end: number): { start: number; end: number } {
  if (end <= start || start >= view.origStart.length) {
    const at = view.origStart[start] ?? view.original.length;
    return { start: at, end: at };
  }
  return { start: view.origStart[start]!, end: view.origEnd[end - 1]! };
}

const termCache = new Map<string, string[]>();

/** The words a query term stands for, in a given view (cached: rule sets repeat terms). */
export function termWords(term: string, kind: ViewKind): string[] {
  const key = kind + '\u0000' + term;
  let words = termCache.get(key);
  if (!words) {
    words = buildView(term, kind).tokens.map((t) => t.text);
    if (termCache.size >= 200_000) termCache.clear();
    termCache.set(key, words);
  }
  return words;
}
