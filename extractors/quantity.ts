// Quantity and unit of a listing (SPEC §3 "quantity/unit"): "10g", "5 x 100 mg", "1 kg", "50 pcs",
// "box of 50 rounds", "3 Stück", "10 гр". SPEC §7's listing JSON has no field for it, so it travels
// in the extraction's meta (stored with the extraction result) — unknown is null, never a guess.
import { parseAmount } from './price.js';

export type QuantityUnit = 'mg' | 'g' | 'kg' | 'ug' | 'ml' | 'l' | 'oz' | 'lb' | 'pcs' | 'sets' | 'rounds';

export interface Quantity {
  /** Packs or pieces for "5 x 100 mg" / "10 pcs of 200 mg" (here 5 / 10); null for a plain "10 g". */
  count: number | null;
  amount: number;
  unit: QuantityUnit;
  /** The text it was read from, as written. */
  text: string;
}

// Unit spellings (lower case) in the region's languages → unit. Whole words only.
const UNITS: Record<string, QuantityUnit> = {};
const add = (unit: QuantityUnit, words: string[]): void => {
  for (const w of words) UNITS[w] = unit;
};
add('mg', ['mg', 'мг']);
add('ug', ['ug', 'µg', 'mcg']);
add('g', [
  'g',
  'gr',
  'gram',
  'grams',
  'gramm',
  'gramme',
  'grama',
  'grame',
  'gramë',
  'gramos',
  'гр',
  'грам',
  'грама',
  'грамма',
  'γρ',
  'γραμμάρια',
  'gramm',
]);
add('kg', ['kg', 'kilo', 'kilos', 'kilogram', 'kilograms', 'кг', 'кила', 'κιλά', 'κιλό']);
add('ml', ['ml', 'мл']);
add('l', ['liter', 'litre', 'liters', 'litres', 'litar', 'литар', 'литра', 'λίτρα']);
add('oz', ['oz']);
add('lb', ['lb', 'lbs']);
add('pcs', [
  'pc',
  'pcs',
  'piece',
  'pieces',
  'stück',
  'stk',
  'kom',
  'komad',
  'komada',
  'kos',
  'copë',
  'cope',
  'бр',
  'броја',
  'брой',
  'броя',
  'ком',
  'комада',
  'парчиња',
  'τεμ',
  'τεμάχια',
  'adet',
  'db',
  'darab',
  'buc',
  'bucăți',
  'bucati',
  'tabs',
  'tablets',
  'pills',
  'units',
]);
add('sets', [
  'set',
  'sets',
  'komplet',
  'kompleta',
  'kit',
  'kits',
  'комплет',
  'комплект',
  'σετ',
  'takım',
  'szett',
]);
add('rounds', [
  'rounds',
  'round',
  'rds',
  'rd',
  'metaka',
  'metak',
  'fishekë',
  'fisheke',
  'патрона',
  'патрони',
  'куршуми',
  'φυσίγγια',
  'fişek',
  'cartușe',
  'töltény',
]);

const UNIT_RE = Object.keys(UNITS)
  .sort((a, b) => b.length - a.length)
  .map((u) => u.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .join('|');
// A number: digits with at most one group/decimal separator run ("1.000", "0,5", "2.5"); bounded, so
// no backtracking blow-up on long digit strings.
const NUM = String.raw`\d{1,7}(?:[.,]\d{1,3}){0,2}`;
export const EDGE_BEFORE = String.raw`(?<![\p{L}\p{N}.,])`;
const EDGE_AFTER = String.raw`(?![\p{L}\p{N}])`;
/** "5 x 100 mg", "2×1g", "10 pcs x 200 mg" is read below by combining. */
export const PACKS_SOURCE = `${EDGE_BEFORE}(${NUM})\\s?[x×*]\\s?(${NUM})\\s?(${UNIT_RE})${EDGE_AFTER}`;
export const SINGLE_SOURCE = `${EDGE_BEFORE}(${NUM})\\s?(${UNIT_RE})${EDGE_AFTER}`;
// The patterns run without their leading look-behind, which is checked by hand at each match: a
// pattern that starts with a look-behind makes the engine test it at every position of the text,
// while one that starts with \d lets it skip straight to digits. matchesAfterEdge retries one
// position later whenever the look-behind fails, so the matches are exactly the original's.
const PACKS = new RegExp(PACKS_SOURCE.slice(EDGE_BEFORE.length), 'giu');
const SINGLE = new RegExp(SINGLE_SOURCE.slice(EDGE_BEFORE.length), 'giu');
const EDGE_CHAR = /[\p{L}\p{N}.,]/u;

/** What `(?<![\p{L}\p{N}.,])` says at position `at` of `s` (code points, as the u flag reads them). */
function edgeBefore(s: string, at: number): boolean {
  if (at === 0) return true;
  const low = s.charCodeAt(at - 1);
  const start =
    low >= 0xdc00 &&
    low <= 0xdfff &&
    at >= 2 &&
    s.charCodeAt(at - 2) >= 0xd800 &&
    s.charCodeAt(at - 2) <= 0xdbff
      ? at - 2
      : at - 1;
  return !EDGE_CHAR.test(s.slice(start, at));
}

/** Every match of `re` (global) in `s` that starts at an edge, as `EDGE_BEFORE + re` would give them. */
export function* matchesAfterEdge(re: RegExp, s: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (edgeBefore(s, m.index)) yield m;
    else re.lastIndex = m.index + 1;
  }
}
/** Bullet weight in grains ("115gr FMJ") is not grams. */
const GRAINS_AFTER = /^\s*(?:fmj|jhp|hp|hollow|grain|grs?\b|jsp|sp\b|bullet)/i;
const MAX_SCAN = 2000;
const MAX_AMOUNT = 1e9;

function number(raw: string, unit: QuantityUnit): number | null {
  // Counts are whole: "1.000 pcs" is a thousand; masses may be fractional ("0,5 g").
  const n = parseAmount(raw, unit === 'pcs' || unit === 'rounds' ? null : 'BTC');
  return n !== null && Number.isFinite(n) && n > 0 && n <= MAX_AMOUNT ? n : null;
}

function unitOf(word: string, original: string): QuantityUnit | null {
  // "PC" in capitals is a computer ("Gaming PC", "Windows 10 PC"), not a piece count.
  if (original === 'PC' || original === 'PCS') return null;
  return UNITS[word.toLowerCase()] ?? null;
}

const COUNTED = new Set<QuantityUnit>(['pcs', 'sets', 'rounds']);
const VOLUME = new Set<QuantityUnit>(['ml', 'l']);

/** The quantity a text states, or null when it states none (or only ambiguous ones). */
export function parseQuantity(text: string | null | undefined): Quantity | null {
  if (!text) return null;
  const s = text.slice(0, MAX_SCAN);
  for (const m of matchesAfterEdge(PACKS, s)) {
    const unit = unitOf(m[3]!, m[3]!);
    if (!unit) continue;
    const count = number(m[1]!, 'pcs');
    const amount = number(m[2]!, unit);
    if (count === null || amount === null || !Number.isInteger(count)) continue;
    return { count, amount, unit, text: m[0] };
  }
  // First piece count, first round count, first mass or volume; a volume outranks a mass
  // ("CBD cream 500mg 50 ml" sells 50 ml).
  let pieces: Found | null = null;
  let rounds: Found | null = null;
  let measured: Found | null = null;
  for (const m of matchesAfterEdge(SINGLE, s)) {
    const unit = unitOf(m[2]!, m[2]!);
    if (!unit) continue;
    if (unit === 'g' && m[2]!.toLowerCase() === 'gr' && GRAINS_AFTER.test(s.slice(m.index + m[0].length)))
      continue;
    const n = number(m[1]!, unit);
    if (n === null) continue;
    const found = { n, unit, text: m[0] };
    if (COUNTED.has(unit)) {
      if (!Number.isInteger(n)) continue;
      if (unit === 'rounds') rounds ??= found;
      else pieces ??= found;
    } else if (!measured || (VOLUME.has(unit) && !VOLUME.has(measured.unit))) measured = found;
  }
  // "MDMA 200 mg (10 pcs)": ten pieces of 200 mg.
  if (pieces && measured && pieces.unit === 'pcs')
    return {
      count: pieces.n,
      amount: measured.n,
      unit: measured.unit,
      text: `${pieces.text} × ${measured.text}`,
    };
  // "AK magazine 30 rd (5 pcs)": five magazines; the rounds are their capacity.
  const main = pieces ?? rounds ?? measured;
  return main ? { count: null, amount: main.n, unit: main.unit, text: main.text } : null;
}

interface Found {
  n: number;
  unit: QuantityUnit;
  text: string;
}

/** A listing's quantity: the title's if it states one, else the description's. */
export function listingQuantity(title: string | null, description: string | null): Quantity | null {
  return parseQuantity(title) ?? parseQuantity(description);
}
