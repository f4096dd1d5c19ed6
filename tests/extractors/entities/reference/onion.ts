// Onion v3 addresses (rend-spec-v3): base32(pubkey[32] | checksum[2] | version[1]) with
// checksum = SHA3-256(".onion checksum" | pubkey | version)[:2] and version 3.
import { sha3_256 } from '@noble/hashes/sha3.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const CANDIDATE = /(?<![a-z2-7])[a-z2-7]{56}\.onion(?![a-z0-9-])/gi;
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

export function findOnions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const v = validateOnion(m[0]);
    if (v) out.push(v);
  }
  return out;
}
