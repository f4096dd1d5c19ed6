import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MirrorSet, onionUrlsIn, verifyMirrorList, withFailover } from '../../crawler/mirrors.js';

const A = `http://${'a'.repeat(56)}.onion`;
const B = `http://${'b'.repeat(56)}.onion`;
const C = `http://${'c'.repeat(56)}.onion`;

let site: { publicKey: string; privateKey: string };
let clone: { publicKey: string; privateKey: string };

async function sign(text: string, armoredPrivate: string): Promise<string> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: armoredPrivate });
  const message = await openpgp.createCleartextMessage({ text });
  return openpgp.sign({ message, signingKeys: privateKey });
}

beforeAll(async () => {
  const gen = (name: string) =>
    openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'armored' });
  site = await gen('market');
  clone = await gen('phisher');
});

describe('mirror list verification', () => {
  it('a list signed by the pinned key yields its mirrors', async () => {
    const signed = await sign(`Official mirrors:\n${A}\n${B}/\n${B.toUpperCase()}\n`, site.privateKey);
    const v = await verifyMirrorList(signed, site.publicKey);
    expect(v.status).toBe('valid');
    if (v.status === 'valid') {
      expect(v.mirrors).toEqual([A, B]);
      expect(v.signerFingerprint).toMatch(/^[0-9A-F]{40}$/);
    }
  });
  it('another key, tampering, no signature and garbage are phishing, never mirrors', async () => {
    const byClone = await sign(`${C}\n`, clone.privateKey);
    const v1 = await verifyMirrorList(byClone, site.publicKey);
    expect(v1).toMatchObject({ status: 'phishing', claimedMirrors: [C] });
    const good = await sign(`${A}\n`, site.privateKey);
    const tampered = good.replace('a'.repeat(56), 'c'.repeat(56));
    expect((await verifyMirrorList(tampered, site.publicKey)).status).toBe('phishing');
    expect(await verifyMirrorList(`${A}\n`, site.publicKey)).toMatchObject({
      status: 'phishing',
      reason: /not an OpenPGP/,
    });
    expect((await verifyMirrorList(Buffer.from([0, 1, 2, 255]), site.publicKey)).status).toBe('phishing');
    expect((await verifyMirrorList('x'.repeat(300 * 1024), site.publicKey)).status).toBe('phishing');
  });
  it('a broken pinned key is a configuration error, not a verdict', async () => {
    await expect(verifyMirrorList('x', 'not a key')).rejects.toThrow(/pinned PGP key/);
  });
  it('onion extraction ignores v2/short names and bounds the count', () => {
    expect(onionUrlsIn(`http://abcdefghijklmnop.onion ${A}:8080/x`)).toEqual([`${A}:8080`]);
    const many = Array.from(
      { length: 100 },
      (_, i) => `${i.toString(36).padStart(2, 'a').replace(/[0-9]/g, 'z')}${'q'.repeat(54)}.onion`,
    ).join(' ');
    expect(onionUrlsIn(many).length).toBeLessThanOrEqual(64);
  });
});

describe('failover', () => {
  it('moves to the next mirror when one is down and remembers it for a cool-down', async () => {
    let now = 1_000_000;
    const set = new MirrorSet([A, B, C], 1000);
    const down = new Set([A]);
    const fetchOn = async (o: string) => {
      if (down.has(o)) throw Object.assign(new Error('down'), { code: 'connect_timeout' });
      return `page from ${o}`;
    };
    const r1 = await withFailover(set, fetchOn, () => now);
    expect(r1).toEqual({ origin: B, result: `page from ${B}`, tried: [A, B] });
    expect(set.order(now)).toEqual([B, C]);
    now += 1500;
    down.clear();
    expect((await withFailover(set, fetchOn, () => now)).origin).toBe(A);
    // a page-level error is final, not a reason to hop mirrors
    await expect(
      withFailover(
        set,
        async () => {
          throw Object.assign(new Error('bomb'), { code: 'decompression_bomb' });
        },
        () => now,
      ),
    ).rejects.toThrow('bomb');
    // all down: error, and order() still offers the one back soonest
    const all = new MirrorSet([A, B], 1000);
    await expect(
      withFailover(
        all,
        async () => {
          throw Object.assign(new Error('x'), { code: 'proxy_refused' });
        },
        () => now,
      ),
    ).rejects.toThrow('x');
    expect(all.order(now)).toHaveLength(2);
  });
});
