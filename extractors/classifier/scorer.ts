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
//
// Memory layout. In the extraction pipeline the parse and the other stages run between two classify
// calls and evict the CPU caches, so a call's cost is mostly the cache lines it touches at random.
// Reading each feature's weights from the model (a row of a vocabulary-sized array) and deduplicating
// through a vocabulary-sized `seen` array cost about two misses per feature, a few hundred per
// listing. Instead:
// - every cached token keeps a copy of its features' model rows as records [id, w_0 … w_K-1], one
//   contiguous run in an arena (its title word's record right after), so a token's weights are one
//   sequential read; a cached bigram has its record in the same arena;
// - ids are deduplicated in a bitset over the vocabulary (~5 KiB: stays in L1 during the call);
// - a token met again in the same listing is skipped whole: its ids were all seen at its first
//   occurrence, which already decided their title flag.
// The copies are float32 → float32, so the products and sums are the model's own, bit for bit.
import { listingTokens, tokenFeatures } from './features.js';
import type { SoftmaxModel } from './model.js';

/** A cached token: its records in the arena and its bigrams. */
interface TokenEntry {
  readonly token: string;
  /**
   * Records [start, end): the token's own features (word, prefix stem, Porter stem, character
   * n-grams) in feature order, each id once.
   */
  readonly start: number;
  readonly end: number;
  /** Record of `t:<token>` (the token as a title word), or -1 when the model does not know it. */
  readonly titleAt: number;
  /**
   * Record of the bigram `b:<token>_<next token>` by the next token's entry (an identity key: no
   * string hashing or comparison), or -1 when the model does not know it. Entries are only dropped
   * all at once, so a key is never a stale entry of a token that has a newer one.
   */
  readonly next: Map<TokenEntry, number>;
  /** Last call that used this entry, so a repeated token is skipped. */
  stamp: number;
}

/**
 * Cache bounds: hostile input (endless distinct tokens or word pairs) cannot grow the caches
 * unbounded. When one is reached, every cached token and bigram is dropped before the next listing
 * (never during one: a listing's records stay where they are while it is scored), so a bound can be
 * overshot by at most one listing's worth (≤ 600 tokens).
 */
export interface ScorerCacheLimits {
  /** Cached tokens. */
  tokenEntries: number;
  /** Cached bigram look-ups (hits and misses). */
  bigrams: number;
  /** Records in the arena (features, title words, bigrams): memory ≈ records × (K+1) × 4 bytes. */
  records?: number;
}
const DEFAULT_LIMITS: Required<ScorerCacheLimits> = {
  tokenEntries: 50_000,
  bigrams: 200_000,
  records: 1 << 20,
};

/** What the caches hold now (for the bounds' tests). */
export interface ScorerCacheStats {
  tokenEntries: number;
  bigrams: number;
  records: number;
  /** Bytes of the arena buffer (it grows by doubling and shrinks back when the caches are dropped). */
  arenaBytes: number;
}

/**
 * Writes the class probabilities of a listing (CATEGORIES order) into `out`: the mean of the
 * whole-listing and the title-only distributions when the description is a non-blank string, else
 * the whole-listing one.
 */
export type ListingScorer = ((title: string, description: string | null, out: Float64Array) => void) & {
  cacheStats(): ScorerCacheStats;
};

export function createScorer(model: SoftmaxModel, limits: ScorerCacheLimits = DEFAULT_LIMITS): ListingScorer {
  const K = model.bias.length;
  const S = K + 1;
  const w = model.weights;
  const temperature = model.temperature;
  const vocab = model.vocab;
  const maxRecords = limits.records ?? DEFAULT_LIMITS.records;

  // The arena: record r is ints[r*S] (the feature id) and floats[r*S+1 … r*S+K] (its model row),
  // an Int32Array and a Float32Array over one buffer. It grows by doubling; indices stay valid.
  let ints = new Int32Array(1024 * S);
  let floats = new Float32Array(ints.buffer);
  let records = 0;
  const entries = new Map<string, TokenEntry>();
  let bigrams = 0;

  /** Appends model row `id` as a record; returns its index. */
  const addRecord = (id: number): number => {
    if ((records + 1) * S > ints.length) {
      const grown = new Int32Array(ints.length * 2);
      grown.set(ints);
      ints = grown;
      floats = new Float32Array(grown.buffer);
    }
    const at = records * S;
    ints[at] = id;
    for (let k = 0; k < K; k++) floats[at + 1 + k] = w[id * K + k]!;
    return records++;
  };

  const clearIfFull = (): void => {
    if (entries.size < limits.tokenEntries && bigrams < limits.bigrams && records < maxRecords) return;
    entries.clear();
    bigrams = 0;
    records = 0;
    // Back to a small arena, so one hostile burst does not hold its peak for good.
    if (ints.length > 1024 * S) {
      ints = new Int32Array(1024 * S);
      floats = new Float32Array(ints.buffer);
    }
  };

  const entryOf = (tok: string): TokenEntry => {
    let e = entries.get(tok);
    if (e !== undefined) return e;
    const start = records;
    const have = new Set<number>();
    for (const f of tokenFeatures(tok)) {
      const id = vocab.get(f);
      // Each id once: a later duplicate within the token could never be a first occurrence.
      if (id !== undefined && !have.has(id)) {
        have.add(id);
        addRecord(id);
      }
    }
    const end = records;
    const titleId = vocab.get(`t:${tok}`);
    e = {
      token: tok,
      start,
      end,
      titleAt: titleId === undefined ? -1 : addRecord(titleId),
      next: new Map(),
      stamp: 0,
    };
    entries.set(tok, e);
    return e;
  };

  /** Record of the bigram `b:<a.token>_<b.token>`, or -1. */
  const bigramAt = (a: TokenEntry, b: TokenEntry): number => {
    let at = a.next.get(b);
    if (at === undefined) {
      const id = vocab.get(`b:${a.token}_${b.token}`);
      at = id === undefined ? -1 : addRecord(id);
      a.next.set(b, at);
      bigrams++;
    }
    return at;
  };

  // Per-call scratch, reused. The listing's distinct features in reference order, as record
  // indices: all of them (`order`) and the title-only reading's (`titleOrder`).
  let order = new Int32Array(1024);
  let titleOrder = new Int32Array(1024);
  let pairs = new Int32Array(256); // the listing's bigram records, in token order
  // Deduplication: one bit per feature id — vocabulary/8 bytes (~5 KiB), small enough to stay in L1
  // while a listing is scored. The words set are zeroed again after the call.
  const seen = new Int32Array((vocab.size >>> 5) + 1);
  let ents: TokenEntry[] = [];
  let call = 0;
  const whole = new Float64Array(K);
  const titleOnly = new Float64Array(K);

  const score = (title: string, description: string | null, out: Float64Array): void => {
    clearIfFull();
    const stamp = ++call;
    const tokens = listingTokens(title, description);
    const all = tokens.all;
    const count = all.length;
    const titleLen = tokens.title.length;
    if (ents.length < count) ents = new Array<TokenEntry>(count);
    let capacity = titleLen + count; // title words, bigrams
    for (let i = 0; i < count; i++) {
      const e = entryOf(all[i]!);
      ents[i] = e;
      capacity += e.end - e.start;
    }
    if (order.length < capacity) {
      order = new Int32Array(capacity * 2);
      titleOrder = new Int32Array(capacity * 2);
    }
    if (pairs.length < count) pairs = new Int32Array(count * 2);
    // Looking up a bigram may add its record, growing the arena: all are resolved before it is read.
    const nPairs = count > 0 ? count - 1 : 0;
    for (let i = 0; i < nPairs; i++) pairs[i] = bigramAt(ents[i]!, ents[i + 1]!);

    // Locals, not closure variables, in the loops: this is the classifier's inner loop.
    const bits = seen;
    const orderBuf = order;
    const titleBuf = titleOrder;
    const recInts = ints;
    let n = 0;
    let nTitle = 0;
    // Same order as the reference: token features of every token, then title words, then bigrams.
    // A record whose id is new goes to `order`, and to `titleOrder` when it is in the title reading.
    // (Plain loops, not a per-call helper closure: tsx's keepNames wraps each closure it creates.)
    for (let i = 0; i < count; i++) {
      const e = ents[i]!;
      if (e.stamp === stamp) continue;
      e.stamp = stamp;
      const inTitle = i < titleLen;
      for (let r = e.start; r < e.end; r++) {
        if (!firstSeen(bits, recInts[r * S]!)) continue;
        orderBuf[n++] = r;
        if (inTitle) titleBuf[nTitle++] = r;
      }
    }
    for (let i = 0; i < titleLen; i++) {
      const r = ents[i]!.titleAt;
      if (r < 0 || !firstSeen(bits, recInts[r * S]!)) continue;
      orderBuf[n++] = r;
      titleBuf[nTitle++] = r;
    }
    for (let i = 0; i < nPairs; i++) {
      const r = pairs[i]!;
      if (r < 0 || !firstSeen(bits, recInts[r * S]!)) continue;
      orderBuf[n++] = r;
      // The bigram joining the title's last word to the description's first is not a title bigram.
      if (i + 1 < titleLen) titleBuf[nTitle++] = r;
    }
    for (let j = 0; j < n; j++) bits[recInts[orderBuf[j]! * S]! >>> 5] = 0;

    // Each score vector accumulated exactly as probabilitiesOfIds would: bias, then w·x per feature
    // in first-occurrence order.
    const rec = floats;
    accumulate(whole, model.bias, rec, S, orderBuf, n);
    softmaxInto(whole, temperature);
    if (typeof description !== 'string' || !description.trim()) {
      out.set(whole);
      return;
    }
    accumulate(titleOnly, model.bias, rec, S, titleBuf, nTitle);
    softmaxInto(titleOnly, temperature);
    for (let k = 0; k < K; k++) out[k] = (whole[k]! + titleOnly[k]!) / 2;
  };
  return Object.assign(score, {
    cacheStats: (): ScorerCacheStats => ({
      tokenEntries: entries.size,
      bigrams,
      records,
      arenaBytes: ints.byteLength,
    }),
  });
}

/** Sets id's bit; true when it was not set (the id's first occurrence in this listing). */
function firstSeen(bits: Int32Array, id: number): boolean {
  const word = bits[id >>> 5]!;
  const bit = 1 << (id & 31);
  if (word & bit) return false;
  bits[id >>> 5] = word | bit;
  return true;
}

/** scores = bias + Σ_j rec[order[j]]·x with x = 1/√n, in SoftmaxModel.probabilitiesOfIds's order. */
function accumulate(
  scores: Float64Array,
  bias: Float64Array,
  rec: Float32Array,
  S: number,
  order: Int32Array,
  n: number,
): void {
  const K = scores.length;
  const x = n ? 1 / Math.sqrt(n) : 0;
  if (K === 4) {
    // The four classes in locals: the same additions, without a store and reload per term.
    let s0 = bias[0]!;
    let s1 = bias[1]!;
    let s2 = bias[2]!;
    let s3 = bias[3]!;
    for (let j = 0; j < n; j++) {
      const base = order[j]! * S + 1;
      s0 += rec[base]! * x;
      s1 += rec[base + 1]! * x;
      s2 += rec[base + 2]! * x;
      s3 += rec[base + 3]! * x;
    }
    scores[0] = s0;
    scores[1] = s1;
    scores[2] = s2;
    scores[3] = s3;
    return;
  }
  for (let k = 0; k < K; k++) scores[k] = bias[k]!;
  for (let j = 0; j < n; j++) {
    const base = order[j]! * S + 1;
    for (let k = 0; k < K; k++) scores[k]! += rec[base + k]! * x;
  }
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
