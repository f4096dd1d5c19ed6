// Ethereum addresses. Mixed-case addresses carry an EIP-55 checksum that must hold; all-lower or
// all-upper ones carry none and are accepted as written. The value is always the EIP-55 form.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { memoized } from './memo.js';
import { alnumRuns, asciiSet, stretchEnd, type Span } from './scan.js';

// A candidate, /(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/g, is a whole run of letters and
// digits (scan.ts): 42 long, "0x" and 40 hex digits.
const HEX = asciiSet('0123456789abcdefABCDEF');

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

export function findEthereumAddresses(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const r of runs)
    if (
      r.end - r.start === 42 &&
      text.charCodeAt(r.start) === 48 && // 0
      text.charCodeAt(r.start + 1) === 120 && // x
      stretchEnd(text, r.start + 2, r.end, HEX) === r.end
    ) {
      const v = ethereumMemo(text.slice(r.start, r.end));
      if (v) out.push(v);
    }
  return out;
}
