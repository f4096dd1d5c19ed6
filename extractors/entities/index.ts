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
import { alnumRuns } from './scan.js';

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
const AT_WORD = /\s*[[({]\s*(?:at|@)\s*[\])}]\s*/gi;
const DOT_WORD = /\s*[[({]\s*(?:dot|\.)\s*[\])}]\s*/gi;
/**
 * AT_WORD or DOT_WORD occurs (their \s* ends can match nothing). Replacing an AT_WORD puts an "@"
 * between what was around it, which cannot complete a DOT_WORD, so without a hit here neither
 * replace changes anything — and one pass that starts at a bracket is far cheaper than two passes
 * that start at every space.
 */
const MAYBE_OBFUSCATED = /[[({]\s*(?:at|@|dot|\.)\s*[\])}]/i;

/**
 * Undo the cheap tricks that hide contacts from scrapers: zero-width characters inside addresses,
 * full-width digits, "name [at] host [dot] com".
 */
export function deobfuscateContacts(text: string): string {
  let out = text.normalize('NFKC');
  if (MAYBE_INVISIBLE.test(out)) out = out.replace(INVISIBLE, '');
  if (MAYBE_OBFUSCATED.test(out)) out = out.replace(AT_WORD, '@').replace(DOT_WORD, '.');
  return out;
}

function add(found: ExtractedEntity[], type: EntityType, values: readonly string[]): void {
  for (const value of values) found.push({ type, value });
}

/** Everything except PGP keys, which need the (asynchronous) OpenPGP parser. */
export function extractEntitiesSync(text: string, opts: EntityOptions = {}): ExtractedEntity[] {
  const clean = deobfuscateContacts(text.slice(0, opts.maxChars ?? DEFAULT_MAX_CHARS));
  const found: ExtractedEntity[] = [];
  // One pass finds the long letter-and-digit runs every address family's candidates live in.
  const runs = alnumRuns(clean);
  add(found, 'btc', findBitcoinAddresses(clean, runs));
  add(found, 'xmr', findMoneroAddresses(clean, runs));
  add(found, 'eth', findEthereumAddresses(clean, runs));
  add(found, 'onion', findOnions(clean, runs));
  add(found, 'pgp', findFingerprintMentions(clean));
  for (const a of findAddresses(clean)) found.push(a);
  add(found, 'telegram', findTelegramHandles(clean));
  add(found, 'session', findSessionIds(clean, runs));
  add(found, 'wickr', findWickrHandles(clean));
  add(found, 'phone', findPhoneNumbers(clean, opts.regions ?? []));
  return dedupe(found);
}

/** All validated entities in `text`, each (type, value) once. */
export async function extractEntities(text: string, opts: EntityOptions = {}): Promise<ExtractedEntity[]> {
  const sync = extractEntitiesSync(text, opts);
  const pgp = await findPgpFingerprints(text.slice(0, opts.maxChars ?? DEFAULT_MAX_CHARS));
  return dedupe([...pgp.map((value) => ({ type: 'pgp' as const, value })), ...sync]);
}

export function dedupe(entities: ExtractedEntity[]): ExtractedEntity[] {
  const seen = new Set<string>();
  const out: ExtractedEntity[] = [];
  for (const e of entities) {
    const key = `${e.type}\u0000${e.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
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
