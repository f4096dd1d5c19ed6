// Bitcoin mainnet addresses, accepted only when their checksum holds: base58check (P2PKH "1…",
// P2SH "3…") and bech32/bech32m segwit ("bc1…", BIP 173/350 witness-version rules).
import bs58check from 'bs58check';
import { bech32, bech32m } from 'bech32';
import { memoized } from './memo.js';
import { alnumRuns, asciiSet, stretchEnd, type Span } from './scan.js';

// The candidates, as regexes (what the scans below find, without running them; see scan.ts):
//   base58: /(?<![1-9A-HJ-NP-Za-km-z])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![1-9A-HJ-NP-Za-km-z])/g
//   bech32: /(?<![0-9A-Za-z])(?:bc1[02-9ac-hj-np-z]{8,87}|BC1[02-9AC-HJ-NP-Z]{8,87})(?![0-9A-Za-z])/g
// A base58 match is bounded by non-base58 characters on both sides and holds only base58 ones: it
// is a whole maximal stretch of base58 characters, 26 to 35 long, starting with 1 or 3. A bech32
// match is bounded by non-alphanumerics: it is a whole run of letters and digits, 11 to 90 long,
// "bc1" and then only lower-case bech32 characters (or all that in upper case).
export const BASE58 = asciiSet('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz');
const BECH32_LOWER = asciiSet('023456789acdefghjklmnpqrstuvwxyz');
const BECH32_UPPER = asciiSet('023456789ACDEFGHJKLMNPQRSTUVWXYZ');

/** The run is one bech32 candidate. */
function isBech32Run(text: string, s: Span): boolean {
  if (s.end - s.start > 90 || text.charCodeAt(s.start + 2) !== 49) return false; // "1"
  const b = text.charCodeAt(s.start);
  const c = text.charCodeAt(s.start + 1);
  const set = b === 98 && c === 99 ? BECH32_LOWER : b === 66 && c === 67 ? BECH32_UPPER : null; // bc, BC
  return set !== null && stretchEnd(text, s.start + 3, s.end, set) === s.end;
}

const P2PKH_VERSION = 0x00;
const P2SH_VERSION = 0x05;

/** A base58check P2PKH/P2SH mainnet address, or null. */
export function validateBase58Address(candidate: string): string | null {
  const payload = bs58check.decodeUnsafe(candidate);
  if (!payload || payload.length !== 21) return null;
  if (payload[0] !== P2PKH_VERSION && payload[0] !== P2SH_VERSION) return null;
  return candidate;
}

/** A segwit mainnet address (lower-case), or null. v0 needs bech32 and a 20/32-byte program; v1+ bech32m. */
export function validateSegwitAddress(candidate: string): string | null {
  if (candidate !== candidate.toLowerCase() && candidate !== candidate.toUpperCase()) return null;
  const lower = candidate.toLowerCase();
  for (const [codec, isM] of [
    [bech32, false],
    [bech32m, true],
  ] as const) {
    const decoded = codec.decodeUnsafe(lower, 90);
    if (!decoded || decoded.prefix !== 'bc' || decoded.words.length < 1) continue;
    const version = decoded.words[0]!;
    if (version > 16) return null;
    const program = codec.fromWordsUnsafe(decoded.words.slice(1));
    if (!program || program.length < 2 || program.length > 40) return null;
    if (version === 0) {
      if (isM || (program.length !== 20 && program.length !== 32)) return null;
    } else if (!isM) {
      return null;
    }
    return lower;
  }
  return null;
}

const base58Memo = memoized(validateBase58Address);
const segwitMemo = memoized(validateSegwitAddress);

/** Base58 addresses in text order, then bech32 ones; candidates lie in runs of letters and digits. */
export function findBitcoinAddresses(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const r of runs) {
    if (r.end - r.start < 26) continue;
    for (let i = r.start; i < r.end;) {
      const end = stretchEnd(text, i, r.end, BASE58);
      const c = text.charCodeAt(i);
      if (end - i >= 26 && end - i <= 35 && (c === 49 || c === 51)) {
        const v = base58Memo(text.slice(i, end));
        if (v) out.push(v);
      }
      i = end + 1; // past the stretch and the non-base58 character ending it
    }
  }
  for (const r of runs)
    if (isBech32Run(text, r)) {
      const v = segwitMemo(text.slice(r.start, r.end));
      if (v) out.push(v);
    }
  return out;
}
