// Closing a run once its last page is extracted: only a complete crawl (no failures, budget not
// exhausted) may conclude that listings it did not see were removed from the site.
import { withTransaction, type Db } from '../store/db.js';
import { markUnseenListingsRemoved } from '../store/records.js';

export async function finalizeRunIfDone(db: Db, runId: number, extractorVersion: string): Promise<boolean> {
  const { rows } = await db.query<{ ready: boolean }>(
    `select r.status in ('completed', 'failed', 'blocked', 'cancelled')
            and not coalesce((r.stats->>'finalized')::boolean, false)
            and not exists (select 1 from snapshots s
                             join crawl_urls u on u.run_id = s.crawl_run_id and u.url = s.url and u.status = 'fetched'
                             where s.crawl_run_id = r.id and s.status_code < 400
                               and not exists (select 1 from extractions e where e.snapshot_id = s.id and e.extractor_version = $2)) as ready
       from crawl_runs r where r.id = $1`,
    [runId, extractorVersion],
  );
  if (!rows[0]?.ready) return false;
  return withTransaction(db, async (tx) => {
    // Exactly one caller wins the flag, however many workers get here at once.
    const won = await tx.query<{
      source_id: number;
      started_at: Date;
      status: string;
      failed: number;
      exhausted: boolean;
    }>(
      `update crawl_runs set stats = stats || '{"finalized": true}'
        where id = $1 and not coalesce((stats->>'finalized')::boolean, false)
        returning source_id, started_at, status, pages_failed as failed, coalesce((stats->>'budgetExhausted')::boolean, false) as exhausted`,
      [runId],
    );
    const run = won.rows[0];
    if (!run) return false;
    if (run.status === 'completed' && run.failed === 0 && !run.exhausted && run.started_at) {
      const removed = await markUnseenListingsRemoved(tx, run.source_id, run.started_at);
      await tx.query(
        `update crawl_runs set stats = stats || jsonb_build_object('removedListings', $2::int) where id = $1`,
        [runId, removed],
      );
    }
    return true;
  });
}
