// The SOCKS proxy URL is configuration; per-source identities become SOCKS usernames so Tor
// (IsolateSOCKSAuth) gives each source its own circuit family. Pure helpers.

export class ProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyConfigError';
  }
}

export interface ProxyEndpoint {
  host: string;
  port: number;
}

export const DEFAULT_TOR_PROXY = 'socks5h://127.0.0.1:9050';

/**
 * Parse a proxy URL. Only `socks5h://` is accepted: with `socks5://` or an HTTP proxy the client would
 * resolve names itself, which cannot work for .onion and leaks every other name to local DNS.
 */
export function parseProxyUrl(proxyUrl: string): ProxyEndpoint {
  let u: URL;
  try {
    u = new URL(proxyUrl);
  } catch {
    throw new ProxyConfigError(`proxy URL ${JSON.stringify(proxyUrl)} is not a URL`);
  }
  if (u.protocol !== 'socks5h:')
    throw new ProxyConfigError(
      `proxy URL must use socks5h:// so the proxy resolves names (got ${u.protocol}//); local DNS would leak`,
    );
  const port = Number(u.port || 1080);
  if (!u.hostname || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ProxyConfigError(`proxy URL ${JSON.stringify(proxyUrl)} needs a host and a port`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

/** SOCKS usernames are 1–255 bytes; keep them printable and URL-safe. */
export function sourceIdentity(sourceKey: string | number): string {
  const s = `dw-${String(sourceKey)}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return s.slice(0, 200);
}

/** `socks5h://<identity>:x@host:port` — the password is irrelevant to Tor, only the pair isolates. */
export function isolatedProxyUrl(proxyUrl: string, identity: string): string {
  const { host, port } = parseProxyUrl(proxyUrl);
  if (!identity || Buffer.byteLength(identity) > 255)
    throw new ProxyConfigError('SOCKS identity must be 1–255 bytes');
  const h = host.includes(':') ? `[${host}]` : host;
  return `socks5h://${encodeURIComponent(identity)}:x@${h}:${port}`;
}
