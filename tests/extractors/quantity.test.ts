// Quantity and unit (SPEC §3): the notations markets use, in the region's languages, and the
// look-alikes that are not quantities (calibres, model numbers, prices, grains, "Gaming PC").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractPage } from '../../extractors/page/extract.js';
import {
  EDGE_BEFORE,
  listingQuantity,
  matchesAfterEdge,
  PACKS_SOURCE,
  parseQuantity,
  SINGLE_SOURCE,
} from '../../extractors/quantity.js';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';

const q = (t: string) => {
  const r = parseQuantity(t);
  return r && { count: r.count, amount: r.amount, unit: r.unit };
};

describe('parseQuantity', () => {
  it('reads the usual notations', () => {
    expect(q('Cocaine 10g')).toEqual({ count: null, amount: 10, unit: 'g' });
    expect(q('Oxycodone 5 x 100 mg')).toEqual({ count: 5, amount: 100, unit: 'mg' });
    expect(q('2×1g bags')).toEqual({ count: 2, amount: 1, unit: 'g' });
    expect(q('Hash 1 kg brick')).toEqual({ count: null, amount: 1, unit: 'kg' });
    expect(q('Captagon 50 pcs')).toEqual({ count: null, amount: 50, unit: 'pcs' });
    expect(q('9mm FMJ, box of 50 rounds')).toEqual({ count: null, amount: 50, unit: 'rounds' });
    expect(q('AK magazine 30 rd')).toEqual({ count: null, amount: 30, unit: 'rounds' });
    expect(q('MDMA pills 200mg (10 pcs)')).toEqual({ count: 10, amount: 200, unit: 'mg' });
    expect(q('Speed 0,5 g')).toEqual({ count: null, amount: 0.5, unit: 'g' });
    expect(q('1.000 pcs wholesale')).toEqual({ count: null, amount: 1000, unit: 'pcs' });
  });

  it('reads the region’s languages', () => {
    expect(q('Ecstasy 3 Stück')).toEqual({ count: null, amount: 3, unit: 'pcs' });
    expect(q('Амфетамин 10 гр')).toEqual({ count: null, amount: 10, unit: 'g' });
    expect(q('kokainë 5 gr')).toEqual({ count: null, amount: 5, unit: 'g' });
    expect(q('metaka 9x19, 50 metaka')).toEqual({ count: null, amount: 50, unit: 'rounds' });
    expect(q('трева 100 грама')).toEqual({ count: null, amount: 100, unit: 'g' });
    expect(q('κοκαΐνη 5 γρ')).toEqual({ count: null, amount: 5, unit: 'g' });
    expect(q('hap 20 adet')).toEqual({ count: null, amount: 20, unit: 'pcs' });
    expect(q('tablete 10 kom')).toEqual({ count: null, amount: 10, unit: 'pcs' });
    expect(q('pastile 10 buc')).toEqual({ count: null, amount: 10, unit: 'pcs' });
    expect(q('1 кг')).toEqual({ count: null, amount: 1, unit: 'kg' });
  });

  it('does not read calibres, model numbers, prices, grains or computers as quantities', () => {
    for (const t of [
      'Glock 19 Gen5 9mm',
      '9x19 Parabellum',
      'AK-47 with folding stock',
      '0.0042 BTC',
      '€ 1.200,50',
      '20 euro notes',
      '115gr FMJ',
      '124 gr JHP, box',
      'Gaming PC',
      'Windows 10 PC',
      'G17 slide',
      'model 1911',
      'bag10g',
      '10gauge',
      '',
    ])
      expect(parseQuantity(t), t).toBeNull();
    expect(parseQuantity(null)).toBeNull();
    expect(parseQuantity(undefined)).toBeNull();
  });

  it('ambiguous cases resolve to what the seller meant, or to null', () => {
    // Grains next to a round count: the rounds, not 115 "grams".
    expect(q('9mm 115gr FMJ, box of 50 rounds')).toEqual({ count: null, amount: 50, unit: 'rounds' });
    // Two masses: the first stated one, not a sum or a guess.
    expect(q('10 g (or 20 g for regulars)')).toEqual({ count: null, amount: 10, unit: 'g' });
    // A fractional piece count is not a count.
    expect(parseQuantity('1.5 pcs')).toBeNull();
    // Magazines: five of them, the rounds are their capacity.
    expect(q('AK magazine 30 rd (5 pcs)')).toEqual({ count: null, amount: 5, unit: 'pcs' });
    // A cream's package volume, not the CBD it contains.
    expect(q('CBD face cream 500mg 50 ml')).toEqual({ count: null, amount: 50, unit: 'ml' });
    expect(q('cleaning kit (1 set)')).toEqual({ count: null, amount: 1, unit: 'sets' });
    // Zero and absurd numbers are not quantities.
    expect(parseQuantity('0 g')).toBeNull();
    expect(parseQuantity('9999999999 kg')).toBeNull();
    // The title wins over the description.
    expect(listingQuantity('Cocaine 5g', 'also 10 g and 50 g')!.amount).toBe(5);
    expect(listingQuantity('Cocaine', 'sold as 10 g')!.amount).toBe(10);
    expect(listingQuantity('Cocaine', null)).toBeNull();
  });

  it('hostile input: huge, digit floods, binary, ReDoS shapes — bounded and never throws', () => {
    expect(parseQuantity('9'.repeat(1_000_000) + ' g')).toBeNull();
    expect(parseQuantity('1.'.repeat(500_000) + 'g')).toBeNull();
    expect(parseQuantity('x'.repeat(3000) + ' 10 g')).toBeNull(); // past the scanned prefix
    expect(parseQuantity('\u0000\u0001 10 g \uffff')).toEqual(
      expect.objectContaining({ amount: 10, unit: 'g' }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseQuantity(s);
        if (r) {
          expect(Number.isFinite(r.amount) && r.amount > 0).toBe(true);
          expect(s).toContain(r.text.split(' × ')[0]!);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('range listings', () => {
  it('agree with the ground truth’s quantity for nearly every listing', () => {
    const truth = buildTruth(generateWorld({ seed: 11, size: 150 }), 0);
    let agree = 0;
    for (const l of truth.listings) {
      const want = parseQuantity(l.unit);
      const got = listingQuantity(l.title, l.description);
      expect(want, l.unit).not.toBeNull();
      // "MDMA 250mg 100 pcs" reads as 100 × 250 mg where the truth says "100 pcs": both count 100.
      if (
        got &&
        want &&
        ((got.amount === want.amount && got.unit === want.unit) || got.count === want.amount)
      )
        agree++;
    }
    expect(truth.listings.length).toBeGreaterThan(100);
    expect(agree / truth.listings.length).toBeGreaterThan(0.97);
  });
});

describe('extractPage: quantity per listing', () => {
  it('travels in meta.quantity, in listing order, and stays out of the SPEC §7 JSON', async () => {
    const html = `<html><body><div class="grid">
      <div class="card"><a href="/l/1"><h3>Cocaine 5 x 1 g</h3></a><span class="price">€ 300</span></div>
      <div class="card"><a href="/l/2"><h3>Glock 19 Gen5</h3></a><span class="price">€ 900</span></div>
      <div class="card"><a href="/l/3"><h3>Ammo box of 50 rounds</h3></a><span class="price">€ 40</span></div>
    </div></body></html>`;
    const r = await extractPage(html, 'http://m.onion/');
    expect(r.listings.map((l) => l.title)).toEqual([
      'Cocaine 5 x 1 g',
      'Glock 19 Gen5',
      'Ammo box of 50 rounds',
    ]);
    expect(r.meta.quantity.map((x) => x && { count: x.count, amount: x.amount, unit: x.unit })).toEqual([
      { count: 5, amount: 1, unit: 'g' },
      null,
      { count: null, amount: 50, unit: 'rounds' },
    ]);
    expect(JSON.stringify(r.listings)).not.toContain('quantity');
  });
});

// parseQuantity runs its patterns without their leading look-behind and checks it by hand
// (matchesAfterEdge), so the engine can skip to digits. Same matches as the original patterns.
describe('matchesAfterEdge', () => {
  const pairs = [PACKS_SOURCE, SINGLE_SOURCE].map((source) => ({
    original: new RegExp(source, 'giu'),
    stripped: new RegExp(source.slice(EDGE_BEFORE.length), 'giu'),
  }));
  const same = (s: string): void => {
    for (const { original, stripped } of pairs) {
      const want = [...s.matchAll(original)].map((m) => [m.index, ...m]);
      const got = [...matchesAfterEdge(stripped, s)].map((m) => [m.index, ...m]);
      expect(got, JSON.stringify(s)).toEqual(want);
    }
  };
  it('finds exactly what the look-behind patterns find', () => {
    const piece = fc.constantFrom(
      '1',
      '12',
      '5',
      '0',
      '3.5',
      '1,000',
      '2.5.1',
      ' ',
      'x',
      '×',
      '*',
      'mg',
      'g',
      'gr',
      'kg',
      'pcs',
      'ml',
      'мг',
      'гр',
      'τεμ',
      'rounds',
      'a',
      'é',
      'Я',
      '٣',
      '.',
      ',',
      '𝟙',
      '😀',
      '\ud800',
      '\udc00',
      '(',
      '-',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => same(parts.join(''))),
      { numRuns: 3000 },
    );
    for (const s of [
      '5 x 100 mg',
      'a12 g 3g',
      '1.5g,2g',
      '𝟙2 g',
      '😀5 pcs',
      '\udc005g',
      'x'.repeat(3000) + '5 g',
    ])
      same(s);
  });
});
