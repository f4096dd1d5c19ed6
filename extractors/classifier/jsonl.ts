// Pure core of `darkwatch classify --json`: bounded line splitting of a byte stream and one input
// line → one output record or one error naming the line. The CLI shell only wires stdin/stdout.
import type { Classification } from '../../core/types.js';

/** Longer lines are skipped with an error, never buffered whole (a binary blob with no newline). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface RawLine {
  lineNo: number;
  text: string;
  /** Bytes beyond MAX_LINE_BYTES were dropped; the line cannot be parsed. */
  truncated: boolean;
}

/** Splits a byte stream into lines ("\n" or "\r\n"), keeping at most `maxBytes` of each. */
export async function* readLines(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  maxBytes = MAX_LINE_BYTES,
): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  let lineNo = 0;
  const flush = (): RawLine => {
    const buf = Buffer.concat(parts, size);
    let text = decoder.decode(buf);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    parts = [];
    size = 0;
    const line = { lineNo: ++lineNo, text, truncated };
    truncated = false;
    return line;
  };
  const keep = (bytes: Uint8Array): void => {
    const room = maxBytes - size;
    if (bytes.length > room) {
      truncated = true;
      bytes = bytes.subarray(0, Math.max(0, room));
    }
    if (bytes.length) {
      parts.push(bytes);
      size += bytes.length;
    }
  };
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = bytes.indexOf(10, start); nl !== -1; nl = bytes.indexOf(10, start)) {
      keep(bytes.subarray(start, nl));
      yield flush();
      start = nl + 1;
    }
    if (start < bytes.length) keep(bytes.subarray(start));
  }
  if (size > 0 || truncated) yield flush();
}

export type LineResult =
  | { kind: 'skip' }
  | { kind: 'ok'; output: { id?: unknown } & Classification }
  | { kind: 'error'; message: string };

export type ClassifyFn = (title: string, description: string | null) => Classification;

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 120 ? `${msg.slice(0, 120)}…` : msg;
}

export function classifyLine(line: RawLine, classify: ClassifyFn): LineResult {
  const where = `line ${line.lineNo}`;
  if (line.truncated)
    return { kind: 'error', message: `${where}: longer than ${MAX_LINE_BYTES} bytes, skipped` };
  if (!line.text.trim()) return { kind: 'skip' };
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    return { kind: 'error', message: `${where}: invalid JSON (${describe(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'error', message: `${where}: expected a JSON object with "title" and "description"` };
  const rec = value as Record<string, unknown>;
  if (typeof rec.title !== 'string') return { kind: 'error', message: `${where}: "title" must be a string` };
  if (rec.description !== undefined && rec.description !== null && typeof rec.description !== 'string')
    return { kind: 'error', message: `${where}: "description" must be a string or null` };
  const result = classify(rec.title, (rec.description as string | null | undefined) ?? null);
  const output = 'id' in rec ? { id: rec.id, ...result } : { ...result };
  return { kind: 'ok', output };
}
