// Bitcoin mainnet addresses, accepted only when their checksum holds: base58check (P2PKH "1…",
// P2SH "3…") and bech32/bech32m segwit ("bc1…", BIP 173/350 witness-version rules).
import bs58check from 'bs58check';
import { bech32, bech32m } from 'bech32';
import { memoized } from './memo.js';
import { alnumRuns, matchesInSpans, type Span } from './scan.js';

const BASE58_CANDIDATE = /(?<![1-9A-HJ-NP-Za-km-z])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![1-9A-HJ-NP-Za-km-z])/g;
const BECH32_CANDIDATE =
  /(?<![0-9A-Za-z])(?:bc1[02-9ac-hj-np-z]{8,87}|BC1[02-9AC-HJ-NP-Z]{8,87})(?![0-9A-Za-z])/g;

/** A bech32 candidate is a whole run (its lookarounds are [0-9A-Za-z]), so the run starts with bc1/BC1. */
function startsBech32(text: string, s: Span): boolean {
  const p = text.slice(s.start, s.start + 3);
  return p === 'bc1' || p === 'BC1';
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

/** Both candidate regexes match whole runs of letters and digits (see scan.ts), so only long runs are read. */
export function findBitcoinAddresses(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const m of matchesInSpans(text, runs, BASE58_CANDIDATE, { minLength: 26 })) {
    const v = base58Memo(m[0]);
    if (v) out.push(v);
  }
  for (const m of matchesInSpans(text, runs, BECH32_CANDIDATE, { maxLength: 90, accept: startsBech32 })) {
    const v = segwitMemo(m[0]);
    if (v) out.push(v);
  }
  return out;
}
