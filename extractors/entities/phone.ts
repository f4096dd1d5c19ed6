// Phone numbers via libphonenumber-js. International numbers (+ or 00) are taken when valid; national
// numbers only with a region hint and a phone word just before them — otherwise prices, quantities
// and order numbers would turn into "phones".
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';

const PHONE_CONTEXT =
  /(?:tel|phone|call|mob|cell|whats ?app|signal|viber|sms|telefon|телефон|тел|τηλ|numri|broj|număr|numar|szám|gsm|kontakt|contact)/i;
const CONTEXT_WINDOW = 32;
/** Text size we hand to libphonenumber in one piece (it is linear, but keep its working set small). */
const CHUNK = 64 * 1024;

/** E.164 numbers found in `text`. `regions` are ISO codes to try for national-format numbers. */
export function findPhoneNumbers(text: string, regions: readonly string[] = []): string[] {
  const out: string[] = [];
  const hints = regions.map((r) => r.toUpperCase() as CountryCode);
  for (let off = 0; off < text.length; off += CHUNK) {
    const part = text.slice(off, off + CHUNK + 64);
    const seen = new Set<number>();
    const international = part.replace(/(?<![\d+])00(?=\s?[1-9]\d)/g, '+');
    for (const f of findPhoneNumbersInText(international)) {
      if (!f.number.isValid()) continue;
      out.push(f.number.number);
      seen.add(f.startsAt);
    }
    for (const region of hints) {
      let found;
      try {
        found = findPhoneNumbersInText(part, { defaultCountry: region });
      } catch {
        continue; // unknown region code: no hint
      }
      for (const f of found) {
        if (seen.has(f.startsAt) || !f.number.isValid()) continue;
        if (!PHONE_CONTEXT.test(part.slice(Math.max(0, f.startsAt - CONTEXT_WINDOW), f.startsAt))) continue;
        out.push(f.number.number);
      }
    }
  }
  return out;
}
