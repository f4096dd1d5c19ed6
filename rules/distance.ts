// Bounded Damerau–Levenshtein (optimal string alignment) distance: typo tolerance for fuzzy
// query terms and "did you mean" suggestions. Bounded so a long token never costs more than
// O(len × (2·max+1)).

/** Distance between a and b if it is ≤ max, else max + 1. */
export function boundedDamerau(a: string, b: string, max: number): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (n === 0) return m;
  if (m === 0) return n;
  const big = max + 1;
  let prev2 = new Array<number>(m + 1).fill(big);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur.fill(big);
    cur[0] = i;
    const lo = Math.max(1, i - max);
    const hi = Math.min(m, i + max);
    let rowMin = i <= max ? i : big;
    for (let j = lo; j <= hi; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return big;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[m]!, big);
}

/** The closest candidate within a typo or two, for "did you mean …?" messages. */
export function suggest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  const max = w.length <= 3 ? 1 : w.length <= 6 ? 2 : 3;
  let best: string | null = null;
  let bestD = max + 1;
  for (const c of candidates) {
    const d = c.toLowerCase().startsWith(w) && w.length >= 3 ? 1 : boundedDamerau(w, c.toLowerCase(), max);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
