// Chromium speaks SOCKS5 without authentication only, so it cannot present a per-source SOCKS
// username to Tor. This forwarder listens on 127.0.0.1:<ephemeral> for one source identity, accepts
// no-auth SOCKS5 CONNECTs from the browser and replays each one to the upstream proxy with
// username/password added (RFC 1928 + RFC 1929). Only CONNECT is relayed: BIND and UDP ASSOCIATE are
// refused, so nothing (WebRTC included) can get around the proxy. Names are passed through as names:
// nothing is resolved here.
import net from 'node:net';
import { parseProxyUrl } from './proxy.js';

export interface SocksForwarder {
  /** `socks5://127.0.0.1:<port>` for Chromium's --proxy-server / Playwright's proxy option. */
  readonly url: string;
  readonly port: number;
  readonly identity: string;
  /** Connections relayed so far, and refused (bad request, upstream failure). */
  readonly stats: { relayed: number; refused: number };
  close(): Promise<void>;
}

const HANDSHAKE_TIMEOUT_MS = 30_000;
const REPLY_GENERAL_FAILURE = 0x01;
const REPLY_COMMAND_NOT_SUPPORTED = 0x07;
const REPLY_ATYP_NOT_SUPPORTED = 0x08;

/** Reads exactly n bytes from a socket that is paused between reads. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      if (this.buf.length > 4096) return this.fail(new Error('SOCKS handshake too large'));
      this.pump();
    });
    socket.on('end', () => this.fail(new Error('connection closed during SOCKS handshake')));
    socket.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.ended = e;
    if (this.waiting) {
      this.waiting.reject(e);
      this.waiting = null;
    }
  }

  private pump(): void {
    if (this.waiting && this.buf.length >= this.waiting.n) {
      const { n, resolve } = this.waiting;
      this.waiting = null;
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      resolve(out);
    }
  }

  read(n: number): Promise<Buffer> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
      this.pump();
    });
  }

  /** Whatever arrived after the handshake (a client may pipeline its first request). */
  rest(): Buffer {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    return this.buf;
  }
}

/** Reads a SOCKS5 CONNECT request; returns the raw address+port bytes to replay upstream. */
async function readRequest(r: ByteReader): Promise<{ cmd: number; atyp: number; addr: Buffer }> {
  const [ver, cmd, , atyp] = await r.read(4);
  if (ver !== 5) throw new Error('not SOCKS5');
  let addr: Buffer;
  if (atyp === 1) addr = await r.read(4 + 2);
  else if (atyp === 4) addr = await r.read(16 + 2);
  else if (atyp === 3) {
    const len = await r.read(1);
    addr = Buffer.concat([len, await r.read((len[0] as number) + 2)]);
  } else return { cmd: cmd as number, atyp: atyp as number, addr: Buffer.alloc(0) };
  return { cmd: cmd as number, atyp, addr };
}

function reply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

/** Upstream handshake with username/password; resolves with the upstream's CONNECT reply bytes. */
async function connectUpstream(
  upstream: net.Socket,
  identity: string,
  password: string,
  atyp: number,
  addr: Buffer,
): Promise<{ reply: Buffer; code: number; reader: ByteReader }> {
  const r = new ByteReader(upstream);
  upstream.write(Buffer.from([5, 1, 2]));
  const [v, method] = await r.read(2);
  if (v !== 5 || method !== 2)
    throw new Error(`upstream proxy did not accept username/password auth (method ${method})`);
  const user = Buffer.from(identity);
  const pass = Buffer.from(password);
  upstream.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
  const [, status] = await r.read(2);
  if (status !== 0) throw new Error('upstream proxy rejected the credentials');
  upstream.write(Buffer.concat([Buffer.from([5, 1, 0, atyp]), addr]));
  const head = await r.read(4);
  const bAtyp = head[3];
  let tail: Buffer;
  if (bAtyp === 1) tail = await r.read(6);
  else if (bAtyp === 4) tail = await r.read(18);
  else if (bAtyp === 3) {
    const len = await r.read(1);
    tail = Buffer.concat([len, await r.read((len[0] as number) + 2)]);
  } else throw new Error('upstream proxy sent a malformed reply');
  return { reply: Buffer.concat([head, tail]), code: head[1] as number, reader: r };
}

/** Start a forwarder for one identity. */
export async function startSocksForwarder(opts: {
  upstreamProxyUrl: string;
  identity: string;
  password?: string;
  handshakeTimeoutMs?: number;
}): Promise<SocksForwarder> {
  const upstreamEp = parseProxyUrl(opts.upstreamProxyUrl);
  const identity = opts.identity;
  const password = opts.password ?? 'x';
  if (Buffer.byteLength(identity) < 1 || Buffer.byteLength(identity) > 255)
    throw new Error('identity must be 1–255 bytes');
  const stats = { relayed: 0, refused: 0 };
  const sockets = new Set<net.Socket>();

  const handle = async (client: net.Socket): Promise<void> => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.setTimeout(opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, () => client.destroy());
    const r = new ByteReader(client);
    let upstream: net.Socket | null = null;
    try {
      const [ver, nMethods] = await r.read(2);
      if (ver !== 5) throw new Error('not SOCKS5');
      const methods = await r.read(nMethods as number);
      if (!methods.includes(0)) {
        client.end(Buffer.from([5, 0xff]));
        stats.refused++;
        return;
      }
      client.write(Buffer.from([5, 0]));
      const req = await readRequest(r);
      if (req.cmd !== 1) {
        client.end(reply(REPLY_COMMAND_NOT_SUPPORTED));
        stats.refused++;
        return;
      }
      if (req.addr.length === 0) {
        client.end(reply(REPLY_ATYP_NOT_SUPPORTED));
        stats.refused++;
        return;
      }
      const up = net.connect({ host: upstreamEp.host, port: upstreamEp.port });
      upstream = up;
      sockets.add(up);
      up.on('close', () => sockets.delete(up));
      up.setTimeout(opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, () =>
        up.destroy(new Error('upstream handshake timeout')),
      );
      await new Promise<void>((resolve, reject) => {
        up.once('connect', resolve);
        up.once('error', reject);
      });
      const {
        reply: upReply,
        code,
        reader: upReader,
      } = await connectUpstream(up, identity, password, req.atyp, req.addr);
      client.write(upReply);
      if (code !== 0) {
        client.end();
        up.destroy();
        stats.refused++;
        return;
      }
      const pendingUp = upReader.rest();
      const pendingClient = r.rest();
      up.setTimeout(0);
      client.setTimeout(0);
      up.removeAllListeners('error');
      client.removeAllListeners('error');
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
      if (pendingUp.length) client.write(pendingUp);
      if (pendingClient.length) up.write(pendingClient);
      client.pipe(up);
      up.pipe(client);
      stats.relayed++;
    } catch {
      stats.refused++;
      if (!client.destroyed) client.end(reply(REPLY_GENERAL_FAILURE));
      upstream?.destroy();
    }
  };

  const server = net.createServer((c) => void handle(c));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `socks5://127.0.0.1:${port}`,
    port,
    identity,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
