// Listing → sparse feature set. Tokens are the runs of letters and digits (\p{L}\p{N}): natural's
// stock tokenizers split words at ș, ț, ë, ğ, ј and Greek letters (natural issues #152, #191, #366,
// #600). Features: title words, word unigrams, a crude prefix "stem" (natural has no stemmer for
// the region's languages, whose nouns inflect heavily: pištolj/pištolja/pištolji), Porter stems for
// English, word bigrams (natural's NGrams) and character 3–5-grams inside words, which carry
// obfuscated and inflected spellings the word features miss.
import { normaliseText, unleet } from './normalise.js';
import { NGrams, PorterStemmer } from './natural.js';

/** Bump when tokenisation or features change: the shipped model.json records the version it was built with. */
export const FEATURE_VERSION = 1;

/** Caps keep hostile input (a 1 MB title) cheap: a listing's class is clear from its first lines. */
export const MAX_TITLE_CHARS = 500;
export const MAX_DESCRIPTION_CHARS = 4000;
const MAX_TOKENS = 600;
const MAX_CHAR_NGRAM = 5;

/** One letter or digit (one code point): tokens are the maximal runs of these. */
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/**
 * WORD_CHAR per BMP code unit, looked up on first sight: 0 not yet, 1 letter or digit, 2 not. A lone
 * surrogate is not (as for the u-flag pattern, which sees it as a code point of its own).
 */
const WORD_UNIT = new Uint8Array(0x10000);

function isWordUnit(c: number): boolean {
  let kind = WORD_UNIT[c]!;
  if (kind === 0) WORD_UNIT[c] = kind = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
  return kind === 1;
}

const unleetCache = new Map<string, string | null>();
/** unleet per distinct token, cached and bounded like the feature cache below. */
function cachedUnleet(tok: string): string | null {
  let decoded = unleetCache.get(tok);
  if (decoded === undefined) {
    decoded = unleet(tok);
    if (unleetCache.size >= 50_000) unleetCache.clear();
    unleetCache.set(tok, decoded);
  }
  return decoded;
}

/**
 * Normalised tokens of a text; leet tokens are followed by their decoded spelling.
 *
 * The tokens are what natural's RegexpTokenizer with the gap pattern /[^\p{L}\p{N}]+/u gives, found
 * by one scan over the string with a per-character table instead of a Unicode-property regex split
 * plus underscore's `_.without` (together ~2× the cost of the rest of tokenize). reference.ts keeps
 * the RegexpTokenizer version and tests/extractors/classifier/fast-path.test.ts holds the two to the
 * same tokens, on arbitrary strings too.
 */
export function tokenize(text: string): string[] {
  const s = normaliseText(text);
  const out: string[] = [];
  let start = -1;
  // unleet decodes only tokens with an ASCII digit (its first test), so the others skip its cache.
  let digit = false;
  for (let i = 0; i <= s.length;) {
    let word = false;
    let width = 1;
    if (i < s.length) {
      const c = s.charCodeAt(i);
      const next = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        width = 2;
        word = WORD_CHAR.test(s.slice(i, i + 2));
      } else {
        word = isWordUnit(c);
        if (word && c >= 0x30 && c <= 0x39) digit = true;
      }
    }
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const tok = s.slice(start, i);
      out.push(tok);
      if (digit) {
        const decoded = cachedUnleet(tok);
        if (decoded) out.push(decoded);
      }
      if (out.length >= MAX_TOKENS) break;
      start = -1;
      digit = false;
    }
    i += width;
  }
  return out;
}

function capText(text: string, max: number): string {
  // Slice by code points' worth of UTF-16 units, never leaving half a surrogate pair.
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

const ASCII_WORD = /^[a-z]+$/;

/**
 * Features that depend on one token only (word, prefix stem, Porter stem, character n-grams), cached:
 * listings repeat the same few thousand words, and stemming plus n-gram slicing is most of the cost.
 * The cache is cleared when full, so hostile input (endless distinct tokens) cannot grow it unbounded.
 */
const TOKEN_CACHE_LIMIT = 50_000;
const tokenCache = new Map<string, string[]>();

export function tokenFeatures(tok: string): string[] {
  let feats = tokenCache.get(tok);
  if (feats) return feats;
  feats = [`w:${tok}`];
  const numeric = /^\d+$/.test(tok);
  if (tok.length > 5 && !/\d/.test(tok)) feats.push(`p:${tok.slice(0, 5)}`);
  if (tok.length > 3 && ASCII_WORD.test(tok)) feats.push(`s:${PorterStemmer.stem(tok)}`);
  if (!numeric) {
    const padded = ` ${tok} `;
    for (let n = 3; n <= MAX_CHAR_NGRAM; n++) {
      for (let i = 0; i + n <= padded.length; i++) feats.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.clear();
  tokenCache.set(tok, feats);
  return feats;
}

export interface ListingTokens {
  title: string[];
  /** Title then description tokens. */
  all: string[];
}

export function listingTokens(title: string, description: string | null): ListingTokens {
  const titleTokens = tokenize(capText(String(title ?? ''), MAX_TITLE_CHARS));
  const descTokens = description == null ? [] : tokenize(capText(String(description), MAX_DESCRIPTION_CHARS));
  return { title: titleTokens, all: titleTokens.concat(descTokens) };
}

/**
 * Features of the listing as a whole: title words again under their own prefix (the title names the
 * product; the description often talks about shipping and payment) and word bigrams.
 */
export function listingFeatures(tokens: ListingTokens): string[] {
  const out = tokens.title.map((tok) => `t:${tok}`);
  for (const [a, b] of NGrams.bigrams(tokens.all) as Array<[string, string]>) out.push(`b:${a}_${b}`);
  return out;
}

export function featurize(title: string, description: string | null): string[] {
  const tokens = listingTokens(title, description);
  const feats = new Set<string>(listingFeatures(tokens));
  for (const tok of tokens.all) for (const f of tokenFeatures(tok)) feats.add(f);
  return [...feats];
}
