import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  canonicalOnion,
  deriveSiteKey,
  ed25519PublicKey,
  isValidOnionV3,
} from '../../range/onion.js';

describe('onion v3 addresses', () => {
  it('accepts real Tor v3 addresses (checksum and version byte)', () => {
    // Tor Project's own onion services.
    expect(isValidOnionV3('2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion')).toBe(true);
    expect(isValidOnionV3('pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion')).toBe(true);
    expect(isValidOnionV3('www.PG6MMJIYJMCRSSLVYKFWNNTLARU7P5SVN6Y2YMMJU6NUBXNDF4PSCRYD.onion.')).toBe(true);
  });

  it('rejects corrupted, short, v2 and non-onion names', () => {
    const good = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
    expect(isValidOnionV3(good.replace('pg6', 'ph6'))).toBe(false);
    expect(isValidOnionV3(good.replace('ryd.onion', 'ryb.onion'))).toBe(false); // version byte
    expect(isValidOnionV3('expyuzz4wqqyqhjn.onion')).toBe(false); // v2
    expect(isValidOnionV3(good.replace('.onion', '.com'))).toBe(false);
    expect(isValidOnionV3(good.replace('p', '1'))).toBe(false); // not base32
    expect(isValidOnionV3('')).toBe(false);
    expect(isValidOnionV3('a'.repeat(10_000))).toBe(false);
    expect(canonicalOnion(`www.${good.toUpperCase()}`)).toBe(good);
  });

  it('derives deterministic, valid, distinct site keys', () => {
    const a = deriveSiteKey(1, 'ironbazaar');
    const b = deriveSiteKey(1, 'ironbazaar');
    expect(a.onion).toBe(b.onion);
    expect(a.secretSeed.length).toBe(32);
    expect(a.publicKey.equals(ed25519PublicKey(a.secretSeed))).toBe(true);
    expect(isValidOnionV3(a.onion)).toBe(true);
    expect(a.onion).toMatch(/^[a-z2-7]{55}d\.onion$/);
    expect(deriveSiteKey(2, 'ironbazaar').onion).not.toBe(a.onion);
    expect(deriveSiteKey(1, 'nocturne').onion).not.toBe(a.onion);
  });

  it('base32 round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
        const enc = base32Encode(bytes);
        const dec = base32Decode(enc);
        expect(dec?.subarray(0, bytes.length).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => typeof isValidOnionV3(s) === 'boolean'),
      { numRuns: 300 },
    );
  });
});
