// The title-led mix (index.ts) in one pass over the listing. The mix needs two readings — the whole
// listing and its title alone — and computing them separately tokenised and featurised every title
// twice. The title is tokenised on its own in both readings (listingTokens), and the title-only
// feature list is the whole one's with the description's parts left out, in the same order:
//   whole:      title token features, description token features, t:<title word>, bigrams of all tokens
//   title only: title token features,                              t:<title word>, bigrams of title tokens
// The description's token features (w:/p:/s:/c:) cannot coincide with t:/b: features, so after
// deduplication (first occurrence wins) the title-only ids are exactly the whole listing's ids that
// first occur in a title part. One pass marks them, then accumulates both score vectors with the same
// floating-point operations in the same order as SoftmaxModel.probabilitiesOfIds: the probabilities
// are bit-identical to the two-pass reference (reference.ts; tests/extractors/classifier/fast-path.test.ts).
import { listingTokens, tokenFeatures } from './features.js';
import type { SoftmaxModel } from './model.js';

/** A token's model ids, looked up once per distinct token instead of once per feature string per call. */
interface TokenEntry {
  /** Ids of the token's own features (word, prefix stem, Porter stem, character n-grams). */
  readonly ids: Int32Array;
  /** Id of `t:<token>` (the token as a title word), or -1 when the model does not know it. */
  readonly titleId: number;
  /** Id of the bigram `b:<token>_<next>` by next token (-1: not in the model), filled as met. */
  readonly next: Map<string, number>;
}

/**
 * Cache bounds, like the feature caches': hostile input (endless distinct tokens) cannot grow them
 * unbounded. When either is reached, all entries are dropped.
 */
export interface ScorerCacheLimits {
  tokenEntries: number;
  bigrams: number;
}
const DEFAULT_LIMITS: ScorerCacheLimits = { tokenEntries: 50_000, bigrams: 200_000 };

/**
 * Writes the class probabilities of a listing (CATEGORIES order) into `out`: the mean of the
 * whole-listing and the title-only distributions when the description is a non-blank string, else
 * the whole-listing one.
 */
export type ListingScorer = (title: string, description: string | null, out: Float64Array) => void;

export function createScorer(model: SoftmaxModel, limits = DEFAULT_LIMITS): ListingScorer {
  const K = model.bias.length;
  const w = model.weights;
  const temperature = model.temperature;
  const vocab = model.vocab;

  const entries = new Map<string, TokenEntry>();
  let bigramCount = 0;
  const entryOf = (tok: string): TokenEntry => {
    let e = entries.get(tok);
    if (e === undefined) {
      const feats = tokenFeatures(tok);
      const ids: number[] = [];
      for (const f of feats) {
        const id = vocab.get(f);
        if (id !== undefined) ids.push(id);
      }
      e = { ids: Int32Array.from(ids), titleId: vocab.get(`t:${tok}`) ?? -1, next: new Map() };
      if (entries.size >= limits.tokenEntries) {
        entries.clear();
        bigramCount = 0;
      }
      entries.set(tok, e);
    }
    return e;
  };
  const bigramId = (e: TokenEntry, a: string, b: string): number => {
    let id = e.next.get(b);
    if (id === undefined) {
      id = vocab.get(`b:${a}_${b}`) ?? -1;
      if (++bigramCount > limits.bigrams) {
        entries.clear();
        bigramCount = 0;
      }
      e.next.set(b, id);
    }
    return id;
  };

  // Per-call scratch, reused: the listing's distinct feature ids in reference order, and for each
  // whether the title-only reading has it too. Deduplication by an epoch stamp per feature.
  const seen = new Uint32Array(vocab.size);
  let epoch = 0;
  let ids = new Int32Array(1024);
  let inTitle = new Uint8Array(1024);
  let ents: TokenEntry[] = [];
  const whole = new Float64Array(K);
  const titleOnly = new Float64Array(K);

  return (title, description, out) => {
    if (++epoch === 0xffffffff) {
      seen.fill(0);
      epoch = 1;
    }
    const stamp = epoch;
    const tokens = listingTokens(title, description);
    const all = tokens.all;
    const count = all.length;
    const titleLen = tokens.title.length;
    if (ents.length < count) ents = new Array<TokenEntry>(count);
    let capacity = titleLen + count;
    for (let i = 0; i < count; i++) {
      const e = entryOf(all[i]!);
      ents[i] = e;
      capacity += e.ids.length;
    }
    if (ids.length < capacity) {
      ids = new Int32Array(capacity * 2);
      inTitle = new Uint8Array(capacity * 2);
    }
    // Same order as the reference: token features of every token, then title words, then bigrams.
    // Locals, not closure variables, in the loops: this is the classifier's inner loop.
    const idBuf = ids;
    const flagBuf = inTitle;
    const seenBuf = seen;
    let n = 0;
    let nTitle = 0;
    for (let i = 0; i < count; i++) {
      const tokIds = ents[i]!.ids;
      const flag = i < titleLen ? 1 : 0;
      for (let j = 0; j < tokIds.length; j++) {
        const id = tokIds[j]!;
        if (seenBuf[id] !== stamp) {
          seenBuf[id] = stamp;
          idBuf[n] = id;
          flagBuf[n++] = flag;
          nTitle += flag;
        }
      }
    }
    for (let i = 0; i < titleLen; i++) {
      const id = ents[i]!.titleId;
      if (id >= 0 && seenBuf[id] !== stamp) {
        seenBuf[id] = stamp;
        idBuf[n] = id;
        flagBuf[n++] = 1;
        nTitle++;
      }
    }
    for (let i = 0; i + 1 < count; i++) {
      const id = bigramId(ents[i]!, all[i]!, all[i + 1]!);
      if (id >= 0 && seenBuf[id] !== stamp) {
        // The bigram joining the title's last word to the description's first is not a title bigram.
        const flag = i + 1 < titleLen ? 1 : 0;
        seenBuf[id] = stamp;
        idBuf[n] = id;
        flagBuf[n++] = flag;
        nTitle += flag;
      }
    }

    // Both score vectors in one pass; each is accumulated exactly as probabilitiesOfIds would.
    const xWhole = n ? 1 / Math.sqrt(n) : 0;
    const xTitle = nTitle ? 1 / Math.sqrt(nTitle) : 0;
    for (let k = 0; k < K; k++) {
      whole[k] = model.bias[k]!;
      titleOnly[k] = model.bias[k]!;
    }
    for (let j = 0; j < n; j++) {
      const base = idBuf[j]! * K;
      if (flagBuf[j]) {
        for (let k = 0; k < K; k++) {
          const wk = w[base + k]!;
          whole[k]! += wk * xWhole;
          titleOnly[k]! += wk * xTitle;
        }
      } else for (let k = 0; k < K; k++) whole[k]! += w[base + k]! * xWhole;
    }
    softmaxInto(whole, temperature);
    if (typeof description !== 'string' || !description.trim()) {
      out.set(whole);
      return;
    }
    softmaxInto(titleOnly, temperature);
    for (let k = 0; k < K; k++) out[k] = (whole[k]! + titleOnly[k]!) / 2;
  };
}

/** model.ts's softmax(scores / temperature), in place, with its operations in its order. */
function softmaxInto(s: Float64Array, temperature: number): void {
  const K = s.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    s[k] = s[k]! / temperature;
    max = Math.max(max, s[k]!);
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    s[k] = Math.exp(s[k]! - max);
    sum += s[k]!;
  }
  for (let k = 0; k < K; k++) s[k] = s[k]! / sum;
}
