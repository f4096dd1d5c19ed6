// One pass over a page's text that tells every entity family where its candidates can be — or that
// it has none — before any family runs a regex.
//
// Why one pass: entity extraction runs between the parse and the other stages of a page, which
// evict the CPU caches. There every scan of the whole text (each regex its own compiled code), each
// memo and table a family touches, costs cache misses that a tight loop over the same pages never
// shows: a dozen scans cost several times what they cost back to back. This loop reads the text
// once, with one small table, and records for each family what it needs: that its trigger
// characters are absent (it then costs nothing), or the few short windows its exact regex is run on.
// It is written to run without unpredictable branches on ordinary text (counters updated by
// arithmetic; branches only for rare characters and events). Work that would cost more here, per
// character, than the family's own scan is left to the family: tracking chains of digits (where a
// national phone number can be) cost more than phone.ts's scan for phone words, so it is not done.
//
// Each field states a condition every match of the family's regex needs, so skipping or windowing
// on it loses nothing (the finders say why for their family).
import { MIN_ALNUM_RUN, type Span } from './scan.js';

export interface Survey {
  /** Maximal runs of ASCII letters and digits at least MIN_ALNUM_RUN long (the address families). */
  runs: Span[];
  /** Some character NFKC may change or combine, or that deobfuscateContacts deletes as invisible. */
  unusual: boolean;
  /** "[", "(" or "{": a "[at]" / "(dot)" spelling may occur. */
  bracket: boolean;
  /** Index of the first "@", or -1 (e-mail, Jabber, Telegram "@name"). */
  at: number;
  /** A "/" right after "me" or "og" (any case): a t.me / telegram.me / telegram.dog link may occur. */
  telegramLink: boolean;
  /** "wickr" occurs (ASCII, any case). */
  wickr: boolean;
  /** [start, end) pairs (flat, in order, disjoint) holding every position a PGP fingerprint mention can start at. */
  mentionWindows: number[];
}

/** Hex digits in a fingerprint. */
const FINGERPRINT_DIGITS = 40;
/** Longest key word of a fingerprint mention ("fingerprint") and the gap allowed after it (pgp.ts). */
const MENTION_REACH = 11 + 40;

// Character classes, as bits of one table entry (one byte per UTF-16 code unit).
const ALNUM = 1; // [0-9A-Za-z]
const HEX = 2; // [0-9A-Fa-f]
const FP_GAP = 4; // " " or U+00A0: may stand between the groups of a written fingerprint
const SPECIAL = 8; // @ / w W [ ( {: looked at more closely
const UNUSUAL = 16; // see Survey.unusual and unusualChar()
const LEARNT = 128; // the entry is filled in (non-ASCII ones are on first sight)

const CLASSES = new Uint8Array(0x10000);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = LEARNT;
  if (/[0-9A-Za-z]/.test(ch)) k |= ALNUM;
  if (/[0-9A-Fa-f]/.test(ch)) k |= HEX;
  if (ch === ' ') k |= FP_GAP;
  if ('@/wW[({'.includes(ch)) k |= SPECIAL;
  CLASSES[c] = k;
}

const INVISIBLE_CHAR = /^[\p{Cf}\u034f\u180e\u3164\ufe00-\ufe0f]$/u;
const MARK = /^\p{M}$/u;

/**
 * Whether a text holding UTF-16 unit `c` may change under deobfuscateContacts' NFKC or its removal
 * of invisible characters. A text without such a character is its own NFKC form: each of its
 * characters is its own NFKC form, and none is a combining mark or a conjoining Hangul jamo — the
 * only characters that can compose with the one before them (as the second part of a canonical
 * decomposition) or that have a nonzero combining class (survey.test.ts checks both facts against
 * this Node's ICU for every code point). Surrogates (characters past U+FFFF) are left to NFKC.
 */
export function unusualChar(c: number): boolean {
  if (c >= 0xd800 && c <= 0xdfff) return true;
  if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xd7b0 && c <= 0xd7ff))
    return true;
  const ch = String.fromCharCode(c);
  return MARK.test(ch) || INVISIBLE_CHAR.test(ch) || ch.normalize('NFKC') !== ch;
}

function learn(c: number): number {
  let k = LEARNT;
  if (c === 0xa0) k |= FP_GAP;
  if (unusualChar(c)) k |= UNUSUAL;
  CLASSES[c] = k;
  return k;
}

function classOf(c: number): number {
  return CLASSES[c] || learn(c);
}

/** Appends [start, end) to flat, ordered `windows`, merging it with the last one when they overlap. */
function addWindow(windows: number[], start: number, end: number): void {
  start = Math.max(0, start);
  const n = windows.length;
  if (n > 0 && start <= windows[n - 1]!) windows[n - 1] = Math.max(windows[n - 1]!, end);
  else windows.push(start, end);
}

/** Index of the `count`-th character of class `cls` back from `i` (inclusive). */
function backTo(text: string, i: number, cls: number, count: number): number {
  for (; ; i--) if (classOf(text.charCodeAt(i)) & cls && --count === 0) return i;
}

const lower = (c: number): number => c | 0x20; // ASCII letters to lower case; nothing else maps onto one

/** The rare characters: "@", "/" after "me"/"og", "wickr", brackets. */
function special(text: string, i: number, c: number, s: Survey): void {
  switch (c) {
    case 64: // @
      if (s.at < 0) s.at = i;
      break;
    case 47: {
      // "/" after "me" or "og"
      const e = lower(text.charCodeAt(i - 1));
      const m = lower(text.charCodeAt(i - 2));
      if ((e === 101 && m === 109) || (e === 103 && m === 111)) s.telegramLink = true;
      break;
    }
    case 119: // w
    case 87: // W
      if (
        lower(text.charCodeAt(i + 1)) === 105 && // i
        lower(text.charCodeAt(i + 2)) === 99 && // c
        lower(text.charCodeAt(i + 3)) === 107 && // k
        lower(text.charCodeAt(i + 4)) === 114 // r
      )
        s.wickr = true;
      break;
    default: // [ ( {
      s.bracket = true;
  }
}

export function surveyText(text: string): Survey {
  const s: Survey = {
    runs: [],
    unusual: false,
    bracket: false,
    at: -1,
    telegramLink: false,
    wickr: false,
    mentionWindows: [],
  };
  const n = text.length;
  let seen = 0; // all classes met, OR-ed
  let run = 0; // length of the current run of letters and digits
  // A fingerprint is 40 hex digits in groups with single gaps: it lies in one stretch of hex digits
  // and gaps holding at least 40 digits, and its mention starts at most MENTION_REACH before it.
  let hex = 0; // hex digits in the current stretch of hex digits and gaps
  let hexFrom = -1; // its 40th hex digit back, once it has 40
  let hexTo = 0; // one past its last hex digit

  // Counters are reset with masks (x & -bit: x when bit is 1, 0 when it is 0), not branches.
  for (let i = 0; i < n; i++) {
    const k = classOf(text.charCodeAt(i));
    seen |= k;
    if (k & SPECIAL) special(text, i, text.charCodeAt(i), s);

    const alnum = k & ALNUM;
    if (run >= MIN_ALNUM_RUN && alnum === 0) s.runs.push({ start: i - run, end: i });
    run = (run + 1) & -alnum;

    const h = (k & HEX) >> 1;
    hex = (hex + h) & -(h | ((k & FP_GAP) >> 2));
    if (hex >= FINGERPRINT_DIGITS || hexFrom >= 0) {
      if (hex === 0) {
        addWindow(s.mentionWindows, hexFrom - MENTION_REACH, hexTo);
        hexFrom = -1;
      } else if (h === 1) {
        if (hexFrom < 0) hexFrom = backTo(text, i, HEX, FINGERPRINT_DIGITS);
        hexTo = i + 1;
      }
    }
  }
  if (run >= MIN_ALNUM_RUN) s.runs.push({ start: n - run, end: n });
  if (hexFrom >= 0) addWindow(s.mentionWindows, hexFrom - MENTION_REACH, hexTo);
  s.unusual = (seen & UNUSUAL) !== 0;
  return s;
}
