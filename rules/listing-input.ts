// Listings arriving as JSON lines (`match`, `rules test`): split into lines with a size cap,
// parse, and check the shape of each, so one bad line is reported by number and skipped while
// the rest are still matched.
import { ENTITY_TYPES, type ExtractedEntity, type MatchableListing } from '../core/types.js';

export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export type InputLine = { line: number; text: string } | { line: number; error: string };

/** Lines of a byte stream; a line over maxBytes becomes an error and is skipped, not buffered. */
export async function* readJsonLines(
  stream: AsyncIterable<Buffer | string>,
  maxBytes = MAX_LINE_BYTES,
): AsyncGenerator<InputLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let oversized = false;
  const finish = (): InputLine | null => {
    const n = line++;
    const buf = Buffer.concat(parts);
    parts = [];
    size = 0;
    if (oversized) {
      oversized = false;
      return { line: n, error: `line is longer than ${maxBytes} bytes` };
    }
    const text = buf.toString('utf8').replace(/\r$/, '');
    return text.trim() === '' ? null : { line: n, text };
  };
  for await (const chunk of stream) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = buf.indexOf(10);
      const piece = nl < 0 ? buf : buf.subarray(0, nl);
      if (!oversized) {
        if (size + piece.length > maxBytes) {
          oversized = true;
          parts = [];
        } else {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl < 0) break;
      const out = finish();
      if (out) yield out;
      buf = buf.subarray(nl + 1);
    }
  }
  if (size > 0 || oversized) {
    const out = finish();
    if (out) yield out;
  }
}

const strOrNull = (v: unknown) => v === null || v === undefined || typeof v === 'string';
const numOrNull = (v: unknown) =>
  v === null || v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** A listing object from one JSON line, or the reason it is not one. */
export function parseListing(text: string): MatchableListing | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return 'expected a JSON object (one listing per line)';
  const o = v as Record<string, unknown>;
  if (!(typeof o.id === 'string' && o.id !== '') && !(typeof o.id === 'number' && Number.isFinite(o.id)))
    return '"id" is missing (a string or number)';
  for (const f of [
    'title',
    'description',
    'vendor',
    'category',
    'shipsFrom',
    'url',
    'site',
    'language',
    'currency',
  ])
    if (!strOrNull(o[f])) return `"${f}" must be a string or null`;
  if (!numOrNull(o.priceEur)) return '"priceEur" must be a number or null';
  if (o.price !== null && o.price !== undefined) {
    const p = o.price as Record<string, unknown>;
    if (typeof p !== 'object' || !numOrNull(p.amount) || !strOrNull(p.currency))
      return '"price" must be { "amount", "currency" } or null';
  }
  if (
    o.shipsTo !== null &&
    o.shipsTo !== undefined &&
    !(Array.isArray(o.shipsTo) && o.shipsTo.every((s) => typeof s === 'string'))
  )
    return '"shipsTo" must be a list of strings or null';
  if (o.classification !== null && o.classification !== undefined) {
    const c = o.classification as Record<string, unknown>;
    if (typeof c !== 'object' || typeof c.label !== 'string' || !numOrNull(c.confidence))
      return '"classification" must be { "label", "confidence" } or null';
  }
  let entities: ExtractedEntity[] = [];
  if (o.entities !== null && o.entities !== undefined) {
    if (!Array.isArray(o.entities)) return '"entities" must be a list';
    for (const e of o.entities as unknown[]) {
      const r = e as Record<string, unknown>;
      if (
        typeof r !== 'object' ||
        r === null ||
        typeof r.value !== 'string' ||
        !(ENTITY_TYPES as readonly unknown[]).includes(r.type)
      )
        return '"entities" items must be { "type", "value" } with a known type';
    }
    entities = o.entities as ExtractedEntity[];
  }
  return {
    id: String(o.id),
    site: (o.site as string | null) ?? null,
    title: (o.title as string | null) ?? '',
    description: (o.description as string | null) ?? null,
    price: (o.price as MatchableListing['price']) ?? null,
    priceEur: (o.priceEur as number | null) ?? null,
    vendor: (o.vendor as string | null) ?? null,
    category: (o.category as string | null) ?? null,
    classification: (o.classification as MatchableListing['classification']) ?? null,
    shipsFrom: (o.shipsFrom as string | null) ?? null,
    shipsTo: (o.shipsTo as string[] | null) ?? null,
    url: (o.url as string | null) ?? null,
    language: (o.language as string | null) ?? null,
    currency: (o.currency as string | null) ?? null,
    entities,
  };
}
