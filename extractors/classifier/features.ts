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

function addWordFeatures(tokens: string[], into: Set<string>, prefix: string): void {
  for (const tok of tokens) {
    into.add(`${prefix}w:${tok}`);
    if (tok.length > 5 && !/\d/.test(tok)) into.add(`${prefix}p:${tok.slice(0, 5)}`);
  }
}

export function featurize(title: string, description: string | null): string[] {
  const titleTokens = tokenize(capText(title, MAX_TITLE_CHARS));
  const descTokens = description ? tokenize(capText(description, MAX_DESCRIPTION_CHARS)) : [];
  const feats = new Set<string>();
  addWordFeatures(titleTokens, feats, 't');
  const all = titleTokens.concat(descTokens);
  addWordFeatures(all, feats, '');
  for (const tok of all) {
    if (tok.length > 3 && ASCII_WORD.test(tok)) feats.add(`s:${PorterStemmer.stem(tok)}`);
    if (/^\d+$/.test(tok)) continue;
    const padded = ` ${tok} `;
    for (let n = 3; n <= 5; n++) {
      for (let i = 0; i + n <= padded.length; i++) feats.add(`c:${padded.slice(i, i + n)}`);
    }
  }
  for (const [a, b] of NGrams.bigrams(all) as Array<[string, string]>) feats.add(`b:${a}_${b}`);
  return [...feats];
}
