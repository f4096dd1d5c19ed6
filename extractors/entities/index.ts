// Validated entity extraction (SPEC §3): a regex hit is only a candidate; an entity is what passes
// its format's checksum or, for handles without one, its context rules.
import type { EntityType, ExtractedEntity } from '../../core/types.js';
import { findBitcoinAddresses } from './bitcoin.js';
import { findEthereumAddresses } from './ethereum.js';
import { findAddresses, findSessionIds, findTelegramHandles, findWickrHandles } from './messaging.js';
import { findMoneroAddresses } from './monero.js';
import { findOnions } from './onion.js';
import { findFingerprintMentions, findPgpFingerprints } from './pgp.js';
import { findPhoneNumbers } from './phone.js';
import { surveyText, type Survey } from './survey.js';

export interface EntityOptions {
  /** ISO 3166 codes used to read national-format phone numbers. */
  regions?: readonly string[];
  /** Longest text scanned, in UTF-16 units (default 4 M). */
  maxChars?: number;
}

const DEFAULT_MAX_CHARS = 4 * 1024 * 1024;
const INVISIBLE = /[\p{Cf}\u034f\u180e\u3164\ufe00-\ufe0f]/gu;
/** Every INVISIBLE character is U+00AD (the first format character) or above. */
const MAYBE_INVISIBLE = /[\u00ad-\uffff]/;
// "[at]" and "(dot)" with the spaces around them: /\s*[[({]\s*(?:at|@)\s*[\])}]\s*/gi → "@" and
// /\s*[[({]\s*(?:dot|\.)\s*[\])}]\s*/gi → ".", replaced as replaceSpaced() says.
const AT_WORD = /[[({]\s*(?:at|@)\s*[\])}]/gi;
const DOT_WORD = /[[({]\s*(?:dot|\.)\s*[\])}]/gi;
const SPACE = /\s/;
/**
 * AT_WORD or DOT_WORD occurs. Replacing an AT_WORD puts an "@" between what was around it, which
 * cannot complete a DOT_WORD, so without a hit here neither replace changes anything — and one
 * pass is cheaper than two.
 */
const MAYBE_OBFUSCATED = /[[({]\s*(?:at|@|dot|\.)\s*[\])}]/i;

/**
 * What text.replace(new RegExp(`\\s*${word.source}\\s*`, 'gi'), by) gives, without the regex engine
 * retrying the leading \s* at every space of a long run (quadratic on a page of blank lines): a
 * match is a `word` match plus the spaces before it (back to the previous match) and after it, so
 * those are walked out to from each `word` match.
 */
function replaceSpaced(text: string, word: RegExp, by: string): string {
  let out = '';
  let last = 0;
  word.lastIndex = 0;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    let start = m.index;
    while (start > last && SPACE.test(text[start - 1]!)) start--;
    let end = m.index + m[0].length;
    while (end < text.length && SPACE.test(text[end]!)) end++;
    out += text.slice(last, start) + by;
    last = word.lastIndex = end;
  }
  word.lastIndex = 0;
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Undo the cheap tricks that hide contacts from scrapers: zero-width characters inside addresses,
 * full-width digits, "name [at] host [dot] com".
 */
export function deobfuscateContacts(text: string, survey: Survey = surveyText(text)): string {
  // The survey says when NFKC would change nothing and no character is invisible (most pages,
  // those in Cyrillic, Greek or accented Latin included), and when no bracket occurs: those steps
  // are then skipped.
  let out = text;
  if (survey.unusual) {
    out = text.normalize('NFKC');
    if (MAYBE_INVISIBLE.test(out)) out = out.replace(INVISIBLE, '');
  }
  // NFKC folds full-width brackets into ASCII ones, so after it the survey's "no bracket" is stale.
  if ((survey.unusual || survey.bracket) && MAYBE_OBFUSCATED.test(out))
    out = replaceSpaced(replaceSpaced(out, AT_WORD, '@'), DOT_WORD, '.');
  return out;
}

function add(found: ExtractedEntity[], type: EntityType, values: readonly string[]): void {
  for (const value of values) found.push({ type, value });
}

/** Everything except PGP keys, which need the (asynchronous) OpenPGP parser. */
export function extractEntitiesSync(text: string, opts: EntityOptions = {}): ExtractedEntity[] {
  const raw = text.slice(0, opts.maxChars ?? DEFAULT_MAX_CHARS);
  // One pass over the text tells each family where its candidates can be (survey.ts); when
  // deobfuscating changed the text, the new text is surveyed again.
  let survey = surveyText(raw);
  const clean = deobfuscateContacts(raw, survey);
  if (clean !== raw) survey = surveyText(clean);
  const found: ExtractedEntity[] = [];
  add(found, 'btc', findBitcoinAddresses(clean, survey.runs));
  add(found, 'xmr', findMoneroAddresses(clean, survey.runs));
  add(found, 'eth', findEthereumAddresses(clean, survey.runs));
  add(found, 'onion', findOnions(clean, survey.runs));
  add(found, 'pgp', findFingerprintMentions(clean, survey));
  if (survey.at >= 0) for (const a of findAddresses(clean)) found.push(a);
  add(found, 'telegram', findTelegramHandles(clean, survey));
  add(found, 'session', findSessionIds(clean, survey.runs));
  add(found, 'wickr', findWickrHandles(clean, survey));
  add(found, 'phone', findPhoneNumbers(clean, opts.regions ?? []));
  return dedupe(found);
}

/** All validated entities in `text`, each (type, value) once. */
export async function extractEntities(text: string, opts: EntityOptions = {}): Promise<ExtractedEntity[]> {
  const sync = extractEntitiesSync(text, opts);
  const pgp = await findPgpFingerprints(text.slice(0, opts.maxChars ?? DEFAULT_MAX_CHARS));
  // `sync` is deduplicated already: without keys there is nothing to merge.
  if (pgp.length === 0) return sync;
  return dedupe([...pgp.map((value) => ({ type: 'pgp' as const, value })), ...sync]);
}

/** Above this many entities, dedupe uses a set; below, comparing each with those kept is cheaper. */
const DEDUPE_LINEAR_MAX = 32;

/** Each (type, value) once, first occurrence first. */
export function dedupe(entities: ExtractedEntity[]): ExtractedEntity[] {
  const out: ExtractedEntity[] = [];
  if (entities.length > DEDUPE_LINEAR_MAX) {
    const seen = new Set<string>();
    for (const e of entities) {
      const key = `${e.type}\u0000${e.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
    return out;
  }
  next: for (const e of entities) {
    for (const o of out) if (o.value === e.value && o.type === e.type) continue next;
    out.push(e);
  }
  return out;
}

export { validateBase58Address, validateSegwitAddress } from './bitcoin.js';
export { validateMoneroAddress } from './monero.js';
export { validateEthereumAddress, toChecksumAddress } from './ethereum.js';
export { validateOnion, onionFromPublicKey } from './onion.js';
export { fingerprintOf } from './pgp.js';
export { clearEntityMemos } from './memo.js';
