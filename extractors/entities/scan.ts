// Cheap shared scans that tell each entity family where its candidates can be, so that its
// (comparatively slow, lookbehind-led) candidate regex runs on a few short windows instead of the
// whole page text. Pages are mostly prose: most of their text cannot hold any address at all.
//
// Why a window gives the very same matches as the whole text: every candidate regex below consumes
// only characters of one set S and looks at most one character before and after its match. Then a
// match lies inside one maximal run of S characters, and running the regex on that run plus the
// character on either side finds the same matches (same lookaround answers, and no match in an
// earlier run can consume characters of a later one).

export interface Span {
  /** First character (inclusive). */
  start: number;
  /** One past the last character. */
  end: number;
}

/** Shortest candidate of any family that lives in runs of ASCII letters and digits (bech32, 11). */
export const MIN_ALNUM_RUN = 11;

const ALNUM = new Uint8Array(128);
for (const c of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') ALNUM[c.charCodeAt(0)] = 1;

function isAlnum(code: number): boolean {
  return code < 128 && ALNUM[code] === 1;
}

/**
 * Maximal runs of ASCII letters and digits at least MIN_ALNUM_RUN long, in text order. Bitcoin,
 * Monero, Ethereum, onion labels and Session IDs each are (part of) such a run. A run that long
 * covers one of every MIN_ALNUM_RUN consecutive positions, so only those are probed, and a probe
 * that lands on a letter or digit grows to its run: most prose is read about every other character.
 * (A regex like /[0-9A-Za-z]{11,}/g backtracks through every shorter word and costs several times more.)
 */
export function alnumRuns(text: string): Span[] {
  const out: Span[] = [];
  const n = text.length;
  for (let probe = MIN_ALNUM_RUN - 1; probe < n;) {
    if (!isAlnum(text.charCodeAt(probe))) {
      probe += MIN_ALNUM_RUN;
      continue;
    }
    let start = probe;
    while (start > 0 && isAlnum(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < n && isAlnum(text.charCodeAt(end))) end++;
    if (end - start >= MIN_ALNUM_RUN) out.push({ start, end });
    // text[end] is no letter or digit: the next run starts after it, and covers a probe from here on.
    probe = end + MIN_ALNUM_RUN;
  }
  return out;
}

/** A match found in a window, with `index` relative to the whole text. */
export interface WindowMatch {
  0: string;
  index: number;
}

/**
 * The matches of global regex `re` in `text` that start inside one of `spans` (in order), found by
 * running `re` on each span widened by one character before and `after` + 1 characters after it.
 * Exact when every match starting in a span lies within [span.start, span.end + after) and the
 * regex looks at most one character beyond its match (see the header).
 */
export function matchesInSpans(
  text: string,
  spans: readonly Span[],
  re: RegExp,
  opts: {
    minLength?: number;
    maxLength?: number;
    after?: number;
    /** A further cheap test of a span (a module-level function: no closure per call). */
    accept?: (text: string, s: Span) => boolean;
  } = {},
): WindowMatch[] {
  const out: WindowMatch[] = [];
  const minLength = opts.minLength ?? 0;
  const maxLength = opts.maxLength ?? Infinity;
  const after = opts.after ?? 0;
  // exec on `re` itself, not matchAll (which clones the regex for every window).
  if (!re.global) throw new Error('matchesInSpans needs a global regex');
  for (const s of spans) {
    const length = s.end - s.start;
    if (length < minLength || length > maxLength || (opts.accept && !opts.accept(text, s))) continue;
    const from = Math.max(0, s.start - 1);
    const window = text.slice(from, Math.min(text.length, s.end + after + 1));
    re.lastIndex = 0;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      const index = from + m.index;
      if (index >= s.end) break;
      if (index >= s.start) out.push({ 0: m[0], index });
      if (m[0] === '') re.lastIndex++;
    }
  }
  re.lastIndex = 0;
  return out;
}

/**
 * Maximal runs of characters accepted by `member` that contain `anchor`, in text order: where a
 * candidate that must contain `anchor` (an e-mail address and its "@") can be. Linear: each run is
 * walked once, however many anchors it holds.
 */
export function runsAround(text: string, anchor: string, member: (code: number) => boolean): Span[] {
  const out: Span[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(anchor, from);
    if (at < 0) break;
    let start = at;
    while (start > from && member(text.charCodeAt(start - 1))) start--;
    let end = at + anchor.length;
    while (end < text.length && member(text.charCodeAt(end))) end++;
    out.push({ start, end });
    from = end === at ? at + 1 : end;
  }
  return out;
}

/**
 * The matches the global scan of `sticky` (a regex with the "y" flag) over `text` finds, trying it
 * only at the positions where `starts` (a global regex) matches. Exact when `starts` matches at
 * every position where a match of `sticky` can begin: the global scan tries each position from the
 * end of its last match on, and a try at a position `starts` rules out fails anyway. `starts` is
 * advanced one position at a time, so its own matches may overlap (it finds "gpg" inside "pgpg").
 *
 * With `windows` (flat [start, end) pairs, in order, disjoint) only the positions inside them are
 * tried — exact when every match of `sticky` starts inside one (the survey's windows, survey.ts). A
 * window's text is scanned for `starts` on its own (a slice, so that no scan runs on past its end),
 * reaching STARTS_REACH beyond it so that a start near its end is still seen whole: `starts` must
 * have no lookaround and no match longer than that.
 */
export function matchesAtStarts(
  text: string,
  sticky: RegExp,
  starts: RegExp,
  /** Stop after this many matches (a bound on work and memory for hostile text). */
  max = Infinity,
  windows: readonly number[] | null = null,
): RegExpExecArray[] {
  if (!sticky.sticky || !starts.global) throw new Error('matchesAtStarts needs a sticky and a global regex');
  const out: RegExpExecArray[] = [];
  if (!windows) {
    scanStarts(text, text, 0, text.length, sticky, starts, max, out);
    return out;
  }
  let from = 0; // end of the last match: the global scan goes on from there
  for (let w = 0; w < windows.length && out.length < max; w += 2) {
    const start = Math.max(from, windows[w]!);
    const end = windows[w + 1]!;
    if (start >= end) continue;
    const window = text.slice(start, Math.min(text.length, end + STARTS_REACH));
    from = scanStarts(text, window, start, end, sticky, starts, max, out);
  }
  return out;
}

/** Longest match of a `starts` regex given with windows (a key word's prefix). */
export const STARTS_REACH = 16;

/**
 * Tries `sticky` on `text` at each match of `starts` in `scanned` (`text` from `offset` on) that
 * starts before `end`; returns where the global scan goes on.
 */
function scanStarts(
  text: string,
  scanned: string,
  offset: number,
  end: number,
  sticky: RegExp,
  starts: RegExp,
  max: number,
  out: RegExpExecArray[],
): number {
  let from = offset;
  starts.lastIndex = 0;
  for (let s = starts.exec(scanned); s && out.length < max; s = starts.exec(scanned)) {
    const at = offset + s.index;
    if (at >= end) break;
    sticky.lastIndex = at;
    const m = sticky.exec(text);
    if (m && m[0] !== '') {
      out.push(m);
      from = sticky.lastIndex;
      starts.lastIndex = from - offset;
    } else {
      starts.lastIndex = s.index + 1;
    }
  }
  starts.lastIndex = 0;
  sticky.lastIndex = 0;
  return from;
}

/** End of the stretch of characters in `set` (a table of ASCII codes) from `i`, at most `end`. */
export function stretchEnd(text: string, i: number, end: number, set: Uint8Array): number {
  while (i < end && set[text.charCodeAt(i)] === 1) i++;
  return i;
}

/** A table of the ASCII characters in `chars`, for stretchEnd. */
export function asciiSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (const c of chars) set[c.charCodeAt(0)] = 1;
  return set;
}

/** \s, for one UTF-16 unit (NaN, past the end of a text, is none). */
export function isSpace(c: number): boolean {
  if (c < 0x80) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
