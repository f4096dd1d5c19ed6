// Hand-written pages in layouts the range does not generate: a spec table, a definition list in
// Albanian, a card grid in Serbian Cyrillic, JSON-LD in Greek, a forum thread, a vendor profile in
// Hungarian, label/value div pairs in Turkish (windows-1254), and a page that is none of these.
import { readFileSync } from 'node:fs';
import { readKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { extractPage, toSpecJson } from '../../extractors/page/extract.js';
import { loadRates } from '../../extractors/price.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const rates = loadRates();
const eur = (amount: number, cur: string) => Math.round((amount / rates.rates[cur]!) * 100) / 100;

describe('hand-written layouts', () => {
  it('spec table: every field, hidden decoy ignored, related items not mistaken for the listing', async () => {
    const r = await extractPage(fixture('listing-table.html'), 'http://blackbazaar.onion/listing/42');
    expect(toSpecJson(r)).toEqual({
      pageType: 'listing',
      site: 'blackbazaar.onion',
      listings: [
        {
          title: 'Glock 19 Gen5 + 2 mags',
          description:
            'Clean Gl0ck 19, serial removed. Comes with two magazines and 50 rounds.\nStealth packaging, tracked.',
          price: { amount: 0.0125, currency: 'BTC' },
          priceEur: eur(0.0125, 'BTC'),
          vendor: 'BalkanArms',
          category: 'Weapons > Pistols',
          classification: null,
          shipsFrom: 'RS',
          shipsTo: ['BA', 'ME', 'HR'],
          url: 'http://blackbazaar.onion/listing/42',
        },
      ],
      posts: [],
      // The decoy with a changed character is not an address.
      entities: [{ type: 'btc', value: '1FqSZ6TM9hoDXH3BCa2k14EUMPAB8ffakZ' }],
      language: 'en',
    });
    expect(r.vendors).toEqual([
      { name: 'BalkanArms', pgpFingerprint: null, profileUrl: 'http://blackbazaar.onion/vendor/balkanarms' },
    ]);
    expect(r.meta.eur[0]).toEqual({ eur: eur(0.0125, 'BTC'), rate: rates.rates.BTC, ratesDate: rates.date });
  });

  it('definition list in Albanian', async () => {
    const r = await extractPage(fixture('listing-dl-sq.html'), 'http://tregu.onion/p/5');
    expect(r.pageType).toBe('listing');
    expect(r.listings[0]).toMatchObject({
      title: 'Kokainë e pastër 5g',
      price: { amount: 1200.5, currency: 'EUR' },
      priceEur: 1200.5,
      vendor: 'TiranaPlug',
      category: 'Droga > Stimulantë',
      shipsFrom: 'AL',
      shipsTo: ['XK', 'MK'],
    });
    expect(r.listings[0]!.description).toMatch(/^Kokainë shumë e pastër/);
    expect(r.entities).toEqual([{ type: 'telegram', value: 'tirana_plug' }]);
    expect(r.language).toBe('sq');
  });

  it('card grid in Serbian Cyrillic with mixed currencies', async () => {
    const r = await extractPage(fixture('index-cards-sr.html'), 'http://market.onion/kat/dokumenti');
    expect(r.pageType).toBe('listing_index');
    expect(r.listings.map((l) => [l.title, l.price, l.vendor, l.shipsFrom, l.url])).toEqual([
      [
        'Пасош Србије, оригинални образац',
        { amount: 450, currency: 'EUR' },
        'DocMaster',
        'RS',
        'http://market.onion/oglas/101',
      ],
      [
        'Возачка дозвола ЕУ',
        { amount: 300, currency: 'USD' },
        'DocMaster',
        'BG',
        'http://market.onion/oglas/102',
      ],
      [
        'Лична карта (BG)',
        { amount: 2.1, currency: 'XMR' },
        'SofiaPrint',
        'BG',
        'http://market.onion/oglas/103',
      ],
      [
        'Falsifikovane novčanice 50€ x20',
        { amount: 0.0042, currency: 'BTC' },
        'CashKing',
        null,
        'http://market.onion/oglas/104',
      ],
    ]);
    expect(r.listings.every((l) => l.category === 'Документи')).toBe(true);
    expect(r.entities).toEqual([
      { type: 'onion', value: '6t4wptaocsl6srkot4c7akmv5ribpcbcmqyjbv5wzg7rqrhvro7cqnyd.onion' },
    ]);
    expect(r.language).toBe('sr');
  });

  it('JSON-LD Product in Greek (malformed second block ignored)', async () => {
    const r = await extractPage(fixture('listing-jsonld-el.html'), 'http://athens.onion/item/9');
    expect(r.pageType).toBe('listing');
    expect(r.listings[0]).toMatchObject({
      title: 'Κοκαΐνη 10 γραμμάρια υψηλής καθαρότητας',
      price: { amount: 2.5, currency: 'XMR' },
      priceEur: eur(2.5, 'XMR'),
      vendor: 'AthensCandy',
      category: 'Ναρκωτικά > Διεγερτικά',
      shipsFrom: 'GR',
      shipsTo: ['CY', 'BG'],
      url: 'http://athens.onion/item/9',
    });
    expect(r.entities.map((e) => e.type)).toEqual(['xmr']);
    expect(r.language).toBe('el');
  });

  it('forum thread: posts in order, dates read or null, obfuscated e-mail and Session ID found', async () => {
    const r = await extractPage(fixture('forum-thread.html'), 'http://forum.onion/t/77');
    expect(r.pageType).toBe('forum_thread');
    expect(toSpecJson(r)).toMatchObject({
      listings: [],
      posts: [
        {
          threadTitle: 'Looking for CZ parts in Bosnia',
          author: 'ghost',
          postedAt: '2024-03-02T10:15:00.000Z',
        },
        {
          threadTitle: 'Looking for CZ parts in Bosnia',
          author: 'marko_ba',
          postedAt: '2024-03-03T18:40:00.000Z',
        },
        {
          threadTitle: 'Looking for CZ parts in Bosnia',
          author: 'ghost',
          postedAt: null,
          body: 'Thanks, sent.',
        },
      ],
      language: 'en',
    });
    expect(r.entities).toEqual([
      { type: 'email', value: 'marko.parts@protonmail.com' },
      { type: 'session', value: '05aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899' },
    ]);
  });

  it('vendor profile in Hungarian: vendor, PGP key fingerprint, items with vendor, contacts', async () => {
    const html = fixture('vendor-profile-hu.html');
    const armoured = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/.exec(
      html.toString(),
    )![0];
    const fingerprint = (await readKey({ armoredKey: armoured })).getFingerprint().toUpperCase();
    const r = await extractPage(html, 'http://market.onion/vendor/balkanarms');
    expect(r.pageType).toBe('vendor_profile');
    expect(r.vendors[0]).toEqual({
      name: 'BalkanArms',
      pgpFingerprint: fingerprint,
      profileUrl: 'http://market.onion/vendor/balkanarms',
    });
    expect(r.listings.map((l) => [l.title, l.price, l.vendor, l.shipsFrom])).toEqual([
      ['Glock 17 pisztoly', { amount: 1200, currency: 'HUF' }, 'BalkanArms', 'HU'],
      ['Töltények 9mm x100', { amount: 90, currency: 'EUR' }, 'BalkanArms', 'RO'],
      ['Tompító (hangtompító)', { amount: 90, currency: 'USD' }, 'BalkanArms', 'RS'],
    ]);
    expect(r.entities).toEqual([
      { type: 'pgp', value: fingerprint },
      { type: 'jabber', value: 'balkanarms@jabb.im' },
      { type: 'wickr', value: 'balkanarms99' },
    ]);
    expect(r.language).toBe('hu');
  });

  it('label/value div pairs in Turkish, windows-1254 encoded', async () => {
    const r = await extractPage(fixture('listing-divpairs-tr.html'), 'http://pazar.onion/urun/3');
    expect(r.listings).toEqual([
      expect.objectContaining({
        title: 'Sahte Türk pasaportu, biyometrik',
        price: { amount: 1500, currency: 'TRY' },
        vendor: 'IstanbulDocs',
        category: 'Belgeler > Pasaportlar',
        shipsFrom: 'TR',
        shipsTo: null,
      }),
    ]);
    expect(r.entities).toEqual([{ type: 'telegram', value: 'istanbuldocs' }]);
    expect(r.language).toBe('tr');
  });

  it('a page that is no listing, thread or profile is "other" with nothing invented', async () => {
    const r = await extractPage(fixture('other.html'), 'http://market.onion/rules');
    expect(toSpecJson(r)).toEqual({
      pageType: 'other',
      site: 'market.onion',
      listings: [],
      posts: [],
      entities: [{ type: 'email', value: 'support@market.example' }],
      language: 'en',
    });
  });

  it('passes title and description to an injected classifier, and survives one that throws', async () => {
    const seen: Array<[string, string | null]> = [];
    const r = await extractPage(fixture('listing-table.html'), 'http://b.onion/l/1', {
      classify: (t, d) => {
        seen.push([t, d]);
        return { label: 'firearms', confidence: 0.9 };
      },
    });
    expect(seen[0]![0]).toBe('Glock 19 Gen5 + 2 mags');
    expect(r.listings[0]!.classification).toEqual({ label: 'firearms', confidence: 0.9 });
    const r2 = await extractPage(fixture('listing-table.html'), 'http://b.onion/l/1', {
      classify: () => {
        throw new Error('model missing');
      },
    });
    expect(r2.listings[0]!.classification).toBeNull();
  });
});
