// A minimal HTTP server shell for range sites: parses the request into a plain object, hands it
// to a pure handler, and writes the answer. Handlers stay free of node:http, so sites are easy
// to test and the same handler can serve several mirror addresses.
import http from 'node:http';

export interface RangeRequest {
  method: string;
  /** Path without the query string, percent-decoding left to the handler. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Host header without port, lower case ('' when absent). */
  host: string;
  cookies: Record<string, string>;
  /** Request body (form posts), capped. */
  body: string;
}

export interface RangeResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Hold the response this long before sending headers (stalled-server obstacle). */
  stallMs?: number;
}

export type SiteHandler = (req: RangeRequest) => RangeResponse | Promise<RangeResponse>;

const MAX_BODY = 64 * 1024;

export function parseCookies(header: string | undefined): Record<string, string> {
  // Null prototype: cookie names come from the client ("__proto__", "constructor", …).
  const out = Object.create(null) as Record<string, string>;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !Object.hasOwn(out, name)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        out[name] = value;
      }
    }
  }
  return out;
}

/**
 * The request target as a URL: origin-form (`/path?q`, including `//odd` paths) or
 * absolute-form (`http://host/path`, as some proxies send). null when unparseable.
 */
export function parseTarget(target: string): URL | null {
  try {
    if (target.startsWith('/')) return new URL(`http://range.invalid${target}`);
    if (/^https?:\/\//i.test(target)) return new URL(target);
    return null;
  } catch {
    return null;
  }
}

export interface RunningSiteServer {
  port: number;
  close(): Promise<void>;
}

export async function startSiteServer(handler: SiteHandler, host = '127.0.0.1'): Promise<RunningSiteServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer({ keepAliveTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) {
        res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end('request body too large\n');
        return;
      }
      const url = parseTarget(req.url ?? '/');
      if (!url) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end('bad request target\n');
        return;
      }
      const request: RangeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        host: (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase(),
        cookies: parseCookies(req.headers.cookie),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handler(request))
        .then((response) => send(response))
        .catch((err: unknown) => {
          send({
            status: 500,
            body: `internal error: ${err instanceof Error ? err.message : String(err)}\n`,
          });
        });
    });
    const send = (response: RangeResponse) => {
      const write = () => {
        if (res.destroyed) return;
        const body = response.body ?? '';
        const headers: Record<string, string | string[] | number> = {
          server: 'nginx',
          'content-type': 'text/html; charset=utf-8',
          ...response.headers,
        };
        if (req.method === 'HEAD') {
          res.writeHead(response.status, headers);
          res.end();
          return;
        }
        headers['content-length'] = Buffer.byteLength(body);
        res.writeHead(response.status, headers);
        res.end(body);
      };
      if (response.stallMs && response.stallMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          write();
        }, response.stallMs);
        timers.add(t);
      } else {
        write();
      }
    };
  });
  // Unparseable requests (bad request line, oversized headers): a clear status, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const code =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${code}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    port,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** HTML-escape text for element content and attribute values. */
export function esc(text: string | number): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function html(
  body: string,
  status = 200,
  headers: Record<string, string | string[]> = {},
): RangeResponse {
  return { status, body, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
}

export function text(
  body: string,
  status = 200,
  headers: Record<string, string | string[]> = {},
): RangeResponse {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

export function json(
  value: unknown,
  status = 200,
  headers: Record<string, string | string[]> = {},
): RangeResponse {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): RangeResponse {
  return { status: 303, body: '', headers: { location, ...headers } };
}

export function notFound(): RangeResponse {
  return html('<!doctype html><title>404 Not Found</title><h1>404 Not Found</h1>', 404);
}
