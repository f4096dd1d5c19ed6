// Validated entity extraction (SPEC §3): a regex hit is only a candidate; an entity is what passes
// its format's checksum or, for handles without one, its context rules.
import type { EntityType, ExtractedEntity } from '../../../../core/types.js';
import { findBitcoinAddresses } from './bitcoin.js';
import { findEthereumAddresses } from './ethereum.js';
import { findAddresses, findSessionIds, findTelegramHandles, findWickrHandles } from './messaging.js';
import { findMoneroAddresses } from './monero.js';
import { findOnions } from './onion.js';
import { findFingerprintMentions, findPgpFingerprints } from './pgp.js';
import { findPhoneNumbers } from './phone.js';

export interface EntityOptions {
  /** ISO 3166 codes used to read national-format phone numbers. */
  regions?: readonly string[];
  /** Longest text scanned, in UTF-16 units (default 4 M). */
  maxChars?: number;
}

const DEFAULT_MAX_CHARS = 4 * 1024 * 1024;
const INVISIBLE = /[\p{Cf}\u034f\u180e\u3164\ufe00-\ufe0f]/gu;

/**
 * Undo the cheap tricks that hide contacts from scrapers: zero-width characters inside addresses,
 * full-width digits, "name [at] host [dot] com".
 */
export function deobfuscateContacts(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/\s*[[({]\s*(?:at|@)\s*[\])}]\s*/gi, '@')
    .replace(/\s*[[({]\s*(?:dot|\.)\s*[\])}]\s*/gi, '.');
}

/** Everything except PGP keys, which need the (asynchronous) OpenPGP parser. */
export function extractEntitiesSync(text: string, opts: EntityOptions = {}): ExtractedEntity[] {
  const clean = deobfuscateContacts(text.slice(0, opts.maxChars ?? DEFAULT_MAX_CHARS));
  const found: ExtractedEntity[] = [];
  const add = (type: EntityType, values: Iterable<string>): void => {
    for (const value of values) found.push({ type, value });
  };
  add('btc', findBitcoinAddresses(clean));
  add('xmr', findMoneroAddresses(clean));
  add('eth', findEthereumAddresses(clean));
  add('onion', findOnions(clean));
  add('pgp', findFingerprintMentions(clean));
  for (const a of findAddresses(clean)) found.push(a);
  add('telegram', findTelegramHandles(clean));
  add('session', findSessionIds(clean));
  add('wickr', findWickrHandles(clean));
  add('phone', findPhoneNumbers(clean, opts.regions ?? []));
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
