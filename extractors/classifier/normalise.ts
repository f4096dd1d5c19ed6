// Minimal text normaliser for classification: NFKC, zero-width stripping, lower case, Cyrillic and
// Greek transliterated to Latin, diacritics folded, `$`/`@` inside words and separator obfuscation
// (c.o.k.e) undone. Leetspeak digits are handled per token in features.ts, where both spellings can
// be kept. Internal to the classifier until the shared extractors/normalise.ts (branch `extract`)
// lands; the folding choices here (š→s, ђ→dj, θ→th) match Serbian Latin ↔ Cyrillic both ways.

// prettier-ignore
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', ђ: 'dj', е: 'e', ё: 'e', ж: 'z', з: 'z', и: 'i', й: 'j',
  ј: 'j', к: 'k', л: 'l', љ: 'lj', м: 'm', н: 'n', њ: 'nj', о: 'o', п: 'p', р: 'r', с: 's', т: 't',
  ћ: 'c', у: 'u', ф: 'f', х: 'h', ц: 'c', ч: 'c', џ: 'dz', ш: 's', щ: 'sht', ъ: 'a', ы: 'y', ь: '',
  э: 'e', ю: 'ju', я: 'ja', ѓ: 'gj', ќ: 'kj', ѕ: 'dz', і: 'i', ї: 'i', є: 'e', ґ: 'g',
};

// prettier-ignore
const GREEK: Record<string, string> = {
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm',
  ν: 'n', ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps',
  ω: 'o',
};

/** Latin letters that Unicode does not decompose into base + mark. */
const LATIN_EXTRA: Record<string, string> = {
  đ: 'dj',
  ł: 'l',
  ø: 'o',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  ħ: 'h',
};

const ZERO_WIDTH = /[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/gu;
const MARKS = /\p{M}+/gu;
const SCRIPT_CHARS = /[\u0370-\u03ff\u0400-\u04ff\u00df-\u0180]/gu;
/** `$` and `@` used as letters: pa$$port, m@karov (only next to a letter, so "$450" stays a price). */
const LETTER_SYMBOLS = /(?<=\p{L})[$@]+|[$@]+(?=\p{L})/gu;
/** Runs of single characters joined by one separator: c.o.k.e, g-l-o-c-k, m*d*m*a. */
const SPACED_PUNCT = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}][.\-_*·•|/]){2,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu;
/** The same with spaces needs a longer run, so ordinary one-letter words ("a", "e", "i") survive. */
const SPACED_BLANK = /(?<![\p{L}\p{N}])(?:\p{L} ){3,}\p{L}(?![\p{L}\p{N}])/gu;
/**
 * A piece every match of SPACED_PUNCT (separator, letter or digit, separator) and SPACED_BLANK (its
 * middle: space, letter, space, letter, space) contains. Testing for it first is ~10× cheaper than
 * running the full pattern, whose lookbehind is tried at every position, and most listings contain
 * neither piece; without the piece the pattern cannot match, so the output is the same.
 */
const SPACED_PUNCT_PIECE = /[.\-_*·•|/][\p{L}\p{N}][.\-_*·•|/]/u;
const SPACED_BLANK_PIECE = / \p{L} \p{L} /u;

/** One Cyrillic, Greek or unaccented Latin letter → its Latin spelling (others unchanged). */
export function transliterateChar(ch: string): string {
  return CYRILLIC[ch] ?? GREEK[ch] ?? LATIN_EXTRA[ch] ?? ch;
}

/**
 * transliterateChar for every UTF-16 unit SCRIPT_CHARS matches (all in the BMP), as a table:
 * `s.replace(SCRIPT_CHARS, transliterateChar)` calls back once per letter, which for a Cyrillic or
 * Greek listing is every letter. Built from the same function and pattern, so it maps alike.
 */
const SCRIPT_TABLE: Array<string | undefined> = [];
for (let c = 0; c <= 0x04ff; c++) {
  const ch = String.fromCharCode(c);
  if (ch.replace(SCRIPT_CHARS, '') === '' && transliterateChar(ch) !== ch)
    SCRIPT_TABLE[c] = transliterateChar(ch);
}

function transliterate(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdf || c > 0x04ff) continue;
    const latin = SCRIPT_TABLE[c];
    if (latin === undefined) continue;
    out += s.slice(from, i) + latin;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** The script folding of normaliseText for non-ASCII text: every step, over the whole string. */
function foldScripts(input: string): string {
  let s = input.normalize('NFKC').replace(ZERO_WIDTH, '').toLowerCase();
  // Macedonian ѓ/ќ would otherwise lose their accent to NFD and become plain г/к.
  s = s.replace(/[ѓќ]/gu, transliterateChar);
  // Decompose first so accented Greek (ό) and Cyrillic (ѝ) map through their base letter.
  s = s.normalize('NFD').replace(MARKS, '');
  return transliterate(s);
}

/**
 * foldScripts one UTF-16 unit at a time, for text made only of units below FOLD_LIMIT that are not
 * combining marks. Over such text every step of foldScripts acts on each character on its own:
 * NFKC and NFD compose or reorder only around combining marks (and Hangul and a few Indic vowel
 * signs, none below the limit), zero-width removal and the transliteration are per character, and
 * the one context-dependent lower-casing (Greek final sigma, σ or ς) folds to `s` either way. So the
 * fold of the text is the concatenation of its characters' folds, looked up in a table built from
 * foldScripts itself — the region's Latin, Cyrillic and Greek listings skip two Unicode
 * normalisations and three pattern passes (tests/extractors/classifier/fast-path.test.ts holds the
 * two to the same output on every pair of table characters and on random text).
 * Range: Latin-1 to Cyrillic (U+0000–U+04FF), general punctuation and currency signs (U+2000–U+20CF).
 */
const FOLD_LIMIT = 0x20d0;
/** Per unit below FOLD_LIMIT: 0 not in the table (fold the whole text), 1 folds to itself, 2 folds to FOLD_TEXT[unit]. */
let foldKind: Uint8Array | null = null;
const FOLD_TEXT: string[] = [];

function buildFoldTable(): Uint8Array {
  const kind = new Uint8Array(FOLD_LIMIT);
  for (let c = 0; c < FOLD_LIMIT; c++) {
    if (c >= 0x0500 && c < 0x2000) continue;
    const ch = String.fromCharCode(c);
    if (/\p{M}/u.test(ch)) continue;
    const folded = foldScripts(ch);
    if (folded === ch) kind[c] = 1;
    else {
      kind[c] = 2;
      FOLD_TEXT[c] = folded;
      foldMax = Math.max(foldMax, folded.length);
    }
  }
  return kind;
}

/** The fold table's longest output, in units. */
let foldMax = 1;
/** foldByUnit's output buffer: one string made at the end, not a concatenation per folded unit. */
let foldBuf = new Uint16Array(1024);

/** foldScripts by the table, or null when the text has a unit outside it. */
function foldByUnit(s: string): string | null {
  const kind = (foldKind ??= buildFoldTable());
  const need = s.length * foldMax;
  // The shared buffer grows to listing size; a huge text gets one of its own, not kept.
  if (foldBuf.length < need && need <= 1 << 16) foldBuf = new Uint16Array(need);
  const buf = foldBuf.length >= need ? foldBuf : new Uint16Array(need);
  let n = 0;
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const k = c < FOLD_LIMIT ? kind[c]! : 0;
    if (k === 1) buf[n++] = c;
    else if (k === 0) return null;
    else {
      changed = true;
      const folded = FOLD_TEXT[c]!;
      for (let j = 0; j < folded.length; j++) buf[n++] = folded.charCodeAt(j);
    }
  }
  if (!changed) return s;
  let out = '';
  // In slices: apply() passes every unit as an argument.
  for (let at = 0; at < n; at += 8192)
    out += String.fromCharCode.apply(null, buf.subarray(at, Math.min(n, at + 8192)) as unknown as number[]);
  return out;
}

/** The fold table's units, for tests: those that fold on their own. */
export function foldTableUnits(): number[] {
  const kind = (foldKind ??= buildFoldTable());
  const units: number[] = [];
  for (let c = 0; c < FOLD_LIMIT; c++) if (kind[c]) units.push(c);
  return units;
}

export function normaliseText(input: string): string {
  let s = input;
  // Pure ASCII (most English listings) has nothing to compose, decompose or transliterate.
  if (!/^[\x00-\x7f]*$/.test(s)) s = foldByUnit(s) ?? foldScripts(s);
  else s = s.toLowerCase();
  if (s.includes('$') || s.includes('@'))
    s = s.replace(LETTER_SYMBOLS, (m) => m.replaceAll('$', 's').replaceAll('@', 'a'));
  if (SPACED_PUNCT_PIECE.test(s)) s = s.replace(SPACED_PUNCT, (m) => m.replace(/[^\p{L}\p{N}]/gu, ''));
  if (SPACED_BLANK_PIECE.test(s)) s = s.replace(SPACED_BLANK, (m) => m.replaceAll(' ', ''));
  return s;
}

const LEET_DIGITS: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
};

/**
 * Leetspeak undone in one token, or null when the token is not leet. Digits count as letters only
 * where letters surround them (gl0ck, h3r01n) or a single digit ends a word of ≥3 letters (mdm4),
 * so model numbers and quantities (glock19, ak47, 5mg, 250mg) stay as written.
 */
export function unleet(token: string): string | null {
  if (!/\d/.test(token) || !/\p{L}/u.test(token)) return null;
  const out = token.replace(/\d+/g, (run, offset: number) => {
    const before = token.slice(0, offset);
    const after = token.slice(offset + run.length);
    const letterBefore = /\p{L}$/u.test(before);
    const letterAfter = /^\p{L}/u.test(after);
    const leetable = [...run].every((d) => d in LEET_DIGITS);
    if (!leetable) return run;
    if (letterBefore && letterAfter) return [...run].map((d) => LEET_DIGITS[d]).join('');
    if (
      run.length === 1 &&
      ((letterBefore && after === '' && /\p{L}{3}$/u.test(before)) ||
        (letterAfter && before === '' && /^\p{L}{3}/u.test(after)))
    )
      return LEET_DIGITS[run] ?? run;
    return run;
  });
  return out === token ? null : out;
}
