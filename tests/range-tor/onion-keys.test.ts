// Deterministic v3 onion identities: RFC 8032 vectors, checksum validation, tor's key-file
// format, hostile seeds — and tor itself deriving the same address from the files we write.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSiteKey } from '../../range/onion.js';
import { ensureTorInstalled } from '../../range/tor/install.js';
import {
  base32Decode,
  base32Encode,
  ed25519PublicKeyFromSeed,
  expandEd25519Seed,
  isValidOnionV3,
  onionAddressFromPublicKey,
  onionIdentityFromSeed,
  onionServiceKeyFiles,
} from '../../range/tor/onion-keys.js';

// RFC 8032 §7.1, TEST 1 and TEST 2.
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  },
];

// Well-known published v3 addresses (checksums computed by tor).
const KNOWN_ONIONS = [
  'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion',
  '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion',
];

const seedOf = (label: string) => createHash('sha256').update(label).digest();

describe('ed25519 from seed', () => {
  it('matches RFC 8032 public keys', () => {
    for (const v of RFC8032) {
      expect(ed25519PublicKeyFromSeed(Buffer.from(v.seed, 'hex')).toString('hex')).toBe(v.pub);
    }
  });

  it('expands the seed as tor stores it: clamped SHA-512 scalar || second half', () => {
    const seed = seedOf('expand');
    const h = createHash('sha512').update(seed).digest();
    const expanded = expandEd25519Seed(seed);
    expect(expanded).toHaveLength(64);
    expect(expanded[0]! & 7).toBe(0);
    expect(expanded[31]! & 0x80).toBe(0);
    expect(expanded[31]! & 0x40).toBe(0x40);
    expect(expanded.subarray(1, 31).equals(h.subarray(1, 31))).toBe(true);
    expect(expanded.subarray(32).equals(h.subarray(32))).toBe(true);
  });

  it('rejects seeds that are not exactly 32 bytes', () => {
    for (const bad of [Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(64, 0xff)]) {
      expect(() => onionIdentityFromSeed(bad)).toThrow(/exactly 32 bytes/);
    }
    expect(() => onionIdentityFromSeed('a'.repeat(32) as unknown as Buffer)).toThrow(/32 bytes/);
    expect(() => onionAddressFromPublicKey(Buffer.alloc(31))).toThrow(/32 bytes/);
  });
});

describe('v3 onion addresses', () => {
  it('accepts published addresses and our own, with or without .onion', () => {
    for (const a of KNOWN_ONIONS) {
      expect(isValidOnionV3(a)).toBe(true);
      expect(isValidOnionV3(a.replace('.onion', '').toUpperCase())).toBe(true);
    }
    const ours = onionIdentityFromSeed(seedOf('market')).address;
    expect(ours).toMatch(/^[a-z2-7]{55}d$/); // version byte 0x03 always ends the address in 'd'
    expect(isValidOnionV3(ours)).toBe(true);
  });

  it('recomputes published addresses from their public keys', () => {
    for (const a of KNOWN_ONIONS) {
      const pub = base32Decode(a.replace('.onion', '')).subarray(0, 32);
      expect(`${onionAddressFromPublicKey(pub)}.onion`).toBe(a);
    }
  });

  it('rejects corrupted, truncated, wrong-version and hostile input', () => {
    const good = KNOWN_ONIONS[0]!.replace('.onion', '');
    const flipped = good.slice(0, 10) + (good[10] === 'a' ? 'b' : 'a') + good.slice(11);
    const raw = base32Decode(good);
    const v2 = Buffer.from(raw);
    v2[34] = 0x02;
    for (const bad of [
      flipped,
      good.slice(0, 55),
      `${good}a`,
      base32Encode(v2),
      'facebookcorewwwi.onion', // v2 length
      '',
      `${good.slice(0, 50)}0189!?`,
      '\u0000'.repeat(56),
      'a'.repeat(100_000),
    ]) {
      expect(isValidOnionV3(bad)).toBe(false);
    }
  });

  it('base32 round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toMatch(/^[a-z2-7]*$/);
        expect(base32Decode(text).subarray(0, bytes.length).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    expect(() => base32Decode('abc1')).toThrow(/invalid base32/);
  });

  it('writes the key files in the exact format tor expects', () => {
    const files = onionServiceKeyFiles(onionIdentityFromSeed(seedOf('files')));
    expect(files.hs_ed25519_secret_key).toHaveLength(96);
    expect(files.hs_ed25519_public_key).toHaveLength(64);
    expect(files.hs_ed25519_secret_key!.subarray(0, 32).toString('latin1')).toBe(
      '== ed25519v1-secret: type0 ==\0\0\0',
    );
    expect(files.hs_ed25519_public_key!.subarray(0, 32).toString('latin1')).toBe(
      '== ed25519v1-public: type0 ==\0\0\0',
    );
    expect(files.hostname!.toString()).toMatch(/^[a-z2-7]{56}\.onion\n$/);
  });
});

describe('the range and real-Tor mode agree', () => {
  it("gives every range site and mirror the same address as the range's gateway announces", () => {
    for (const seed of [1, 42, 2 ** 31 - 1]) {
      for (const name of ['market-a', 'market-a#mirror1', 'balkanboard', 'stashbin']) {
        const key = deriveSiteKey(seed, name);
        expect(`${onionIdentityFromSeed(key.secretSeed).address}.onion`).toBe(key.onion);
      }
    }
  });
});

describe('tor agrees with our derivation', () => {
  it('rewrites hostname from our secret keys to exactly the addresses we computed', async () => {
    const { tor } = ensureTorInstalled();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-onion-keys-'));
    chmodSync(dir, 0o700);
    const seeds = ['alpha', 'bravo', 'charlie'].map(seedOf);
    const torrc = [
      'DataDirectory ' + dir,
      'DisableNetwork 1',
      'SocksPort 0',
      'GeoIPFile /dev/null',
      'GeoIPv6File /dev/null',
    ];
    seeds.forEach((seed, i) => {
      const hs = path.join(dir, `hs${i}`);
      mkdirSync(hs, { mode: 0o700 });
      for (const [name, bytes] of Object.entries(onionServiceKeyFiles(onionIdentityFromSeed(seed)))) {
        writeFileSync(path.join(hs, name), bytes, { mode: 0o600 });
      }
      writeFileSync(path.join(hs, 'hostname'), 'placeholder-tor-must-overwrite\n', { mode: 0o600 });
      torrc.push(`HiddenServiceDir ${hs}`, 'HiddenServicePort 80 127.0.0.1:9');
    });
    writeFileSync(path.join(dir, 'torrc'), torrc.join('\n') + '\n');
    const child = spawn(tor, ['--defaults-torrc', '/dev/null', '-f', path.join(dir, 'torrc')], {
      stdio: 'ignore',
    });
    const hostnames = () =>
      seeds.map((_, i) => readFileSync(path.join(dir, `hs${i}`, 'hostname'), 'utf8').trim());
    try {
      const deadline = Date.now() + 45_000; // seconds alone; tor starts slowly on a loaded machine
      while (Date.now() < deadline && hostnames().some((h) => h.startsWith('placeholder'))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(hostnames()).toEqual(seeds.map((s) => `${onionIdentityFromSeed(s).address}.onion`));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
