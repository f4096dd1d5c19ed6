// Test helpers: raw SOCKS5 exchanges and HTTP through the gateway with socks-proxy-agent.
import http from 'node:http';
import net from 'node:net';
import { SocksProxyAgent } from 'socks-proxy-agent';

/**
 * Sends `chunks` (with a short pause between them), collects everything until close or timeout.
 * The timeout is generous: every exchange the tests make ends with the server closing (at the
 * latest by its handshake timer), so waiting costs nothing, and a loaded machine's late close
 * must not read as "never closed".
 */
export async function rawExchange(
  port: number,
  chunks: Buffer[],
  opts: { timeoutMs?: number; endAfter?: boolean } = {},
): Promise<{ data: Buffer; closed: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  let closed = false;
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  const closedP = new Promise<void>((resolve) => socket.on('close', () => ((closed = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  for (const c of chunks) {
    if (socket.destroyed) break;
    socket.write(c);
    await new Promise((r) => setTimeout(r, 15));
  }
  if (opts.endAfter) socket.end();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closedP, new Promise((r) => (timer = setTimeout(r, opts.timeoutMs ?? 15_000)))]);
  clearTimeout(timer);
  socket.destroy();
  return { data: Buffer.concat(received), closed };
}

export function domainRequest(host: string, port: number, cmd = 0x01): Buffer {
  const name = Buffer.from(host, 'latin1');
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([0x05, cmd, 0x00, 0x03, name.length]), name, p]);
}

export const GREETING_NOAUTH = Buffer.from([0x05, 0x01, 0x00]);

export interface FetchResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET/POST through the gateway (socks5h: the proxy resolves the onion name). */
export async function fetchVia(
  socksUrl: string,
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: http.Agent;
    timeoutMs?: number;
  } = {},
): Promise<FetchResult> {
  const agent = init.agent ?? new SocksProxyAgent(socksUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

/** Cookie header value from a response's set-cookie lines. */
export function cookiesFrom(headers: http.IncomingHttpHeaders): string {
  return (headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
}

/** Opens a SOCKS5 stream to `onion:80` and sends raw bytes; returns what comes back. */
export async function rawHttpVia(
  socksPort: number,
  onion: string,
  request: Buffer | string,
  timeoutMs = 15_000,
): Promise<string> {
  const connectReq = domainRequest(onion, 80);
  const { data } = await rawExchange(socksPort, [GREETING_NOAUTH, connectReq, Buffer.from(request)], {
    timeoutMs,
  });
  // Strip the method-selection (2 bytes) and CONNECT reply (10 bytes).
  return data.subarray(12).toString('latin1');
}
