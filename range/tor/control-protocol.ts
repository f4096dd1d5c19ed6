// Tor control protocol (control-spec.txt): a bounded reply parser and parsers for the
// circuit/stream lines darkwatch reads. Pure, so hostile input can be tested without a tor.

export interface ControlLine {
  code: string;
  /** ' ' ends a reply, '-' continues it, '+' introduces a data block (in `data`). */
  separator: ' ' | '-' | '+';
  text: string;
  data?: string;
}

export interface ControlReply {
  code: string;
  lines: ControlLine[];
}

export class ControlProtocolError extends Error {
  override name = 'ControlProtocolError';
}

export interface ParserLimits {
  maxLineBytes: number;
  maxReplyBytes: number;
}

const DEFAULT_LIMITS: ParserLimits = { maxLineBytes: 64 * 1024, maxReplyBytes: 16 * 1024 * 1024 };
const LINE = /^(\d{3})([ +-])(.*)$/s;

/**
 * Incremental parser: feed it bytes as they arrive, get complete replies back. Throws
 * ControlProtocolError on anything that is not the control protocol or exceeds the limits (a
 * misbehaving peer must not make us buffer without bound); the caller then drops the connection.
 */
export class ControlReplyParser {
  private buffer: Buffer = Buffer.alloc(0);
  private lines: ControlLine[] = [];
  private dataLine: ControlLine | null = null;
  private dataParts: string[] = [];
  private replyBytes = 0;
  private readonly limits: ParserLimits;

  constructor(limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  feed(chunk: Buffer): ControlReply[] {
    const replies: ControlReply[] = [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) {
        if (this.buffer.length > this.limits.maxLineBytes) {
          throw new ControlProtocolError(`control line longer than ${this.limits.maxLineBytes} bytes`);
        }
        return replies;
      }
      if (nl > this.limits.maxLineBytes) {
        throw new ControlProtocolError(`control line longer than ${this.limits.maxLineBytes} bytes`);
      }
      const raw = this.buffer.subarray(0, nl);
      this.buffer = this.buffer.subarray(nl + 1);
      this.replyBytes += nl + 1;
      if (this.replyBytes > this.limits.maxReplyBytes) {
        throw new ControlProtocolError(`control reply larger than ${this.limits.maxReplyBytes} bytes`);
      }
      const line = raw.toString('utf8').replace(/\r$/, '');
      const reply = this.dataLine ? this.onDataLine(line) : this.onLine(line);
      if (reply) replies.push(reply);
    }
  }

  private onDataLine(line: string): null {
    if (line === '.') {
      this.dataLine!.data = this.dataParts.join('\n');
      this.dataLine = null;
      this.dataParts = [];
    } else {
      this.dataParts.push(line.startsWith('.') ? line.slice(1) : line);
    }
    return null;
  }

  private onLine(line: string): ControlReply | null {
    const m = LINE.exec(line);
    if (!m) throw new ControlProtocolError(`malformed control line ${JSON.stringify(line.slice(0, 80))}`);
    const [, code, separator, text] = m as unknown as [string, string, ' ' | '-' | '+', string];
    if (this.lines.length > 0 && this.lines[0]!.code !== code) {
      throw new ControlProtocolError(
        `status code changed inside a reply (${this.lines[0]!.code} then ${code})`,
      );
    }
    const entry: ControlLine = { code, separator, text };
    this.lines.push(entry);
    if (separator === '+') {
      this.dataLine = entry;
      return null;
    }
    if (separator === '-') return null;
    const reply = { code, lines: this.lines };
    this.lines = [];
    this.replyBytes = 0;
    return reply;
  }
}

/** Splits on spaces, keeping "quoted strings" (with backslash escapes) together and unquoting them. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[++i]!;
        current += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      } else if (ch === '"') {
        inQuotes = false;
      } else {
        current += ch;
      }
    } else if (ch === ' ') {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else {
      if (ch === '"') inQuotes = true;
      else current += ch;
      started = true;
    }
  }
  if (inQuotes)
    throw new ControlProtocolError(`unterminated quoted string in ${JSON.stringify(text.slice(0, 80))}`);
  if (started) tokens.push(current);
  return tokens;
}

function splitKeywords(tokens: string[]): { positional: string[]; keywords: Record<string, string> } {
  const positional: string[] = [];
  const keywords: Record<string, string> = {};
  for (const token of tokens) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(token);
    if (m) keywords[m[1]!] = m[2]!;
    else positional.push(token);
  }
  return { positional, keywords };
}

export interface CircuitInfo {
  id: string;
  status: string;
  /** Relay identities ($FINGERPRINT~nickname) from first hop to last. */
  path: string[];
  purpose: string | null;
  socksUsername: string | null;
  socksPassword: string | null;
  keywords: Record<string, string>;
}

export interface StreamInfo {
  id: string;
  status: string;
  /** "0" while the stream is not attached to a circuit. */
  circuitId: string;
  target: string;
  socksUsername: string | null;
  socksPassword: string | null;
  keywords: Record<string, string>;
}

/** One circuit-status line / CIRC event body: `ID STATUS [PATH] [KEY=VALUE…]`. */
export function parseCircuitLine(line: string): CircuitInfo {
  const { positional, keywords } = splitKeywords(tokenize(line.trim()));
  const [id, status, pathToken] = positional;
  if (!id || !/^\d+$/.test(id) || !status)
    throw new ControlProtocolError(`bad circuit line ${JSON.stringify(line.slice(0, 80))}`);
  return {
    id,
    status,
    path: pathToken ? pathToken.split(',') : [],
    purpose: keywords.PURPOSE ?? null,
    socksUsername: keywords.SOCKS_USERNAME ?? null,
    socksPassword: keywords.SOCKS_PASSWORD ?? null,
    keywords,
  };
}

/** One stream-status line / STREAM event body: `ID STATUS CIRCID TARGET [KEY=VALUE…]`. */
export function parseStreamLine(line: string): StreamInfo {
  const { positional, keywords } = splitKeywords(tokenize(line.trim()));
  const [id, status, circuitId, target] = positional;
  if (!id || !/^\d+$/.test(id) || !status || !circuitId || !/^\d+$/.test(circuitId) || !target) {
    throw new ControlProtocolError(`bad stream line ${JSON.stringify(line.slice(0, 80))}`);
  }
  return {
    id,
    status,
    circuitId,
    target,
    socksUsername: keywords.SOCKS_USERNAME ?? null,
    socksPassword: keywords.SOCKS_PASSWORD ?? null,
    keywords,
  };
}

/** Lines of a GETINFO value, whether it came as `key=value` or as a `key=` data block. */
export function getInfoValue(reply: ControlReply, key: string): string {
  if (reply.code !== '250') {
    throw new ControlProtocolError(
      `GETINFO ${key} failed: ${reply.code} ${reply.lines.map((l) => l.text).join(' ')}`,
    );
  }
  for (const line of reply.lines) {
    if (line.text.startsWith(`${key}=`)) return line.data ?? line.text.slice(key.length + 1);
  }
  throw new ControlProtocolError(`GETINFO reply has no ${key}`);
}

export function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim().length > 0);
}
