// Deterministic v3 onion identities: from a 32-byte ed25519 seed to the key files tor reads
// (`hs_ed25519_secret_key`, `hs_ed25519_public_key`, `hostname`) and the 56-character address.
// Writing the keys ourselves means a range seed always yields the same .onion names, so the
// range's printed sites and ground truth stay valid in real-Tor mode. Pure functions only.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { sha3_256 } from '@noble/hashes/sha3.js';

export const ONION_V3_VERSION = 0x03;
export const ONION_V3_LENGTH = 56;

const SECRET_KEY_HEADER = '== ed25519v1-secret: type0 ==\0\0\0';
const PUBLIC_KEY_HEADER = '== ed25519v1-public: type0 ==\0\0\0';
// DER prefix of a PKCS#8 Ed25519 private key whose 32-byte seed follows (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export interface OnionIdentity {
  /** 56 characters, lower case, without `.onion`. */
  address: string;
  publicKey: Buffer;
  /** tor's "expanded" secret key: clamped scalar || second half of SHA-512(seed). */
  expandedSecretKey: Buffer;
}

function assertSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new Error(
      `onion secret seed must be exactly 32 bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`,
    );
  }
}

/** SHA-512(seed) with the first half clamped as ed25519 does; this is what tor stores on disk. */
export function expandEd25519Seed(seed: Uint8Array): Buffer {
  assertSeed(seed);
  const h = createHash('sha512').update(seed).digest();
  h[0] = h[0]! & 248;
  h[31] = (h[31]! & 127) | 64;
  return h;
}

export function ed25519PublicKeyFromSeed(seed: Uint8Array): Buffer {
  assertSeed(seed);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki.subarray(spki.length - 32));
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.toLowerCase()) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

function onionChecksum(publicKey: Uint8Array): Buffer {
  const input = Buffer.concat([Buffer.from('.onion checksum'), publicKey, Buffer.from([ONION_V3_VERSION])]);
  return Buffer.from(sha3_256(input).subarray(0, 2));
}

/** base32(pubkey || SHA3-256(".onion checksum" || pubkey || 0x03)[:2] || 0x03), per rend-spec-v3. */
export function onionAddressFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32)
    throw new Error(`ed25519 public key must be 32 bytes, got ${publicKey.length}`);
  return base32Encode(Buffer.concat([publicKey, onionChecksum(publicKey), Buffer.from([ONION_V3_VERSION])]));
}

/** True for a well-formed v3 address (with or without `.onion`): length, alphabet, version, checksum. */
export function isValidOnionV3(address: string): boolean {
  const name = address.toLowerCase().replace(/\.onion$/, '');
  if (name.length !== ONION_V3_LENGTH || !/^[a-z2-7]+$/.test(name)) return false;
  const raw = base32Decode(name);
  const publicKey = raw.subarray(0, 32);
  return raw[34] === ONION_V3_VERSION && onionChecksum(publicKey).equals(raw.subarray(32, 34));
}

export function onionIdentityFromSeed(seed: Uint8Array): OnionIdentity {
  const publicKey = ed25519PublicKeyFromSeed(seed);
  return {
    address: onionAddressFromPublicKey(publicKey),
    publicKey,
    expandedSecretKey: expandEd25519Seed(seed),
  };
}

/** The three files tor keeps in a HiddenServiceDir, byte for byte. */
export function onionServiceKeyFiles(identity: OnionIdentity): Record<string, Buffer> {
  return {
    hs_ed25519_secret_key: Buffer.concat([
      Buffer.from(SECRET_KEY_HEADER, 'latin1'),
      identity.expandedSecretKey,
    ]),
    hs_ed25519_public_key: Buffer.concat([Buffer.from(PUBLIC_KEY_HEADER, 'latin1'), identity.publicKey]),
    hostname: Buffer.from(`${identity.address}.onion\n`),
  };
}
