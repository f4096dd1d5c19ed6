// PGP public key blocks, parsed by OpenPGP.js; the entity value is the key's upper-case fingerprint.
// Pages mangle armour (HTML re-flows lines, <br> become spaces, headers get lost), so each block is
// re-armoured from its base64 body before parsing. A block that does not parse is no key.
import { readKey } from 'openpgp';
import { matchesAtStarts } from './scan.js';
import { surveyText, type Survey } from './survey.js';

const BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const END = '-----END PGP PUBLIC KEY BLOCK-----';
/** Keys are a few KB; anything bigger is not a key we want to spend a parser on. */
const MAX_BLOCK_CHARS = 256 * 1024;
const MAX_BLOCKS = 32;

/** The armoured blocks in `text` (bounded in number and size; linear scan). */
export function findArmouredBlocks(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < MAX_BLOCKS) {
    const start = text.indexOf(BEGIN, from);
    if (start < 0) break;
    const end = text.indexOf(END, start + BEGIN.length);
    if (end < 0) break;
    const next = text.indexOf(BEGIN, start + BEGIN.length);
    if (next >= 0 && next < end) {
      from = next; // a BEGIN without its END: skip to the next one
      continue;
    }
    if (end - start <= MAX_BLOCK_CHARS) out.push(text.slice(start, end + END.length));
    from = end + END.length;
  }
  return out;
}

/** Rebuild canonical armour from a possibly re-flowed block. */
export function reArmour(block: string): string | null {
  const start = block.indexOf(BEGIN);
  const end = block.indexOf(END, start + 1);
  if (start < 0 || end < 0) return null;
  let body = block.slice(start + BEGIN.length, end);
  // Drop armour headers ("Version: …", "Comment: …"), wherever line breaks went.
  body = body.replace(/(?:^|\s)(?:Version|Comment|Hash|Charset|MessageID):[^\n]*?(?=\n|\s{2,}|$)/gi, ' ');
  const tokens = body.split(/\s+/).filter(Boolean);
  let checksum = '';
  if (tokens.length > 0 && /^=[A-Za-z0-9+/]{4}$/.test(tokens[tokens.length - 1]!)) checksum = tokens.pop()!;
  const b64 = tokens.join('');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length < 40) return null;
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `${BEGIN}\n\n${lines.join('\n')}\n${checksum ? `${checksum}\n` : ''}${END}\n`;
}

/** Upper-case fingerprint of the key in an armoured block, or null when it is not a public key. */
// The same vendor keys appear on page after page; parse and verify each once per process.
const cache = new Map<string, string | null>();
const CACHE_MAX = 5000;

export async function fingerprintOf(block: string): Promise<string | null> {
  const armoured = reArmour(block);
  if (!armoured) return null;
  const hit = cache.get(armoured);
  if (hit !== undefined) return hit;
  const fp = await parseFingerprint(armoured);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(armoured, fp);
  return fp;
}

async function parseFingerprint(armoured: string): Promise<string | null> {
  try {
    const key = await readKey({ armoredKey: armoured });
    // A block that parses is not yet a key: its self-signatures must verify, or a corrupted copy (or
    // a decoy) would yield a fingerprint nobody holds. Checked as of shortly after creation, so that
    // keys which have since expired or been revoked still count — they still link vendors.
    const soonAfterCreation = new Date(key.getCreationTime().getTime() + 24 * 3600 * 1000);
    await key.verifyPrimaryKey(soonAfterCreation).catch(() => key.verifyPrimaryKey());
    return key.getFingerprint().toUpperCase();
  } catch {
    return null;
  }
}

export async function findPgpFingerprints(text: string): Promise<string[]> {
  const out: string[] = [];
  for (const block of findArmouredBlocks(text)) {
    const fp = await fingerprintOf(block);
    if (fp) out.push(fp);
  }
  return out;
}

// A fingerprint written out (40 hex digits, often in groups of four) next to words that say what it
// is. There is no checksum to verify, so the context is required, as for handles.
const FINGERPRINT_MENTION =
  /(?:fingerprint|pgp|gpg|openpgp|key|ključ|kljuc|ключ|κλειδί|çelës|celes|kulcs|anahtar|cheie)[\s\S]{0,40}?(?<![0-9A-Fa-fxX])((?:[0-9A-Fa-f]{4}[ \u00a0]?){9}[0-9A-Fa-f]{4})(?![0-9A-Fa-f])/giu;

const FINGERPRINT_MENTION_AT = new RegExp(FINGERPRINT_MENTION.source, 'iuy');
/**
 * Where a mention can start: a prefix of each key word, case-insensitive without the "u" flag
 * (whose case folding also matches K, the Kelvin sign, for k — hence it is spelled out, as is ϰ
 * next to κ). Far cheaper to scan for than FINGERPRINT_MENTION, which is then only tried at these
 * positions (scan.ts matchesAtStarts; they may overlap: "gpg" inside "pgpg").
 */
const MENTION_STARTS =
  /fingerprint|pgp|gpg|openpgp|[k\u212a]ey|[k\u212a]lju|ключ|[κ\u03f0]λε|çel|cel|[k\u212a]ul|anahtar|cheie/gi;

/**
 * Upper-case fingerprints written as text after "fingerprint", "PGP", "key"… Only the survey's
 * windows are read: a mention starts at most 51 characters (key word and gap) before 40 hex digits.
 */
export function findFingerprintMentions(text: string, survey: Survey = surveyText(text)): string[] {
  const out: string[] = [];
  if (survey.mentionWindows.length === 0) return out;
  for (const m of matchesAtStarts(
    text,
    FINGERPRINT_MENTION_AT,
    MENTION_STARTS,
    Infinity,
    survey.mentionWindows,
  ))
    out.push(m[1]!.replace(/[ \u00a0]/g, '').toUpperCase());
  return out;
}
