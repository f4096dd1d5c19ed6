// Phone numbers via libphonenumber-js. International numbers (+ or 00) are taken when valid; national
// numbers only with a region hint and a phone word just before them — otherwise prices, quantities
// and order numbers would turn into "phones".
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';

// A phone word starts a word ("Tel:", "mob.", "телефон"), so "Cartel" and "hotel" are not phone
// words, and neither is "Telegram".
const PHONE_CONTEXT =
  /(?<!\p{L})(?:tel(?!egram)|phone|call|mob|cell|whats ?app|signal|viber|sms|telefon|телефон|тел|τηλ|numri|broj|număr|numar|szám|gsm|kontakt|contact)/iu;
const CONTEXT_WINDOW = 32;

/** Where an international number may start: "+3…" or "003…" followed by enough digits. */
const INTERNATIONAL_HINT = /(?:\+|(?<![\d+])00)\s?[1-9](?:[\d\s().\-/]{6,22})/g;
const PHONE_CONTEXT_G = new RegExp(PHONE_CONTEXT.source, 'giu');
const SNIPPET = 48;
const NATIONAL_DIGITS = /\d(?:[\s().\-/]{0,3}\d){3}/;

/**
 * E.164 numbers found in `text`. `regions` are ISO codes to try for national-format numbers.
 * libphonenumber is thorough but slow on long text, so it only reads short snippets around the
 * places a number can be: after "+"/"00", or after a phone word when reading national numbers.
 */
export function findPhoneNumbers(text: string, regions: readonly string[] = []): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (n: string): void => {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  };
  const hints = regions.map((r) => r.toUpperCase() as CountryCode);
  let count = 0;
  for (const m of text.matchAll(INTERNATIONAL_HINT)) {
    if (++count > 2000) break;
    const snippet = m[0].replace(/^00\s?/, '+');
    for (const f of findPhoneNumbersInText(snippet)) if (f.number.isValid()) push(f.number.number);
  }
  if (hints.length === 0) return out;
  count = 0;
  for (const m of text.matchAll(PHONE_CONTEXT_G)) {
    if (++count > 2000) break;
    const start = m.index + m[0].length;
    const snippet = text.slice(start, start + SNIPPET);
    if (/^[^\d]*\+/.test(snippet)) continue; // international: done above
    // A number starting within CONTEXT_WINDOW begins with a run of at least four digits (separators
    // allowed: "069 212", "(0)69"); without one libphonenumber, costly once per region, finds nothing.
    if (!NATIONAL_DIGITS.test(snippet.slice(0, CONTEXT_WINDOW + 16))) continue;
    for (const region of hints) {
      let found;
      try {
        found = findPhoneNumbersInText(snippet, { defaultCountry: region });
      } catch {
        continue; // unknown region code: no hint
      }
      // The number must follow the phone word closely ("tel: 069…", not a number a sentence later).
      for (const f of found) if (f.startsAt <= CONTEXT_WINDOW && f.number.isValid()) push(f.number.number);
    }
  }
  return out;
}
