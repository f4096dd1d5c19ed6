// The classifier's text pipeline and scoring as first written, kept as the yardstick for the fast
// path (normalise.ts, features.ts' tokenize, scorer.ts): normalisation runs every pattern on every
// text, tokens come from natural's RegexpTokenizer, and the title-led mix featurises the listing
// twice — whole, then title only — and averages the two distributions. Tests assert that the fast
// path gives bit-identical probabilities for every corpus and range listing (and identical normalised
// text for arbitrary strings); bench/classify.ts times the two against each other. Not used in
// production.
import type { Category, Classification } from '../../core/types.js';
import { listingFeatures, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, tokenFeatures } from './features.js';
import type { ListingTokens } from './features.js';
import { LABELS, type SoftmaxModel } from './model.js';
import { RegexpTokenizer } from './natural.js';
import { transliterateChar, unleet } from './normalise.js';

const ZERO_WIDTH = /[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/gu;
const MARKS = /\p{M}+/gu;
const SCRIPT_CHARS = /[\u0370-\u03ff\u0400-\u04ff\u00df-\u0180]/gu;
const LETTER_SYMBOLS = /(?<=\p{L})[$@]+|[$@]+(?=\p{L})/gu;
const SPACED_PUNCT = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}][.\-_*·•|/]){2,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu;
const SPACED_BLANK = /(?<![\p{L}\p{N}])(?:\p{L} ){3,}\p{L}(?![\p{L}\p{N}])/gu;

/** normaliseText as first written. */
export function normaliseTextReference(input: string): string {
  let s = input;
  if (!/^[\x00-\x7f]*$/.test(s)) {
    s = s.normalize('NFKC').replace(ZERO_WIDTH, '').toLowerCase();
    s = s.replace(/[ѓќ]/gu, transliterateChar);
    s = s.normalize('NFD').replace(MARKS, '');
    s = s.replace(SCRIPT_CHARS, transliterateChar);
  } else s = s.toLowerCase();
  if (s.includes('$') || s.includes('@'))
    s = s.replace(LETTER_SYMBOLS, (m) => m.replaceAll('$', 's').replaceAll('@', 'a'));
  s = s.replace(SPACED_PUNCT, (m) => m.replace(/[^\p{L}\p{N}]/gu, ''));
  s = s.replace(SPACED_BLANK, (m) => m.replaceAll(' ', ''));
  return s;
}

const MAX_TOKENS = 600;
const tokenizer = new RegexpTokenizer({ pattern: /[^\p{L}\p{N}]+/u });
const unleetCache = new Map<string, string | null>();
function cachedUnleet(tok: string): string | null {
  let decoded = unleetCache.get(tok);
  if (decoded === undefined) {
    decoded = unleet(tok);
    if (unleetCache.size >= 50_000) unleetCache.clear();
    unleetCache.set(tok, decoded);
  }
  return decoded;
}

/** features.ts' tokenize as first written. */
export function tokenizeReference(text: string): string[] {
  const out: string[] = [];
  for (const tok of tokenizer.tokenize(normaliseTextReference(text))) {
    if (!tok) continue;
    out.push(tok);
    const decoded = cachedUnleet(tok);
    if (decoded) out.push(decoded);
    if (out.length >= MAX_TOKENS) break;
  }
  return out;
}

function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function listingTokensReference(title: string, description: string | null): ListingTokens {
  const titleTokens = tokenizeReference(capText(String(title ?? ''), MAX_TITLE_CHARS));
  const descTokens =
    description == null ? [] : tokenizeReference(capText(String(description), MAX_DESCRIPTION_CHARS));
  return { title: titleTokens, all: titleTokens.concat(descTokens) };
}

export interface ReferenceClassifier {
  probabilities(title: string, description: string | null): Record<Category, number>;
  classify(title: string, description: string | null): Classification;
}

/** index.ts' createClassifier as first written: two full passes over a listing with a description. */
export function createReferenceClassifier(model: SoftmaxModel, threshold: number): ReferenceClassifier {
  const idCache = new Map<string, Int32Array>();
  const tokenIds = (tok: string): Int32Array => {
    let ids = idCache.get(tok);
    if (!ids) {
      ids = Int32Array.from(
        tokenFeatures(tok)
          .map((f) => model.vocab.get(f) ?? -1)
          .filter((i) => i >= 0),
      );
      if (idCache.size >= 50_000) idCache.clear();
      idCache.set(tok, ids);
    }
    return ids;
  };
  const seen = new Uint32Array(model.vocab.size);
  let epoch = 0;
  const modelProbabilities = (title: string, description: string | null): Record<Category, number> => {
    if (++epoch === 0xffffffff) {
      seen.fill(0);
      epoch = 1;
    }
    const ids: number[] = [];
    const add = (id: number): void => {
      if (seen[id] !== epoch) {
        seen[id] = epoch;
        ids.push(id);
      }
    };
    const tokens = listingTokensReference(title, description);
    for (const tok of tokens.all) {
      const tokIds = tokenIds(tok);
      for (let i = 0; i < tokIds.length; i++) add(tokIds[i]!);
    }
    for (const f of listingFeatures(tokens)) {
      const id = model.vocab.get(f);
      if (id !== undefined) add(id);
    }
    const p = model.probabilitiesOfIds(ids);
    const out = {} as Record<Category, number>;
    LABELS.forEach((label, i) => (out[label] = p[i]!));
    return out;
  };
  const probabilities = (title: string, description: string | null): Record<Category, number> => {
    const whole = modelProbabilities(title, description);
    if (typeof description !== 'string' || !description.trim()) return whole;
    const titleOnly = modelProbabilities(title, null);
    const out = {} as Record<Category, number>;
    for (const label of LABELS) out[label] = (whole[label] + titleOnly[label]) / 2;
    return out;
  };
  return {
    probabilities,
    classify(title, description) {
      const p = probabilities(title, description);
      let best: Category = 'other';
      for (const l of LABELS) if (p[l] > p[best]) best = l;
      if (best !== 'other' && p[best] < threshold) {
        return { label: 'other', confidence: Math.round((1 - p[best]) * 1e4) / 1e4 };
      }
      return { label: best, confidence: Math.round(p[best] * 1e4) / 1e4 };
    },
  };
}
