// The range's stand-in for a Tor client: a SOCKS5 server (RFC 1928, with RFC 1929
// username/password) on loopback. It only ever opens connections to the range's own local
// site servers: a CONNECT to `<v3 address>.onion:80` of a range site is piped to that site,
// and every other destination is refused with the proper reply code and counted, so tests can
// prove a crawler leaks nothing. Like Tor, it treats the SOCKS username as an isolation key and
// records per username which destinations were reached (circuit-isolation proofs). Latency
// (log-normal, seeded) and connection failures can be injected to make it feel like Tor.
import net from 'node:net';
import { canonicalOnion } from './onion.js';
import { Rng } from './prng.js';

export const SOCKS_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

export const REFUSAL_REASONS = [
  'ip_literal', // IPv4/IPv6 address given (or a domain that is an IP literal) → 0x02
  'unknown_host', // a name that is not one of the range's onion sites → 0x04
  'port_not_allowed', // a range onion, but not port 80 → 0x02
  'command_not_supported', // BIND, UDP ASSOCIATE, anything but CONNECT → 0x07
  'address_type_not_supported', // ATYP other than 1, 3, 4 → 0x08
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

const REFUSAL_REPLY: Record<RefusalReason, number> = {
  ip_literal: SOCKS_REPLY.notAllowed,
  unknown_host: SOCKS_REPLY.hostUnreachable,
  port_not_allowed: SOCKS_REPLY.notAllowed,
  command_not_supported: SOCKS_REPLY.commandNotSupported,
  address_type_not_supported: SOCKS_REPLY.addressTypeNotSupported,
};

/** Where a range onion really lives: a loopback HTTP server. */
export interface GatewayTarget {
  host: string;
  port: number;
}

export interface LatencyOptions {
  /** Median delay in ms, applied once before the CONNECT reply and once before the first byte. */
  medianMs: number;
  /** Spread of ln(delay); 0.6 gives a Tor-like long tail. */
  sigma?: number;
  /** Upper bound for one delay, ms. */
  maxMs?: number;
}

export interface SocksGatewayOptions {
  host?: string;
  port?: number;
  /** onion (lower case, `….onion`) → local server. Mutable later via setRoute/removeRoute. */
  routes?: Iterable<[string, GatewayTarget]>;
  /** The only virtual port the range's onion services listen on. */
  virtualPort?: number;
  latency?: LatencyOptions | null;
  /** Probability (0..1) that a routable CONNECT fails anyway, like a Tor circuit timing out. */
  failureRate?: number;
  /** Reply code of an injected failure; Tor maps a stream timeout to 0x06 (TTL expired). */
  failureReply?: number;
  /** Seeds latency and failure injection. */
  seed?: number;
  /**
   * When set, username/password auth is required and checked against this table. When null
   * (default), no-auth and any username/password are accepted, as Tor does: the username only
   * picks the circuit.
   */
  credentials?: Record<string, string> | null;
  handshakeTimeoutMs?: number;
  /** How many refused destinations to keep in the counters' log. */
  refusalLogSize?: number;
  /** Simultaneous client connections accepted (default 4096). */
  maxConnections?: number;
  /** Usernames kept apart in `byUser` (default MAX_USERS). */
  maxUsers?: number;
}

export interface UserRecord {
  /** SOCKS sessions that completed the handshake (auth) under this username. */
  sessions: number;
  /** CONNECTs that were routed to a range site. */
  streams: number;
  refused: number;
  /** onion:port → streams. */
  destinations: Record<string, number>;
}

export interface RefusedDestination {
  host: string;
  port: number;
  atyp: 'ipv4' | 'domain' | 'ipv6' | 'unknown';
  reason: RefusalReason;
  user: string | null;
}

export interface GatewayCounters {
  /** TCP connections accepted. */
  connections: number;
  /** Open right now. */
  active: number;
  /** CONNECTs routed to a range site. */
  streams: number;
  refused: number;
  refusedByReason: Record<RefusalReason, number>;
  /** Most recent refusals (bounded). */
  refusedDestinations: RefusedDestination[];
  injectedFailures: number;
  /** Site server unreachable although routed. */
  upstreamErrors: number;
  /** Garbage, wrong version, truncated or oversized handshakes, handshake timeouts. */
  protocolErrors: number;
  authFailures: number;
  bytesFromClients: number;
  bytesToClients: number;
  /** Per SOCKS username; the key "" is no-auth. */
  byUser: Record<string, UserRecord>;
}

/** Username of a no-auth session in `byUser`. */
export const ANONYMOUS_USER = '';
/** `byUser` keeps at most this many usernames; later ones are counted under OVERFLOW_USER. */
export const MAX_USERS = 10_000;
export const OVERFLOW_USER = '(other users)';

function emptyCounters(): GatewayCounters {
  return {
    connections: 0,
    active: 0,
    streams: 0,
    refused: 0,
    refusedByReason: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>,
    refusedDestinations: [],
    injectedFailures: 0,
    upstreamErrors: 0,
    protocolErrors: 0,
    authFailures: 0,
    bytesFromClients: 0,
    bytesToClients: 0,
    // Null prototype: usernames are attacker-chosen ("__proto__", "constructor", …).
    byUser: Object.create(null) as Record<string, UserRecord>,
  };
}

type Stage = 'greeting' | 'auth' | 'request' | 'connecting' | 'open' | 'closed';

const METHOD_NO_AUTH = 0x00;
const METHOD_USERPASS = 0x02;
const METHOD_NONE_ACCEPTABLE = 0xff;

interface ParsedRequest {
  cmd: number;
  atyp: 'ipv4' | 'domain' | 'ipv6' | 'unknown';
  host: string;
  port: number;
}

/** Outcome of parsing the buffered request bytes. */
type RequestParse =
  | { kind: 'need-more' }
  | { kind: 'bad-version' }
  | { kind: 'bad-atyp'; consumed: number }
  | { kind: 'ok'; request: ParsedRequest; consumed: number };

export function parseSocksRequest(buf: Buffer): RequestParse {
  if (buf.length < 4) return { kind: 'need-more' };
  if (buf[0] !== 0x05) return { kind: 'bad-version' };
  const cmd = buf[1]!;
  const atypByte = buf[3]!;
  let host: string;
  let offset: number;
  let atyp: ParsedRequest['atyp'];
  if (atypByte === 0x01) {
    if (buf.length < 10) return { kind: 'need-more' };
    host = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
    offset = 8;
    atyp = 'ipv4';
  } else if (atypByte === 0x03) {
    if (buf.length < 5) return { kind: 'need-more' };
    const len = buf[4]!;
    if (buf.length < 5 + len + 2) return { kind: 'need-more' };
    host = buf.subarray(5, 5 + len).toString('latin1');
    offset = 5 + len;
    atyp = 'domain';
  } else if (atypByte === 0x04) {
    if (buf.length < 22) return { kind: 'need-more' };
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(4 + i).toString(16));
    host = parts.join(':');
    offset = 20;
    atyp = 'ipv6';
  } else {
    return { kind: 'bad-atyp', consumed: buf.length };
  }
  const port = buf.readUInt16BE(offset);
  return { kind: 'ok', request: { cmd, atyp, host, port }, consumed: offset + 2 };
}

function reply(code: number): Buffer {
  // BND.ADDR 0.0.0.0:0, as Tor sends: the client has no use for the gateway's local address.
  return Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

/** Printable, bounded form of an attacker-supplied host for the counters. */
function printableHost(host: string): string {
  const clean = host.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

export class SocksGateway {
  private server: net.Server;
  private routes = new Map<string, GatewayTarget>();
  private counters: GatewayCounters = emptyCounters();
  private userCount = 0;
  private readonly maxUsers: number;
  private sockets = new Set<net.Socket>();
  private rng: Rng;
  private readonly opts: Required<
    Omit<SocksGatewayOptions, 'routes' | 'latency' | 'credentials' | 'maxConnections' | 'maxUsers'>
  > & {
    latency: LatencyOptions | null;
    credentials: Record<string, string> | null;
  };

  constructor(options: SocksGatewayOptions = {}) {
    this.opts = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      virtualPort: options.virtualPort ?? 80,
      latency: options.latency && options.latency.medianMs > 0 ? options.latency : null,
      failureRate: options.failureRate ?? 0,
      failureReply: options.failureReply ?? SOCKS_REPLY.ttlExpired,
      seed: options.seed ?? 1,
      credentials: options.credentials ?? null,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      refusalLogSize: options.refusalLogSize ?? 200,
    };
    this.rng = new Rng(this.opts.seed, 'socks-gateway');
    this.maxUsers = options.maxUsers ?? MAX_USERS;
    for (const [onion, target] of options.routes ?? []) this.setRoute(onion, target);
    this.server = net.createServer((socket) => this.handle(socket));
    // A bound on open sockets, so a connection flood cannot exhaust file descriptors.
    this.server.maxConnections = options.maxConnections ?? 4096;
    // A listening-socket error after start must never take the range down.
    this.server.on('error', () => undefined);
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return { host: this.opts.host, port: this.port };
  }

  get port(): number {
    const addr = this.server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  /** `socks5h://127.0.0.1:PORT`: the h tells clients to let the proxy resolve names. */
  get url(): string {
    return `socks5h://${this.opts.host}:${this.port}`;
  }

  setRoute(onion: string, target: GatewayTarget): void {
    const key = canonicalOnion(onion);
    if (!key) throw new Error(`not a valid v3 onion address: ${onion}`);
    this.routes.set(key, target);
  }

  /** Where a range onion is routed (null when it is not part of the range). */
  getRoute(onion: string): GatewayTarget | null {
    const key = canonicalOnion(onion);
    return (key && this.routes.get(key)) || null;
  }

  removeRoute(onion: string): void {
    const key = canonicalOnion(onion);
    if (key) this.routes.delete(key);
  }

  setLatency(latency: LatencyOptions | null): void {
    this.opts.latency = latency && latency.medianMs > 0 ? latency : null;
  }

  setFailureRate(rate: number): void {
    this.opts.failureRate = Math.min(1, Math.max(0, rate));
  }

  /** A snapshot (deep copy) of the counters. */
  getCounters(): GatewayCounters {
    return structuredClone(this.counters);
  }

  resetCounters(): void {
    const active = this.counters.active;
    this.counters = emptyCounters();
    this.counters.active = active;
    this.userCount = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private userRecord(user: string): UserRecord {
    let rec = this.counters.byUser[user];
    if (!rec) {
      // Hostile clients can invent usernames without end: past the cap they share one record.
      const key = this.userCount >= this.maxUsers ? OVERFLOW_USER : user;
      rec = this.counters.byUser[key];
      if (!rec) {
        rec = {
          sessions: 0,
          streams: 0,
          refused: 0,
          destinations: Object.create(null) as Record<string, number>,
        };
        this.counters.byUser[key] = rec;
        this.userCount++;
      }
    }
    return rec;
  }

  private sampleDelay(): number {
    const lat = this.opts.latency;
    if (!lat) return 0;
    const ms = this.rng.logNormal(lat.medianMs, lat.sigma ?? 0.6);
    return Math.min(Math.max(0, ms), lat.maxMs ?? Math.max(30_000, lat.medianMs * 20));
  }

  private handle(client: net.Socket): void {
    this.counters.connections++;
    this.counters.active++;
    this.sockets.add(client);
    client.setNoDelay(true);

    let stage: Stage = 'greeting';
    let buf: Buffer = Buffer.alloc(0);
    let user: string | null = null;
    let upstream: net.Socket | null = null;
    let pendingToUpstream: Buffer[] = [];

    const timer = setTimeout(() => protocolError(), this.opts.handshakeTimeoutMs);
    timer.unref();

    const finish = () => {
      if (stage === 'closed') return;
      stage = 'closed';
      clearTimeout(timer);
      upstream?.destroy();
      client.destroy();
    };
    const endWith = (bytes: Buffer) => {
      if (stage === 'closed') return;
      stage = 'closed';
      clearTimeout(timer);
      client.end(bytes);
      // Make sure the socket goes even if the peer never reads.
      setTimeout(() => client.destroy(), 1000).unref();
    };
    const protocolError = (replyBytes?: Buffer) => {
      if (stage === 'closed' || stage === 'open') return;
      this.counters.protocolErrors++;
      if (replyBytes) endWith(replyBytes);
      else finish();
    };
    const refuse = (req: ParsedRequest, reason: RefusalReason) => {
      this.counters.refused++;
      this.counters.refusedByReason[reason]++;
      const log = this.counters.refusedDestinations;
      log.push({ host: printableHost(req.host), port: req.port, atyp: req.atyp, reason, user });
      if (log.length > this.opts.refusalLogSize) log.splice(0, log.length - this.opts.refusalLogSize);
      if (user !== null) this.userRecord(user).refused++;
      endWith(reply(REFUSAL_REPLY[reason]));
    };

    client.on('close', () => {
      // The one place a connection is accounted as gone (counters may have been reset since).
      this.sockets.delete(client);
      this.counters.active = Math.max(0, this.counters.active - 1);
      clearTimeout(timer);
      upstream?.destroy();
      stage = 'closed';
    });
    client.on('error', () => finish());

    client.on('data', (chunk: Buffer) => {
      this.counters.bytesFromClients += chunk.length;
      if (stage === 'open') return; // piped below
      if (stage === 'closed') return;
      if (stage === 'connecting') {
        // Clients may pipeline their first request bytes before our reply; keep them, bounded.
        pendingToUpstream.push(chunk);
        if (pendingToUpstream.reduce((s, b) => s + b.length, 0) > 1 << 20) finish();
        return;
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      step();
    });

    const step = (): void => {
      while (stage !== 'closed') {
        if (stage === 'greeting') {
          if (buf.length < 1) return;
          if (buf[0] === 0x04) {
            // SOCKS4/4a: answer in its own format ("request rejected") so the client learns why.
            this.counters.protocolErrors++;
            endWith(Buffer.from([0x00, 0x5b, 0, 0, 0, 0, 0, 0]));
            return;
          }
          if (buf[0] !== 0x05) return protocolError();
          if (buf.length < 2) return;
          const n = buf[1]!;
          if (n === 0) return protocolError(Buffer.from([0x05, METHOD_NONE_ACCEPTABLE]));
          if (buf.length < 2 + n) return;
          const methods = buf.subarray(2, 2 + n);
          buf = buf.subarray(2 + n);
          const wantsUserPass = methods.includes(METHOD_USERPASS);
          const allowsNoAuth = methods.includes(METHOD_NO_AUTH) && this.opts.credentials === null;
          if (wantsUserPass) {
            client.write(Buffer.from([0x05, METHOD_USERPASS]));
            stage = 'auth';
          } else if (allowsNoAuth) {
            client.write(Buffer.from([0x05, METHOD_NO_AUTH]));
            user = ANONYMOUS_USER;
            this.userRecord(user).sessions++;
            stage = 'request';
          } else {
            this.counters.authFailures++;
            endWith(Buffer.from([0x05, METHOD_NONE_ACCEPTABLE]));
            return;
          }
        } else if (stage === 'auth') {
          if (buf.length < 2) return;
          if (buf[0] !== 0x01) {
            this.counters.authFailures++;
            return protocolError(Buffer.from([0x01, 0x01]));
          }
          const ulen = buf[1]!;
          if (buf.length < 2 + ulen + 1) return;
          const plen = buf[2 + ulen]!;
          if (buf.length < 3 + ulen + plen) return;
          const name = buf.subarray(2, 2 + ulen).toString('utf8');
          const pass = buf.subarray(3 + ulen, 3 + ulen + plen).toString('utf8');
          buf = buf.subarray(3 + ulen + plen);
          const creds = this.opts.credentials;
          if (creds !== null && (!Object.hasOwn(creds, name) || creds[name] !== pass)) {
            this.counters.authFailures++;
            endWith(Buffer.from([0x01, 0x01]));
            return;
          }
          client.write(Buffer.from([0x01, 0x00]));
          user = name;
          this.userRecord(user).sessions++;
          stage = 'request';
        } else if (stage === 'request') {
          if (buf.length > 0 && buf[0] !== 0x05) return protocolError(reply(SOCKS_REPLY.generalFailure));
          const parsed = parseSocksRequest(buf);
          if (parsed.kind === 'need-more') return;
          if (parsed.kind === 'bad-version') return protocolError(reply(SOCKS_REPLY.generalFailure));
          if (parsed.kind === 'bad-atyp') {
            const req: ParsedRequest = { cmd: buf[1]!, atyp: 'unknown', host: '', port: 0 };
            return refuse(req, 'address_type_not_supported');
          }
          const rest = buf.subarray(parsed.consumed);
          buf = Buffer.alloc(0);
          if (rest.length > 0) pendingToUpstream.push(Buffer.from(rest));
          return this.connect(parsed.request, {
            refuse,
            user: user ?? ANONYMOUS_USER,
            client,
            setStage: (s) => (stage = s),
            getStage: () => stage,
            setUpstream: (u) => (upstream = u),
            takePending: () => {
              const p = pendingToUpstream;
              pendingToUpstream = [];
              return p;
            },
            clearTimer: () => clearTimeout(timer),
            endWith,
            finish,
          });
        } else {
          return;
        }
      }
    };
  }

  private connect(
    req: ParsedRequest,
    ctx: {
      refuse: (req: ParsedRequest, reason: RefusalReason) => void;
      user: string;
      client: net.Socket;
      setStage: (s: Stage) => void;
      getStage: () => Stage;
      setUpstream: (u: net.Socket) => void;
      takePending: () => Buffer[];
      clearTimer: () => void;
      endWith: (b: Buffer) => void;
      finish: () => void;
    },
  ): void {
    if (req.cmd !== 0x01) return ctx.refuse(req, 'command_not_supported');
    if (req.atyp !== 'domain') return ctx.refuse(req, 'ip_literal');
    const name = req.host.replace(/^\[|\]$/g, '');
    if (net.isIP(name) !== 0) return ctx.refuse(req, 'ip_literal');
    const onion = canonicalOnion(name);
    const target = onion ? this.routes.get(onion) : undefined;
    if (!onion || !target) return ctx.refuse(req, 'unknown_host');
    if (req.port !== this.opts.virtualPort) return ctx.refuse(req, 'port_not_allowed');

    ctx.setStage('connecting');
    ctx.clearTimer();
    const destination = `${onion}:${req.port}`;
    const failed = this.opts.failureRate > 0 && this.rng.chance(this.opts.failureRate);
    const connectDelay = this.sampleDelay();
    const firstByteDelay = this.sampleDelay();

    const go = () => {
      if (ctx.getStage() === 'closed') return;
      if (failed) {
        this.counters.injectedFailures++;
        return ctx.endWith(reply(this.opts.failureReply));
      }
      const upstream = net.connect({ host: target.host, port: target.port });
      ctx.setUpstream(upstream);
      upstream.setNoDelay(true);
      upstream.once('error', () => {
        if (ctx.getStage() === 'connecting') {
          this.counters.upstreamErrors++;
          ctx.endWith(reply(SOCKS_REPLY.connectionRefused));
        } else {
          ctx.finish();
        }
      });
      upstream.once('connect', () => {
        if (ctx.getStage() === 'closed') return upstream.destroy();
        const rec = this.userRecord(ctx.user);
        rec.streams++;
        rec.destinations[destination] = (rec.destinations[destination] ?? 0) + 1;
        this.counters.streams++;
        ctx.client.write(reply(SOCKS_REPLY.succeeded));
        ctx.setStage('open');
        for (const pending of ctx.takePending()) upstream.write(pending);
        ctx.client.on('data', (chunk: Buffer) => {
          if (!upstream.write(chunk)) {
            ctx.client.pause();
            upstream.once('drain', () => ctx.client.resume());
          }
        });
        ctx.client.on('end', () => upstream.end());
        // First-byte latency: hold the first chunk (and anything after it, including the end of
        // the stream) until the delay is over, so ordering is kept.
        let first = true;
        let holding = false;
        let endAfterHold = false;
        upstream.on('data', (chunk: Buffer) => {
          this.counters.bytesToClients += chunk.length;
          if (first && firstByteDelay > 0) {
            first = false;
            holding = true;
            upstream.pause();
            setTimeout(() => {
              holding = false;
              ctx.client.write(chunk);
              if (endAfterHold) {
                ctx.client.end();
                setTimeout(() => ctx.finish(), 1000).unref();
              } else upstream.resume();
            }, firstByteDelay);
            return;
          }
          first = false;
          if (!ctx.client.write(chunk)) {
            upstream.pause();
            ctx.client.once('drain', () => upstream.resume());
          }
        });
        upstream.on('end', () => {
          if (holding) endAfterHold = true;
          else ctx.client.end();
        });
        upstream.on('close', () => {
          // While the first chunk is held back, the timer ends the client side itself.
          if (holding) endAfterHold = true;
          else ctx.finish();
        });
        upstream.on('error', () => ctx.finish());
      });
    };
    if (connectDelay > 0) setTimeout(go, connectDelay);
    else go();
  }
}
