// Onion service v3 addresses (rend-spec-v3 §6): base32(pubkey || checksum || version), where
// checksum = SHA3-256(".onion checksum" || pubkey || version)[:2] and version = 0x03.
// The range derives every site's ed25519 key from (seed, site name), so the same seed always
// yields the same addresses — and they are real, valid v3 addresses a Tor client would accept.
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { sha3_256 } from '@noble/hashes/sha3.js';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ONION_VERSION = 0x03;
const CHECKSUM_PREFIX = Buffer.from('.onion checksum', 'ascii');
/** PKCS#8 DER header for an ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const JWK_PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');

export interface SiteKey {
  /** 32-byte ed25519 private seed (RFC 8032 "secret key"). */
  secretSeed: Buffer;
  /** 32-byte ed25519 public key. */
  publicKey: Buffer;
  /** `<56 base32 chars>.onion`, lower case. */
  onion: string;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes unpadded lower-case RFC 4648 base32; null on any character outside the alphabet. */
export function base32Decode(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const idx = BASE32_ALPHABET.indexOf(ch);
    if (idx < 0) return null;
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function onionChecksum(publicKey: Uint8Array): Buffer {
  const digest = sha3_256(Buffer.concat([CHECKSUM_PREFIX, publicKey, Buffer.from([ONION_VERSION])]));
  return Buffer.from(digest.subarray(0, 2));
}

/** The v3 address of an ed25519 public key. */
export function onionFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('an onion v3 public key has 32 bytes');
  const body = Buffer.concat([publicKey, onionChecksum(publicKey), Buffer.from([ONION_VERSION])]);
  return `${base32Encode(body)}.onion`;
}

/**
 * ed25519 private key object from a raw 32-byte seed. The JWK import is ~15× faster than PKCS#8
 * DER under OpenSSL 3; OpenSSL derives the public half from `d` (the placeholder `x` is not
 * used), and if a Node version ever insists on a matching `x` we fall back to DER.
 */
export function ed25519PrivateKey(secretSeed: Uint8Array): KeyObject {
  if (secretSeed.length !== 32) throw new Error('an ed25519 seed has 32 bytes');
  try {
    return createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: Buffer.from(secretSeed).toString('base64url'),
        x: JWK_PLACEHOLDER_X,
      },
      format: 'jwk',
    });
  } catch {
    return createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, secretSeed]),
      format: 'der',
      type: 'pkcs8',
    });
  }
}

/** ed25519 public key of a raw 32-byte seed, through node:crypto (no hand-written curve maths). */
export function ed25519PublicKey(secretSeed: Uint8Array): Buffer {
  const jwk = ed25519PrivateKey(secretSeed).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** Deterministic key and address of one range site: same (seed, siteName) → same onion. */
export function deriveSiteKey(seed: number, siteName: string): SiteKey {
  const secretSeed = createHash('sha256').update(`darkwatch-range/onion/v1/${seed}/${siteName}`).digest();
  const publicKey = ed25519PublicKey(secretSeed);
  return { secretSeed, publicKey, onion: onionFromPublicKey(publicKey) };
}

/**
 * True when `host` is a syntactically valid v3 onion name with a correct checksum and version
 * byte. Accepts either case and an optional `.onion` suffix, plus subdomains (`www.<addr>.onion`),
 * as Tor does.
 */
export function isValidOnionV3(host: string): boolean {
  if (typeof host !== 'string' || host.length > 255) return false;
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!name.endsWith('.onion')) return false;
  const labels = name.slice(0, -'.onion'.length).split('.');
  const label = labels[labels.length - 1] ?? '';
  if (label.length !== 56) return false;
  const bytes = base32Decode(label);
  if (!bytes || bytes.length !== 35) return false;
  // 56 chars carry 280 bits = exactly 35 bytes, so there are no leftover bits to check.
  const publicKey = bytes.subarray(0, 32);
  const version = bytes[34];
  if (version !== ONION_VERSION) return false;
  return onionChecksum(publicKey).equals(bytes.subarray(32, 34));
}

/** Lower-cases and strips subdomains and a trailing dot: `WWW.ABC…XYZ.onion.` → `abc…xyz.onion`. */
export function canonicalOnion(host: string): string | null {
  if (!isValidOnionV3(host)) return null;
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const labels = name.split('.');
  return `${labels[labels.length - 2]}.onion`;
}
