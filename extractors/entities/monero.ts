// Monero mainnet addresses: standard (prefix 18, "4…", 95 chars), subaddress (42, "8…", 95 chars) and
// integrated (19, "4…", 106 chars). Monero's base58 encodes 8-byte blocks into 11 characters (unlike
// Bitcoin's whole-number base58, so bs58 cannot decode it); the last 4 bytes are the first 4 of
// keccak-256 over the rest.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { memoized } from './memo.js';
import { BASE58 } from './bitcoin.js';
import { alnumRuns, stretchEnd, type Span } from './scan.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Encoded length of a block of n bytes, n = 0..8. */
const ENCODED_BLOCK = [0, 2, 3, 5, 6, 7, 9, 10, 11];
const FULL_BLOCK = 8;
const FULL_ENCODED = 11;

const PREFIX_STANDARD = 18;
const PREFIX_INTEGRATED = 19;
const PREFIX_SUBADDRESS = 42;

// A candidate, /(?<![B])[48][B]{94}(?:[B]{11})?(?![B])/g with B the base58 alphabet, is bounded by
// non-base58 characters: a whole maximal stretch of base58 characters, 95 or 106 long, starting
// with 4 or 8 (a stretch of 96 to 105 or over 106 fails the lookahead at every length tried).

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

/** Alphabet index of each ASCII code, -1 for none. */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
const TWO_32 = 2 ** 32;

export function moneroBase58Decode(text: string): Uint8Array | null {
  const fullBlocks = Math.floor(text.length / FULL_ENCODED);
  const rest = text.length % FULL_ENCODED;
  const restBytes = ENCODED_BLOCK.indexOf(rest);
  if (restBytes < 0) return null;
  const out = new Uint8Array(fullBlocks * FULL_BLOCK + restBytes);
  let pos = 0;
  for (let off = 0; off < text.length; off += FULL_ENCODED) {
    const end = Math.min(off + FULL_ENCODED, text.length);
    const bytes = end - off === FULL_ENCODED ? FULL_BLOCK : restBytes;
    // A block's value is below 58^11 < 2^65: kept as hi · 2^32 + lo, both exact in doubles (BigInt
    // arithmetic was most of the cost of a decode).
    let hi = 0;
    let lo = 0;
    for (let i = off; i < end; i++) {
      const c = text.charCodeAt(i);
      const d = c < 128 ? DIGIT[c]! : -1;
      if (d < 0) return null;
      lo = lo * 58 + d;
      const carry = Math.floor(lo / TWO_32);
      lo -= carry * TWO_32;
      hi = hi * 58 + carry;
    }
    const bits = bytes * 8;
    // overflow: not a canonical block
    if (bits >= 32 ? hi >= 2 ** (bits - 32) : hi !== 0 || lo >= 2 ** bits) return null;
    for (let k = 0; k < bytes; k++) {
      // k-th byte from the least significant end
      const byte = k < 4 ? Math.floor(lo / 2 ** (8 * k)) : Math.floor(hi / 2 ** (8 * (k - 4)));
      out[pos + bytes - 1 - k] = byte & 0xff;
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

const moneroMemo = memoized(validateMoneroAddress);

/** Candidates lie in runs of letters and digits at least 95 long (see scan.ts). */
export function findMoneroAddresses(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const r of runs) {
    if (r.end - r.start < 95) continue;
    for (let i = r.start; i < r.end;) {
      const end = stretchEnd(text, i, r.end, BASE58);
      const c = text.charCodeAt(i);
      if ((end - i === 95 || end - i === 106) && (c === 52 || c === 56)) {
        const v = moneroMemo(text.slice(i, end));
        if (v) out.push(v);
      }
      i = end + 1; // past the stretch and the non-base58 character ending it
    }
  }
  return out;
}
