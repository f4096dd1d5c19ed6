// The content generator: deterministic, valid identifiers, the promised mix of categories,
// languages and obfuscations, keys that real OpenPGP software accepts.
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { ITEMS, SUBCATEGORIES } from '../../range/generate/catalog.js';
import {
  isValidBtcAddress,
  isValidMoneroAddress,
  moneroBase58,
  moneroBase58Decode,
} from '../../range/generate/crypto-addresses.js';
import { derivePgpKey } from '../../range/generate/pgp.js';
import { generateWorld } from '../../range/generate/world.js';
import { isValidOnionV3 } from '../../range/onion.js';
import { buildTruth } from '../../range/truth.js';

const world = generateWorld({ seed: 99, size: 900 });
const truth = buildTruth(world, 0);

describe('content generator', () => {
  it('is deterministic: same seed and size → identical truth; other seed → other content', () => {
    const again = buildTruth(generateWorld({ seed: 99, size: 900 }), 0);
    expect(JSON.stringify(again)).toBe(JSON.stringify(truth));
    const other = buildTruth(generateWorld({ seed: 100, size: 900 }), 0);
    expect(
      other.listings[0]!.title === truth.listings[0]!.title &&
        other.vendors[0]!.handle === truth.vendors[0]!.handle,
    ).toBe(false);
  });

  it('plants every category and subcategory, benign and borderline goods included', () => {
    const subs = new Set(truth.listings.map((l) => l.subcategory));
    for (const list of Object.values(SUBCATEGORIES)) for (const s of list) expect(subs).toContain(s);
    const cats = new Set(truth.listings.map((l) => l.category));
    expect([...cats].sort()).toEqual(['documents', 'drugs', 'firearms', 'other']);
    expect(ITEMS.some((i) => i.sub === 'banknotes')).toBe(true);
  });

  it('writes in English and the languages of the region, with obfuscated spellings', () => {
    const langs = new Set(truth.listings.map((l) => l.language));
    for (const l of ['en', 'sq', 'sr', 'hr', 'bs', 'bg', 'el', 'hu', 'mk', 'ro', 'tr'])
      expect(langs).toContain(l);
    const kinds = new Set(truth.listings.map((l) => l.obfuscation).filter(Boolean));
    expect([...kinds].sort()).toEqual(['homoglyph', 'leet', 'zero-width']);
    const zw = truth.listings.find((l) => l.obfuscation === 'zero-width')!;
    expect(zw.title).toMatch(/[\u200b\u200c\u200d\u2060\ufeff]/);
    expect(zw.title.replace(/[\u200b\u200c\u200d\u2060\ufeff]/g, '')).toBe(zw.plainTitle);
    const homo = truth.listings.find((l) => l.obfuscation === 'homoglyph')!;
    expect(homo.title).toMatch(/[\u0400-\u04ff]/);
    expect(truth.listings.some((l) => l.obfuscation === 'leet' && /[0-9$@]/.test(l.title))).toBe(true);
    expect(new Set(truth.listings.map((l) => l.price.currency))).toEqual(
      new Set(['BTC', 'XMR', 'USD', 'EUR']),
    );
  });

  it('only plants valid entities', () => {
    const byType = new Map<string, number>();
    for (const e of truth.entities) {
      byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
      if (e.type === 'btc') expect(isValidBtcAddress(e.value), e.value).toBe(true);
      if (e.type === 'xmr') expect(isValidMoneroAddress(e.value), e.value).toBe(true);
      if (e.type === 'onion') expect(isValidOnionV3(e.value)).toBe(true);
      if (e.type === 'pgp') expect(e.value).toMatch(/^[0-9A-F]{40}$/);
      if (e.type === 'session') expect(e.value).toMatch(/^05[0-9a-f]{64}$/);
      expect(e.pages.length).toBeGreaterThan(0);
    }
    for (const t of ['btc', 'xmr', 'pgp', 'onion', 'telegram', 'session', 'jabber', 'email'])
      expect(byType.get(t) ?? 0).toBeGreaterThan(0);
    expect(truth.entities.some((e) => e.type === 'btc' && e.value.startsWith('bc1'))).toBe(true);
    expect(truth.entities.some((e) => e.type === 'btc' && e.value.startsWith('1'))).toBe(true);
    // A corrupted address fails validation (the checks can fail).
    const btc = truth.entities.find((e) => e.type === 'btc')!.value;
    expect(isValidBtcAddress(btc.slice(0, -1) + (btc.endsWith('a') ? 'b' : 'a'))).toBe(false);
    const xmr = truth.entities.find((e) => e.type === 'xmr')!.value;
    expect(isValidMoneroAddress(xmr.slice(0, -1) + (xmr.endsWith('A') ? 'B' : 'A'))).toBe(false);
  });

  it('Monero base58 round-trips and matches a known address', () => {
    // The Monero project's general-fund address.
    const known =
      '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
    expect(isValidMoneroAddress(known)).toBe(true);
    expect(moneroBase58(moneroBase58Decode(known)!)).toBe(known);
  });

  it('derives OpenPGP keys that openpgp.js reads and verifies', async () => {
    const k = derivePgpKey('unit', 'Test Vendor <t@example.org>');
    expect(derivePgpKey('unit', 'Test Vendor <t@example.org>').publicKeyArmored).toBe(k.publicKeyArmored);
    const key = await openpgp.readKey({ armoredKey: k.publicKeyArmored });
    expect(key.getFingerprint().toUpperCase()).toBe(k.fingerprint);
    await expect(key.verifyPrimaryKey()).resolves.toBeUndefined();
    const text = 'line one\n-dashed line\ntrailing spaces   \nüñíçødé';
    const msg = await openpgp.readCleartextMessage({ cleartextMessage: k.clearSign(text) });
    const res = await openpgp.verify({ message: msg, verificationKeys: key, expectSigned: true });
    expect(res.data).toBe('line one\n-dashed line\ntrailing spaces\nüñíçødé');
    // Tampering breaks the signature.
    const tampered = await openpgp.readCleartextMessage({
      cleartextMessage: k.clearSign(text).replace('line one', 'line 1'),
    });
    await expect(
      openpgp.verify({ message: tampered, verificationKeys: key, expectSigned: true }),
    ).rejects.toThrow();
  });

  it('vendors reuse keys, addresses and handles across markets and the forum', () => {
    const both = truth.vendors.filter((v) => v.sites.includes('ironbazaar') && v.sites.includes('nocturne'));
    expect(both.length).toBeGreaterThan(3);
    expect(both.some((v) => v.handles.ironbazaar !== v.handles.nocturne)).toBe(true);
    const crossSite = truth.entities.filter(
      (e) => e.type === 'pgp' && new Set(e.pages.map((p) => new URL(p).hostname)).size >= 3,
    );
    expect(crossSite.length).toBeGreaterThan(0);
    const forumMentions = truth.posts.filter((p) => p.site === 'balkanboard' && p.mentions.length > 0);
    expect(forumMentions.length).toBeGreaterThan(10);
    expect(
      truth.posts.some((p) => p.site === 'balkanboard' && p.entities.some((e) => e.type === 'btc')),
    ).toBe(true);
    expect(truth.posts.some((p) => p.body.includes('PHISHING'))).toBe(true);
  });

  it('changes over epochs: new vendors, new and removed listings, price drops', () => {
    const later = buildTruth(world, 6);
    const kinds = new Set(later.events.map((e) => e.type));
    expect([...kinds].sort()).toEqual([
      'listing_appeared',
      'listing_removed',
      'price_changed',
      'vendor_appeared',
    ]);
    expect(later.vendors.length).toBeGreaterThan(truth.vendors.length);
    const removed = later.events.find((e) => e.type === 'listing_removed')!;
    expect(later.listings.some((l) => l.id === removed.listingId)).toBe(false);
  });

  it('scales to 20,000 listings', () => {
    const t0 = performance.now();
    const big = generateWorld({ seed: 1, size: 20_000 });
    const ms = performance.now() - t0;
    expect(big.listings.filter((l) => l.site !== 'ironbazaar-clone').length).toBe(20_000);
    expect(ms).toBeLessThan(60_000);
  }, 90_000);
});
