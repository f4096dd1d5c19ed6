// Phone numbers via libphonenumber-js. International numbers (+ or 00) are taken when valid; national
// numbers only with a region hint and a phone word just before them — otherwise prices, quantities
// and order numbers would turn into "phones".
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import { memoized } from './memo.js';
import { isSpace, matchesAtStarts } from './scan.js';

// A phone word starts a word ("Tel:", "mob.", "телефон"), so "Cartel" and "hotel" are not phone
// words, and neither is "Telegram".
const PHONE_CONTEXT =
  /(?<!\p{L})(?:tel(?!egram)|phone|call|mob|cell|whats ?app|signal|viber|sms|telefon|телефон|тел|τηλ|numri|broj|număr|numar|szám|gsm|kontakt|contact)/iu;
const CONTEXT_WINDOW = 32;

/**
 * Where an international number may start: "+3…" or "003…" followed by enough digits. (The "00"
 * must not follow a digit or "+": its lookbehind sits after the "00" rather than before it — the
 * same matches, but the scan can jump from "+" or "0" to the next instead of trying the lookbehind
 * at every position.)
 */
const INTERNATIONAL_HINT = /(?:\+|00(?<![\d+]00))\s?[1-9](?:[\d\s().\-/]{6,22})/g;
const SNIPPET = 48;
const NATIONAL_DIGITS = /\d(?:[\s().\-/]{0,3}\d){3}/;

const MAX_PHONE_WORDS = 2000;
const PHONE_WORD_AT = new RegExp(PHONE_CONTEXT.source, 'iuy');
/**
 * Where a phone word can start: a prefix of each, case-insensitive but without the "u" flag (whose
 * case folding adds K, the Kelvin sign, to k and ſ, the long s, to s — hence those two, spelled out)
 * and without the lookbehind. Several times cheaper to scan for than PHONE_CONTEXT itself, which is
 * then only tried where this matches (scan.ts matchesAtStarts).
 */
const PHONE_WORD_STARTS =
  /tel|phone|c(?:all|ell|ontact)|mob|what[s\u017f]|[s\u017f](?:ignal|m[s\u017f]|zám)|viber|тел|τηλ|num(?:ri|ăr|ar)|broj|g[s\u017f]m|[k\u212a]onta[k\u212a]t/gi;

/**
 * libphonenumber reports a candidate it cannot parse by throwing (and catching) an Error; capturing
 * the stack for each is most of its cost on text with digit runs that are no phone numbers (PGP
 * fingerprints, prices). Nothing reads those stacks, so none are captured while it runs.
 */
function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The valid numbers libphonenumber finds in an international snippet ("+381 64…"). */
const internationalNumbers = memoized((snippet: string): string[] =>
  withoutStackTraces(() => {
    const out: string[] = [];
    for (const f of findPhoneNumbersInText(snippet)) if (f.number.isValid()) out.push(f.number.number);
    return out;
  }),
);

/** The valid national numbers in a snippet after a phone word, read for one region; key `${length}:${region}${snippet}`. */
const nationalNumbers = memoized((key: string): string[] =>
  withoutStackTraces(() => {
    const colon = key.indexOf(':');
    const end = colon + 1 + Number(key.slice(0, colon));
    const region = key.slice(colon + 1, end) as CountryCode;
    let found;
    try {
      found = findPhoneNumbersInText(key.slice(end), { defaultCountry: region });
    } catch {
      return []; // unknown region code: no hint
    }
    const out: string[] = [];
    // The number must follow the phone word closely ("tel: 069…", not a number a sentence later).
    for (const f of found) if (f.startsAt <= CONTEXT_WINDOW && f.number.isValid()) out.push(f.number.number);
    return out;
  }),
);

/**
 * E.164 numbers found in `text`. `regions` are ISO codes to try for national-format numbers.
 * libphonenumber is thorough but slow on long text, so it only reads short snippets around the
 * places a number can be: after "+"/"00", or after a phone word when reading national numbers.
 */
export function findPhoneNumbers(text: string, regions: readonly string[] = []): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const first = firstInternational(text);
  if (first >= 0) {
    // No match starts before `first`: the global scan may as well start there.
    let count = 0;
    INTERNATIONAL_HINT.lastIndex = first;
    for (let m = INTERNATIONAL_HINT.exec(text); m; m = INTERNATIONAL_HINT.exec(text)) {
      if (++count > MAX_PHONE_WORDS) break;
      pushNew(out, seen, internationalNumbers(m[0].replace(/^00\s?/, '+')));
    }
    INTERNATIONAL_HINT.lastIndex = 0;
  }
  if (regions.length === 0) return out;
  const hints = regions.map((r) => r.toUpperCase() as CountryCode);
  // The first 2,000 phone words only: bounded work on hostile text.
  for (const m of matchesAtStarts(text, PHONE_WORD_AT, PHONE_WORD_STARTS, MAX_PHONE_WORDS)) {
    const start = m.index + m[0].length;
    const snippet = text.slice(start, start + SNIPPET);
    if (/^[^\d]*\+/.test(snippet)) continue; // international: done above
    // A number starting within CONTEXT_WINDOW begins with a run of at least four digits (separators
    // allowed: "069 212", "(0)69"); without one libphonenumber, costly once per region, finds nothing.
    if (!NATIONAL_DIGITS.test(snippet.slice(0, CONTEXT_WINDOW + 16))) continue;
    for (const region of hints) pushNew(out, seen, nationalNumbers(`${region.length}:${region}${snippet}`));
  }
  return out;
}

/** [1-9], or \s then [1-9], at `i`: what follows the "+" or "00" of an INTERNATIONAL_HINT match. */
function digitFollows(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 49 && c <= 57) return true;
  const next = text.charCodeAt(i + 1);
  return next >= 49 && next <= 57 && isSpace(c);
}

/**
 * Where the first INTERNATIONAL_HINT match can start — a "+", or a "00" not after a digit or "+",
 * followed by [1-9] or a space and [1-9] — or -1. Found with native searches: prices and order
 * numbers hold "00" without that digit after it, and most pages no "+".
 */
function firstInternational(text: string): number {
  let first = -1;
  for (let i = text.indexOf('+'); i >= 0; i = text.indexOf('+', i + 1))
    if (digitFollows(text, i + 1)) {
      first = i;
      break;
    }
  const end = first >= 0 ? first : text.length;
  for (let i = text.indexOf('00'); i >= 0 && i < end; i = text.indexOf('00', i + 1)) {
    const before = i > 0 ? text.charCodeAt(i - 1) : -1;
    if (before !== 43 && !(before >= 48 && before <= 57) && digitFollows(text, i + 2)) return i;
  }
  return first;
}

function pushNew(out: string[], seen: Set<string>, numbers: readonly string[]): void {
  for (const n of numbers)
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
}
