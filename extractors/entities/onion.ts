// Onion v3 addresses (rend-spec-v3): base32(pubkey[32] | checksum[2] | version[1]) with
// checksum = SHA3-256(".onion checksum" | pubkey | version)[:2] and version 3.
import { sha3_256 } from '@noble/hashes/sha3.js';
import { memoized } from './memo.js';
import { alnumRuns, asciiSet, stretchEnd, type Span } from './scan.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// A candidate, /(?<![a-z2-7])[a-z2-7]{56}\.onion(?![a-z0-9-])/gi (the "i" without "u" admits ASCII
// letters only), is a maximal stretch of base32 characters, 56 long, followed by ".onion" and then
// not by [A-Za-z0-9-]. The stretch ends a run of letters and digits (a "." follows it).
const BASE32_ANY_CASE = asciiSet('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
const LABEL = 56;
const PREFIX = new TextEncoder().encode('.onion checksum');
const VERSION = 3;

function base32Decode(s: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((s.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let pos = 0;
  for (const c of s) {
    const v = BASE32.indexOf(c);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[pos++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function onionChecksum(pubkey: Uint8Array, version = VERSION): Uint8Array {
  const buf = new Uint8Array(PREFIX.length + 33);
  buf.set(PREFIX, 0);
  buf.set(pubkey, PREFIX.length);
  buf[PREFIX.length + 32] = version;
  return sha3_256(buf).subarray(0, 2);
}

/** The v3 onion address for a 32-byte ed25519 public key. */
export function onionFromPublicKey(pubkey: Uint8Array): string {
  const bytes = new Uint8Array(35);
  bytes.set(pubkey, 0);
  bytes.set(onionChecksum(pubkey), 32);
  bytes[34] = VERSION;
  return `${base32Encode(bytes)}.onion`;
}

/** Lower-case `<56 chars>.onion` when checksum and version hold, else null. */
export function validateOnion(candidate: string): string | null {
  const lower = candidate.toLowerCase();
  const label = lower.replace(/\.onion$/, '');
  if (!/^[a-z2-7]{56}$/.test(label)) return null;
  const bytes = base32Decode(label);
  if (!bytes || bytes.length !== 35) return null;
  if (bytes[34] !== VERSION) return null;
  const sum = onionChecksum(bytes.subarray(0, 32), VERSION);
  if (sum[0] !== bytes[32] || sum[1] !== bytes[33]) return null;
  return `${label}.onion`;
}

const onionMemo = memoized(validateOnion);

const ALNUM_ANY = asciiSet('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');

/** ".onion" (ASCII, any case) at `i`, not followed by [A-Za-z0-9-]. */
function onionSuffixAt(text: string, i: number): boolean {
  if (text.charCodeAt(i) !== 46) return false; // .
  for (let k = 0; k < 5; k++) if ((text.charCodeAt(i + 1 + k) | 0x20) !== 'onion'.charCodeAt(k)) return false;
  const after = text.charCodeAt(i + 6);
  return !(after === 45 || ALNUM_ANY[after] === 1);
}

export function findOnions(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const start = r.end - LABEL;
    if (start < r.start || !onionSuffixAt(text, r.end)) continue;
    // The label's 56 characters are base32 and the one before it (if in the run) is not.
    if (stretchEnd(text, start, r.end, BASE32_ANY_CASE) !== r.end) continue;
    if (start > r.start && BASE32_ANY_CASE[text.charCodeAt(start - 1)] === 1) continue;
    const v = onionMemo(text.slice(start, r.end + 6));
    if (v) out.push(v);
  }
  return out;
}
