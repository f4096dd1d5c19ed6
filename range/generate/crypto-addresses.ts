// Valid cryptocurrency addresses for planted vendors: Bitcoin P2PKH (base58check) and P2WPKH
// (bech32), Monero standard addresses (Monero's block-wise base58 with a Keccak-256 checksum).
// The key material is random-looking bytes from the seeded generator, so nobody owns them —
// but every checksum is right, so extractors that validate addresses accept them.
import { bech32 } from 'bech32';
import bs58check from 'bs58check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ed25519PublicKey } from '../onion.js';
import type { Rng } from '../prng.js';

export function btcP2pkh(hash160: Uint8Array): string {
  return bs58check.encode(Buffer.concat([Buffer.from([0x00]), hash160]));
}

export function btcBech32(hash160: Uint8Array): string {
  return bech32.encode('bc', [0, ...bech32.toWords(hash160)]);
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Encoded length of a Monero base58 block of n bytes (index n). */
const XMR_BLOCK_CHARS = [0, 2, 3, 5, 6, 7, 9, 10, 11];

function xmrEncodeBlock(block: Uint8Array): string {
  let n = 0n;
  for (const b of block) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  return out.padStart(XMR_BLOCK_CHARS[block.length]!, '1');
}

export function moneroBase58(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 8) out += xmrEncodeBlock(data.subarray(i, i + 8));
  return out;
}

function xmrDecodeBlock(text: string, size: number): Uint8Array | null {
  let n = 0n;
  for (const ch of text) {
    const v = B58.indexOf(ch);
    if (v < 0) return null;
    n = n * 58n + BigInt(v);
  }
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return n === 0n ? out : null;
}

export function moneroBase58Decode(text: string): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 11) {
    const chunk = text.slice(i, i + 11);
    const size = XMR_BLOCK_CHARS.indexOf(chunk.length);
    if (size < 0) return null;
    const block = xmrDecodeBlock(chunk, size);
    if (!block) return null;
    out.push(...block);
  }
  return Uint8Array.from(out);
}

/** Standard mainnet address (prefix 18): 95 characters starting with 4. */
export function moneroAddress(spendSeed: Uint8Array, viewSeed: Uint8Array): string {
  const data = Buffer.concat([Buffer.from([0x12]), ed25519PublicKey(spendSeed), ed25519PublicKey(viewSeed)]);
  const checksum = keccak_256(data).subarray(0, 4);
  return moneroBase58(Buffer.concat([data, checksum]));
}

export function isValidMoneroAddress(address: string): boolean {
  if (!/^[48][1-9A-HJ-NP-Za-km-z]{94}$/.test(address)) return false;
  const data = moneroBase58Decode(address);
  if (!data || data.length !== 69) return false;
  const check = keccak_256(data.subarray(0, 65)).subarray(0, 4);
  return Buffer.from(check).equals(Buffer.from(data.subarray(65)));
}

export function isValidBtcAddress(address: string): boolean {
  try {
    if (/^bc1/i.test(address)) {
      const dec = bech32.decode(address.toLowerCase());
      return dec.prefix === 'bc' && dec.words[0] === 0 && bech32.fromWords(dec.words.slice(1)).length === 20;
    }
    const payload = bs58check.decode(address);
    return payload.length === 21 && (payload[0] === 0x00 || payload[0] === 0x05);
  } catch {
    return false;
  }
}

export function randomBtcAddress(rng: Rng, kind: 'p2pkh' | 'bech32'): string {
  const h = rng.bytes(20);
  return kind === 'p2pkh' ? btcP2pkh(h) : btcBech32(h);
}

export function randomMoneroAddress(rng: Rng): string {
  return moneroAddress(rng.bytes(32), rng.bytes(32));
}
