// The windowed, prefiltered extractEntities must give exactly what the straightforward implementation
// it replaced gives (kept verbatim under ./reference/): same entities, same order, same values — on
// every training-range page text, on the unit-test vectors, on generated texts that mix valid and
// broken addresses, handles, phones and prose in every adjacency, and on hostile input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractEntities, extractEntitiesSync } from '../../../extractors/entities/index.js';
import {
  extractEntities as extractEntitiesReference,
  extractEntitiesSync as extractEntitiesSyncReference,
} from './reference/index.js';
import { rangeEntityInputs } from './range-texts.js';
import * as ref from './reference/finders.js';
import * as cur from './current-finders.js';
import * as v from './vectors.js';
import { moneroBase58Decode } from '../../../extractors/entities/monero.js';
import { moneroBase58Decode as moneroBase58DecodeReference } from './reference/monero.js';

async function expectSame(text: string, regions: string[] = []): Promise<void> {
  const expected = await extractEntitiesReference(text, { regions });
  expect(await extractEntities(text, { regions })).toEqual(expected);
}

describe('extractEntities equals the reference implementation', () => {
  it('on the text of every training-range page, with its region hints', async () => {
    const inputs = await rangeEntityInputs();
    expect(inputs.length).toBeGreaterThan(100);
    let entities = 0;
    for (const p of inputs) {
      const expected = await extractEntitiesReference(p.text, { regions: p.regions });
      entities += expected.length;
      expect({ url: p.url, found: await extractEntities(p.text, { regions: p.regions }) }).toEqual({
        url: p.url,
        found: expected,
      });
    }
    expect(entities).toBeGreaterThan(200); // the range pages do carry entities
  }, 60_000);

  it('on the unit-test vectors and phrases', async () => {
    const texts: Array<[string, string[]]> = [];
    for (const s of [1, 2, 3, 4, 5, 6, 7, 8, 11]) {
      for (const a of [
        v.p2pkh(s),
        v.p2sh(s),
        v.segwitV0(s),
        v.segwitV0(s, 32),
        v.taproot(s),
        v.monero(18, s),
      ])
        texts.push([`pay ${a} or ${v.flip(a, 5, v.BASE58)}`, []]);
      texts.push([
        `${v.taproot(s).toUpperCase()} ${v.v0WithBech32m(s)} ${v.v1WithBech32(s)} ${v.testnetSegwit(s)}`,
        [],
      ]);
      texts.push([`${v.monero(42, s)},${v.monero(19, s, true)};${v.monero(53, s)} ${v.monero(19, s)}`, []]);
      texts.push([
        `mirror ${v.onion(s)} decoy ${v.flip(v.onion(s), 4, v.B32)} ${v.onionWrongVersion(s)}`,
        [],
      ]);
      texts.push([`${v.onion(s).toUpperCase()}/path ${v.onion(s)}-x ${v.onion(s)}.`, []]);
    }
    texts.push(
      ['mail me: Vendor.X@ProtonMail.com; jabber: seller@xmpp.example.org, contact bob@jabb.im', []],
      ['img logo@2x.png, a@b, x@@y.com, a..b@c.de', []],
      ['vendor [at] proton (dot) me and al\u200bice@ex\u200bample.com', []],
      ['see https://t.me/Glock_Shop and t.me/joinchat/abcdef; Telegram: @balkan_plug; tg: @bad_name_', []],
      ['follow @balkan_plug on twitter; telegram @abc', []],
      [`session: 05${'ab'.repeat(32)} 06${'ab'.repeat(32)} 05${'ab'.repeat(33)}`, []],
      ['Wickr: darkvendor99 · wickr me - Balkan.Guns · wickr only', []],
      ['Viber +381 64 123 4567 · call 00355 69 212 3456', []],
      ['tel: 069 212 3456', ['AL']],
      ['069 212 3456', ['AL']],
      ['price 0.0042 BTC, qty 1000, order 123456789', ['AL', 'RS']],
      ['TigerCartel price list · 2025-12-06', ['RS', 'AL']],
      ['Hotel 069 212 3456 · Telegram 069 212 3456', ['AL']],
      ['Tel. 069 212 3456 / mob: (069) 212-3457', ['AL']],
      ['Telefonszám: 06 30 123 4567', ['HU']],
      ['контакт телефон 070 123 456', ['MK']],
      ['PGP fingerprint: 6021 8459 10CA BCFC F2A1 3C9E 4D2B 7E11 0A5F 9C3D', []],
      ['ETH 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', []],
    );
    for (const w of ['', ' me', 'me', ' ME ', ' id', ' user', ' username', 'username', ' handle', ' me  id'])
      for (const sep of ['', ':', ' : ', ' = ', ' - ', '–', '—', '\n'])
        for (const name of ['@darkvendor99', 'Balkan.Guns.', 'only', 'abc', 'x_y-z'])
          texts.push([`wickr${w}${sep}${name}`, []]);
    for (const text of texts) expect(cur.deobfuscateContacts(text[0])).toBe(ref.deobfuscateContacts(text[0]));
    for (const text of [' (at) x', '\n\n[dot]\n', 'a (at)(at) b', 'a [ at ] b { . } c ( dot )d', '( at )']) {
      expect(cur.deobfuscateContacts(text)).toBe(ref.deobfuscateContacts(text));
      expect(cur.deobfuscateContacts(text)).not.toBe(text);
    }
    for (const [text, regions] of texts) await expectSame(text, regions);
  });
});

// ---- generated texts ----

const SEPARATORS = [
  ' ',
  '',
  '\n',
  '. ',
  ', ',
  ': ',
  '\u00a0',
  '/',
  '-',
  '_',
  '@',
  '.',
  '(',
  ')',
  '[',
  ']',
  '+',
  '0',
  'x',
  '·',
];
const PROSE = [
  'Fast shipping worldwide',
  'Vacuum sealed, stealth',
  'Hotel Cartel telegram',
  'Contact me for bulk',
  'price 0.0042 BTC qty 1000',
  'order 123456789',
  'escrow only',
  'Доставка по всей стране',
  'Αποστολή παντού',
  'key',
  'pgpg',
  'gpgp',
  'openpgpg',
  'fingerprint',
  'ključ',
  'κλειδί',
  'ϰλειδί',
  '\u212aey', // Kelvin sign: "key" for case-insensitive Unicode matching
  'Wickr',
  'jabber',
  'xmpp',
  'e-mail',
  'Telegram',
  'tg',
  'session',
];
const PHONE_WORDS = [
  'tel',
  'Tel.',
  'TEL:',
  'phone',
  'call',
  'mob',
  'cell',
  'WhatsApp',
  'whats app',
  'what\u017f app', // long s
  'signal',
  '\u017fignal',
  'viber',
  'sms',
  '\u017fm\u017f',
  'telefon',
  'телефон',
  'тел',
  '\u1c84ел', // tall te
  'τηλ',
  'ΤΗΛ',
  'numri',
  'broj',
  'număr',
  'numar',
  'szám',
  'gsm',
  'kontakt',
  '\u212aontakt',
  'contact',
  'Telegram',
  'Cartel',
];
const REGIONS = ['AL', 'RS', 'HU', 'MK', 'GR', 'DE', 'US', 'GB', 'TR', 'BG', 'NL', 'BA', 'ME', 'XX', 'zz'];
/** National numbers libphonenumber takes as valid for their region. */
const NATIONAL: Array<[string, string]> = [
  ['AL', '069 212 3456'],
  ['HU', '06 30 123 4567'],
  ['MK', '070 123 456'],
  ['RS', '064 123 4567'],
  ['GR', '691 234 5678'],
  ['DE', '0151 23456789'],
  ['GB', '020 7946 0958'],
  ['TR', '0532 123 45 67'],
  ['BG', '0888 123 456'],
  ['NL', '06 12345678'],
  ['BA', '061 123 456'],
  ['ME', '067 123 456'],
  ['US', '(201) 555-0123'],
];

const digits = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const phone: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NATIONAL.map(([, n]) => n)),
  fc.constantFrom(
    '+381 64 123 4567',
    '00355 69 212 3456',
    '(069) 212-3456',
    '069/212-3456',
    '069 212 3456',
    '+1 (202) 555-0143',
    '+44 20 7946 0958',
    '0044 20 7946 0958',
    '+49 30 901820',
    '+36 30 123 4567',
    '06 30 123 4567',
    '070 123 456',
    '+7 912 345-67-89',
    '+30 691 234 5678',
    '+８１ ３-１２３４-５６７８', // full-width
    '+3 8 1 6 4',
  ),
  fc
    .tuple(
      fc.constantFrom('+', '00', '0', '', '(0)', '+00'),
      fc.array(digits(3), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(' ', '-', '.', '/', '', '  '),
    )
    .map(([lead, groups, sep]) => lead + groups.join(sep)),
);

const address: fc.Arbitrary<string> = fc.integer({ min: 1, max: 400 }).chain((s) =>
  fc.constantFrom(
    v.p2pkh(s),
    v.p2sh(s),
    v.segwitV0(s),
    v.taproot(s),
    v.taproot(s).toUpperCase(),
    v.v1WithBech32(s),
    v.testnetP2pkh(s),
    v.flip(v.p2pkh(s), 7, v.BASE58),
    v.monero(18, s),
    v.monero(42, s),
    v.monero(19, s, true),
    v.flip(v.monero(18, s), 40, v.BASE58),
    v.onion(s),
    v.onion(s).toUpperCase(),
    v.onionWrongVersion(s),
    `http://${v.onion(s)}/x`,
    `05${Buffer.from(v.bytes(32, s)).toString('hex')}`,
    `0x${Buffer.from(v.bytes(20, s)).toString('hex')}`,
    `0x${Buffer.from(v.bytes(20, s)).toString('hex').toUpperCase()}`,
    Buffer.from(v.bytes(20, s))
      .toString('hex')
      .toUpperCase()
      .replace(/(.{4})(?!$)/g, '$1 '),
    Buffer.from(v.bytes(20, s))
      .toString('hex')
      .replace(/(.{4})(?!$)/g, '$1\u00a0'),
    Buffer.from(v.bytes(20, s)).toString('hex'),
  ),
);

const handle: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9_.%+-]{3,12}$/),
    fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{3,14}$/),
    fc.constantFrom('proton.me', 'xmpp.jp', 'jabb.im', 'example.com', 'x.png', 'ex..com'),
  )
  .chain(([local, name, host]) =>
    fc.constantFrom(
      `${local}@${host}`,
      `${name}@${host}`,
      `${local.toUpperCase()}@${host}`,
      `${name} [at] ${host.replace('.', ' (dot) ')}`,
      `${local}(at)${host}`,
      `${local}@${host.replace('.', '[dot]')}`,
      `${local}@${host.replace('.', ' { . } ')}`,
      `${name}\u200b@${host}`,
      `@${name}`,
      `Telegram: @${name}`,
      `t.me/${name}`,
      `https://telegram.me/${name}`,
      `T.ME/${name}`,
      `wickr: ${name}`,
      `Wickr me - ${name}`,
      `jabber ${local}@${host}`,
    ),
  );

const FINGERPRINT_WORDS = [
  'fingerprint',
  'PGP',
  'gpg',
  'OpenPGP',
  'key',
  '\u212aey',
  'ključ',
  'ключ',
  'κλειδί',
  'ϰλειδί',
  'çelës',
  'kulcs',
  'anahtar',
  'cheie',
  'pgpg',
  'openpgpg',
];
const mention: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...FINGERPRINT_WORDS),
    fc.string({ maxLength: 44 }),
    fc.integer({ min: 1, max: 400 }),
    fc.constantFrom(' ', '\u00a0', '', 'x'),
  )
  .map(
    ([word, gap, s, sep]) =>
      word +
      gap +
      Buffer.from(v.bytes(20, s))
        .toString('hex')
        .replace(/(.{4})(?!$)/g, `$1${sep}`),
  );

const space = fc.constantFrom('', ' ', '  ', '\n', ' \n\t ', '\u00a0');
const wickrPhrase: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('wickr', 'Wickr', 'WICKR', 'xwickr', 'wickrme'),
    fc.tuple(space, fc.constantFrom('', 'me', 'ME')),
    fc.tuple(space, fc.constantFrom('', 'id', 'user', 'username', 'handle', 'usernam')),
    fc.tuple(space, fc.constantFrom('', ':', '=', '-', '–', '—', '::')),
    fc.tuple(space, fc.constantFrom('', '@')),
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,36}$/),
      fc.constantFrom('only', 'me', 'please', 'id'),
    ),
  )
  .map(([w, a, b, c, d, name]) => w + a.join('') + b.join('') + c.join('') + d.join('') + name);

const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: wickrPhrase },
  { weight: 2, arbitrary: mention },
  { weight: 3, arbitrary: fc.constantFrom(...PROSE) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...PHONE_WORDS), fc.constantFrom(' ', ': ', '. ', '', '\n', ' - '), phone)
      .map((p) => p.join('')),
  },
  { weight: 1, arbitrary: phone },
  { weight: 3, arbitrary: address },
  { weight: 2, arbitrary: handle },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF xX.-@+()/'), maxLength: 60 }),
  },
);

const generatedText: fc.Arbitrary<string> = fc
  .array(fc.tuple(fragment, fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 24 })
  .map((parts) => parts.map(([f, sep]) => f + sep).join(''));

describe('extractEntities equals the reference implementation on generated text', () => {
  it('random mixes of valid and broken addresses, handles, phones and prose, with region hints', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(generatedText, fc.subarray(REGIONS, { maxLength: 5 }), async (text, regions) => {
        const expected = await extractEntitiesReference(text, { regions });
        for (const e of expected) seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
        expect(await extractEntities(text, { regions })).toEqual(expected);
      }),
      { numRuns: 500 },
    );
    // The texts did exercise every family, not only the paths that find nothing.
    for (const type of [
      'btc',
      'xmr',
      'eth',
      'onion',
      'pgp',
      'email',
      'jabber',
      'telegram',
      'session',
      'wickr',
      'phone',
    ])
      expect({ type, found: (seen.get(type) ?? 0) > 5 }).toEqual({ type, found: true });
  }, 120_000);

  it('each family finder on raw text, before NFKC folds away the Kelvin sign, long s and ϰ', async () => {
    await fc.assert(
      fc.asyncProperty(generatedText, fc.subarray(REGIONS, { maxLength: 5 }), async (text, regions) => {
        expect(cur.deobfuscateContacts(text)).toBe(ref.deobfuscateContacts(text));
        expect(cur.findBitcoinAddresses(text)).toEqual(ref.findBitcoinAddresses(text));
        expect(cur.findMoneroAddresses(text)).toEqual(ref.findMoneroAddresses(text));
        expect(cur.findEthereumAddresses(text)).toEqual(ref.findEthereumAddresses(text));
        expect(cur.findOnions(text)).toEqual(ref.findOnions(text));
        expect(cur.findFingerprintMentions(text)).toEqual(ref.findFingerprintMentions(text));
        expect(cur.findAddresses(text)).toEqual(ref.findAddresses(text));
        expect(cur.findTelegramHandles(text)).toEqual(ref.findTelegramHandles(text));
        expect(cur.findSessionIds(text)).toEqual(ref.findSessionIds(text));
        expect(cur.findWickrHandles(text)).toEqual(ref.findWickrHandles(text));
        expect(cur.findPhoneNumbers(text, regions)).toEqual(ref.findPhoneNumbers(text, regions));
        expect(await cur.findPgpFingerprints(text)).toEqual(await ref.findPgpFingerprints(text));
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('each family finder on the characters only Unicode case folding equates with ASCII', async () => {
    const fp = 'ABCD EF01 2345 6789 ABCD EF01 2345 6789 ABCD EF01';
    const cases: Array<[string, string[]]> = [
      ['\u212aontakt 069 212 3456', ['AL']],
      ['what\u017f app 069 212 3456', ['AL']],
      ['\u017fignal: 064 123 4567', ['RS']],
      ['\u017fm\u017f 064 123 4567 · g\u017fm 070 123 456', ['RS', 'MK']],
      ['\u017fzám: 06 30 123 4567', ['HU']],
      ['\u1c84ел. 070 123 456 · ΤΗΛ 691 234 5678', ['MK', 'GR']],
      [`\u212aey ${fp}`, []],
      [`\u212alju\u010d: ${fp}`, []],
      [`\u212aulcs ${fp}`, []],
      [`\u03f0λειδί ${fp}`, []],
      [`pgpg${' '.repeat(40)}${fp}`, []],
      [`openpgpg${'-'.repeat(37)}${fp}`, []],
      ['al\u00adice@example.com', []],
    ];
    for (const [text, regions] of cases) {
      const found = [
        cur.findPhoneNumbers(text, regions),
        cur.findFingerprintMentions(text),
        cur.findAddresses(cur.deobfuscateContacts(text)),
      ];
      expect(found).toEqual([
        ref.findPhoneNumbers(text, regions),
        ref.findFingerprintMentions(text),
        ref.findAddresses(ref.deobfuscateContacts(text)),
      ]);
      expect(found.flat().length).toBeGreaterThan(0); // each case does hold an entity
      await expectSame(text, regions);
    }
  });

  it('arbitrary Unicode text near the families\u2019 trigger characters', () => {
    const unit = fc.oneof(
      fc.constantFrom(...'@.+0:/ \n()[]{}tpcmswvnbgkToOnIiNn\u017f\u212a\u1c84\u03f0\u00ad\u200b\ufeff'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 300 }),
        fc.subarray(REGIONS, { maxLength: 2 }),
        (text, regions) => {
          expect(extractEntitiesSync(text, { regions })).toEqual(
            extractEntitiesSyncReference(text, { regions }),
          );
        },
      ),
      { numRuns: 500 },
    );
  }, 120_000);
});

describe('Monero base58 decoding without BigInt', () => {
  it('equals the BigInt decoder on addresses, flipped ones and arbitrary strings', () => {
    const alphabet = fc.constantFrom(...v.BASE58);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1, max: 10_000 }).map((s) => v.monero([18, 19, 42, 53][s % 4]!, s, s % 3 === 0)),
          fc.integer({ min: 1, max: 10_000 }).map((s) => v.flip(v.monero(18, s), s % 95, v.BASE58)),
          fc.string({ unit: alphabet, maxLength: 120 }),
          fc.string({ unit: fc.constantFrom(...'zzz111Oo0lI\u00e9'), maxLength: 30 }),
          fc.string({ unit: 'binary', maxLength: 30 }),
        ),
        (text) => {
          expect(moneroBase58Decode(text)).toEqual(moneroBase58DecodeReference(text));
        },
      ),
      { numRuns: 2000 },
    );
    // Each block size at its overflow limit: 2^(8·bytes) − 1 decodes, 2^(8·bytes) does not.
    const encodedLength = [0, 2, 3, 5, 6, 7, 9, 10, 11];
    for (let bytes = 1; bytes <= 8; bytes++)
      for (const value of [2n ** BigInt(8 * bytes) - 1n, 2n ** BigInt(8 * bytes)]) {
        let digits = '';
        for (let x = value, i = 0; i < encodedLength[bytes]!; i++, x /= 58n)
          digits = v.BASE58[Number(x % 58n)]! + digits;
        expect(moneroBase58Decode(digits)).toEqual(moneroBase58DecodeReference(digits));
        expect(moneroBase58Decode(digits) === null).toBe(value === 2n ** BigInt(8 * bytes));
      }
    // The largest block values of every length.
    for (let n = 1; n <= 11; n++)
      for (const c of ['z', 'y', '2', '1'])
        for (const head of ['', '1', 'z', '5', 'j'])
          expect(moneroBase58Decode((head + c.repeat(n)).slice(0, n))).toEqual(
            moneroBase58DecodeReference((head + c.repeat(n)).slice(0, n)),
          );
  });
});

describe('hostile input: the same result, in bounded work', () => {
  // Each would time the test out if a scan went quadratic; the results must still match.
  const hostile: Array<[string, string]> = [
    ['one 400 K letter-and-digit run', 'a1'.repeat(200_000)],
    [
      'base58 runs of every candidate length',
      Array.from({ length: 20_000 }, (_, i) => '1' + 'A'.repeat(25 + (i % 12))).join(' '),
    ],
    ['onion-like labels', ('a'.repeat(56) + '.onion ').repeat(10_000)],
    ['phone words and digits, 100 K of them', 'contact 1234 tel: 069 '.repeat(20_000)],
    ['phone-word prefixes only', 'telephon\u017fm\u017f'.repeat(40_000)],
    ['overlapping key words', 'pgpgpgp openpgpg '.repeat(20_000) + 'ABCD '.repeat(10)],
    ['key words before hex floods', ('key ' + 'ABCD '.repeat(12)).repeat(5_000)],
    ['"@" in one long address run', 'a.b@'.repeat(100_000)],
    ['"@" handles with long tails', '@abcd-'.repeat(2_000)],
    ['obfuscation brackets', '( at ) [dot] '.repeat(30_000)],
    ['"+" and "00" without numbers after them', '+ +a 00 000 +00 .00\n'.repeat(20_000)],
    ['hex stretches of every length near key words', ('key ' + 'ABCD '.repeat(9) + 'ABC ').repeat(8_000)],
    ['"/" after "me" and "og"', 'me/ og/ t.me/ telegram.dog/x '.repeat(10_000)],
    ['"@" runs without a dot after them', 'x@y@z-@ @name_x '.repeat(20_000)],
  ];
  // Inputs the reference itself takes minutes on (its regexes retry a long run at every position):
  // the result must equal the reference's on the same text with the long run cut short.
  const scaled: Array<[string, (n: number) => string, number]> = [
    ['a blank run before "[at]"', (n) => `x${' '.repeat(n)}a [at] b.com ${'\n'.repeat(n)}(dot)`, 200_000],
    ['"wickr" and a blank run', (n) => `wickr${' '.repeat(n)}me${'\n'.repeat(n)}: bigvendor`, 200_000],
    ['"@name-" handles in one run', (n) => `Telegram ${'@abcde-'.repeat(n)}x.y tg: @vendor_x`, 60_000],
  ];
  for (const [name, make, n] of scaled)
    it(`${name}, ${make(n).length >> 10} K long`, async () => {
      const expected = await extractEntitiesReference(make(100), { regions: ['AL'] });
      expect(expected.length).toBeGreaterThan(0);
      expect(await extractEntities(make(n), { regions: ['AL'] })).toEqual(expected);
    }, 30_000);
  for (const [name, text] of hostile)
    it(
      name,
      async () => {
        await expectSame(text, ['AL', 'RS']);
      },
      30_000,
    );
});
