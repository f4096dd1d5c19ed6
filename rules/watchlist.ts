// Entity watchlists: canonical forms (so a rule and an extracted entity compare equal however
// they were typed) and the CSV format analysts load lists from.
import type { EntityType } from '../core/types.js';
import type { Watchlists } from './types.js';
import { buildView } from './text.js';

export type WatchKind = keyof Watchlists;

export function canonicalAddress(v: string): string {
  const s = v.trim();
  // Bech32 and Ethereum hex are case-insensitive; base58 (legacy BTC, Monero) is not.
  return /^(bc1|tb1|ltc1|0x)/i.test(s) ? s.toLowerCase() : s;
}

export function canonicalPgp(v: string): string {
  return v.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
}

export function canonicalHandle(v: string): string {
  return v.trim().replace(/^@/, '').toLowerCase();
}

const vendorCache = new Map<string, string>();

/** Vendor names compare normalised: `Ghost_Dealer` = `ghost dealer` (cached: vendors repeat). */
export function canonicalVendor(v: string): string {
  let c = vendorCache.get(v);
  if (c === undefined) {
    c = buildView(v, 'plain')
      .tokens.map((t) => t.text)
      .join(' ');
    if (vendorCache.size >= 100_000) vendorCache.clear();
    vendorCache.set(v, c);
  }
  return c;
}

export const CANONICAL: Record<WatchKind, (v: string) => string> = {
  addresses: canonicalAddress,
  pgp: canonicalPgp,
  handles: canonicalHandle,
  vendors: canonicalVendor,
};

/** Which watchlist an extracted entity is compared with. */
export function watchKindOfEntity(type: EntityType): WatchKind | null {
  switch (type) {
    case 'btc':
    case 'xmr':
    case 'eth':
      return 'addresses';
    case 'pgp':
      return 'pgp';
    case 'telegram':
    case 'session':
    case 'wickr':
    case 'jabber':
    case 'email':
      return 'handles';
    default:
      return null;
  }
}

const CSV_TYPES: Record<string, WatchKind> = {
  address: 'addresses',
  addresses: 'addresses',
  btc: 'addresses',
  xmr: 'addresses',
  eth: 'addresses',
  ltc: 'addresses',
  pgp: 'pgp',
  fingerprint: 'pgp',
  key: 'pgp',
  handle: 'handles',
  handles: 'handles',
  telegram: 'handles',
  session: 'handles',
  wickr: 'handles',
  jabber: 'handles',
  email: 'handles',
  vendor: 'vendors',
  vendors: 'vendors',
};
export const CSV_TYPE_NAMES = Object.keys(CSV_TYPES);

export const CSV_LIMITS = { maxBytes: 16 * 1024 * 1024, maxRows: 1_000_000 };

export interface CsvProblem {
  line: number;
  message: string;
}

/**
 * Reads a watchlist CSV: rows `type,value[,note…]`, an optional header row `type,value`,
 * RFC 4180 quoting, blank lines and `#` comment lines ignored.
 */
export function parseWatchlistCsv(text: string): {
  entries: Array<{ kind: WatchKind; value: string }>;
  problems: CsvProblem[];
} {
  const entries: Array<{ kind: WatchKind; value: string }> = [];
  const problems: CsvProblem[] = [];
  if (text.length > CSV_LIMITS.maxBytes)
    return { entries, problems: [{ line: 1, message: `file is larger than ${CSV_LIMITS.maxBytes} bytes` }] };
  if (text.includes('\u0000'))
    return { entries, problems: [{ line: 1, message: 'file is binary (contains NUL bytes), not CSV' }] };
  const rows = csvRows(text);
  let rowCount = 0;
  for (const { line, cells, error } of rows) {
    if (error) {
      problems.push({ line, message: error });
      continue;
    }
    if (cells.length === 1 && cells[0]!.trim() === '') continue;
    if (cells[0]!.trim().startsWith('#')) continue;
    if (++rowCount > CSV_LIMITS.maxRows) {
      problems.push({ line, message: `more than ${CSV_LIMITS.maxRows} rows` });
      break;
    }
    const type = cells[0]!.trim().toLowerCase();
    if (rowCount === 1 && type === 'type') continue;
    const kind = CSV_TYPES[type];
    const value = (cells[1] ?? '').trim();
    if (!kind)
      problems.push({ line, message: `unknown type "${cells[0]}" (types: ${CSV_TYPE_NAMES.join(', ')})` });
    else if (value === '') problems.push({ line, message: 'missing value in the second column' });
    else entries.push({ kind, value: CANONICAL[kind](value) });
  }
  return { entries, problems };
}

function csvRows(text: string): Array<{ line: number; cells: string[]; error?: string }> {
  const out: Array<{ line: number; cells: string[]; error?: string }> = [];
  let line = 1;
  let i = 0;
  while (i <= text.length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let error: string | undefined;
    for (;;) {
      if (i >= text.length) {
        cells.push(cell);
        i++;
        break;
      }
      const c = text[i]!;
      if (c === '"' && cell === '') {
        i++;
        let closed = false;
        while (i < text.length) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            closed = true;
            i++;
            break;
          }
          if (text[i] === '\n') line++;
          cell += text[i]!;
          i++;
        }
        if (!closed) error = 'unterminated quoted field';
        continue;
      }
      if (c === ',') {
        cells.push(cell);
        cell = '';
        i++;
        continue;
      }
      if (c === '\n' || c === '\r') {
        cells.push(cell);
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      }
      cell += c;
      i++;
    }
    if (!(i > text.length && cells.length === 1 && cells[0] === '' && out.length > 0 && startLine === line))
      out.push({ line: startLine, cells, error });
  }
  return out;
}
