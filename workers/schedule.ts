// Scheduled recrawls. Every enabled source with policy.recrawlIntervalSec has one BullMQ job
// scheduler (`recrawl-<source id>`) on the `schedule` queue; each tick is a job that starts a crawl
// run of that source (trigger 'scheduled') unless one is already queued or running. The schedulers
// mirror the sources table: syncRecrawlSchedules() adds, updates and removes them, and is called
// when a worker starts and when a source is added or removed.
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../store/db.js';
import { getSourceById } from '../store/sources.js';
import { startCrawlRun, type CrawlDeps } from './crawl.js';
import { expireStaleRuns, type StaleOutcome } from './stale-runs.js';

export const SCHEDULE_QUEUE = 'schedule';
const SCHEDULER_PREFIX = 'recrawl-';

export interface RecrawlJob {
  sourceId: number;
  workspaceId: number;
}

export function schedulerId(sourceId: number): string {
  return `${SCHEDULER_PREFIX}${sourceId}`;
}

/** The schedule queue of one pipeline namespace (the same `<prefix>:q` as the other queues). */
export function openScheduleQueue(redis: Redis, prefix: string): Queue<RecrawlJob> {
  return new Queue<RecrawlJob>(SCHEDULE_QUEUE, { connection: redis, prefix: `${prefix}:q` });
}

export interface SyncOptions {
  /** Tick every this many ms instead of each source's recrawlIntervalSec (tests, demos). */
  everyMs?: number;
}

/**
 * Make the schedule queue's recrawl schedulers match the sources table: one per enabled source
 * with a recrawl interval, none for anything else.
 */
export async function syncRecrawlSchedules(
  db: Queryable,
  client: { prefix: string; redis: Redis },
  opts: SyncOptions = {},
): Promise<{ scheduled: number[]; removed: number[] }> {
  const { rows } = await db.query<{ id: number; workspaceId: number; interval: number | null }>(
    `select id, workspace_id as "workspaceId", (policy->>'recrawlIntervalSec')::int as interval
       from sources where enabled and (policy->>'recrawlIntervalSec') is not null`,
  );
  const queue = openScheduleQueue(client.redis, client.prefix);
  try {
    const wanted = new Map(
      rows.filter((r) => r.interval && r.interval > 0).map((r) => [schedulerId(r.id), r]),
    );
    for (const [id, r] of wanted) {
      // Upsert: an interval changed in the sources table replaces the old one.
      await queue.upsertJobScheduler(
        id,
        { every: opts.everyMs ?? r.interval! * 1000 },
        {
          name: 'recrawl',
          data: { sourceId: r.id, workspaceId: r.workspaceId },
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      );
    }
    const removed: number[] = [];
    for (const s of await queue.getJobSchedulers(0, -1)) {
      if (s.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(s.key)) {
        await queue.removeJobScheduler(s.key);
        removed.push(Number(s.key.slice(SCHEDULER_PREFIX.length)));
      }
    }
    return { scheduled: [...wanted.values()].map((r) => r.id), removed };
  } finally {
    await queue.close();
  }
}

export type RecrawlOutcome = 'started' | 'already-running' | 'gone';

export type RecrawlDeps = Pick<CrawlDeps, 'frontier' | 'queues' | 'extractorVersion'> & {
  db: Db;
  log: Logger;
  /** A run quiet this long with no live crawl job is abandoned (default DEFAULT_STALE_RUN_MS). */
  staleRunMs?: number;
};

/** Advisory-lock namespace ('dwrc') so two workers never start the same source's run together. */
const LOCK_CLASS = 0x64777263;

/**
 * One scheduler tick: start a scheduled run of the source unless one is queued or running. A run
 * that a crashed process left behind (quiet, no live jobs) is expired first, so it cannot block the
 * schedule forever.
 */
export async function processRecrawlJob(
  deps: RecrawlDeps,
  job: RecrawlJob,
): Promise<{ outcome: RecrawlOutcome; runId?: number; expired?: StaleOutcome[] }> {
  const source = await getSourceById(deps.db, job.workspaceId, job.sourceId);
  if (!source || !source.enabled || !source.policy.recrawlIntervalSec) return { outcome: 'gone' };
  const lock = await deps.db.connect();
  try {
    const { rows } = await lock.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
      LOCK_CLASS,
      source.id,
    ]);
    if (!rows[0]!.ok) return { outcome: 'already-running' };
    try {
      const expired = await expireStaleRuns(deps, { quietMs: deps.staleRunMs, sourceId: source.id });
      const open = await deps.db.query(
        `select 1 from crawl_runs where source_id = $1 and status in ('queued', 'running') limit 1`,
        [source.id],
      );
      if (open.rowCount) {
        deps.log.info({ source: source.name }, 'scheduled recrawl skipped: a run is still in progress');
        return { outcome: 'already-running', expired };
      }
      const run = await startCrawlRun(deps, source, 'scheduled');
      deps.log.info({ source: source.name, run: run.id }, 'scheduled recrawl started');
      return { outcome: 'started', runId: run.id, expired };
    } finally {
      await lock.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS, source.id]);
    }
  } finally {
    lock.release();
  }
}

/** The schedule queue's worker (one job at a time per process is plenty). */
export function startScheduleWorker(
  deps: RecrawlDeps,
  connection: Redis,
  prefix: string,
): Worker<RecrawlJob> {
  const worker = new Worker<RecrawlJob>(SCHEDULE_QUEUE, (job) => processRecrawlJob(deps, job.data), {
    connection,
    prefix: `${prefix}:q`,
    concurrency: 1,
  });
  worker.on('failed', (job, err) =>
    deps.log.warn({ queue: SCHEDULE_QUEUE, job: job?.id, err: err.message }, 'job failed'),
  );
  worker.on('error', (err) => deps.log.error({ queue: SCHEDULE_QUEUE, err: err.message }, 'worker error'));
  return worker;
}
