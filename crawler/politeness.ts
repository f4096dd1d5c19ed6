// Politeness per source that holds across every worker process sharing one Redis:
//  - a token bucket (requests/minute, small burst) in one Lua script, so take-or-wait is atomic;
//    the clock is Redis's own (TIME), so workers on machines with skewed clocks still agree;
//  - a concurrency cap as a semaphore of leases (sorted set scored by expiry): a holder renews its
//    lease while it works, so a worker that crashes loses its slot within one lease period instead
//    of holding it forever (or for minutes, freezing the source for every other worker);
//  - a per-source pause set on 429/503 (Retry-After honoured) that every process's bucket obeys;
//  - pure helpers for Retry-After parsing and exponential backoff with full jitter.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// ---------------------------------------------------------------------------------------------
// Pure parts

/** Full-jitter exponential backoff (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(
  attempt: number,
  baseMs = 1000,
  capMs = 5 * 60_000,
  random: () => number = Math.random,
): number {
  const a = Math.max(0, Math.min(Math.floor(attempt), 30));
  const ceiling = Math.min(capMs, baseMs * 2 ** a);
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After in ms (delta-seconds or an HTTP date), clamped to [0, maxMs]; null when absent or
 * unparsable so the caller falls back to its own backoff.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
  maxMs = 60 * 60_000,
): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d{1,20}$/.test(v)) return Math.min(Number(v) * 1000, maxMs);
  if (v.length > 64) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.min(at - now, maxMs));
}

/** Statuses that mean "slow down": pause the whole source, not just this URL. */
export function isBackoffStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** How long to pause the source after a 429/503: Retry-After if given, else jittered backoff. */
export function pauseAfter(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  consecutive: number,
  now = Date.now(),
  random: () => number = Math.random,
): number | null {
  if (!isBackoffStatus(status)) return null;
  const ra = parseRetryAfter(headers['retry-after'], now);
  if (ra !== null) return ra;
  return Math.max(1000, backoffDelay(consecutive, 5000, 10 * 60_000, random));
}

// ---------------------------------------------------------------------------------------------
// Redis scripts

// Token bucket with reservations: a caller always takes a token, possibly driving the balance
// negative, and is told how long to wait until that token exists. Waiters therefore queue in
// arrival order instead of polling, and the long-run rate is exactly `rate`. A source pause key
// (set on 429/503) makes every caller wait until it expires. Returns the wait in ms.
// KEYS[1] bucket hash, KEYS[2] pause key. ARGV: rate per minute, burst, max queued wait ms.
const TAKE_TOKEN_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local pause = redis.call('PTTL', KEYS[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + (now - ts) * rate)
local base = 0
if pause > 0 then base = pause end
local wait = base
if tokens < 1 then wait = base + math.ceil((1 - tokens) / rate) end
if wait > maxWait then return -wait end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + wait + 60000)
return wait
`;

// KEYS[1] lease zset. ARGV: limit, lease ms, lease id. Returns 1 when acquired, else the ms until the
// earliest lease expires (negative, so 0/1 stay unambiguous).
const ACQUIRE_LEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 60000)
  return 1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return -math.max(1, tonumber(first[2]) - now)
`;

// KEYS[1] lease zset. ARGV: lease ms, lease id. Extends a lease still held; 0 if it was lost.
const RENEW_LEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not s or tonumber(s) < now then redis.call('ZREM', KEYS[1], ARGV[2]); return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000)
return 1
`;

// KEYS[1] pause key. ARGV: ms. Only ever extends a pause.
const PAUSE_LUA = `
local cur = redis.call('PTTL', KEYS[1])
if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

interface PolitenessCommands {
  dwTakeToken(bucket: string, pause: string, rate: number, burst: number, maxWait: number): Promise<number>;
  dwAcquireLease(key: string, limit: number, leaseMs: number, id: string): Promise<number>;
  dwRenewLease(key: string, leaseMs: number, id: string): Promise<number>;
  dwPause(key: string, ms: number): Promise<number>;
}

function withCommands(redis: Redis): Redis & PolitenessCommands {
  const r = redis as Redis & Partial<PolitenessCommands>;
  if (!r.dwTakeToken) {
    redis.defineCommand('dwTakeToken', { numberOfKeys: 2, lua: TAKE_TOKEN_LUA });
    redis.defineCommand('dwAcquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE_LUA });
    redis.defineCommand('dwRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE_LUA });
    redis.defineCommand('dwPause', { numberOfKeys: 1, lua: PAUSE_LUA });
  }
  return r as Redis & PolitenessCommands;
}

export class PolitenessError extends Error {
  constructor(
    readonly code: 'rate_wait_too_long' | 'concurrency_timeout' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'PolitenessError';
  }
}

export interface SourceLimits {
  requestsPerMinute: number;
  /** Tokens that may be spent at once after an idle period. Default 1: evenly spaced requests. */
  burst?: number;
  concurrency: number;
}

export interface Lease {
  id: string;
  /** Extend the lease (long fetches); false when it had already expired and was lost. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PolitenessError('aborted', 'aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new PolitenessError('aborted', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Redis-backed politeness for any number of processes. Keys: `<prefix>:bucket:<source>`,
 * `<prefix>:pause:<source>`, `<prefix>:leases:<source>`.
 */
export class Politeness {
  private readonly redis: Redis & PolitenessCommands;

  constructor(
    redis: Redis,
    private readonly prefix = 'dw:polite',
    /** How long a crashed holder keeps a slot; live holders renew every third of it. */
    private readonly leaseMs = 30_000,
  ) {
    this.redis = withCommands(redis);
  }

  private key(kind: string, source: string): string {
    return `${this.prefix}:${kind}:${source}`;
  }

  /** Reserve one request slot; resolves when it may be sent. */
  async takeToken(
    source: string,
    limits: SourceLimits,
    opts: { maxWaitMs?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const rpm = limits.requestsPerMinute;
    if (!(rpm > 0)) throw new RangeError('requestsPerMinute must be > 0');
    const maxWait = opts.maxWaitMs ?? 10 * 60_000;
    const wait = Number(
      await this.redis.dwTakeToken(
        this.key('bucket', source),
        this.key('pause', source),
        rpm,
        Math.max(1, limits.burst ?? 1),
        maxWait,
      ),
    );
    if (wait < 0)
      throw new PolitenessError(
        'rate_wait_too_long',
        `source ${source} is rate-limited for ${-wait} ms more than allowed`,
      );
    if (wait > 0) await sleep(wait, opts.signal);
    return wait;
  }

  /** Take one of the source's concurrency slots, waiting (bounded) for a free one. */
  async acquire(
    source: string,
    limits: SourceLimits,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Lease> {
    const key = this.key('leases', source);
    const id = randomUUID();
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    for (let attempt = 0; ; attempt++) {
      const r = Number(
        await this.redis.dwAcquireLease(key, Math.max(1, limits.concurrency), this.leaseMs, id),
      );
      if (r === 1) {
        return {
          id,
          renew: async () => Number(await this.redis.dwRenewLease(key, this.leaseMs, id)) === 1,
          release: async () => {
            await this.redis.zrem(key, id);
          },
        };
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new PolitenessError('concurrency_timeout', `no concurrency slot for source ${source}`);
      // Poll with jitter, never longer than until the earliest lease could expire.
      const pollMs = Math.min(-r, left, 25 + backoffDelay(Math.min(attempt, 4), 25, 250));
      await sleep(Math.max(5, pollMs), opts.signal);
    }
  }

  /** Pause the whole source (every process) for ms; only ever lengthens an existing pause. */
  async pause(source: string, ms: number): Promise<void> {
    if (ms > 0) await this.redis.dwPause(this.key('pause', source), Math.ceil(ms));
  }

  async pausedFor(source: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.key('pause', source)));
  }

  /** Take a slot and a token, run fn, release; pauses the source on 429/503 from the result. */
  async run<T>(
    source: string,
    limits: SourceLimits,
    fn: () => Promise<T>,
    opts: {
      signal?: AbortSignal;
      statusOf?: (r: T) => { status: number; headers: Record<string, string | string[] | undefined> } | null;
    } = {},
  ): Promise<T> {
    const lease = await this.acquire(source, limits, { signal: opts.signal });
    // Heartbeat: the lease outlives a slow fetch (or a long wait for a token) only while this
    // process is alive. A lost lease (event loop stalled past it) just means one request too many.
    const heartbeat = setInterval(
      () => void lease.renew().catch(() => false),
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await this.takeToken(source, limits, { signal: opts.signal });
      const result = await fn();
      const s = opts.statusOf?.(result);
      if (s) {
        const ms = pauseAfter(s.status, s.headers, 0);
        if (ms !== null) await this.pause(source, ms);
      }
      return result;
    } finally {
      clearInterval(heartbeat);
      await lease.release();
    }
  }
}
