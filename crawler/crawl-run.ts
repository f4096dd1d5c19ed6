// The frontier of one crawl run: which links become page jobs. The decision has two halves:
//  1. pure, per link (planLinks): normalise, fold mirrors, scope/patterns/depth, static traps, and
//     the trap groups the URL belongs to;
//  2. stateful, per run (admission): dedup, page budget, trap-group limits. CrawlRun does it in
//     memory (one process, tests, bench); RedisFrontier does the same atomically in Redis so any
//     number of BullMQ workers can share one run — a page found by two workers is admitted once.
// The worker drives it: seeds() → enqueue jobs; per fetched page: extractLinks → planLinks → admit →
// enqueue the admitted entries; record the outcome; the run is finished when nothing is pending.
import type { Redis } from 'ioredis';
import { trapGroups, type Scope, type ScopeRejection, type TrapGroup } from './scope.js';

export interface FrontierEntry {
  url: string;
  depth: number;
  /** URL of the page the link was found on; null for seeds. */
  parent: string | null;
}

export interface Candidate extends FrontierEntry {
  groups: TrapGroup[];
}

export type DropReason =
  ScopeRejection | { kind: 'duplicate' } | { kind: 'budget' } | { kind: 'trap'; trap: string };

export interface Dropped {
  url: string | null;
  raw: string;
  why: DropReason;
}

export interface LinkPlan {
  candidates: Candidate[];
  dropped: Dropped[];
}

/** Pure: which of a page's links may enter the frontier, at parent depth + 1. */
export function planLinks(scope: Scope, parent: FrontierEntry | null, links: readonly string[]): LinkPlan {
  const depth = parent ? parent.depth + 1 : 0;
  const candidates: Candidate[] = [];
  const dropped: Dropped[] = [];
  const seenHere = new Set<string>();
  for (const raw of links) {
    const d = scope.decide(raw, depth, parent?.url);
    if (!d.ok) {
      dropped.push({ url: d.url, raw, why: d.why });
      continue;
    }
    if (seenHere.has(d.url)) continue;
    seenHere.add(d.url);
    candidates.push({
      url: d.url,
      depth,
      parent: parent?.url ?? null,
      groups: trapGroups(d.url, scope.limits),
    });
  }
  return { candidates, dropped };
}

/** Seeds (paths or absolute URLs) as depth-0 candidates on the primary origin. */
export function planSeeds(scope: Scope, seeds: readonly string[]): LinkPlan {
  const abs = (seeds.length ? seeds : ['/']).map((s) => (s.startsWith('/') ? scope.primaryOrigin + s : s));
  return planLinks(scope, null, abs);
}

export interface RunCounters {
  admitted: number;
  fetched: number;
  failed: number;
  dropped: number;
}

/** In-memory admission for one process. */
export class CrawlRun {
  private readonly seen = new Set<string>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly pending = new Set<string>();
  readonly counters: RunCounters = { admitted: 0, fetched: 0, failed: 0, dropped: 0 };

  constructor(
    readonly scope: Scope,
    readonly pageBudget: number = scope.config.pageBudget,
  ) {}

  admit(plan: LinkPlan): { admitted: FrontierEntry[]; dropped: Dropped[] } {
    const admitted: FrontierEntry[] = [];
    const dropped = [...plan.dropped];
    for (const c of plan.candidates) {
      const why = this.check(c);
      if (why) {
        dropped.push({ url: c.url, raw: c.url, why });
        continue;
      }
      this.seen.add(c.url);
      for (const g of c.groups) {
        const set = this.groups.get(g.key) ?? new Set<string>();
        set.add(g.member);
        this.groups.set(g.key, set);
      }
      this.pending.add(c.url);
      this.counters.admitted++;
      admitted.push({ url: c.url, depth: c.depth, parent: c.parent });
    }
    this.counters.dropped += dropped.length;
    return { admitted, dropped };
  }

  private check(c: Candidate): DropReason | null {
    if (this.seen.has(c.url)) return { kind: 'duplicate' };
    for (const g of c.groups) {
      const set = this.groups.get(g.key);
      if (set && !set.has(g.member) && set.size >= g.limit) return { kind: 'trap', trap: g.trap };
    }
    if (this.counters.admitted >= this.pageBudget) return { kind: 'budget' };
    return null;
  }

  seeds(seeds: readonly string[]): { admitted: FrontierEntry[]; dropped: Dropped[] } {
    return this.admit(planSeeds(this.scope, seeds));
  }

  /** A page job finished; its links (already extracted) are planned and admitted. */
  completed(
    entry: FrontierEntry,
    links: readonly string[],
  ): { admitted: FrontierEntry[]; dropped: Dropped[] } {
    if (this.pending.delete(entry.url)) this.counters.fetched++;
    return this.admit(planLinks(this.scope, entry, links));
  }

  failed(entry: FrontierEntry): void {
    if (this.pending.delete(entry.url)) this.counters.failed++;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get done(): boolean {
    return this.pending.size === 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis admission for multi-process runs.

// KEYS[1] seen set, KEYS[2] counters hash, KEYS[3] pending set. ARGV[1] budget, ARGV[2] ttl ms,
// ARGV[3] key prefix for trap groups, then per candidate: url, nGroups, (groupKey, member, limit)*.
// Returns per candidate: 1 admitted, 0 duplicate, -1 budget, -(10 + j) trap group j full.
const ADMIT_LUA = `
local budget = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local gprefix = ARGV[3]
local out = {}
local i = 4
while i <= #ARGV do
  local url = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  local g0 = i + 2
  i = g0 + n * 3
  local verdict = 1
  if redis.call('SISMEMBER', KEYS[1], url) == 1 then
    verdict = 0
  else
    for j = 0, n - 1 do
      local gk = gprefix .. ARGV[g0 + j * 3]
      local member = ARGV[g0 + j * 3 + 1]
      local limit = tonumber(ARGV[g0 + j * 3 + 2])
      if verdict == 1 and redis.call('SISMEMBER', gk, member) == 0 and redis.call('SCARD', gk) >= limit then verdict = -(10 + j) end
    end
    if verdict == 1 and tonumber(redis.call('HGET', KEYS[2], 'admitted') or '0') >= budget then verdict = -1 end
  end
  if verdict == 1 then
    redis.call('SADD', KEYS[1], url)
    redis.call('SADD', KEYS[3], url)
    redis.call('HINCRBY', KEYS[2], 'admitted', 1)
    for j = 0, n - 1 do
      local gk = gprefix .. ARGV[g0 + j * 3]
      redis.call('SADD', gk, ARGV[g0 + j * 3 + 1])
      redis.call('PEXPIRE', gk, ttl)
    end
  elseif verdict ~= 0 then
    redis.call('HINCRBY', KEYS[2], 'dropped', 1)
  end
  table.insert(out, verdict)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return out
`;

// KEYS[1] pending set, KEYS[2] counters. ARGV[1] url, ARGV[2] 'fetched' | 'failed'.
// Counts an outcome once per URL even when a retried job reports twice.
const DONE_LUA = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
`;

interface FrontierCommands {
  dwFrontierAdmit(
    seen: string,
    counters: string,
    pending: string,
    ...args: (string | number)[]
  ): Promise<number[]>;
  dwFrontierDone(pending: string, counters: string, url: string, outcome: string): Promise<number>;
}

export interface RunStats extends RunCounters {
  pending: number;
}

/**
 * Per-run frontier state in Redis: `<prefix>:<run>:seen|pending|counters|g:<group>`. Keys expire
 * `ttlMs` after the last write, so abandoned runs clean themselves up.
 */
export class RedisFrontier {
  private readonly redis: Redis & FrontierCommands;

  constructor(
    redis: Redis,
    private readonly prefix = 'dw:run',
    private readonly ttlMs = 7 * 24 * 3600_000,
  ) {
    const r = redis as Redis & Partial<FrontierCommands>;
    if (!r.dwFrontierAdmit) {
      redis.defineCommand('dwFrontierAdmit', { numberOfKeys: 3, lua: ADMIT_LUA });
      redis.defineCommand('dwFrontierDone', { numberOfKeys: 2, lua: DONE_LUA });
    }
    this.redis = r as Redis & FrontierCommands;
  }

  private keys(runId: string): { seen: string; counters: string; pending: string; groups: string } {
    const base = `${this.prefix}:{${runId}}`; // hash tag: one slot per run on Redis Cluster
    return {
      seen: `${base}:seen`,
      counters: `${base}:counters`,
      pending: `${base}:pending`,
      groups: `${base}:g:`,
    };
  }

  /** Atomically admit what is new, in budget and not a trap; the caller enqueues `admitted`. */
  async admit(
    runId: string,
    budget: number,
    plan: LinkPlan,
  ): Promise<{ admitted: FrontierEntry[]; dropped: Dropped[] }> {
    const dropped = [...plan.dropped];
    if (plan.candidates.length === 0) {
      if (dropped.length) await this.redis.hincrby(this.keys(runId).counters, 'dropped', dropped.length);
      return { admitted: [], dropped };
    }
    const k = this.keys(runId);
    const args: (string | number)[] = [budget, this.ttlMs, k.groups];
    for (const c of plan.candidates) {
      args.push(c.url, c.groups.length);
      for (const g of c.groups) args.push(g.key, g.member, g.limit);
    }
    const verdicts = await this.redis.dwFrontierAdmit(k.seen, k.counters, k.pending, ...args);
    const admitted: FrontierEntry[] = [];
    plan.candidates.forEach((c, i) => {
      const v = Number(verdicts[i]);
      if (v === 1) admitted.push({ url: c.url, depth: c.depth, parent: c.parent });
      else if (v === 0) dropped.push({ url: c.url, raw: c.url, why: { kind: 'duplicate' } });
      else if (v === -1) dropped.push({ url: c.url, raw: c.url, why: { kind: 'budget' } });
      else
        dropped.push({
          url: c.url,
          raw: c.url,
          why: { kind: 'trap', trap: c.groups[-v - 10]?.trap ?? 'trap' },
        });
    });
    if (plan.dropped.length) await this.redis.hincrby(k.counters, 'dropped', plan.dropped.length);
    return { admitted, dropped };
  }

  /** Record a page job's outcome (idempotent per URL). */
  async done(runId: string, url: string, outcome: 'fetched' | 'failed'): Promise<boolean> {
    const k = this.keys(runId);
    return Number(await this.redis.dwFrontierDone(k.pending, k.counters, url, outcome)) === 1;
  }

  async stats(runId: string): Promise<RunStats> {
    const k = this.keys(runId);
    const [h, pending] = await Promise.all([this.redis.hgetall(k.counters), this.redis.scard(k.pending)]);
    return {
      admitted: Number(h.admitted ?? 0),
      fetched: Number(h.fetched ?? 0),
      failed: Number(h.failed ?? 0),
      dropped: Number(h.dropped ?? 0),
      pending,
    };
  }

  /** True once something was admitted and nothing is pending. */
  async finished(runId: string): Promise<boolean> {
    const s = await this.stats(runId);
    return s.admitted > 0 && s.pending === 0;
  }
}
