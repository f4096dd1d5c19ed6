// Ethereum addresses. Mixed-case addresses carry an EIP-55 checksum that must hold; all-lower or
// all-upper ones carry none and are accepted as written. The value is always the EIP-55 form.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { memoized } from './memo.js';
import { alnumRuns, matchesInSpans, type Span } from './scan.js';

const CANDIDATE = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/g;

export function toChecksumAddress(address: string): string {
  const hex = address.slice(2).toLowerCase();
  const hash = keccak_256(new TextEncoder().encode(hex));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? hex[i]!.toUpperCase() : hex[i]!;
  }
  return out;
}

export function validateEthereumAddress(candidate: string): string | null {
  if (!/^0x[0-9a-fA-F]{40}$/.test(candidate)) return null;
  const body = candidate.slice(2);
  const checksummed = toChecksumAddress(candidate);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && checksummed !== candidate) return null;
  if (/^0x0{40}$/i.test(candidate)) return null; // the zero address is a placeholder, never a wallet
  return checksummed;
}

const ethereumMemo = memoized(validateEthereumAddress);

/** A candidate is a whole run of letters and digits, exactly 42 long (see scan.ts). */
export function findEthereumAddresses(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const m of matchesInSpans(text, runs, CANDIDATE, { minLength: 42, maxLength: 42 })) {
    const v = ethereumMemo(m[0]);
    if (v) out.push(v);
  }
  return out;
}
