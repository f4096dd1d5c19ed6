// Monero mainnet addresses: standard (prefix 18, "4…", 95 chars), subaddress (42, "8…", 95 chars) and
// integrated (19, "4…", 106 chars). Monero's base58 encodes 8-byte blocks into 11 characters (unlike
// Bitcoin's whole-number base58, so bs58 cannot decode it); the last 4 bytes are the first 4 of
// keccak-256 over the rest.
import { keccak_256 } from '@noble/hashes/sha3.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i] as const));
/** Encoded length of a block of n bytes, n = 0..8. */
const ENCODED_BLOCK = [0, 2, 3, 5, 6, 7, 9, 10, 11];
const FULL_BLOCK = 8;
const FULL_ENCODED = 11;

const PREFIX_STANDARD = 18;
const PREFIX_INTEGRATED = 19;
const PREFIX_SUBADDRESS = 42;

const CANDIDATE =
  /(?<![1-9A-HJ-NP-Za-km-z])[48][1-9A-HJ-NP-Za-km-z]{94}(?:[1-9A-HJ-NP-Za-km-z]{11})?(?![1-9A-HJ-NP-Za-km-z])/g;

export function moneroBase58Encode(data: Uint8Array): string {
  let out = '';
  for (let off = 0; off < data.length; off += FULL_BLOCK) {
    const block = data.subarray(off, Math.min(off + FULL_BLOCK, data.length));
    let num = 0n;
    for (const b of block) num = (num << 8n) | BigInt(b);
    const size = ENCODED_BLOCK[block.length]!;
    const chars: string[] = new Array<string>(size).fill(ALPHABET[0]!);
    for (let i = size - 1; i >= 0 && num > 0n; i--) {
      chars[i] = ALPHABET[Number(num % 58n)]!;
      num /= 58n;
    }
    out += chars.join('');
  }
  return out;
}

export function moneroBase58Decode(text: string): Uint8Array | null {
  const fullBlocks = Math.floor(text.length / FULL_ENCODED);
  const rest = text.length % FULL_ENCODED;
  const restBytes = ENCODED_BLOCK.indexOf(rest);
  if (restBytes < 0) return null;
  const out = new Uint8Array(fullBlocks * FULL_BLOCK + restBytes);
  let pos = 0;
  for (let off = 0; off < text.length; off += FULL_ENCODED) {
    const chunk = text.slice(off, off + FULL_ENCODED);
    const bytes = chunk.length === FULL_ENCODED ? FULL_BLOCK : restBytes;
    let num = 0n;
    for (const c of chunk) {
      const d = INDEX.get(c);
      if (d === undefined) return null;
      num = num * 58n + BigInt(d);
    }
    if (num >> BigInt(bytes * 8) !== 0n) return null; // overflow: not a canonical block
    for (let i = bytes - 1; i >= 0; i--) {
      out[pos + i] = Number(num & 0xffn);
      num >>= 8n;
    }
    pos += bytes;
  }
  return out;
}

export function moneroChecksum(body: Uint8Array): Uint8Array {
  return keccak_256(body).subarray(0, 4);
}

/** The address if it decodes with a valid checksum and a mainnet prefix of the right length, else null. */
export function validateMoneroAddress(candidate: string): string | null {
  if (candidate.length !== 95 && candidate.length !== 106) return null;
  const data = moneroBase58Decode(candidate);
  if (!data || data.length < 5) return null;
  const prefix = data[0]!;
  const expectedLength =
    prefix === PREFIX_STANDARD || prefix === PREFIX_SUBADDRESS ? 69 : prefix === PREFIX_INTEGRATED ? 77 : -1;
  if (data.length !== expectedLength) return null;
  const body = data.subarray(0, data.length - 4);
  const sum = moneroChecksum(body);
  for (let i = 0; i < 4; i++) if (sum[i] !== data[data.length - 4 + i]) return null;
  return candidate;
}

export function findMoneroAddresses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const v = validateMoneroAddress(m[0]);
    if (v) out.push(v);
  }
  return out;
}
