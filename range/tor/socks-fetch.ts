// One bounded HTTP GET through a SOCKS proxy (socks5h: the proxy resolves the name, which is the
// only way to reach a .onion). Used for the readiness probe and by tests and measurements.
import http from 'node:http';
import { SocksProxyAgent } from 'socks-proxy-agent';

export interface SocksFetchResult {
  status: number;
  body: string;
  ms: number;
}

export interface SocksFetchOptions {
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export function fetchViaSocks(
  url: string,
  proxyUrl: string,
  opts: SocksFetchOptions = {},
): Promise<SocksFetchResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  const agent = new SocksProxyAgent(proxyUrl, { timeout: timeoutMs });
  const started = performance.now();
  return new Promise<SocksFetchResult>((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          req.destroy(new Error(`response from ${url} exceeds ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} via SOCKS timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  }).finally(() => agent.destroy());
}
