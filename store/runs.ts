// Crawl runs and their frontier. The frontier table is what makes crawl jobs idempotent: a URL is
// inserted once per run (so it is fetched once), and its status survives worker crashes.
import type { Queryable } from './db.js';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'blocked';
export type RunTrigger = 'manual' | 'scheduled' | 'demo' | 'exercise';
export type UrlStatus = 'queued' | 'fetching' | 'fetched' | 'failed' | 'skipped' | 'blocked';

export interface CrawlRun {
  id: number;
  workspaceId: number;
  sourceId: number;
  status: RunStatus;
  trigger: RunTrigger;
  pagesFetched: number;
  pagesFailed: number;
  pagesQueued: number;
  bytesFetched: number;
  error: string | null;
  stats: Record<string, unknown>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const RUN_COLUMNS = `id, workspace_id as "workspaceId", source_id as "sourceId", status, trigger,
  pages_fetched as "pagesFetched", pages_failed as "pagesFailed", pages_queued as "pagesQueued",
  bytes_fetched as "bytesFetched", error, stats, created_at as "createdAt", started_at as "startedAt",
  finished_at as "finishedAt"`;

export async function createRun(
  db: Queryable,
  workspaceId: number,
  sourceId: number,
  trigger: RunTrigger,
): Promise<CrawlRun> {
  const { rows } = await db.query<CrawlRun>(
    `insert into crawl_runs (workspace_id, source_id, trigger) values ($1, $2, $3) returning ${RUN_COLUMNS}`,
    [workspaceId, sourceId, trigger],
  );
  return rows[0]!;
}

export async function getRun(db: Queryable, runId: number): Promise<CrawlRun | null> {
  const { rows } = await db.query<CrawlRun>(`select ${RUN_COLUMNS} from crawl_runs where id = $1`, [runId]);
  return rows[0] ?? null;
}

export async function latestRuns(db: Queryable, sourceId: number, limit = 10): Promise<CrawlRun[]> {
  const { rows } = await db.query<CrawlRun>(
    `select ${RUN_COLUMNS} from crawl_runs where source_id = $1 order by created_at desc, id desc limit $2`,
    [sourceId, limit],
  );
  return rows;
}

export async function markRunStarted(db: Queryable, runId: number): Promise<void> {
  await db.query(
    `update crawl_runs set status = 'running', started_at = coalesce(started_at, now()) where id = $1 and status = 'queued'`,
    [runId],
  );
}

export async function finishRun(
  db: Queryable,
  runId: number,
  status: Exclude<RunStatus, 'queued' | 'running'>,
  error?: string,
): Promise<void> {
  await db.query(
    `update crawl_runs set status = $2, error = $3, finished_at = now(),
       pages_fetched = (select count(*) from crawl_urls where run_id = $1 and status = 'fetched'),
       pages_failed = (select count(*) from crawl_urls where run_id = $1 and status = 'failed'),
       pages_queued = (select count(*) from crawl_urls where run_id = $1)
     where id = $1 and status in ('queued', 'running')`,
    [runId, status, error ?? null],
  );
}

/** Add many URLs at once; returns those that were new to the run. */
export async function enqueueUrls(
  db: Queryable,
  runId: number,
  urls: Array<{ url: string; depth: number }>,
  discoveredFrom: string | null,
): Promise<string[]> {
  if (urls.length === 0) return [];
  const { rows } = await db.query<{ url: string }>(
    `insert into crawl_urls (run_id, url, depth, discovered_from)
     select $1, u.url, u.depth, $4 from unnest($2::text[], $3::int[]) as u(url, depth)
     on conflict do nothing returning url`,
    [runId, urls.map((u) => u.url), urls.map((u) => u.depth), discoveredFrom],
  );
  return rows.map((r) => r.url);
}

/** URLs a page discovered that are still waiting to be crawled (crash recovery re-queues them). */
export async function queuedChildren(
  db: Queryable,
  runId: number,
  parentUrl: string,
): Promise<Array<{ url: string; depth: number }>> {
  const { rows } = await db.query<{ url: string; depth: number }>(
    `select url, depth from crawl_urls where run_id = $1 and discovered_from = $2 and status = 'queued'`,
    [runId, parentUrl],
  );
  return rows;
}

export async function setUrlStatus(
  db: Queryable,
  runId: number,
  url: string,
  status: UrlStatus,
  extra: { error?: string | null; snapshotId?: number | null; countAttempt?: boolean } = {},
): Promise<void> {
  await db.query(
    `update crawl_urls set status = $3, last_error = coalesce($4, last_error), snapshot_id = coalesce($5, snapshot_id),
       attempts = attempts + $6, updated_at = now()
     where run_id = $1 and url = $2`,
    [runId, url, status, extra.error ?? null, extra.snapshotId ?? null, extra.countAttempt ? 1 : 0],
  );
}

export async function getUrlState(
  db: Queryable,
  runId: number,
  url: string,
): Promise<{ status: UrlStatus; attempts: number; depth: number } | null> {
  const { rows } = await db.query<{ status: UrlStatus; attempts: number; depth: number }>(
    'select status, attempts, depth from crawl_urls where run_id = $1 and url = $2',
    [runId, url],
  );
  return rows[0] ?? null;
}

export interface RunProgress {
  queued: number;
  fetching: number;
  fetched: number;
  failed: number;
  skipped: number;
  blocked: number;
  total: number;
}

export async function runProgress(db: Queryable, runId: number): Promise<RunProgress> {
  const { rows } = await db.query<{ status: UrlStatus; n: number }>(
    'select status, count(*)::int as n from crawl_urls where run_id = $1 group by status',
    [runId],
  );
  const p: RunProgress = { queued: 0, fetching: 0, fetched: 0, failed: 0, skipped: 0, blocked: 0, total: 0 };
  for (const r of rows) {
    p[r.status] = r.n;
    p.total += r.n;
  }
  return p;
}

/** Pages that kept failing: the dead-letter view of a run. */
export async function deadLetters(
  db: Queryable,
  runId: number,
): Promise<Array<{ url: string; attempts: number; lastError: string | null }>> {
  const { rows } = await db.query<{ url: string; attempts: number; lastError: string | null }>(
    `select url, attempts, last_error as "lastError" from crawl_urls where run_id = $1 and status = 'failed' order by url`,
    [runId],
  );
  return rows;
}

export interface QuietRun {
  id: number;
  sourceId: number;
  /** Last sign of life: the newest frontier change, else when the run started or was created. */
  lastActivity: Date;
  /** Frontier URLs still queued or being fetched. */
  open: Array<{ url: string; depth: number }>;
}

/**
 * Runs still `queued`/`running` whose frontier has not changed for `quietMs` (optionally of one
 * source). Whether they are really dead is for the caller to decide (are their jobs still alive?).
 */
export async function quietRuns(
  db: Queryable,
  quietMs: number,
  sourceId: number | null = null,
): Promise<QuietRun[]> {
  const { rows } = await db.query<QuietRun>(
    `select r.id, r.source_id as "sourceId",
            greatest(r.created_at, r.started_at, (select max(u.updated_at) from crawl_urls u where u.run_id = r.id)) as "lastActivity",
            coalesce((select json_agg(json_build_object('url', u.url, 'depth', u.depth))
                        from crawl_urls u where u.run_id = r.id and u.status in ('queued', 'fetching')), '[]') as open
       from crawl_runs r
      where r.status in ('queued', 'running') and ($2::bigint is null or r.source_id = $2)
        and greatest(r.created_at, r.started_at, (select max(u.updated_at) from crawl_urls u where u.run_id = r.id))
            < now() - make_interval(secs => $1::float8 / 1000)
      order by r.id`,
    [quietMs, sourceId],
  );
  return rows;
}

/**
 * Close a run nobody is working on any more: it fails with `reason`, and its open URLs become
 * failed too (the dead-letter view says why). Only a run still queued/running is touched, so a
 * worker that finished it meanwhile wins. Returns whether this call abandoned it.
 */
export async function abandonRun(db: Queryable, runId: number, reason: string): Promise<boolean> {
  const claimed = await db.query(
    `update crawl_runs set status = 'failed', error = $2, finished_at = now()
      where id = $1 and status in ('queued', 'running') returning id`,
    [runId, reason],
  );
  if (!claimed.rowCount) return false;
  await db.query(
    `update crawl_urls set status = 'failed', last_error = $2, updated_at = now() where run_id = $1 and status in ('queued', 'fetching')`,
    [runId, reason],
  );
  await db.query(
    `update crawl_runs set
       pages_fetched = (select count(*) from crawl_urls where run_id = $1 and status = 'fetched'),
       pages_failed = (select count(*) from crawl_urls where run_id = $1 and status = 'failed'),
       pages_queued = (select count(*) from crawl_urls where run_id = $1)
     where id = $1`,
    [runId],
  );
  return true;
}
