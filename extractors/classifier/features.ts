// Listing → sparse feature set. Tokens come from natural's RegexpTokenizer with a \p{L}\p{N} pattern
// (its stock tokenizers split words at ș, ț, ë, ğ, ј and Greek letters — natural issues #152, #191,
// #366, #600). Features: title words, word unigrams, a crude prefix "stem" (natural has no stemmer for
// the region's languages, whose nouns inflect heavily: pištolj/pištolja/pištolji), Porter stems for
// English, word bigrams (natural's NGrams) and character 3–5-grams inside words, which carry
// obfuscated and inflected spellings the word features miss.
import { normaliseText, unleet } from './normalise.js';
import { NGrams, PorterStemmer, RegexpTokenizer } from './natural.js';

/** Caps keep hostile input (a 1 MB title) cheap: a listing's class is clear from its first lines. */
export const MAX_TITLE_CHARS = 500;
export const MAX_DESCRIPTION_CHARS = 4000;
const MAX_TOKENS = 600;

const tokenizer = new RegexpTokenizer({ pattern: /[^\p{L}\p{N}]+/u });

/** Normalised tokens of a text; leet tokens are followed by their decoded spelling. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const tok of tokenizer.tokenize(normaliseText(text))) {
    if (!tok) continue;
    out.push(tok);
    const decoded = unleet(tok);
    if (decoded) out.push(decoded);
    if (out.length >= MAX_TOKENS) break;
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

function tokenFeatures(tok: string): string[] {
  let feats = tokenCache.get(tok);
  if (feats) return feats;
  feats = [`w:${tok}`];
  const numeric = /^\d+$/.test(tok);
  if (tok.length > 5 && !/\d/.test(tok)) feats.push(`p:${tok.slice(0, 5)}`);
  if (tok.length > 3 && ASCII_WORD.test(tok)) feats.push(`s:${PorterStemmer.stem(tok)}`);
  if (!numeric) {
    const padded = ` ${tok} `;
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= padded.length; i++) feats.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.clear();
  tokenCache.set(tok, feats);
  return feats;
}

export function featurize(title: string, description: string | null): string[] {
  const titleTokens = tokenize(capText(title, MAX_TITLE_CHARS));
  const descTokens = description ? tokenize(capText(description, MAX_DESCRIPTION_CHARS)) : [];
  const feats = new Set<string>();
  // Title words again under their own prefix: the title names the product, the description often
  // talks about shipping and payment.
  for (const tok of titleTokens) feats.add(`t:${tok}`);
  const all = titleTokens.concat(descTokens);
  for (const tok of all) for (const f of tokenFeatures(tok)) feats.add(f);
  for (const [a, b] of NGrams.bigrams(all) as Array<[string, string]>) feats.add(`b:${a}_${b}`);
  return [...feats];
}
