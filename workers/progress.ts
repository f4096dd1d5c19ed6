// What a person (or a tool) sees of a crawl run: live progress and the end-of-run summary.
import type { Queryable } from '../store/db.js';
import { getRun, runProgress, type CrawlRun, type RunProgress } from '../store/runs.js';
import type { PipelineQueues } from './queues.js';

export interface RunSummary {
  run: number;
  pages: number;
  failed: number;
  listings: number;
  posts: number;
  entities: number;
  alerts: number;
}

export async function runSummary(db: Queryable, runId: number): Promise<RunSummary> {
  const { rows } = await db.query<Omit<RunSummary, 'run'>>(
    `with snaps as (select id from snapshots where crawl_run_id = $1),
          ex as (select x.result from extractions x join snaps s on s.id = x.snapshot_id)
     select (select count(*)::int from crawl_urls where run_id = $1 and status = 'fetched') as pages,
            (select count(*)::int from crawl_urls where run_id = $1 and status = 'failed') as failed,
            (select count(distinct coalesce(l->>'url', ''))::int from ex, jsonb_array_elements(ex.result->'listings') l) as listings,
            (select coalesce(sum(jsonb_array_length(result->'posts')), 0)::int from ex) as posts,
            (select count(distinct (e->>'type') || ':' || (e->>'value'))::int
               from ex, jsonb_array_elements(ex.result->'entities') e) as entities,
            (select count(distinct ae.alert_id)::int from alert_events ae join snaps s on s.id = ae.snapshot_id) as alerts`,
    [runId],
  );
  return { run: runId, ...rows[0]! };
}

/** Jobs not yet done in the extract and match stages (all runs). */
export async function pendingDownstream(queues: PipelineQueues): Promise<number> {
  const counts = await Promise.all(
    [queues.extract, queues.match].map((q) =>
      q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'),
    ),
  );
  return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
}

export interface RunState {
  run: CrawlRun;
  progress: RunProgress;
  /** The run is over and everything it produced has been extracted and matched. */
  settled: boolean;
}

export async function runState(db: Queryable, queues: PipelineQueues, runId: number): Promise<RunState> {
  const run = (await getRun(db, runId))!;
  const progress = await runProgress(db, runId);
  const over = run.status !== 'queued' && run.status !== 'running';
  const finalized = Boolean((run.stats as { finalized?: boolean }).finalized);
  const settled = over && finalized && (await pendingDownstream(queues)) === 0;
  return { run, progress, settled };
}
