// Test vectors built with the reference libraries: valid ones are encoded from random payloads,
// decoys are the same strings with one character changed (or a valid checksum over a wrong version).
import bs58check from 'bs58check';
import { bech32, bech32m } from 'bech32';
import { randomBytes } from 'node:crypto';
import { moneroBase58Encode, moneroChecksum } from '../../../extractors/entities/monero.js';
import { onionChecksum, base32Encode, onionFromPublicKey } from '../../../extractors/entities/onion.js';

export function bytes(n: number, seed: number): Uint8Array {
  // Deterministic "random" bytes so failures reproduce.
  const out = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Change one character to another of the same alphabet (so the candidate regex still matches). */
export function flip(s: string, at: number, alphabet: string): string {
  const i = at < 0 ? s.length + at : at;
  const c = s[i]!;
  const repl = alphabet[(alphabet.indexOf(c) + 7) % alphabet.length]!;
  return s.slice(0, i) + repl + s.slice(i + 1);
}

export const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
export const HEX_LOWER = '0123456789abcdef';
export const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function p2pkh(seed: number): string {
  return bs58check.encode(Uint8Array.from([0x00, ...bytes(20, seed)]));
}
export function p2sh(seed: number): string {
  return bs58check.encode(Uint8Array.from([0x05, ...bytes(20, seed)]));
}
export function testnetP2pkh(seed: number): string {
  return bs58check.encode(Uint8Array.from([0x6f, ...bytes(20, seed)]));
}
export function segwitV0(seed: number, len = 20): string {
  return bech32.encode('bc', [0, ...bech32.toWords(bytes(len, seed))]);
}
export function taproot(seed: number): string {
  return bech32m.encode('bc', [1, ...bech32m.toWords(bytes(32, seed))]);
}
export function v0WithBech32m(seed: number): string {
  return bech32m.encode('bc', [0, ...bech32m.toWords(bytes(20, seed))]);
}
export function v1WithBech32(seed: number): string {
  return bech32.encode('bc', [1, ...bech32.toWords(bytes(32, seed))]);
}
export function testnetSegwit(seed: number): string {
  return bech32.encode('tb', [0, ...bech32.toWords(bytes(20, seed))]);
}

export function monero(prefix: number, seed: number, paymentId = false): string {
  const body = Uint8Array.from([prefix, ...bytes(64, seed), ...(paymentId ? bytes(8, seed + 1) : [])]);
  return moneroBase58Encode(Uint8Array.from([...body, ...moneroChecksum(body)]));
}

export function onion(seed: number): string {
  return onionFromPublicKey(bytes(32, seed));
}
export function onionWrongVersion(seed: number): string {
  const pub = bytes(32, seed);
  return `${base32Encode(Uint8Array.from([...pub, ...onionChecksum(pub, 2), 2]))}.onion`;
}

export function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}
