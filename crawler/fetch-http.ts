// HTTP fetching through a SOCKS5 proxy (Tor in production, the range gateway in tests).
// `socks5h://` only: the proxy resolves names, the local resolver never sees a hostname.
// Every response keeps the exact bytes as received (after HTTP/1.1 de-chunking, before content
// decoding) — that is the evidence — plus a decoded body for extraction. Caps on raw size and on
// decompressed size stop huge pages and compression bombs early with a FetchError.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { SocksProxyAgent } from 'socks-proxy-agent';
import type { SourceSession } from '../core/types.js';
import { isolatedProxyUrl, parseProxyUrl } from './proxy.js';
import { normalizeUrl } from './url.js';

export const FETCH_ERROR_CODES = [
  'connect_timeout', // SOCKS handshake + onion circuit not ready in time
  'first_byte_timeout',
  'idle_timeout', // body stalled
  'total_timeout',
  'proxy_refused', // the SOCKS proxy refused the destination (unknown onion, not allowed…)
  'connection_failed',
  'too_large', // raw bytes above maxBytes
  'decompression_bomb', // decoded bytes above maxDecodedBytes
  'bad_encoding', // corrupt gzip/deflate/br or an unknown content-encoding
  'content_type', // not in the allowlist (checked from headers, before the body is read)
  'binary_content', // says text but is binary
  'too_many_redirects',
  'redirect_out_of_scope',
  'bad_response', // malformed HTTP (header overflow, parse error)
  'aborted',
  // browser mode: the document came back but its own scripts/data calls failed (5xx, reset), so the
  // rendering is incomplete — worth a retry, never stored as a good capture
  'subresource_failed',
] as const;
export type FetchErrorCode = (typeof FETCH_ERROR_CODES)[number];

export class FetchError extends Error {
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly url: string,
    readonly details: { status?: number; bytesReceived?: number; result?: HttpFetchResult } = {},
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchTimeouts {
  /** Until the SOCKS CONNECT succeeded (Tor builds a rendezvous circuit for onions: slow). */
  connectMs: number;
  /** From connected to the response headers. */
  firstByteMs: number;
  /** Longest silence while the body streams. */
  idleMs: number;
  /** Whole request including redirects. */
  totalMs: number;
}

/** Sized for onion services: circuit setup alone often takes 5–30 s. */
export const TOR_TIMEOUTS: FetchTimeouts = {
  connectMs: 60_000,
  firstByteMs: 60_000,
  idleMs: 30_000,
  totalMs: 180_000,
};

export const DEFAULT_CONTENT_TYPES = ['text/html', 'application/xhtml+xml', 'text/plain'];
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

export const TOR_BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0';

export interface HttpFetchOptions {
  proxyUrl: string;
  /** Per-source SOCKS username (see proxy.ts sourceIdentity). */
  identity: string;
  timeouts?: Partial<FetchTimeouts>;
  /** Cap on raw (wire) body bytes. */
  maxBytes?: number;
  /** Cap on decompressed body bytes. */
  maxDecodedBytes?: number;
  /** Media types accepted (no parameters). Images are added when allowImages. */
  contentTypes?: string[];
  allowImages?: boolean;
  maxRedirects?: number;
  /** Whether a redirect target may be followed; default: same origin as the requested URL. */
  inScope?: (url: string) => boolean;
  session?: SourceSession | null;
  headers?: Record<string, string>;
  /**
   * POST this application/x-www-form-urlencoded body (a scripted login) instead of a GET. Only the
   * first request carries it: redirects after a form POST are followed with GET, as browsers do.
   */
  form?: string;
  signal?: AbortSignal;
}

export interface RedirectHop {
  url: string;
  status: number;
  location: string;
}

export interface HttpFetchResult {
  /** URL asked for (normalised). */
  url: string;
  /** URL of the response returned (after redirects). */
  finalUrl: string;
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", " except set-cookie (array). */
  headers: Record<string, string | string[]>;
  /** Name/value list exactly as received, for WARC. */
  rawHeaders: string[];
  httpVersion: string;
  /** The request that produced this response (after a POST's redirect, a GET). */
  request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string> };
  /** Body bytes exactly as received (content-encoded), the evidence. */
  rawBytes: Buffer;
  /** sha256 (hex) of rawBytes. */
  sha256: string;
  /** Decoded body bytes and text (for extraction). */
  bodyBytes: Buffer;
  body: string;
  contentType: string | null;
  charset: string;
  redirects: RedirectHop[];
  setCookies: string[];
  timings: { startedAt: string; connectMs: number; firstByteMs: number; totalMs: number };
  proxyIdentity: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** Media type (lower-case, no parameters) and charset of a Content-Type header. */
export function parseContentType(value: string | undefined): {
  mediaType: string | null;
  charset: string | null;
} {
  if (!value) return { mediaType: null, charset: null };
  const [type, ...params] = value.split(';');
  let charset: string | null = null;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p);
    if (m) charset = (m[1] as string).toLowerCase();
  }
  return { mediaType: (type as string).trim().toLowerCase() || null, charset };
}

/** Decode content-encodings (applied in order, so undone in reverse) with a bound on the output. */
export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxOutput: number,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  let buf = raw;
  for (const coding of codings.reverse()) {
    const opts = { maxOutputLength: maxOutput };
    try {
      if (coding === 'gzip' || coding === 'x-gzip') buf = await gunzip(buf, opts);
      else if (coding === 'br') buf = await brotli(buf, opts);
      else if (coding === 'deflate') {
        // "deflate" is zlib-wrapped per the RFC but raw deflate in the wild.
        buf = await inflate(buf, opts).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ERR_BUFFER_TOO_LARGE') throw err;
          return inflateRaw(buf, opts);
        });
      } else throw new DecodeError('bad_encoding', `unsupported content-encoding ${JSON.stringify(coding)}`);
    } catch (err) {
      if (err instanceof DecodeError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
        throw new DecodeError(
          'decompression_bomb',
          `decompressed body exceeds ${maxOutput} bytes (${coding})`,
        );
      throw new DecodeError('bad_encoding', `corrupt ${coding} body: ${(err as Error).message}`);
    }
    if (buf.length > maxOutput)
      throw new DecodeError('decompression_bomb', `decompressed body exceeds ${maxOutput} bytes (${coding})`);
  }
  return buf;
}

class DecodeError extends Error {
  constructor(
    readonly code: 'bad_encoding' | 'decompression_bomb',
    message: string,
  ) {
    super(message);
  }
}

/** Charset from the header, else a `<meta charset>` in the first 2 KiB, else UTF-8. */
export function sniffCharset(headerCharset: string | null, body: Buffer): string {
  const candidates = [headerCharset];
  const head = body.subarray(0, 2048).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)/i.exec(head);
  if (m) candidates.push((m[1] as string).toLowerCase());
  for (const c of candidates) {
    if (!c) continue;
    try {
      new TextDecoder(c);
      return c;
    } catch {
      /* unknown label: try the next */
    }
  }
  return 'utf-8';
}

/** NUL bytes or many control characters in the first 8 KiB: not text, whatever the header says. */
export function looksBinary(body: Buffer): boolean {
  const head = body.subarray(0, 8192);
  let control = 0;
  for (const b of head) {
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return head.length > 0 && control / head.length > 0.1;
}

/**
 * Cookie header for a URL from the source session (domain/path matching kept deliberately simple)
 * and the cookies set earlier in this redirect chain, which replace session cookies of the same name
 * (a login that answers with a fresh session cookie must not send the stale one first).
 */
export function cookieHeader(
  url: string,
  session: SourceSession | null | undefined,
  extra: string[] = [],
): string | null {
  const u = new URL(url);
  const pairs = new Map<string, string>();
  for (const c of session?.cookies ?? []) {
    const domain = (c.domain ?? u.hostname).replace(/^\./, '').toLowerCase();
    if (u.hostname !== domain && !u.hostname.endsWith(`.${domain}`)) continue;
    if (c.path && !u.pathname.startsWith(c.path)) continue;
    pairs.set(c.name, `${c.name}=${c.value}`);
  }
  for (const sc of extra) {
    const first = sc.split(';')[0]?.trim();
    const eq = first?.indexOf('=') ?? -1;
    if (first && eq > 0) {
      const name = first.slice(0, eq).trim();
      pairs.delete(name);
      pairs.set(name, first);
    }
  }
  return pairs.size ? [...pairs.values()].join('; ') : null;
}

interface OneResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  httpVersion: string;
  rawBytes: Buffer;
  connectMs: number;
  firstByteMs: number;
  requestHeaders: Record<string, string>;
  method: 'GET' | 'POST';
}

/**
 * Fetches through one SOCKS agent per identity. Agents keep connections alive, so pages of one source
 * reuse circuits' streams; close() drops them.
 */
export class HttpFetcher {
  private readonly agents = new Map<string, SocksProxyAgent>();

  /**
   * keepAlive: reuse SOCKS streams across requests of one identity (default). Off, every request
   * opens a new stream, as a fresh Tor stream would (used by the benchmark's latency bound).
   */
  constructor(private readonly options: { keepAlive?: boolean; maxSocketsPerIdentity?: number } = {}) {}

  private agentFor(proxyUrl: string, identity: string, connectMs: number, secure: boolean): SocksProxyAgent {
    const url = isolatedProxyUrl(proxyUrl, identity);
    const key = `${secure ? 'https' : 'http'} ${url}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new SocksProxyAgent(url, {
        timeout: connectMs,
        keepAlive: this.options.keepAlive ?? true,
        maxSockets: this.options.maxSocketsPerIdentity ?? 64,
      });
      // Said explicitly: otherwise agent-base works the scheme out from a captured stack trace on
      // every request (node reads agent.protocol/defaultPort), which costs more than the rest of
      // the request's CPU under tsx's source maps. Hence one agent per identity and scheme.
      agent.protocol = secure ? 'https:' : 'http:';
      this.agents.set(key, agent);
    }
    return agent;
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  async fetch(rawUrl: string, opts: HttpFetchOptions): Promise<HttpFetchResult> {
    parseProxyUrl(opts.proxyUrl); // throws on anything but socks5h://
    const url = normalizeUrl(rawUrl);
    const t = { ...TOR_TIMEOUTS, ...opts.timeouts };
    const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    const maxDecoded = opts.maxDecodedBytes ?? 50 * 1024 * 1024;
    const maxRedirects = opts.maxRedirects ?? 5;
    const allowed = new Set([
      ...(opts.contentTypes ?? DEFAULT_CONTENT_TYPES),
      ...(opts.allowImages ? IMAGE_CONTENT_TYPES : []),
    ]);
    const inScope = opts.inScope ?? ((u: string) => new URL(u).origin === new URL(url).origin);
    const startedAt = new Date();
    const t0 = performance.now();
    const deadline = t0 + t.totalMs;

    const redirects: RedirectHop[] = [];
    const setCookies: string[] = [];
    let current = url;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0)
        throw new FetchError('total_timeout', `no complete response within ${t.totalMs} ms`, current);
      const form = redirects.length === 0 ? opts.form : undefined;
      const res = await this.once(current, opts, t, remaining, maxBytes, allowed, setCookies, form);
      const sc = res.headers['set-cookie'];
      if (sc) setCookies.push(...sc);
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(res.status) && location) {
        let next: string;
        try {
          next = normalizeUrl(location, current);
        } catch {
          throw new FetchError(
            'bad_response',
            `redirect to an invalid URL ${JSON.stringify(location.slice(0, 200))}`,
            current,
          );
        }
        redirects.push({ url: current, status: res.status, location: next });
        if (!inScope(next))
          throw new FetchError(
            'redirect_out_of_scope',
            `redirect to ${next} leaves the source's scope`,
            current,
            {
              status: res.status,
            },
          );
        if (redirects.length > maxRedirects)
          throw new FetchError('too_many_redirects', `more than ${maxRedirects} redirects`, url, {
            status: res.status,
          });
        current = next;
        continue;
      }
      return this.finish(url, current, res, opts, maxDecoded, redirects, setCookies, startedAt, t0);
    }
  }

  private async finish(
    url: string,
    finalUrl: string,
    res: OneResponse,
    opts: HttpFetchOptions,
    maxDecoded: number,
    redirects: RedirectHop[],
    setCookies: string[],
    startedAt: Date,
    t0: number,
  ): Promise<HttpFetchResult> {
    let bodyBytes: Buffer;
    try {
      bodyBytes = await decodeContent(res.rawBytes, res.headers['content-encoding'], maxDecoded);
    } catch (err) {
      if (err instanceof DecodeError)
        throw new FetchError(err.code, err.message, finalUrl, {
          status: res.status,
          bytesReceived: res.rawBytes.length,
        });
      throw err;
    }
    const { mediaType, charset: headerCharset } = parseContentType(res.headers['content-type']);
    const isImage = mediaType?.startsWith('image/') ?? false;
    const charset = sniffCharset(headerCharset, bodyBytes);
    const body = isImage ? '' : new TextDecoder(charset).decode(bodyBytes);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = v;
    const result: HttpFetchResult = {
      url,
      finalUrl,
      status: res.status,
      statusText: res.statusText,
      headers,
      rawHeaders: res.rawHeaders,
      httpVersion: res.httpVersion,
      request: { method: res.method, url: finalUrl, headers: res.requestHeaders },
      rawBytes: res.rawBytes,
      sha256: createHash('sha256').update(res.rawBytes).digest('hex'),
      bodyBytes,
      body,
      contentType: mediaType,
      charset,
      redirects,
      setCookies,
      timings: {
        startedAt: startedAt.toISOString(),
        connectMs: Math.round(res.connectMs),
        firstByteMs: Math.round(res.firstByteMs),
        totalMs: Math.round(performance.now() - t0),
      },
      proxyIdentity: opts.identity,
    };
    if (!isImage && looksBinary(bodyBytes))
      throw new FetchError('binary_content', `${mediaType ?? 'untyped'} body is binary`, finalUrl, {
        status: res.status,
        bytesReceived: res.rawBytes.length,
        result,
      });
    return result;
  }

  /** One request/response, no redirects. Resolves with the raw body or rejects with a FetchError. */
  private once(
    url: string,
    opts: HttpFetchOptions,
    t: FetchTimeouts,
    remainingMs: number,
    maxBytes: number,
    allowed: Set<string>,
    carriedCookies: string[],
    form?: string,
  ): Promise<OneResponse> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const agent = this.agentFor(opts.proxyUrl, opts.identity, t.connectMs, secure);
    const requestHeaders: Record<string, string> = {
      'user-agent': TOR_BROWSER_UA,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'en-US,en;q=0.5',
      'accept-encoding': 'gzip, deflate, br',
      ...opts.headers,
    };
    const cookie = cookieHeader(url, opts.session, carriedCookies);
    if (cookie) requestHeaders.cookie = cookie;
    const method = form === undefined ? 'GET' : 'POST';
    if (form !== undefined) {
      requestHeaders['content-type'] = 'application/x-www-form-urlencoded';
      requestHeaders['content-length'] = String(Buffer.byteLength(form));
    }

    return new Promise<OneResponse>((resolve, reject) => {
      const start = performance.now();
      let connectMs = 0;
      let firstByteMs = 0;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      let idle: NodeJS.Timeout | undefined;
      const fail = (err: FetchError): void => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        reject(err);
      };
      const cleanup = (): void => {
        for (const x of timers) clearTimeout(x);
        if (idle) clearTimeout(idle);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => fail(new FetchError('aborted', 'fetch aborted', url));
      const mod = secure ? https : http;
      const req = mod.request(url, {
        method,
        agent,
        headers: requestHeaders,
        // Onion services authenticate by their address; their TLS certificates are self-signed.
        rejectUnauthorized: !(secure && u.hostname.endsWith('.onion')),
      } as https.RequestOptions);
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort);
      timers.push(
        setTimeout(
          () => fail(new FetchError('total_timeout', `no complete response within ${t.totalMs} ms`, url)),
          remainingMs,
        ),
      );
      const connectTimer = setTimeout(
        () =>
          fail(
            new FetchError(
              'connect_timeout',
              `proxy connection not established within ${t.connectMs} ms`,
              url,
            ),
          ),
        t.connectMs,
      );
      timers.push(connectTimer);
      req.on('socket', () => {
        clearTimeout(connectTimer);
        connectMs = performance.now() - start;
        timers.push(
          setTimeout(
            () =>
              fail(
                new FetchError('first_byte_timeout', `no response headers within ${t.firstByteMs} ms`, url),
              ),
            t.firstByteMs,
          ),
        );
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(classifySocketError(err, url)));
      req.on('response', (res) => {
        firstByteMs = performance.now() - start;
        for (const x of timers.splice(1)) clearTimeout(x); // keep only the total timer
        const status = res.statusCode ?? 0;
        const isRedirect = REDIRECT_STATUSES.has(status) && !!res.headers.location;
        const { mediaType } = parseContentType(res.headers['content-type']);
        // A disallowed type is refused before its body is read; error pages (4xx/5xx) are kept
        // whatever their type so obstacles can still be recognised.
        if (!isRedirect && status < 400 && (!mediaType || !allowed.has(mediaType))) {
          return fail(
            new FetchError('content_type', `content-type ${mediaType ?? '(none)'} is not allowed`, url, {
              status,
            }),
          );
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes)
          return fail(
            new FetchError('too_large', `content-length ${declared} exceeds ${maxBytes} bytes`, url, {
              status,
            }),
          );
        const chunks: Buffer[] = [];
        let received = 0;
        const armIdle = (): void => {
          if (idle) clearTimeout(idle);
          idle = setTimeout(
            () =>
              fail(
                new FetchError(
                  'idle_timeout',
                  `body stalled for ${t.idleMs} ms after ${received} bytes`,
                  url,
                  { status, bytesReceived: received },
                ),
              ),
            t.idleMs,
          );
        };
        armIdle();
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxBytes)
            return fail(
              new FetchError('too_large', `body exceeds ${maxBytes} bytes`, url, {
                status,
                bytesReceived: received,
              }),
            );
          chunks.push(chunk);
          armIdle();
        });
        res.on('error', (err: NodeJS.ErrnoException) => fail(classifySocketError(err, url)));
        res.on('aborted', () =>
          fail(
            new FetchError('connection_failed', 'connection closed mid-body', url, {
              status,
              bytesReceived: received,
            }),
          ),
        );
        res.on('end', () => {
          if (settled) return;
          if (!res.complete)
            return fail(
              new FetchError('connection_failed', 'connection closed mid-body', url, {
                status,
                bytesReceived: received,
              }),
            );
          settled = true;
          cleanup();
          resolve({
            status,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            httpVersion: res.httpVersion,
            rawBytes: Buffer.concat(chunks),
            connectMs,
            firstByteMs,
            requestHeaders,
            method,
          });
        });
      });
      req.end(form);
    });
  }
}

function classifySocketError(err: NodeJS.ErrnoException, url: string): FetchError {
  const msg = err.message ?? String(err);
  if (err instanceof FetchError) return err;
  if (/Socks5 proxy rejected connection|SocksClient|Socks/i.test(msg)) {
    if (/timed out|timeout/i.test(msg)) return new FetchError('connect_timeout', `proxy: ${msg}`, url);
    return new FetchError('proxy_refused', `proxy refused the connection: ${msg}`, url);
  }
  if (err.code?.startsWith('HPE_'))
    return new FetchError('bad_response', `malformed HTTP response: ${msg}`, url);
  return new FetchError('connection_failed', `connection failed: ${msg}`, url);
}
