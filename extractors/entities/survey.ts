// One pass over a page's text that tells every entity family where its candidates can be — or that
// it has none — before any family runs a regex.
//
// Why one pass: entity extraction runs between the parse and the other stages of a page, which
// evict the CPU caches. There, every regex scan of the whole text (each its own compiled code), each
// memo and table a family touches, costs cache misses that a tight loop over the same pages never
// shows: nine families scanning the text nine times cost several times what the same scans cost
// back to back. This loop reads the text once, with two small tables, and records for each family
// the little it needs: that its trigger characters are absent (it then costs nothing), the first
// position it can start at, or the few short windows its exact regex is then run on.
//
// Each field below states the condition it records; each is necessary for a match of the family's
// regex, so skipping or windowing on it cannot lose a match (the finders say why per family).
import { MIN_ALNUM_RUN, type Span } from './scan.js';

export interface Survey {
  /** Maximal runs of ASCII letters and digits at least MIN_ALNUM_RUN long (the address families). */
  runs: Span[];
  /** Some character NFKC may change, or that may combine with the one before it. */
  nfkcMayChange: boolean;
  /** Some character deobfuscateContacts deletes as invisible (\p{Cf} and the like). */
  invisible: boolean;
  /** "[", "(" or "{": a "[at]"/"(dot)" spelling may occur. */
  bracket: boolean;
  /** Index of the first "@", or -1 (e-mail, Jabber, Telegram "@name"). */
  at: number;
  /** A "/" right after "me" or "og" (any case): a t.me / telegram.me / telegram.dog link may occur. */
  telegramLink: boolean;
  /** "wickr" occurs (ASCII, any case). */
  wickr: boolean;
  /** First index where an international number can start ("+" or "00", then [1-9]), or -1. */
  international: number;
  /** [start, end) pairs (flat, in order, disjoint) holding every position a PGP fingerprint mention can start at. */
  mentionWindows: number[];
  /** [start, end) pairs holding every position a phone word followed by a national number can start at. */
  phoneWordWindows: number[];
}

/** Longest key word of a fingerprint mention ("fingerprint") and the gap allowed after it (pgp.ts). */
const MENTION_REACH = 11 + 40;
/** Hex digits in a fingerprint. */
const FINGERPRINT_DIGITS = 40;
/**
 * How far before its number a phone word can start: the longest phone word ("whats app", 9), then
 * the number within the 48-character snippet after it (phone.ts). Four digits take 4 of those 48.
 */
const PHONE_WORD_REACH = 9 + 48 - 4;

// Classes of ASCII characters, as bits.
const ALNUM = 1;
const HEX = 2;
const DIGIT = 4;
/** [\s().\-/]: what may stand between the digits of a national number (phone.ts NATIONAL_DIGITS). */
const PHONE_SEP = 8;
/** \s */
const SPACE = 16;
/** " " or U+00A0: what may stand between the groups of a written fingerprint. */
const FP_GAP = 32;
/** Characters the loop looks at more closely: @ + / 0 w W [ ( {. */
const SPECIAL = 64;

const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[0-9A-Za-z]/.test(ch)) k |= ALNUM;
  if (/[0-9A-Fa-f]/.test(ch)) k |= HEX;
  if (/[0-9]/.test(ch)) k |= DIGIT;
  if (/[\s().\-/]/.test(ch)) k |= PHONE_SEP;
  if (/\s/.test(ch)) k |= SPACE;
  if (ch === ' ') k |= FP_GAP;
  if ('@+/0wW[({'.includes(ch)) k |= SPECIAL;
  ASCII[c] = k;
}

// Flags of the characters from U+0080 up, learnt the first time each is seen (a page uses few of
// them; computing all 65,408 would cost ~50 ms at start-up).
const LEARNT = 1;
const NA_SPACE = 2;
const NA_NFKC = 4;
const NA_INVISIBLE = 8;
const nonAscii = new Uint8Array(0x10000);
const INVISIBLE_CHAR = /^[\p{Cf}\u034f\u180e\u3164\ufe00-\ufe0f]$/u;
const MARK = /^\p{M}$/u;

/**
 * Whether NFKC may change a text because of `ch`. Text made of characters that each are their own
 * NFKC form, are no combining marks and no conjoining Hangul jamo is its own NFKC form: such a
 * character decomposes (if at all) to a starter and marks that compose back to it alone, and nothing
 * after it can compose with it, because what can compose with a preceding character — the second
 * part of a canonical decomposition — is a mark or a jamo, as are all characters with a nonzero
 * combining class (tests/extractors/entities/survey.test.ts checks both facts against this Node's
 * ICU for every code point). Surrogates (characters beyond U+FFFF) are left to NFKC itself.
 */
export function nfkcMayChange(c: number): boolean {
  if (c >= 0xd800 && c <= 0xdfff) return true;
  if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xd7b0 && c <= 0xd7ff)) return true;
  const ch = String.fromCharCode(c);
  return MARK.test(ch) || ch.normalize('NFKC') !== ch;
}

function learn(c: number): number {
  const ch = String.fromCharCode(c);
  let f = LEARNT;
  if (/\s/.test(ch)) f |= NA_SPACE;
  if (nfkcMayChange(c)) f |= NA_NFKC;
  if (INVISIBLE_CHAR.test(ch)) f |= NA_INVISIBLE;
  nonAscii[c] = f;
  return f;
}

function isSpace(c: number): boolean {
  if (c < 128) return (ASCII[c]! & SPACE) !== 0;
  if (c !== c) return false; // NaN: past the end of the text
  return ((nonAscii[c] || learn(c)) & NA_SPACE) !== 0;
}

function isNonZeroDigit(c: number): boolean {
  return c >= 49 && c <= 57;
}

/** [1-9] or \s[1-9] at `i`: what follows the "+" or "00" of an international number. */
function digitFollows(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isNonZeroDigit(c) || (isSpace(c) && isNonZeroDigit(text.charCodeAt(i + 1)));
}

/** Appends [start, end) to flat, ordered `windows`, merging it with the last one when they overlap. */
function addWindow(windows: number[], start: number, end: number): void {
  start = Math.max(0, start);
  const n = windows.length;
  if (n > 0 && start <= windows[n - 1]!) windows[n - 1] = Math.max(windows[n - 1]!, end);
  else windows.push(start, end);
}

const lower = (c: number): number => c | 0x20; // ASCII letters only; nothing else maps onto one

export function surveyText(text: string): Survey {
  const n = text.length;
  const s: Survey = {
    runs: [],
    nfkcMayChange: false,
    invisible: false,
    bracket: false,
    at: -1,
    telegramLink: false,
    wickr: false,
    international: -1,
    mentionWindows: [],
    phoneWordWindows: [],
  };
  let deob = 0; // non-ASCII flags seen
  let runStart = -1; // current run of letters and digits
  let hexStart = -1; // first hex digit of the current stretch of hex digits and FP_GAPs
  let hexDigits = 0;
  let hexEnd = 0;
  let chainStart = -1; // first digit of the current chain of digits ≤ 3 PHONE_SEPs apart
  let chainDigits = 0;
  let chainEnd = 0;
  let gap = 0; // PHONE_SEPs since the chain's last digit

  for (let i = 0; i <= n; i++) {
    // One step past the end (c = -1, no class) closes whatever is open.
    const c = i < n ? text.charCodeAt(i) : -1;
    let k = 0;
    if (c >= 128) {
      const f = nonAscii[c] || learn(c);
      deob |= f;
      if (f & NA_SPACE) k = c === 0xa0 ? PHONE_SEP | SPACE | FP_GAP : PHONE_SEP | SPACE;
    } else if (c >= 0) {
      k = ASCII[c]!;
      if (k & SPECIAL) {
        switch (c) {
          case 64: // @
            if (s.at < 0) s.at = i;
            break;
          case 43: // +
            if (s.international < 0 && digitFollows(text, i + 1)) s.international = i;
            break;
          case 48: // 0: "00" not after a digit or "+" (phone.ts INTERNATIONAL_HINT)
            if (s.international < 0 && text.charCodeAt(i + 1) === 48 && digitFollows(text, i + 2)) {
              const before = i > 0 ? text.charCodeAt(i - 1) : -1;
              if (!(before === 43 || (before >= 48 && before <= 57))) s.international = i;
            }
            break;
          case 47: // "/" after "me" or "og"
            if (i >= 2) {
              const e = lower(text.charCodeAt(i - 1));
              const m = lower(text.charCodeAt(i - 2));
              if ((e === 101 && m === 109) || (e === 103 && m === 111)) s.telegramLink = true;
            }
            break;
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
    }

    if (k & ALNUM) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart >= MIN_ALNUM_RUN) s.runs.push({ start: runStart, end: i });
      runStart = -1;
    }

    // A fingerprint is 40 hex digits in groups with single gaps; it lies in one stretch of hex digits
    // and gaps holding at least 40 digits, and its mention starts at most MENTION_REACH before it.
    if (k & HEX) {
      if (hexDigits++ === 0) hexStart = i;
      hexEnd = i + 1;
    } else if (!(k & FP_GAP) && hexDigits > 0) {
      if (hexDigits >= FINGERPRINT_DIGITS) addWindow(s.mentionWindows, hexStart - MENTION_REACH, hexEnd);
      hexDigits = 0;
    }

    // A national number starts with four digits at most three separators apart, within a chain
    // of such digits; the phone word before it starts at most PHONE_WORD_REACH before the chain.
    if (k & DIGIT) {
      if (chainDigits++ === 0) chainStart = i;
      chainEnd = i + 1;
      gap = 0;
    } else if (chainDigits > 0 && (!(k & PHONE_SEP) || ++gap > 3)) {
      if (chainDigits >= 4) addWindow(s.phoneWordWindows, chainStart - PHONE_WORD_REACH, chainEnd);
      chainDigits = 0;
    }
  }
  s.nfkcMayChange = (deob & NA_NFKC) !== 0;
  s.invisible = (deob & NA_INVISIBLE) !== 0;
  return s;
}
