import { describe, expect, it } from 'vitest';
import { generateKey } from 'openpgp';
import {
  deobfuscateContacts,
  extractEntities,
  extractEntitiesSync,
  fingerprintOf,
  validateBase58Address,
  validateEthereumAddress,
  validateMoneroAddress,
  validateOnion,
  validateSegwitAddress,
} from '../../../extractors/entities/index.js';
import {
  findAddresses,
  findSessionIds,
  findTelegramHandles,
  findWickrHandles,
} from '../../../extractors/entities/messaging.js';
import { findPhoneNumbers } from '../../../extractors/entities/phone.js';
import { findArmouredBlocks } from '../../../extractors/entities/pgp.js';
import * as v from './vectors.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('Bitcoin', () => {
  it('accepts base58check P2PKH and P2SH mainnet addresses, including well-known ones', () => {
    for (const s of SEEDS) {
      expect(validateBase58Address(v.p2pkh(s))).toBe(v.p2pkh(s));
      expect(validateBase58Address(v.p2sh(s))).toBe(v.p2sh(s));
    }
    expect(validateBase58Address('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')).not.toBeNull();
    expect(validateBase58Address('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).not.toBeNull();
  });
  it('rejects a changed character, a testnet version and garbage', () => {
    for (const s of SEEDS) {
      for (const at of [5, 12, -1])
        expect(validateBase58Address(v.flip(v.p2pkh(s), at, v.BASE58))).toBeNull();
      expect(validateBase58Address(v.testnetP2pkh(s))).toBeNull();
    }
    expect(validateBase58Address('1111111111111111111111111111111111')).toBeNull();
  });
  it('accepts bech32 v0 (20/32-byte programs) and bech32m taproot, any one case', () => {
    for (const s of SEEDS) {
      expect(validateSegwitAddress(v.segwitV0(s))).toBe(v.segwitV0(s));
      expect(validateSegwitAddress(v.segwitV0(s, 32))).toBe(v.segwitV0(s, 32));
      expect(validateSegwitAddress(v.taproot(s))).toBe(v.taproot(s));
      expect(validateSegwitAddress(v.taproot(s).toUpperCase())).toBe(v.taproot(s));
    }
    expect(
      validateSegwitAddress('bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'),
    ).not.toBeNull();
  });
  it('rejects flipped characters, wrong witness-version encodings, mixed case, other networks', () => {
    for (const s of SEEDS) {
      expect(validateSegwitAddress(v.flip(v.segwitV0(s), 10, v.BECH32))).toBeNull();
      expect(validateSegwitAddress(v.flip(v.taproot(s), -2, v.BECH32))).toBeNull();
      expect(validateSegwitAddress(v.v0WithBech32m(s))).toBeNull();
      expect(validateSegwitAddress(v.v1WithBech32(s))).toBeNull();
      expect(validateSegwitAddress(v.testnetSegwit(s))).toBeNull();
      expect(validateSegwitAddress(v.segwitV0(s, 24))).toBeNull(); // v0 program must be 20 or 32 bytes
      const t = v.taproot(s);
      expect(validateSegwitAddress(t.slice(0, 10) + t.slice(10).toUpperCase())).toBeNull();
    }
  });
});

describe('Monero', () => {
  it('accepts standard, subaddress and integrated mainnet addresses', () => {
    for (const s of SEEDS) {
      const std = v.monero(18, s);
      const sub = v.monero(42, s);
      const integ = v.monero(19, s, true);
      expect(std).toHaveLength(95);
      expect(std[0]).toBe('4');
      expect(sub[0]).toBe('8');
      expect(integ).toHaveLength(106);
      expect(validateMoneroAddress(std)).toBe(std);
      expect(validateMoneroAddress(sub)).toBe(sub);
      expect(validateMoneroAddress(integ)).toBe(integ);
    }
    const fund =
      '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
    expect(validateMoneroAddress(fund)).toBe(fund);
  });
  it('rejects flipped characters, testnet prefixes and length/prefix mismatches', () => {
    for (const s of SEEDS) {
      for (const at of [3, 50, -3])
        expect(validateMoneroAddress(v.flip(v.monero(18, s), at, v.BASE58))).toBeNull();
      expect(validateMoneroAddress(v.monero(53, s))).toBeNull(); // testnet, checksum fine
      expect(validateMoneroAddress(v.monero(19, s))).toBeNull(); // integrated prefix without payment id
    }
    expect(validateMoneroAddress('4' + '1'.repeat(94))).toBeNull();
  });
});

describe('Ethereum', () => {
  const eip55 = [
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ];
  it('accepts EIP-55 vectors and single-case addresses, returning the checksummed form', () => {
    for (const a of eip55) {
      expect(validateEthereumAddress(a)).toBe(a);
      expect(validateEthereumAddress(a.toLowerCase())).toBe(a);
      expect(validateEthereumAddress('0x' + a.slice(2).toUpperCase())).toBe(a);
    }
  });
  it('rejects a mixed-case address whose checksum does not hold, and the zero address', () => {
    for (const a of eip55) {
      const i = a.slice(2).search(/[a-f]/) + 2;
      const bad = a.slice(0, i) + a[i]!.toUpperCase() + a.slice(i + 1);
      expect(validateEthereumAddress(bad)).toBeNull();
    }
    expect(validateEthereumAddress('0x' + '0'.repeat(40))).toBeNull();
  });
});

describe('onion v3', () => {
  it('accepts addresses whose checksum and version hold', () => {
    for (const s of SEEDS) expect(validateOnion(v.onion(s))).toBe(v.onion(s));
    const ddg = 'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion';
    expect(validateOnion(ddg.toUpperCase())).toBe(ddg);
  });
  it('rejects changed characters and a wrong version', () => {
    for (const s of SEEDS) {
      expect(validateOnion(v.flip(v.onion(s), 4, v.B32))).toBeNull();
      expect(validateOnion(v.onionWrongVersion(s))).toBeNull();
    }
    expect(validateOnion('a'.repeat(56) + '.onion')).toBeNull();
  });
});

describe('PGP', () => {
  it('fingerprints a public key block, also when the page re-flowed its lines', async () => {
    const { publicKey } = await generateKey({
      userIDs: [{ name: 'vendor' }],
      type: 'ecc',
      curve: 'curve25519Legacy',
    });
    const { readKey } = await import('openpgp');
    const expected = (await readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
    expect(await fingerprintOf(publicKey)).toBe(expected);
    const reflowed = publicKey.replace(/\n/g, '  ');
    const found = await extractEntities(`My key: ${reflowed} thanks`);
    expect(found).toContainEqual({ type: 'pgp', value: expected });
  });
  it('rejects a corrupted block and bounds unterminated ones', async () => {
    const { publicKey } = await generateKey({
      userIDs: [{ name: 'v2' }],
      type: 'ecc',
      curve: 'curve25519Legacy',
    });
    const lines = publicKey.split('\n');
    // Line 2 is the first base64 line: the primary key packet. Change one character of its key material.
    const l = lines[2]!;
    lines[2] = l.slice(0, 30) + (l[30] === 'A' ? 'B' : 'A') + l.slice(31);
    expect(await fingerprintOf(lines.join('\n'))).toBeNull();
    const noise =
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\nnot base64 at all!!\n-----END PGP PUBLIC KEY BLOCK-----';
    expect(await fingerprintOf(noise)).toBeNull();
    const many = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n'.repeat(20_000);
    const t0 = performance.now();
    expect(findArmouredBlocks(many)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(10_000); // quadratic rescanning would take far longer
  });
});

describe('contacts', () => {
  it('finds e-mail, and reads JIDs as Jabber by context or server', () => {
    expect(findAddresses('mail me: Vendor.X@ProtonMail.com')).toEqual([
      { type: 'email', value: 'vendor.x@protonmail.com' },
    ]);
    expect(findAddresses('jabber: seller@xmpp.example.org')).toEqual([
      { type: 'jabber', value: 'seller@xmpp.example.org' },
    ]);
    expect(findAddresses('contact bob@jabb.im')).toEqual([{ type: 'jabber', value: 'bob@jabb.im' }]);
    expect(findAddresses('img logo@2x.png, a@b, x@@y.com')).toEqual([]);
  });
  it('undoes [at]/[dot] and zero-width obfuscation before matching', () => {
    const t = deobfuscateContacts('vendor [at] proton (dot) me and al\u200bice@ex\u200bample.com');
    expect(findAddresses(t).map((a) => a.value)).toEqual(['vendor@proton.me', 'alice@example.com']);
  });
  it('takes Telegram handles from t.me links, and @handles only next to Telegram', () => {
    expect(findTelegramHandles('see https://t.me/Glock_Shop and t.me/joinchat/abcdef')).toEqual([
      'glock_shop',
    ]);
    expect(findTelegramHandles('Telegram: @balkan_plug')).toEqual(['balkan_plug']);
    expect(findTelegramHandles('follow @balkan_plug on twitter')).toEqual([]);
    expect(findTelegramHandles('telegram @abc')).toEqual([]); // too short for a username
    expect(findTelegramHandles('tg: @bad_name_')).toEqual([]);
  });
  it('finds Session IDs (66 hex, 05 prefix) and rejects other lengths and prefixes', () => {
    const id = '05' + 'ab'.repeat(32);
    expect(findSessionIds(`session: ${id}`)).toEqual([id]);
    expect(findSessionIds('06' + 'ab'.repeat(32))).toEqual([]);
    expect(findSessionIds('05' + 'ab'.repeat(33))).toEqual([]);
  });
  it('finds Wickr usernames after the word Wickr', () => {
    expect(findWickrHandles('Wickr: darkvendor99')).toEqual(['darkvendor99']);
    expect(findWickrHandles('wickr me - Balkan.Guns')).toEqual(['balkan.guns']);
    expect(findWickrHandles('wickr only')).toEqual([]);
  });
  it('takes international numbers when valid and national ones only with a region hint and a phone word', () => {
    expect(findPhoneNumbers('Viber +381 64 123 4567')).toEqual(['+381641234567']);
    expect(findPhoneNumbers('call 00355 69 212 3456')).toEqual(['+355692123456']);
    expect(findPhoneNumbers('tel: 069 212 3456', ['AL'])).toEqual(['+355692123456']);
    expect(findPhoneNumbers('069 212 3456', ['AL'])).toEqual([]);
    expect(findPhoneNumbers('price 0.0042 BTC, qty 1000, order 123456789')).toEqual([]);
    expect(findPhoneNumbers('+381 00 000')).toEqual([]);
    // A phone word starts a word: dates after "Cartel" or "hotel" and numbers after "Telegram" are not phones.
    expect(findPhoneNumbers('TigerCartel price list · 2025-12-06', ['RS', 'AL'])).toEqual([]);
    expect(findPhoneNumbers('Hotel 069 212 3456', ['AL'])).toEqual([]);
    expect(findPhoneNumbers('Telegram 069 212 3456', ['AL'])).toEqual([]);
    expect(findPhoneNumbers('Tel. 069 212 3456 / mob: (069) 212-3457', ['AL'])).toEqual([
      '+355692123456',
      '+355692123457',
    ]);
    expect(findPhoneNumbers('Telefonszám: 06 30 123 4567', ['HU'])).toEqual(['+36301234567']);
    expect(findPhoneNumbers('контакт телефон 070 123 456', ['MK'])).toEqual(['+38970123456']);
    // Bounded work on hostile text: the scan stops after 2,000 phone words.
    expect(findPhoneNumbers('contact contact tel tel '.repeat(5000) + 'tel: 069 212 3456', ['AL'])).toEqual(
      [],
    );
  });
});

describe('extractEntities', () => {
  it('finds every kind in one text, validated and de-duplicated', async () => {
    const btc = v.p2pkh(11);
    const xmr = v.monero(18, 11);
    const text = `BTC ${btc} (or ${btc}) XMR ${xmr} ETH 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed
      mirror ${v.onion(3)} decoy ${v.flip(v.onion(3), 4, v.B32)} and ${v.flip(btc, 8, v.BASE58)}
      contact vendor@proton.me, t.me/glockshop, wickr: glockshop99, +30 691 234 5678`;
    const found = await extractEntities(text);
    expect(found).toEqual([
      { type: 'btc', value: btc },
      { type: 'xmr', value: xmr },
      { type: 'eth', value: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' },
      { type: 'onion', value: v.onion(3) },
      { type: 'email', value: 'vendor@proton.me' },
      { type: 'telegram', value: 'glockshop' },
      { type: 'wickr', value: 'glockshop99' },
      { type: 'phone', value: '+306912345678' },
    ]);
  });
  it('handles hostile input in bounded time: binary, huge, candidate floods', () => {
    const binary = Buffer.from(v.bytes(200_000, 9)).toString('latin1');
    const flood = ('1' + 'A'.repeat(33) + ' ').repeat(20_000) + ('bc1' + 'q'.repeat(60) + ' ').repeat(10_000);
    const hexes = '05'.repeat(500_000);
    for (const t of [binary, flood, hexes, '@'.repeat(500_000), 'a@'.repeat(200_000)]) {
      const t0 = performance.now();
      expect(Array.isArray(extractEntitiesSync(t))).toBe(true);
      expect(performance.now() - t0).toBeLessThan(10_000);
    }
  });
});
