// Deterministic OpenPGP keys and cleartext signatures, written packet by packet (RFC 4880 v4
// packets with the EdDSA/Ed25519 algorithm as GnuPG and openpgp.js use it). Generating keys
// with a library draws fresh randomness every time; here a key derives from a label, so the
// same seed always yields the same vendor and market keys, fingerprints and signed mirror
// lists. ed25519 itself comes from node:crypto, and openpgp.js verifies the output in tests.
import { createHash, sign as edSign, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey } from '../onion.js';

/** OID 1.3.6.1.4.1.11591.15.1 (Ed25519, "legacy" EdDSA in OpenPGP v4). */
const ED25519_OID = Buffer.from('2b06010401da470f01', 'hex');
const ALGO_EDDSA = 22;
const HASH_SHA256 = 8;

export interface PgpKey {
  userId: string;
  /** 40 upper-case hex digits. */
  fingerprint: string;
  /** 16 upper-case hex digits (last 8 bytes of the fingerprint). */
  keyId: string;
  createdAt: Date;
  /** ASCII-armored transferable public key. */
  publicKeyArmored: string;
  /** OpenPGP cleartext-signed message of `text`. */
  clearSign(text: string, date?: Date): string;
}

function packet(tag: number, body: Buffer): Buffer {
  // New-format packet header (RFC 4880 §4.2.2).
  let len: Buffer;
  if (body.length < 192) len = Buffer.from([body.length]);
  else if (body.length < 8384) {
    const n = body.length - 192;
    len = Buffer.from([(n >> 8) + 192, n & 0xff]);
  } else {
    len = Buffer.alloc(5);
    len[0] = 0xff;
    len.writeUInt32BE(body.length, 1);
  }
  return Buffer.concat([Buffer.from([0xc0 | tag]), len, body]);
}

function mpi(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const v = value.subarray(i);
  const bits = (v.length - 1) * 8 + (v[0] === 0 ? 0 : 32 - Math.clz32(v[0]!));
  const head = Buffer.alloc(2);
  head.writeUInt16BE(bits);
  return Buffer.concat([head, v]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function subpacket(type: number, data: Buffer): Buffer {
  // Subpacket length < 192 always holds for what we write.
  return Buffer.concat([Buffer.from([data.length + 1, type]), data]);
}

function crc24(data: Buffer): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

export function armor(kind: 'PUBLIC KEY BLOCK' | 'SIGNATURE', data: Buffer): string {
  const b64 = data.toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  const crc = Buffer.from([(crc24(data) >> 16) & 0xff, (crc24(data) >> 8) & 0xff, crc24(data) & 0xff]);
  return [
    `-----BEGIN PGP ${kind}-----`,
    '',
    ...lines,
    `=${crc.toString('base64')}`,
    `-----END PGP ${kind}-----`,
    '',
  ].join('\n');
}

/** Text as OpenPGP hashes a canonical-text (0x01) signature: CRLF endings, no trailing blanks. */
function canonicalText(text: string): Buffer {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return Buffer.from(lines.map((l) => l.replace(/[ \t]+$/, '')).join('\r\n'), 'utf8');
}

interface KeyMaterial {
  privateKey: KeyObject;
  keyPacketBody: Buffer;
  fingerprint: Buffer;
}

function signatureOver(
  material: KeyMaterial,
  sigType: number,
  hashedPrefix: Buffer,
  created: Date,
  extraHashed: Buffer[] = [],
): Buffer {
  const hashedSubpackets = Buffer.concat([
    subpacket(33, Buffer.concat([Buffer.from([4]), material.fingerprint])), // issuer fingerprint
    subpacket(2, u32(Math.floor(created.getTime() / 1000))), // creation time
    ...extraHashed,
  ]);
  const hashedLen = Buffer.alloc(2);
  hashedLen.writeUInt16BE(hashedSubpackets.length);
  const hashedPart = Buffer.concat([
    Buffer.from([4, sigType, ALGO_EDDSA, HASH_SHA256]),
    hashedLen,
    hashedSubpackets,
  ]);
  const trailer = Buffer.concat([Buffer.from([4, 0xff]), u32(hashedPart.length)]);
  const digest = createHash('sha256').update(hashedPrefix).update(hashedPart).update(trailer).digest();
  const sig = edSign(null, digest, material.privateKey);
  const unhashed = subpacket(16, material.fingerprint.subarray(12)); // issuer key ID
  const unhashedLen = Buffer.alloc(2);
  unhashedLen.writeUInt16BE(unhashed.length);
  return packet(
    2,
    Buffer.concat([
      hashedPart,
      unhashedLen,
      unhashed,
      digest.subarray(0, 2),
      mpi(sig.subarray(0, 32)),
      mpi(sig.subarray(32, 64)),
    ]),
  );
}

/**
 * A deterministic OpenPGP key: ed25519 seed = SHA-256(label). `createdAt` is fixed so the key
 * (and its fingerprint) is the same on every run.
 */
export function derivePgpKey(
  label: string,
  userId: string,
  createdAt = new Date('2024-03-01T00:00:00Z'),
): PgpKey {
  const seed = createHash('sha256').update(`darkwatch-range/pgp/v1/${label}`).digest();
  const privateKey = ed25519PrivateKey(seed);
  const publicKey = Buffer.from(privateKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const created = Math.floor(createdAt.getTime() / 1000);
  const keyPacketBody = Buffer.concat([
    Buffer.from([4]),
    u32(created),
    Buffer.from([ALGO_EDDSA, ED25519_OID.length]),
    ED25519_OID,
    mpi(Buffer.concat([Buffer.from([0x40]), publicKey])),
  ]);
  const keyHashPrefix = Buffer.concat([
    Buffer.from([0x99, keyPacketBody.length >> 8, keyPacketBody.length & 0xff]),
    keyPacketBody,
  ]);
  const fingerprint = createHash('sha1').update(keyHashPrefix).digest();
  const material: KeyMaterial = { privateKey, keyPacketBody, fingerprint };

  const uid = Buffer.from(userId, 'utf8');
  const uidHashPrefix = Buffer.concat([keyHashPrefix, Buffer.from([0xb4]), u32(uid.length), uid]);
  const selfSig = signatureOver(material, 0x13, uidHashPrefix, createdAt, [
    subpacket(27, Buffer.from([0x03])), // key flags: certify + sign
    subpacket(11, Buffer.from([9, 7])), // preferred symmetric: AES256, AES128
    subpacket(21, Buffer.from([8, 10])), // preferred hashes: SHA256, SHA512
    subpacket(30, Buffer.from([0x01])), // features: MDC
  ]);
  const transferable = Buffer.concat([packet(6, keyPacketBody), packet(13, uid), selfSig]);

  return {
    userId,
    fingerprint: fingerprint.toString('hex').toUpperCase(),
    keyId: fingerprint.subarray(12).toString('hex').toUpperCase(),
    createdAt,
    publicKeyArmored: armor('PUBLIC KEY BLOCK', transferable),
    clearSign(text: string, date = createdAt): string {
      const sig = signatureOver(material, 0x01, canonicalText(text), date);
      // Dash-escape lines starting with "-" (RFC 4880 §7.1).
      const escaped = text
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .map((l) => (l.startsWith('-') ? `- ${l}` : l))
        .join('\n');
      return `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${escaped}\n${armor('SIGNATURE', sig)}`;
    },
  };
}
