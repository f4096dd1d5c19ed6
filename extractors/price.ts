// Prices as markets write them — `0.0042 BTC`, `$450.00`, `€ 1.200,50`, `1.200,50 €`, `XMR 2.1`,
// `USD 90 / 0.0021 BTC`, `₿0.01`, `2.500 din` — and their EUR value from a dated rates table.
import { readFileSync } from 'node:fs';
import type { Currency, Price } from '../core/types.js';

/** Currency spellings → code. Symbols match anywhere; words only as whole words. */
const SYMBOLS: Array<[string, Currency]> = [
  ['US$', 'USD'],
  ['$', 'USD'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['₿', 'BTC'],
  ['Ξ', 'ETH'],
  ['ɱ', 'XMR'],
  ['₺', 'TRY'],
  ['Ł', 'LTC'],
];
const WORDS: Record<string, Currency> = {
  btc: 'BTC',
  xbt: 'BTC',
  bitcoin: 'BTC',
  bitcoins: 'BTC',
  sats: 'BTC',
  sat: 'BTC',
  xmr: 'XMR',
  monero: 'XMR',
  eth: 'ETH',
  ether: 'ETH',
  ethereum: 'ETH',
  ltc: 'LTC',
  litecoin: 'LTC',
  usdt: 'USDT',
  tether: 'USDT',
  usd: 'USD',
  dollar: 'USD',
  dollars: 'USD',
  dolar: 'USD',
  dolara: 'USD',
  долара: 'USD',
  δολάρια: 'USD',
  eur: 'EUR',
  euro: 'EUR',
  euros: 'EUR',
  eura: 'EUR',
  evra: 'EUR',
  евро: 'EUR',
  ευρώ: 'EUR',
  euró: 'EUR',
  gbp: 'GBP',
  chf: 'CHF',
  rsd: 'RSD',
  din: 'RSD',
  dinara: 'RSD',
  динара: 'RSD',
  дин: 'RSD',
  bgn: 'BGN',
  лв: 'BGN',
  лева: 'BGN',
  huf: 'HUF',
  ft: 'HUF',
  forint: 'HUF',
  ron: 'RON',
  lei: 'RON',
  try: 'TRY',
  tl: 'TRY',
  lira: 'TRY',
  mkd: 'MKD',
  ден: 'MKD',
  денари: 'MKD',
  bam: 'BAM',
  km: 'BAM',
  lek: 'ALL',
  lekë: 'ALL',
  leke: 'ALL',
  all: 'ALL',
  mdl: 'MDL',
};
/** Words that are also ordinary words or units: only taken in upper case ("ALL", "KM", "TRY", "TL"). */
const UPPER_ONLY = new Set(['all', 'km', 'try', 'tl']);
/** Currencies where `1.200` means one point two; elsewhere a 3-digit group after one dot is thousands. */
const CRYPTO = new Set<Currency>(['BTC', 'XMR', 'ETH', 'LTC']);

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SYMBOL_RE = SYMBOLS.map(([s]) => esc(s)).join('|');
const WORD_RE = Object.keys(WORDS)
  .sort((a, b) => b.length - a.length)
  .map(esc)
  .join('|');
const CUR = `(?:${SYMBOL_RE}|(?<![\\p{L}\\p{N}])(?:${WORD_RE})(?![\\p{L}]))`;
// A number: grouped thousands (1.200,50 / 1,200.50 / 1 200 / 1'200) or plain (0.0042 / 450 / 12,5).
const NUM = `(?:\\d{1,3}(?:[ \\u00a0\\u202f'.,]\\d{3})+(?:[.,]\\d+)?|\\d+(?:[.,]\\d+)?)(?![\\p{N}])`;
const NUM_ALONE = `(?<![\\p{L}\\p{N}.,])${NUM}`;
const PRICE_RE = new RegExp(`(?<c1>${CUR})\\s?(?<n1>${NUM})|(?<n2>${NUM_ALONE})\\s?(?<c2>${CUR})`, 'giu');

function currencyOf(token: string): Currency | null {
  for (const [sym, code] of SYMBOLS) if (token === sym) return code;
  const lower = token.toLowerCase().replace(/\.$/, '');
  const code = WORDS[lower];
  if (!code) return null;
  if (UPPER_ONLY.has(lower) && token !== token.toUpperCase()) return null;
  return code;
}

/** Read a number written with any of the common group/decimal conventions. */
export function parseAmount(raw: string, currency: Currency | null = null): number | null {
  const s = raw.replace(/[\s\u00a0\u202f']/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normalised: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const dec = lastDot > lastComma ? '.' : ',';
    const group = dec === '.' ? ',' : '.';
    normalised = s.split(group).join('').replace(dec, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    const looksGrouped =
      parts.length > 2 || (parts[1]!.length === 3 && parts[0] !== '0' && !CRYPTO.has(currency ?? ''));
    normalised =
      looksGrouped && parts.slice(1).every((p) => p.length === 3) ? parts.join('') : parts.join('.');
    if (parts.length > 2 && !parts.slice(1).every((p) => p.length === 3)) return null;
  } else {
    normalised = s;
  }
  const n = Number(normalised);
  return Number.isFinite(n) ? n : null;
}

export interface FoundPrice extends Price {
  /** The text the price was read from. */
  raw: string;
  index: number;
}

/** Prices in `text`, in reading order, at most `limit` of them. */
function scanPrices(text: string, limit: number): FoundPrice[] {
  const out: FoundPrice[] = [];
  for (const m of text.slice(0, 100_000).matchAll(PRICE_RE)) {
    const g = m.groups!;
    const token = g.c1 ?? g.c2!;
    const currency = currencyOf(token);
    if (!currency) continue;
    let amount = parseAmount(g.n1 ?? g.n2!, currency);
    if (amount === null) continue;
    if (/^sats?$/i.test(token)) amount = amount / 1e8;
    out.push({ amount, currency, raw: m[0], index: m.index });
    if (out.length >= limit) break;
  }
  return out;
}

/** Every price in `text`, in reading order. */
export function findPrices(text: string): FoundPrice[] {
  return scanPrices(text, Infinity);
}

/** The first price in `text`, or null — without reading the rest of the text for more. */
export function firstPrice(text: string): FoundPrice | null {
  return scanPrices(text, 1)[0] ?? null;
}

/** The first price in `text` (the one a listing shows first), or null. */
export function parsePrice(text: string): Price | null {
  const p = firstPrice(text);
  return p ? { amount: p.amount, currency: p.currency } : null;
}

export interface RatesTable {
  /** ISO date the rates are for. */
  date: string;
  base: 'EUR';
  /** Units of currency per 1 EUR. */
  rates: Record<string, number>;
}

export interface EurValue {
  eur: number;
  /** Units of the currency per EUR used, and the table's date — recorded with the value. */
  rate: number;
  ratesDate: string;
}

const DEFAULT_RATES_URL = new URL('./rates.json', import.meta.url);

export function loadRates(path?: string | URL): RatesTable {
  const raw = JSON.parse(readFileSync(path ?? DEFAULT_RATES_URL, 'utf8')) as Partial<RatesTable>;
  if (typeof raw.date !== 'string' || typeof raw.rates !== 'object' || raw.rates === null)
    throw new Error(`rates table ${String(path ?? DEFAULT_RATES_URL)}: needs "date" and "rates"`);
  for (const [k, v] of Object.entries(raw.rates))
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`rates table: rate for ${k} must be a positive number`);
  return { date: raw.date, base: 'EUR', rates: raw.rates };
}

let defaultRates: RatesTable | null = null;
export function defaultRatesTable(): RatesTable {
  defaultRates ??= loadRates();
  return defaultRates;
}

/** EUR value of a price, rounded to cents, or null when the table has no rate for its currency. */
export function toEur(price: Price | null, rates: RatesTable = defaultRatesTable()): EurValue | null {
  if (!price) return null;
  const rate = rates.rates[price.currency];
  if (rate === undefined) return null;
  return { eur: Math.round((price.amount / rate) * 100) / 100, rate, ratesDate: rates.date };
}
