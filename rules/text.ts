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
  origStart: number[];
  /** origEnd[i]: offset in `original` just past the character behind text[i]. */
  origEnd: number[];
  tokens: Token[];
  /** tokenStartingAt[i] = index of the token starting at text offset i, else -1. */
  tokenStartingAt: Int32Array;
  /** tokenEndingAt[i] = index of the token ending at text offset i (exclusive), else -1. */
  tokenEndingAt: Int32Array;
  /** tokenContaining[i] = index of the token covering text offset i, else -1. */
  tokenContaining: Int32Array;
}

function isLetter(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  return /\p{L}/u.test(c);
}

function isDigit(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 0x80) return code >= 48 && code <= 57;
  return /\p{N}/u.test(c);
}

const SKELETON_PAIRS: Record<string, string> = {
  ck: 'k', sh: 's', ch: 'c', zh: 'z', kh: 'h', ph: 'f', th: 't', lj: 'l', nj: 'n', dj: 'd', dz: 'z',
  gj: 'g', kj: 'k',
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
  let m: Mapped = { chars: [], starts: [], ends: [] };
  // Per code point of the normalised text; the normaliser's map is per UTF-16 unit.
  for (let u = 0; u < n.text.length; ) {
    const cp = n.text.codePointAt(u)!;
    const w = cp > 0xffff ? 2 : 1;
    m.chars.push(n.text.slice(u, u + w));
    m.starts.push(n.map[u] ?? original.length);
    u += w;
  }
  // A character's original end: where the next original character begins (so accents and
  // zero-width characters dropped by the normaliser stay inside the highlight).
  let next = original.length;
  m.ends = new Array<number>(m.starts.length);
  for (let i = m.starts.length - 1; i >= 0; i--) {
    const s = m.starts[i]!;
    if (i + 1 < m.starts.length && m.starts[i + 1]! > s) next = m.starts[i + 1]!;
    m.ends[i] = Math.max(next, s);
  }
  if (kind === 'translit') {
    const out: Mapped = { chars: [], starts: [], ends: [] };
    for (let i = 0; i < m.chars.length; ) {
      if (!isLetter(m.chars[i]!)) {
        out.chars.push(m.chars[i]!);
        out.starts.push(m.starts[i]!);
        out.ends.push(m.ends[i]!);
        i++;
        continue;
      }
      let j = i;
      while (j < m.chars.length && isLetter(m.chars[j]!)) j++;
      const s = skeleton(m.chars.slice(i, j), m.starts.slice(i, j), m.ends.slice(i, j));
      for (let k = 0; k < s.chars.length; k++) {
        out.chars.push(s.chars[k]!);
        out.starts.push(s.starts[k]!);
        out.ends.push(s.ends[k]!);
      }
      i = j;
    }
    m = out;
  }
  // Flatten to UTF-16 so every offset below is a JavaScript string offset.
  const origStart: number[] = [];
  const origEnd: number[] = [];
  for (let i = 0; i < m.chars.length; i++)
    for (let k = 0; k < m.chars[i]!.length; k++) {
      origStart.push(m.starts[i]!);
      origEnd.push(m.ends[i]!);
    }
  const text = m.chars.join('');
  const tokens = tokenizeNormalised(text);
  const tokenStartingAt = new Int32Array(text.length + 1).fill(-1);
  const tokenEndingAt = new Int32Array(text.length + 1).fill(-1);
  const tokenContaining = new Int32Array(text.length + 1).fill(-1);
  tokens.forEach((t, i) => {
    tokenStartingAt[t.start] = i;
    tokenEndingAt[t.end] = i;
    tokenContaining.fill(i, t.start, t.end);
  });
  return { original, text, origStart, origEnd, tokens, tokenStartingAt, tokenEndingAt, tokenContaining };
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

/** The words a query term stands for, in a given view. */
export function termWords(term: string, kind: ViewKind): string[] {
  return buildView(term, kind).tokens.map((t) => t.text);
}
