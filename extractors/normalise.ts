// Text normalisation for matching (SPEC §3): the rules engine and the classifier compare normalised
// text, so that `gl0ck`, `GLОCK` (Cyrillic О), `g-l-o-c-k`, `glo\u200bck` and `глок` all read `glock`.
//
// The pipeline works on an array of code points, each carrying the offset of the original character it
// came from, so a match found in the normalised text can be highlighted in the original. Every step
// is linear in the input and the whole function is idempotent (normalising normalised text changes
// nothing) — both are checked by property tests.

export interface NormaliseOptions {
  /** Cyrillic and Greek → Latin (default true), so Latin rules match Cyrillic/Greek text. */
  transliterate?: boolean;
  /** Fold digits/symbols inside letter runs (gl0ck → glock; default true). */
  leet?: boolean;
  /** Join single letters split by separators (c.o.k.e → coke; default true). */
  separators?: boolean;
}

export interface Normalised {
  text: string;
  /** map[i] = UTF-16 offset in the original string of UTF-16 unit i of `text`. */
  map: number[];
}

/** Code points with the original offset each came from. */
interface Units {
  cps: string[];
  src: number[];
}

const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;
const LATIN = /\p{Script=Latin}/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
const GREEK = /\p{Script=Greek}/u;

// Invisible characters: format controls (ZWSP, ZWJ, ZWNJ, BOM, soft hyphen, bidi controls, tags),
// variation selectors, the combining grapheme joiner and the Hangul fillers that render as nothing.
const INVISIBLE =
  /[\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u;
const CONTROL = /\p{Cc}/u;
const SPACE = /[\s\p{Z}]/u;
/** Hangul vowel/trailing jamo compose with the preceding jamo under NFKC, like combining marks. */
const HANGUL_JAMO_VT = /[\u1160-\u11ff\ud7b0-\ud7ff]/u;
const HANGUL = /\p{Script=Hangul}/u;

// Hot-path predicates: ASCII answers without a Unicode-property regex (most text is mostly ASCII).
function isLetter(cp: string): boolean {
  const c = cp.charCodeAt(0);
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return LETTER.test(cp);
}
function isMark(cp: string): boolean {
  return cp.charCodeAt(0) >= 0x300 && MARK.test(cp);
}
function isInvisible(cp: string): boolean {
  return cp.charCodeAt(0) >= 0xad && INVISIBLE.test(cp);
}
function isSpaceOrControl(cp: string): boolean {
  const c = cp.charCodeAt(0);
  if (c < 0x80) return c <= 0x20 || c === 0x7f;
  return SPACE.test(cp) || CONTROL.test(cp);
}
function isWordChar(cp: string): boolean {
  const c = cp.charCodeAt(0);
  if (c < 0x80)
    return (
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x40 ||
      c === 0x24 ||
      c === 0x21
    );
  return WORD_CHAR.test(cp);
}
const scriptCache = new Map<string, Script>();

/**
 * Steps taken by the passes below (a unit visited, a piece or run examined) — counted, not timed, so
 * a test can check that normalising 4× the text costs 4× the steps whatever the machine's load.
 */
let work = 0;
/** Steps counted since the process started (see `work`). */
export function normaliseWork(): number {
  return work;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** Cyrillic/Greek letters that look like a Latin letter (case preserved). */
const TO_LATIN: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  Һ: 'H',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  Ӏ: 'I',
  // Greek
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  υ: 'u',
  χ: 'x',
  ε: 'e',
  τ: 't',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

/** Latin letters that look like a Cyrillic letter, for Latin look-alikes planted in Cyrillic words. */
const LATIN_TO_CYRILLIC: Record<string, string> = {
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  y: 'у',
  x: 'х',
  i: 'і',
  j: 'ј',
  s: 'ѕ',
  h: 'һ',
  k: 'к',
  A: 'А',
  B: 'В',
  E: 'Е',
  K: 'К',
  M: 'М',
  H: 'Н',
  O: 'О',
  P: 'Р',
  C: 'С',
  T: 'Т',
  Y: 'У',
  X: 'Х',
  I: 'І',
  J: 'Ј',
  S: 'Ѕ',
};

/** Latin letters that look like a Greek letter. */
const LATIN_TO_GREEK: Record<string, string> = {
  a: 'α',
  o: 'ο',
  p: 'ρ',
  i: 'ι',
  k: 'κ',
  x: 'χ',
  A: 'Α',
  B: 'Β',
  E: 'Ε',
  Z: 'Ζ',
  H: 'Η',
  I: 'Ι',
  K: 'Κ',
  M: 'Μ',
  N: 'Ν',
  O: 'Ο',
  P: 'Ρ',
  T: 'Τ',
  Y: 'Υ',
  X: 'Χ',
};

/**
 * Cyrillic → Latin, Serbian/Macedonian Latin spelling with diacritics dropped (so `жито` and the
 * Serbian Latin `žito` normalise alike), Bulgarian/Russian letters as in common romanisation.
 */
const CYRILLIC_LATIN: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  ђ: 'dj',
  е: 'e',
  ж: 'z',
  з: 'z',
  и: 'i',
  ј: 'j',
  к: 'k',
  л: 'l',
  љ: 'lj',
  м: 'm',
  н: 'n',
  њ: 'nj',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  ћ: 'c',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'c',
  ч: 'c',
  џ: 'dz',
  ш: 's',
  щ: 'sht',
  ъ: 'a',
  ь: 'y',
  ю: 'yu',
  я: 'ya',
  й: 'y',
  ё: 'e',
  э: 'e',
  ы: 'y',
  ѓ: 'gj',
  ќ: 'kj',
  ѕ: 'dz',
  і: 'i',
  ї: 'yi',
  є: 'ye',
  ґ: 'g',
  ѝ: 'i',
  ў: 'u',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
};

/** Greek → Latin (ELOT 743, simplified). Digraphs are handled in `transliterateUnits`. */
const GREEK_LATIN: Record<string, string> = {
  α: 'a',
  β: 'v',
  γ: 'g',
  δ: 'd',
  ε: 'e',
  ζ: 'z',
  η: 'i',
  θ: 'th',
  ι: 'i',
  κ: 'k',
  λ: 'l',
  μ: 'm',
  ν: 'n',
  ξ: 'x',
  ο: 'o',
  π: 'p',
  ρ: 'r',
  σ: 's',
  ς: 's',
  τ: 't',
  υ: 'y',
  φ: 'f',
  χ: 'ch',
  ψ: 'ps',
  ω: 'o',
};
const GREEK_DIGRAPHS: Record<string, string> = { ου: 'ou', αυ: 'av', ευ: 'ev', ηυ: 'iv' };

/** Latin letters that do not decompose under NFD but have a plain reading. */
const LATIN_SPECIAL: Record<string, string> = {
  ł: 'l',
  đ: 'd',
  ø: 'o',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  ħ: 'h',
  þ: 'th',
  ŀ: 'l',
  ŧ: 't',
  ƒ: 'f',
  ð: 'd',
  ſ: 's',
  ɨ: 'i',
  ƶ: 'z',
  Ł: 'L',
  Đ: 'D',
  Ø: 'O',
  Æ: 'AE',
  Œ: 'OE',
  Ħ: 'H',
  Þ: 'TH',
  Ŀ: 'L',
  Ŧ: 'T',
  Ð: 'D',
  Ɨ: 'I',
  Ƶ: 'Z',
};

/** Leetspeak: characters that stand for a Latin letter when written inside a Latin word. */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};
const LEET_DIGITS = new Set(['0', '1', '3', '4', '5', '7']);
/** Characters that obfuscators put between single letters: c.o.k.e, g-l-o-c-k, c*o*k*e. */
const SEPARATOR = new Set([
  '.',
  '-',
  '_',
  '*',
  '·',
  '•',
  '|',
  '/',
  '\\',
  '+',
  '~',
  ',',
  ':',
  ';',
  "'",
  '’',
  ' ',
]);

// ---------------------------------------------------------------------------------------------
// Steps. Each takes and returns Units.

function toUnits(text: string): Units {
  const cps: string[] = [];
  const src: number[] = [];
  let offset = 0;
  for (const cp of text) {
    work++;
    cps.push(cp);
    src.push(offset);
    offset += cp.length;
  }
  return { cps, src };
}

function push(out: Units, s: string, src: number): void {
  for (const cp of s) {
    work++;
    out.cps.push(cp);
    out.src.push(src);
  }
}

/** Apply `fn` to each base character together with the combining marks that follow it. */
function bySegment(u: Units, fn: (segment: string) => string): Units {
  const out: Units = { cps: [], src: [] };
  let i = 0;
  while (i < u.cps.length) {
    work++;
    const cp = u.cps[i]!;
    if (cp.charCodeAt(0) < 0x80 && (i + 1 === u.cps.length || u.cps[i + 1]!.charCodeAt(0) < 0x300)) {
      // ASCII with no combining mark after it: every per-segment step leaves it alone.
      out.cps.push(cp);
      out.src.push(u.src[i]!);
      i++;
      continue;
    }
    let j = i + 1;
    const hangul = HANGUL.test(u.cps[i]!);
    while (j < u.cps.length && (isMark(u.cps[j]!) || (hangul && HANGUL_JAMO_VT.test(u.cps[j]!)))) j++;
    work += j - i;
    const segment = j === i + 1 ? u.cps[i]! : u.cps.slice(i, j).join('');
    push(out, fn(segment), u.src[i]!);
    i = j;
  }
  return out;
}

/**
 * NFKC per segment, then drop invisibles, controls and combining marks that sit on no letter
 * (they would otherwise hide separators or glue obfuscations together), and collapse whitespace.
 */
function cleanUp(u: Units, nfkcStable: boolean): Units {
  const nfkc = nfkcStable ? u : bySegment(u, (s) => s.normalize('NFKC'));
  const out: Units = { cps: [], src: [] };
  let prevLetter = false;
  let pendingSpace = -1;
  work += nfkc.cps.length;
  for (let i = 0; i < nfkc.cps.length; i++) {
    const cp = nfkc.cps[i]!;
    if (isInvisible(cp)) continue;
    if (isSpaceOrControl(cp)) {
      if (pendingSpace < 0) pendingSpace = nfkc.src[i]!;
      prevLetter = false;
      continue;
    }
    if (isMark(cp)) {
      if (!prevLetter) continue;
    } else {
      prevLetter = isLetter(cp);
    }
    if (pendingSpace >= 0) {
      if (out.cps.length > 0) push(out, ' ', pendingSpace);
      pendingSpace = -1;
    }
    out.cps.push(cp);
    out.src.push(nfkc.src[i]!);
  }
  return out;
}

function isPieceChar(cp: string): boolean {
  return isLetter(cp) || cp in LEET;
}

/**
 * Join runs of single letters split by separators: `c.o.k.e`, `g-l-o-c-k`, `c o c a i n e`.
 * Space-only gaps need four or more pieces, all letters (so "a b c" in prose survives); punctuated
 * gaps need three pieces with at least two letters (so "1.2.3" survives).
 */
function joinSeparated(u: Units): Units {
  const n = u.cps.length;
  const keep = new Array<boolean>(n).fill(true);
  // piece start index → end index (exclusive) including its combining marks
  const pieceEnd = (i: number): number => {
    let j = i + 1;
    while (j < n && isMark(u.cps[j]!)) j++;
    work += j - i;
    return j;
  };
  const isPieceAt = (i: number): boolean => i < n && isPieceChar(u.cps[i]!);
  let i = 0;
  work += n; // the keep[] fill and the copy below
  while (i < n) {
    work++;
    const prev = i > 0 ? u.cps[i - 1]! : '';
    if (!isPieceAt(i) || (i > 0 && (isPieceChar(prev) || isMark(prev)))) {
      i++;
      continue;
    }
    let end = pieceEnd(i);
    if (isPieceAt(end)) {
      i = end;
      continue; // a multi-character word, not a single letter
    }
    // Walk the group once to measure it and, if it qualifies, once more to drop its separators —
    // no per-piece bookkeeping, so a 10^6-piece "a.a.a…" group allocates nothing.
    const groupStart = i;
    let pieces = 1;
    let letters = isLetter(u.cps[i]!) ? 1 : 0;
    let punctGap = false;
    for (;;) {
      work++;
      let g = end;
      while (g < n && g - end < 3 && SEPARATOR.has(u.cps[g]!)) g++;
      work += g - end;
      if (g === end || !isPieceAt(g)) break;
      const pe = pieceEnd(g);
      if (isPieceAt(pe)) break; // next piece is a whole word
      for (let k = end; k < g; k++) if (u.cps[k] !== ' ') punctGap = true;
      pieces++;
      if (isLetter(u.cps[g]!)) letters++;
      end = pe;
    }
    const ok = punctGap ? pieces >= 3 && letters >= 2 : pieces >= 4 && letters === pieces;
    if (ok)
      for (let k = groupStart; k < end; k++) {
        work++;
        // Inside a group everything is a piece (letter + its marks) or a separator between two.
        if (!isPieceChar(u.cps[k]!) && !isMark(u.cps[k]!)) keep[k] = false;
      }
    i = end;
  }
  const out: Units = { cps: [], src: [] };
  for (let k = 0; k < n; k++)
    if (keep[k]) {
      out.cps.push(u.cps[k]!);
      out.src.push(u.src[k]!);
    }
  return out;
}

type Script = 'latin' | 'cyrillic' | 'greek' | 'other';
function scriptOf(cp: string): Script {
  const c = cp.charCodeAt(0);
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? 'latin' : 'other';
  let sc = scriptCache.get(cp);
  if (sc === undefined) {
    sc = LATIN.test(cp) ? 'latin' : CYRILLIC.test(cp) ? 'cyrillic' : GREEK.test(cp) ? 'greek' : 'other';
    if (scriptCache.size < 10_000) scriptCache.set(cp, sc);
  }
  return sc;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}@$!]/u;

/** Call `fn(start, end)` for every word (run of letters, marks, digits and leet symbols). */
function forEachWord(u: Units, fn: (start: number, end: number) => void): void {
  let i = 0;
  const n = u.cps.length;
  while (i < n) {
    work++;
    if (!isWordChar(u.cps[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isWordChar(u.cps[j]!)) j++;
    work += j - i;
    fn(i, j);
    i = j;
  }
}

/**
 * Homoglyphs: a word mixing Latin with Cyrillic/Greek look-alikes is rewritten into one script —
 * Latin when every foreign letter has a Latin twin (`glоck` with Cyrillic о), else the dominant
 * foreign script when every Latin letter has a twin there (`кокаин` with a Latin o). A word that
 * cannot be made single-script is left alone.
 */
function foldHomoglyphs(u: Units, translit: boolean): Units {
  if (!u.cps.some((cp) => cp.charCodeAt(0) >= 0x370)) return u; // no Greek or Cyrillic: nothing to fold
  const cps = u.cps.slice();
  work += u.cps.length * 2; // the script check and the copy
  forEachWord(u, (s, e) => {
    work += (e - s) * 5; // at most five passes over the word below
    const counts = { latin: 0, cyrillic: 0, greek: 0, other: 0 };
    for (let k = s; k < e; k++) if (isLetter(cps[k]!)) counts[scriptOf(cps[k]!)]++;
    const scripts = (['latin', 'cyrillic', 'greek'] as const).filter((x) => counts[x] > 0);
    if (scripts.length < 2) return;
    // When transliterating, a word keeping a Cyrillic/Greek letter we cannot spell in Latin stays
    // mixed whatever we do; folding it would not be stable under a second pass, so leave it.
    if (translit) {
      for (let k = s; k < e; k++) {
        const sc = isLetter(cps[k]!) ? scriptOf(cps[k]!) : 'other';
        const lower = cps[k]!.toLowerCase();
        if (sc === 'cyrillic' && !(lower in CYRILLIC_LATIN)) return;
        if (sc === 'greek' && !(lower in GREEK_LATIN)) return;
      }
    }
    const foreignAllLatinLike = (() => {
      for (let k = s; k < e; k++) {
        const sc = isLetter(cps[k]!) ? scriptOf(cps[k]!) : 'latin';
        if ((sc === 'cyrillic' || sc === 'greek') && !(cps[k]! in TO_LATIN)) return false;
      }
      return true;
    })();
    if (foreignAllLatinLike) {
      for (let k = s; k < e; k++) {
        const sc = isLetter(cps[k]!) ? scriptOf(cps[k]!) : 'latin';
        if (sc === 'cyrillic' || sc === 'greek') {
          cps[k] = TO_LATIN[cps[k]!]!;
          // Its marks go too: on a Latin letter they would be diacritics, which are folded away.
          for (let m = k + 1; m < e && isMark(cps[m]!); m++) {
            work++;
            cps[m] = '';
          }
        }
      }
      return;
    }
    const target: 'cyrillic' | 'greek' = counts.cyrillic >= counts.greek ? 'cyrillic' : 'greek';
    const table = target === 'cyrillic' ? LATIN_TO_CYRILLIC : LATIN_TO_GREEK;
    for (let k = s; k < e; k++) {
      if (!isLetter(cps[k]!)) continue;
      const sc = scriptOf(cps[k]!);
      if (sc !== target && sc !== 'other' && !(sc === 'latin' && cps[k]! in table)) return;
    }
    for (let k = s; k < e; k++)
      if (isLetter(cps[k]!) && scriptOf(cps[k]!) === 'latin') cps[k] = table[cps[k]!]!;
  });
  if (!cps.includes('')) return { cps, src: u.src };
  const out: Units = { cps: [], src: [] };
  for (let k = 0; k < cps.length; k++)
    if (cps[k] !== '') {
      out.cps.push(cps[k]!);
      out.src.push(u.src[k]!);
    }
  return out;
}

function lowerCase(u: Units): Units {
  work += u.cps.length;
  const out: Units = { cps: [], src: [] };
  for (let i = 0; i < u.cps.length; i++) {
    const cp = u.cps[i]!;
    if (cp.charCodeAt(0) < 0x80) {
      out.cps.push(cp.toLowerCase());
      out.src.push(u.src[i]!);
      continue;
    }
    let lower = cp.toLowerCase();
    // İ lower-cases to i + combining dot: the dot is a diacritic like any other.
    if (lower.length > 1 && scriptOf(lower.charAt(0)) === 'latin') lower = lower.replace(/\p{M}/gu, '');
    lower = LATIN_SPECIAL[lower] ?? lower; // Ƒ → ƒ → f, where only the small letter has an entry
    push(out, lower, u.src[i]!);
  }
  return out;
}

/**
 * Diacritics: ë→e, ș→s, ğ→g, ά→α (marks on Latin and Greek letters are dropped; Cyrillic letters
 * such as й, ѓ, ќ keep theirs, they are distinct letters that transliteration spells out).
 */
function foldDiacritics(u: Units): Units {
  let plain = true;
  work += u.cps.length;
  for (const cp of u.cps)
    if (cp.charCodeAt(0) >= 0xc0) {
      plain = false;
      break;
    }
  if (plain) return u;
  return bySegment(u, (segment) => {
    if (segment.length === 1 && segment.charCodeAt(0) < 0xc0) return segment;
    const base = segment.normalize('NFD');
    const first = String.fromCodePoint(base.codePointAt(0)!);
    const sc = scriptOf(first);
    if (sc === 'latin' || sc === 'greek') {
      const stripped = base.replace(/\p{M}/gu, '').normalize('NFC');
      return LATIN_SPECIAL[stripped] ?? stripped;
    }
    return segment.normalize('NFC');
  });
}

function transliterateUnits(u: Units): Units {
  work += u.cps.length;
  const out: Units = { cps: [], src: [] };
  const n = u.cps.length;
  let dropMarks = false;
  for (let i = 0; i < n; i++) {
    const cp = u.cps[i]!;
    if (dropMarks && isMark(cp)) continue; // a mark on a letter now spelled in Latin
    dropMarks = false;
    const code = cp.charCodeAt(0);
    if (code < 0x370) {
      out.cps.push(cp);
      out.src.push(u.src[i]!);
      continue;
    }
    const di = code < 0x400 && i + 1 < n ? GREEK_DIGRAPHS[cp + u.cps[i + 1]!] : undefined;
    if (di) {
      push(out, di, u.src[i]!);
      i++;
      dropMarks = true;
      continue;
    }
    const t = CYRILLIC_LATIN[cp] ?? GREEK_LATIN[cp];
    push(out, t ?? cp, u.src[i]!);
    dropMarks = t !== undefined;
  }
  return out;
}

/** Without transliteration, final sigma still has to equal sigma for matching. */
function foldFinalSigma(u: Units): Units {
  work += u.cps.length;
  return { cps: u.cps.map((c) => (c === 'ς' ? 'σ' : c)), src: u.src };
}

/**
 * Leetspeak: a run of leet characters with a Latin letter on both sides is read as letters
 * (gl0ck, c0ca1ne, pa$$port, m3th). Once a word shows such obfuscation, leet digits at its edges
 * are read as letters too (0xyc0d0ne). Numbers standing alone or at the edge of an otherwise clean
 * word stay: "glock 19", "9mm", "ak47", "$450", "2cb".
 */
function foldLeet(u: Units): Units {
  work += u.cps.length; // the copy
  const cps = u.cps.slice();
  const isLatinLetter = (cp: string | undefined): boolean =>
    cp !== undefined && isLetter(cp) && LATIN.test(cp);
  // Only the runs at the word's two edges need a second look, so runs are not collected (a
  // 10^6-character "a1a1…" word is 500,000 runs).
  const foldRun = (a: number, b: number): void => {
    for (let k = a; k < b; k++) cps[k] = LEET[cps[k]!]!;
  };
  const edgeFold = (a: number, b: number): void => {
    for (let k = a; k < b; k++) if (!LEET_DIGITS.has(cps[k]!)) return;
    foldRun(a, b);
  };
  forEachWord(u, (s, e) => {
    let folded = false;
    let head = -1; // end of a run starting the word
    let tail = -1; // start of a run ending the word
    for (let k = s; k < e;) {
      work++;
      if (!(cps[k]! in LEET)) {
        k++;
        continue;
      }
      let m = k + 1;
      while (m < e && cps[m]! in LEET) m++;
      work += m - k;
      if (k > s && m < e && isLatinLetter(cps[k - 1]) && isLatinLetter(cps[m])) {
        foldRun(k, m);
        folded = true;
      } else if (k === s && m < e && isLatinLetter(cps[m])) head = m;
      else if (m === e && k > s && isLatinLetter(cps[k - 1])) tail = k;
      k = m;
    }
    if (!folded) return;
    if (head >= 0) edgeFold(s, head);
    if (tail >= 0) edgeFold(tail, e);
  });
  return { cps, src: u.src };
}

function toResult(u: Units): Normalised {
  work += u.cps.length * 2; // the map and the join
  const map: number[] = [];
  for (let i = 0; i < u.cps.length; i++) {
    map.push(u.src[i]!);
    if (u.cps[i]!.length === 2) map.push(u.src[i]!);
  }
  return { text: u.cps.join(''), map };
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Normalise text for matching and keep, for every output unit, where it came from. */
export function normaliseForMatch(text: string, opts: NormaliseOptions = {}): Normalised {
  const { transliterate: translit = true, leet = true, separators = true } = opts;
  let u = cleanUp(toUnits(text), text === text.normalize('NFKC'));
  if (separators) u = joinSeparated(u);
  u = foldDiacritics(u);
  u = foldHomoglyphs(u, translit);
  u = lowerCase(u);
  u = translit ? transliterateUnits(u) : foldFinalSigma(u);
  if (leet) u = foldLeet(u);
  return toResult(u);
}

/** Just the normalised text. */
export function normalise(text: string, opts: NormaliseOptions = {}): string {
  return normaliseForMatch(text, opts).text;
}

/**
 * The range [start, end) of the original string that produced normalised units [nStart, nEnd) —
 * for highlighting a match in the text as the site wrote it.
 */
export function originalRange(
  original: string,
  norm: Normalised,
  nStart: number,
  nEnd: number,
): [number, number] {
  if (nEnd <= nStart || nStart >= norm.map.length) return [0, 0];
  const start = norm.map[nStart]!;
  let end = norm.map[Math.min(nEnd, norm.map.length) - 1]!;
  // Step over the last source code point and any combining marks or invisibles attached to it.
  const cp = original.codePointAt(end);
  end += cp !== undefined && cp > 0xffff ? 2 : 1;
  while (end < original.length) {
    const next = String.fromCodePoint(original.codePointAt(end)!);
    if (!isMark(next) && !isInvisible(next)) break;
    end += next.length;
  }
  return [start, Math.min(end, original.length)];
}

/**
 * Cyrillic (Serbian, Macedonian, Bulgarian, Russian, Ukrainian) and Greek → Latin, case kept,
 * everything else untouched. `Београд` → `Beograd`, `Αθήνα` → `Athina`.
 */
export function transliterate(text: string): string {
  let out = '';
  const cps = Array.from(text.normalize('NFC'));
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const lower = cp.toLowerCase();
    const upper = cp !== lower;
    const nextLower = (cps[i + 1] ?? '').toLowerCase();
    const strip = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '');
    const next = cps[i + 1] ?? '';
    const di = GREEK_DIGRAPHS[strip(lower) + strip(nextLower)];
    let t: string | undefined;
    if (di) {
      t = upper && next !== nextLower ? di.toUpperCase() : di;
      i++;
    } else {
      t = CYRILLIC_LATIN[lower] ?? GREEK_LATIN[strip(lower)] ?? undefined;
    }
    if (t === undefined) {
      out += cp;
      continue;
    }
    out += upper ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  }
  return out;
}

const TOKEN = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * Unicode-aware tokenizer: runs of letters, combining marks and digits. natural's stock tokenizers
 * split words at ș, ț, ë, ğ, ј and Greek letters; this one does not.
 */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export interface TokenSpan {
  token: string;
  start: number;
  end: number;
}

/** Tokens with their UTF-16 offsets in `text`. */
export function tokenSpans(text: string): TokenSpan[] {
  const out: TokenSpan[] = [];
  for (const m of text.matchAll(TOKEN)) out.push({ token: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}
