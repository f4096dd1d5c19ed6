// Checksums and libphonenumber are the costly part of reading a candidate, and the same candidates
// come back page after page: a vendor's addresses, key and contact block sit on its profile and on
// every one of its listings (on the training range, 136 Bitcoin hits are 14 addresses). Each
// candidate is therefore read once per process — like PGP keys (pgp.ts) — in bounded memos.

const memos: Array<Map<string, unknown>> = [];
/** Entries per memo; the oldest goes first when full. Keys are short (an address, a 48-char snippet). */
const MEMO_MAX = 5000;

/** `fn` (a pure function of its string argument, never undefined) with a bounded memo in front of it. */
export function memoized<T>(fn: (key: string) => T): (key: string) => T {
  const memo = new Map<string, T>();
  memos.push(memo as Map<string, unknown>);
  return (key) => {
    const hit = memo.get(key); // one lookup: `fn` gives no undefined, so that means "not there"
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value!);
    memo.set(key, value);
    return value;
  };
}

/** Empty every memo (benchmarks and tests measure a first pass with this). */
export function clearEntityMemos(): void {
  for (const m of memos) m.clear();
}
