// Rule backtest preview for the editor: run draft (unsaved) rules over the workspace's stored
// listings and posts and report how often each would have fired, with the first few hits and
// their matched terms — without creating alerts. Bounded three ways: a record limit, a deadline
// (the matching runs in a worker thread that is terminated when time is up, so neither a
// pathological rule nor a huge one can hang the server), and a cap on concurrent backtests.
import { Worker } from 'node:worker_threads';
import type { RuleDefinition, TermHit } from '../rules/index.js';
import { storedRecordBatches, type BacktestKind, type StoredRecord } from '../store/backtest.js';
import type { Queryable } from '../store/db.js';
import type { FromWorker, ToWorker } from './backtest-worker.js';
import { HttpError } from './auth.js';

export interface BacktestLimits {
  /** Records matched at most per backtest (listings + posts). */
  maxRecords: number;
  /** Wall-clock budget for compiling and matching, ms. */
  deadlineMs: number;
  /** Rules per draft. */
  maxRules: number;
  /** Backtests running at once on this server; more answer 429. */
  maxConcurrent: number;
  /** Records per batch handed to the worker. */
  batch: number;
  /** Heap of the worker thread, MiB (a rule that needs more fails cleanly). */
  workerHeapMb: number;
}

export const DEFAULT_BACKTEST_LIMITS: BacktestLimits = {
  maxRecords: 100_000,
  deadlineMs: 15_000,
  maxRules: 50,
  maxConcurrent: 2,
  batch: 1000,
  workerHeapMb: 256,
};

export interface HighlightRange {
  start: number;
  end: number;
  term: string;
}

export interface Excerpt {
  text: string;
  hits: HighlightRange[];
  /** Text was cut before / after the excerpt. */
  before: boolean;
  after: boolean;
}

export interface BacktestExample {
  kind: BacktestKind;
  id: number;
  site: string | null;
  url: string | null;
  title: string;
  titleHits: HighlightRange[];
  vendor: string | null;
  vendorHits: HighlightRange[];
  excerpt: Excerpt | null;
  terms: string[];
}

export interface BacktestReport {
  since: string;
  scanned: { listings: number; posts: number };
  /** Why the backtest stopped before the end of the history, if it did. */
  limitReached: 'records' | 'time' | null;
  elapsedMs: number;
  totalHits: number;
  rules: Array<{
    rule: string;
    severity: string;
    count: number;
    examples: BacktestExample[];
    /** A change/correlation condition (`on:`) needs each listing's history, which the preview does not load: no hits are counted. */
    needsHistory: boolean;
  }>;
}

const EXCERPT_CHARS = 320;

function ranges(hits: TermHit[], field: TermHit['field'], length: number): HighlightRange[] {
  return hits
    .filter((h) => h.field === field && h.start >= 0 && h.end <= length && h.start < h.end)
    .map((h) => ({ start: h.start, end: h.end, term: h.term }));
}

/** A window of a long text around its first highlighted range, with the ranges shifted into it. */
export function excerpt(text: string, hits: HighlightRange[], size = EXCERPT_CHARS): Excerpt {
  if (text.length <= size) return { text, hits, before: false, after: false };
  const first = hits.reduce((m, h) => Math.min(m, h.start), Infinity);
  const from = Number.isFinite(first)
    ? Math.max(0, Math.min(first - Math.floor(size / 4), text.length - size))
    : 0;
  const to = from + size;
  return {
    text: text.slice(from, to),
    hits: hits
      .filter((h) => h.start >= from && h.end <= to)
      .map((h) => ({ ...h, start: h.start - from, end: h.end - from })),
    before: from > 0,
    after: to < text.length,
  };
}

function example(rec: StoredRecord, terms: string[], hits: TermHit[]): BacktestExample {
  const l = rec.listing;
  const description = l.description ?? '';
  return {
    kind: rec.kind,
    id: rec.id,
    site: l.site,
    url: l.url,
    title: l.title,
    titleHits: ranges(hits, 'title', l.title.length),
    vendor: l.vendor,
    vendorHits: l.vendor ? ranges(hits, 'vendor', l.vendor.length) : [],
    excerpt: description ? excerpt(description, ranges(hits, 'description', description.length)) : null,
    terms,
  };
}

/** The worker, with a promise-per-reply interface and a hard stop. */
class MatchWorker {
  private readonly worker: Worker;
  private waiting: { resolve(m: FromWorker): void; reject(e: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(defs: RuleDefinition[], heapMb: number) {
    this.worker = new Worker(new URL('./backtest-worker-boot.mjs', import.meta.url), {
      workerData: { module: new URL('./backtest-worker.ts', import.meta.url).href, defs },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
      stdout: true,
      stderr: true,
    });
    this.worker.on('message', (m: FromWorker) => {
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(m);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`matching stopped (exit ${code})`)));
  }

  /** The worker's next message, or null when the deadline passes first. */
  next(deadline: number): Promise<FromWorker | null> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiting = null;
          resolve(null);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('stopped');
    await this.worker.terminate();
  }
}

export class BacktestRunner {
  private active = 0;

  constructor(readonly limits: BacktestLimits = DEFAULT_BACKTEST_LIMITS) {}

  async run(
    db: Queryable,
    workspaceId: number,
    defs: RuleDefinition[],
    opts: { since: Date; kinds?: BacktestKind[]; examples?: number },
  ): Promise<BacktestReport> {
    const L = this.limits;
    if (defs.length === 0) throw new HttpError(400, 'nothing to backtest: the draft has no enabled rules');
    if (defs.length > L.maxRules)
      throw new HttpError(
        400,
        `a backtest takes at most ${L.maxRules} rules at once (the draft has ${defs.length})`,
      );
    if (this.active >= L.maxConcurrent)
      throw new HttpError(429, 'other backtests are running on this server; try again in a moment');
    this.active++;
    const started = Date.now();
    const deadline = started + L.deadlineMs;
    const seconds = `${Math.round(L.deadlineMs / 100) / 10} s`;
    const worker = new MatchWorker(
      defs.map((d) => ({ ...d, enabled: true })),
      L.workerHeapMb,
    );
    const severity = new Map(defs.map((d) => [d.id, d.severity]));
    const changeRules = new Set(defs.filter((d) => d.on).map((d) => d.id));
    const fired = new Map<string, { count: number; examples: BacktestExample[] }>(
      defs.map((d) => [d.id, { count: 0, examples: [] }]),
    );
    const examples = Math.min(Math.max(opts.examples ?? 5, 0), 20);
    const scanned = { listings: 0, posts: 0 };
    let limitReached: BacktestReport['limitReached'] = null;
    let totalHits = 0;
    try {
      const ready = await worker.next(deadline).catch((err: Error) => {
        throw new HttpError(422, `the rules could not be compiled for the backtest: ${err.message}`);
      });
      if (!ready)
        throw new HttpError(
          422,
          `the rules took longer than ${seconds} to compile; make them narrower (fewer terms, fuzzy terms or regular expressions)`,
        );
      let remaining = L.maxRecords;
      batches: for await (const batch of storedRecordBatches(db, workspaceId, {
        since: opts.since,
        kinds: opts.kinds,
        batch: L.batch,
      })) {
        for (let i = 0; i < batch.length; i += L.batch) {
          if (remaining === 0) {
            limitReached = 'records';
            break batches;
          }
          if (Date.now() >= deadline) {
            limitReached = 'time';
            break batches;
          }
          const part = batch.slice(i, i + Math.min(L.batch, remaining));
          worker.send({ type: 'batch', records: part.map((r, key) => ({ key, listing: r.listing })) });
          const reply = await worker.next(deadline).catch((err: Error) => {
            throw new HttpError(422, `matching failed: ${err.message}`);
          });
          if (!reply) {
            // This batch did not finish in time: it is not counted.
            limitReached = 'time';
            break batches;
          }
          if (reply.type !== 'matches') throw new HttpError(500, 'unexpected reply from the matcher');
          for (const r of part) scanned[r.kind === 'listing' ? 'listings' : 'posts']++;
          remaining -= part.length;
          for (const m of reply.matches) {
            const f = fired.get(m.rule);
            if (!f) continue;
            f.count++;
            totalHits++;
            if (f.examples.length < examples) f.examples.push(example(part[m.key]!, m.terms, m.hits));
          }
        }
      }
    } finally {
      this.active--;
      await worker.stop();
    }
    return {
      since: opts.since.toISOString(),
      scanned,
      limitReached,
      elapsedMs: Date.now() - started,
      totalHits,
      rules: [...fired].map(([rule, f]) => ({
        rule,
        severity: severity.get(rule) ?? 'medium',
        ...f,
        needsHistory: changeRules.has(rule),
      })),
    };
  }
}

/** `30d`, `12h`, `90m` → that long before `now`. */
export function sinceFrom(text: string, now = new Date()): Date {
  const m = /^(\d{1,5})([dhm])$/.exec(text);
  if (!m) throw new HttpError(400, `since must look like 30d, 12h or 90m, got "${text.slice(0, 20)}"`);
  return new Date(
    now.getTime() - Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'],
  );
}
