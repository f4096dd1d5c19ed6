import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrices, firstPrice, loadRates, parseAmount, parsePrice, toEur } from '../../extractors/price.js';

describe('parsePrice', () => {
  const cases: Array<[string, number, string]> = [
    ['0.0042 BTC', 0.0042, 'BTC'],
    ['$450.00', 450, 'USD'],
    ['€ 1.200,50', 1200.5, 'EUR'],
    ['1.200,50 €', 1200.5, 'EUR'],
    ['XMR 2.1', 2.1, 'XMR'],
    ['USD 90 / 0.0021 BTC', 90, 'USD'],
    ['450 EUR', 450, 'EUR'],
    ['₿0.01', 0.01, 'BTC'],
    ['1,200.50 USD', 1200.5, 'USD'],
    ['EUR1,234,567.89', 1234567.89, 'EUR'],
    ['Price: 12,5€', 12.5, 'EUR'],
    ['US$ 99', 99, 'USD'],
    ['0.5 btc', 0.5, 'BTC'],
    ['50000 sats', 0.0005, 'BTC'],
    ['1 200 Ft', 1200, 'HUF'],
    ['2.500 din', 2500, 'RSD'],
    ['ALL 5000', 5000, 'ALL'],
    ['150 лв', 150, 'BGN'],
    ['3 грама 120 евро', 120, 'EUR'],
    ['200 ευρώ', 200, 'EUR'],
    ['1.200 €', 1200, 'EUR'],
    ['0.042 BTC', 0.042, 'BTC'],
    ['1.250 XMR', 1.25, 'XMR'],
    ['Glock 19 for $450', 450, 'USD'],
    ['750 lei', 750, 'RON'],
    ['1.500 TL', 1500, 'TRY'],
  ];
  for (const [text, amount, currency] of cases) {
    it(`${text} → ${amount} ${currency}`, () => {
      expect(parsePrice(text)).toEqual({ amount, currency });
    });
  }

  it('reads both prices of a dual-currency tag, in order', () => {
    expect(findPrices('USD 90 / 0.0021 BTC').map((p) => [p.amount, p.currency])).toEqual([
      [90, 'USD'],
      [0.0021, 'BTC'],
    ]);
  });

  it('firstPrice is the first of findPrices, skipping candidates that are not prices', () => {
    for (const t of [
      'USD 90 / 0.0021 BTC',
      'all 5 TRY 20',
      'sat 1.2.3 then 3 EUR and $4',
      'none here',
      '1.20.5 BTC $7',
    ])
      expect(firstPrice(t)).toEqual(findPrices(t)[0] ?? null);
    expect(firstPrice('1.20.5 BTC $7')?.currency).toBe('USD');
  });

  it('does not take ordinary words, units or bare numbers for prices', () => {
    for (const t of ['all 50 pills', '5 km away', 'glock 19', 'try 3 times', '9mm', '', '$', 'BTC'])
      expect(parsePrice(t)).toBeNull();
  });

  it('rejects malformed groupings and stays fast on hostile digit runs', () => {
    expect(parseAmount('1.20.5')).toBeNull();
    const hostile = [
      '1'.repeat(100_000),
      '1,000'.repeat(20_000),
      '1.'.repeat(50_000) + 'x',
      '€'.repeat(50_000),
    ];
    for (const t of hostile) {
      const t0 = performance.now();
      findPrices(t);
      expect(performance.now() - t0).toBeLessThan(15_000); // catastrophic backtracking would never end
    }
  });
});

describe('toEur', () => {
  it('converts with the default table and records rate and date', () => {
    const rates = loadRates();
    const v = toEur({ amount: 450, currency: 'USD' })!;
    expect(v.ratesDate).toBe(rates.date);
    expect(v.rate).toBe(rates.rates.USD);
    expect(v.eur).toBeCloseTo(450 / rates.rates.USD!, 2);
    expect(toEur({ amount: 10, currency: 'EUR' })!.eur).toBe(10);
  });

  it('uses a configurable table and returns null for unknown currencies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rates-'));
    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify({ date: '2030-01-01', base: 'EUR', rates: { BTC: 0.00001 } }));
    const table = loadRates(file);
    expect(toEur({ amount: 0.01, currency: 'BTC' }, table)).toEqual({
      eur: 1000,
      rate: 0.00001,
      ratesDate: '2030-01-01',
    });
    expect(toEur({ amount: 1, currency: 'ZZZ' }, table)).toBeNull();
    expect(toEur(null, table)).toBeNull();
  });

  it('rejects a broken rates file with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rates-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ date: '2030-01-01', rates: { USD: -1 } }));
    expect(() => loadRates(file)).toThrow(/positive/);
    writeFileSync(file, JSON.stringify({ rates: {} }));
    expect(() => loadRates(file)).toThrow(/date/);
  });
});
