// Runs left `queued`/`running` by a process that died (or by lost Redis state) would block their
// source's scheduled recrawls forever. A run is stale when its frontier has not changed for a while
// AND none of its open URLs has a live BullMQ job: then nobody will ever finish it. A stale run with
// nothing left open is completed (the crash hit between its last page and its bookkeeping); one with
// open URLs fails as abandoned, with the reason on the run and on each URL it never got to.
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { abandonRun, quietRuns, type QuietRun } from '../store/runs.js';
import { finishIfDone } from './crawl.js';
import { finalizeRunIfDone } from './finalize.js';
import { jobId, type PipelineQueues } from './queues.js';

/** Default quiet time before a run with no live jobs counts as abandoned. */
export const DEFAULT_STALE_RUN_MS = 15 * 60_000;

/** Job states in which BullMQ will still run a job (a stalled active job is moved back to wait). */
const LIVE_STATES: ReadonlySet<string> = new Set([
  'active',
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
]);

async function hasLiveJob(queues: PipelineQueues, run: QuietRun): Promise<boolean> {
  const chunk = 100;
  for (let i = 0; i < run.open.length; i += chunk) {
    const states = await Promise.all(
      run.open
        .slice(i, i + chunk)
        .map((u) => queues.crawl.getJobState(jobId.crawl({ runId: run.id, url: u.url, depth: u.depth }))),
    );
    if (states.some((s) => LIVE_STATES.has(s))) return true;
  }
  return false;
}

export interface StaleRunDeps {
  db: Db;
  queues: PipelineQueues;
  extractorVersion: string;
  log: Logger;
}

export type StaleOutcome = { runId: number; outcome: 'completed' | 'abandoned' };

/** Expire the stale runs (of one source, or all). Safe to call from any number of processes. */
export async function expireStaleRuns(
  deps: StaleRunDeps,
  opts: { quietMs?: number; sourceId?: number | null } = {},
): Promise<StaleOutcome[]> {
  const quietMs = opts.quietMs ?? DEFAULT_STALE_RUN_MS;
  const out: StaleOutcome[] = [];
  for (const run of await quietRuns(deps.db, quietMs, opts.sourceId ?? null)) {
    if (await hasLiveJob(deps.queues, run)) continue;
    if (run.open.length === 0) {
      if (await finishIfDone(deps, run.id)) out.push({ runId: run.id, outcome: 'completed' });
      continue;
    }
    const reason =
      `abandoned: no crawl activity since ${new Date(run.lastActivity).toISOString()} and no live crawl job ` +
      `for its ${run.open.length} open URL(s) (a worker crashed or Redis lost its jobs)`;
    if (await abandonRun(deps.db, run.id, reason)) {
      await finalizeRunIfDone(deps.db, run.id, deps.extractorVersion);
      deps.log.warn(
        { run: run.id, source: run.sourceId, open: run.open.length },
        'stale crawl run abandoned',
      );
      out.push({ runId: run.id, outcome: 'abandoned' });
    }
  }
  return out;
}
