// The crawl stage: one job = one page of one run. Fetch it through the source's SOCKS identity
// (http, browser, or auto-escalated), store the exact bytes as evidence, hand the snapshot to the
// extract queue, and admit in-scope links to the run's frontier. Every step is idempotent: the
// frontier table says whether a URL was already done, snapshots are unique per (run, url), and job
// ids are derived from (run, url).
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { planLinks, planSeeds, RedisFrontier, type FrontierEntry } from '../crawler/crawl-run.js';
import { capturePage, snapshotFields, type CapturedPage } from '../crawler/capture.js';
import type { BrowserFetcher } from '../crawler/fetch-browser.js';
import type { TsaClient } from '../crawler/timestamp.js';
import { FetchError, type FetchErrorCode, type HttpFetcher } from '../crawler/fetch-http.js';
import { LoginError, performLogin } from '../crawler/login.js';
import { fetchMirrorList, MirrorSet, withFailover } from '../crawler/mirrors.js';
import { isBackoffStatus, type Politeness, type SourceLimits } from '../crawler/politeness.js';
import { sourceIdentity } from '../crawler/proxy.js';
import { scopeForSource, type Scope } from '../crawler/scope.js';
import { errorMessage } from '../core/errors.js';
import type { Db } from '../store/db.js';
import { recordSnapshot, sha256Hex, type NewSnapshot } from '../store/evidence.js';
import {
  createRun,
  enqueueUrls,
  finishRun,
  getRun,
  getUrlState,
  markRunStarted,
  queuedChildren,
  setUrlStatus,
  type CrawlRun,
  type RunTrigger,
} from '../store/runs.js';
import {
  addMirror,
  getSourceById,
  markNeedsHuman,
  recordSourceHealth,
  setSessionCookies,
  type SourceRecord,
} from '../store/sources.js';
import { finalizeRunIfDone } from './finalize.js';
import { addCrawlJobs, addExtractJob, type CrawlJob, type PipelineQueues } from './queues.js';

export interface CrawlDeps {
  db: Db;
  redis: Redis;
  queues: PipelineQueues;
  politeness: Politeness;
  frontier: RedisFrontier;
  http: HttpFetcher;
  /** Started lazily by the caller; null where no browser may run. */
  browser: () => BrowserFetcher | null;
  proxyUrl: string;
  extractorVersion: string;
  /** Per-process health of each source's mirrors (failover order). */
  mirrors: Map<number, MirrorSet>;
  log: Logger;
  /** RFC 3161 authority, when configured: each capture's sha256 is timestamped before it is stored. */
  tsa?: TsaClient | null;
}

/** Errors that a retry cannot fix: reported once, never hammered. */
const PERMANENT: ReadonlySet<FetchErrorCode> = new Set([
  'too_large',
  'decompression_bomb',
  'bad_encoding',
  'content_type',
  'binary_content',
  'too_many_redirects',
  'redirect_out_of_scope',
  'bad_response',
]);

export class RetryableCrawlError extends Error {}

/** Create a run, admit the seeds, queue their jobs. */
export async function startCrawlRun(
  deps: Pick<CrawlDeps, 'db' | 'frontier' | 'queues'>,
  source: SourceRecord,
  trigger: RunTrigger,
): Promise<CrawlRun> {
  const run = await createRun(deps.db, source.workspaceId, source.id, trigger);
  const scope = scopeForSource(source);
  const plan = planSeeds(scope, source.policy.seeds);
  const { admitted } = await deps.frontier.admit(String(run.id), source.policy.pageBudget, plan);
  if (admitted.length === 0) {
    await finishRun(deps.db, run.id, 'failed', 'no seed URL is in scope');
    return (await getRun(deps.db, run.id))!;
  }
  await enqueueUrls(
    deps.db,
    run.id,
    admitted.map((e) => ({ url: e.url, depth: e.depth })),
    null,
  );
  await addCrawlJobs(
    deps.queues,
    admitted.map((e) => ({ runId: run.id, url: e.url, depth: e.depth })),
  );
  return run;
}

/** One fetch of one URL on one mirror, in the source's mode (auto escalates to the browser). */
function fetchOnce(deps: CrawlDeps, source: SourceRecord, url: string, scope: Scope): Promise<CapturedPage> {
  return capturePage(
    url,
    {
      identity: sourceIdentity(source.id),
      fetchMode: source.fetchMode,
      policy: source.policy,
      session: source.session,
      inScope: (u: string) => scope.decide(u, 0).ok,
      // Scripts and styles served by the site's mirrors belong to the page; everything else is blocked.
      origins: [...scope.siteOrigins],
    },
    { proxyUrl: deps.proxyUrl, http: deps.http, browser: deps.browser },
  );
}

/**
 * Fetch a canonical URL on the first mirror that answers. Mirror health is kept per process: a
 * mirror that is down is skipped for a cool-down, then tried again.
 */
async function fetchPage(
  deps: CrawlDeps,
  source: SourceRecord,
  url: string,
  scope: Scope,
): Promise<CapturedPage> {
  const origins = source.baseUrls.map((b) => new URL(b).origin);
  let set = deps.mirrors.get(source.id);
  if (!set) {
    set = new MirrorSet(origins);
    deps.mirrors.set(source.id, set);
  }
  for (const origin of origins) set.add(origin);
  const { result } = await withFailover(set, (origin) =>
    fetchOnce(deps, source, scope.onMirror(url, origin), scope),
  );
  return result;
}

/** One token bucket and concurrency cap per source, shared by every worker process. */
function politenessKey(source: SourceRecord): string {
  return String(source.id);
}

function politenessLimits(source: SourceRecord): SourceLimits {
  return { requestsPerMinute: source.policy.requestsPerMinute, concurrency: source.policy.concurrency };
}

/**
 * A site that signs its mirror list: check it against the key pinned on the source. A valid list
 * adds its mirrors; one that fails verification is a phishing clone — reported, never followed.
 */
async function refreshMirrors(deps: CrawlDeps, source: SourceRecord): Promise<void> {
  if (!source.pgpKey) return;
  const primary = new URL(source.baseUrls[0]!).origin;
  const verdict = await fetchMirrorList(
    async (u) => {
      // A request like any other: it takes a token from the source's bucket and a concurrency slot.
      const r = await deps.politeness.run(
        politenessKey(source),
        politenessLimits(source),
        () =>
          deps.http.fetch(u, {
            proxyUrl: deps.proxyUrl,
            identity: sourceIdentity(source.id),
            session: source.session,
          }),
        { statusOf: (res) => ({ status: res.status, headers: res.headers }) },
      );
      return { status: r.status, body: r.body };
    },
    primary,
    source.pgpKey,
  );
  if (verdict.status === 'valid') {
    for (const mirror of verdict.mirrors) await addMirror(deps.db, source.id, `${mirror}/`, 'signed_list');
  } else if (verdict.status === 'phishing') {
    const reason = `mirror list failed verification against the pinned key (phishing clone?): ${verdict.reason}`;
    await recordSourceHealth(deps.db, source.id, false, reason);
    deps.log.warn({ source: source.name, reason }, 'phishing mirror list');
  }
}

export type CrawlOutcome = 'fetched' | 'failed' | 'blocked' | 'skipped';

/**
 * Process one page job. Throws RetryableCrawlError (BullMQ retries with backoff) while attempts
 * remain; on the last attempt the URL is recorded as failed instead.
 */
export async function processCrawlJob(
  deps: CrawlDeps,
  job: CrawlJob,
  attempt: number,
  maxAttempts: number,
): Promise<CrawlOutcome> {
  const run = await getRun(deps.db, job.runId);
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'skipped';
  const state = await getUrlState(deps.db, job.runId, job.url);
  if (state && state.status !== 'queued' && state.status !== 'fetching') {
    // Done already. A worker that died between closing the run's last page and closing the run
    // leaves the run open; its job, run again after the stall, closes it.
    await finishIfDone(deps, run.id);
    return 'skipped';
  }
  // 'fetching' means an earlier execution of this job died mid-way (crash, kill, lost lock).
  const recovering = state?.status === 'fetching';
  let source = await getSourceById(deps.db, run.workspaceId, run.sourceId);
  if (!source) return 'skipped';
  await markRunStarted(deps.db, run.id);
  await setUrlStatus(deps.db, run.id, job.url, 'fetching', { countAttempt: true });

  if (job.depth === 0)
    await refreshMirrors(deps, source).catch((err) =>
      deps.log.warn({ err: errorMessage(err) }, 'mirror list check failed'),
    );
  const scope = scopeForSource(source);
  const fetchPolitely = (s: SourceRecord) =>
    deps.politeness.run(politenessKey(s), politenessLimits(s), () => fetchPage(deps, s, job.url, scope), {
      statusOf: (p) => ({ status: p.document.status, headers: p.document.headers }),
    });
  let page: CapturedPage;
  let loginFailure: string | null = null;
  try {
    // A source with a login recipe and no session yet logs in before its first page.
    if (job.depth === 0 && source.session?.login && source.session.cookies.length === 0) {
      const r = await loginForSource(deps, run, source, scope);
      if ('failed' in r) return blockRun(deps, run, source, job, r.failed, null);
      source = r.source;
    }
    page = await fetchPolitely(source);
    // A login wall on a source with a recipe: log in (once per wall, whichever worker gets there
    // first), then fetch the page again with the new session. Nothing of the wall is stored.
    if (page.obstacle?.kind === 'login_wall' && source.session?.login) {
      const r = await loginForSource(deps, run, source, scope);
      if ('failed' in r) loginFailure = r.failed;
      else {
        source = r.source;
        page = await fetchPolitely(source);
        if (page.obstacle?.kind === 'login_wall')
          loginFailure = `${LOGIN_FAILED}: the login wall is still there after logging in`;
      }
    }
  } catch (err) {
    return failOrRetry(deps, run, source, job, err, attempt, maxAttempts);
  }

  const status = page.document.status;
  if (isBackoffStatus(status) || status >= 500) {
    // politeness.run has already paused the source (Retry-After or backoff) for every worker.
    return failOrRetry(deps, run, source, job, new Error(`HTTP ${status}`), attempt, maxAttempts);
  }

  // The canonical URL (mirrors folded onto the primary) names the capture; finalUrl says where it came from.
  const capture: NewSnapshot = {
    ...snapshotFields(page),
    url: job.url,
    workspaceId: source.workspaceId,
    sourceId: source.id,
    crawlRunId: run.id,
  };
  // Snapshots are immutable, so the token must exist before the row does; a TSA outage stores the
  // capture without one (stampOrNull logs it) rather than losing it.
  if (deps.tsa) capture.tsaToken = await deps.tsa.stampOrNull(sha256Hex(capture.body));
  const { snapshot } = await recordSnapshot(deps.db, capture);
  const obstacle = page.obstacle;
  if (obstacle?.needsPerson)
    return blockRun(deps, run, source, job, loginFailure ?? obstacle.reason, snapshot.id);

  if (status < 400) {
    // Children are in the frontier before this page is closed, so the run can never look finished
    // while a page is still adding links.
    await admitLinks(deps, source, scope, run, job, page.links, recovering);
    await addExtractJob(deps.queues, { snapshotId: snapshot.id });
  }
  await setUrlStatus(deps.db, run.id, job.url, 'fetched', { snapshotId: snapshot.id });
  await deps.frontier.done(String(run.id), job.url, 'fetched');
  await recordSourceHealth(deps.db, source.id, true);
  await finishIfDone(deps, run.id);
  return 'fetched';
}

/** The source needs a person (login wall, CAPTCHA, failed scripted login): the run stops here. */
async function blockRun(
  deps: CrawlDeps,
  run: CrawlRun,
  source: SourceRecord,
  job: CrawlJob,
  reason: string,
  snapshotId: number | null,
): Promise<CrawlOutcome> {
  await setUrlStatus(deps.db, run.id, job.url, 'blocked', { snapshotId, error: reason });
  await markNeedsHuman(deps.db, source.id, reason);
  await finishRun(deps.db, run.id, 'blocked', reason);
  await finalizeRunIfDone(deps.db, run.id, deps.extractorVersion);
  deps.log.warn({ source: source.name, reason }, 'source needs a person');
  return 'blocked';
}

/** Reason prefix of a scripted login that failed: no worker tries the recipe again until a person acts. */
export const LOGIN_FAILED = 'scripted login failed';
/** Logins one run may perform before the wall counts as unbeatable (sessions that expire at once). */
const MAX_LOGINS_PER_RUN = 3;
/** Advisory-lock namespace ('dwlg'): one login per source at a time, across every worker process. */
const LOGIN_LOCK = 0x64776c67;

function sessionKey(session: SourceRecord['session']): string {
  return JSON.stringify(
    (session?.cookies ?? []).map((c) => [c.name, c.value, c.domain ?? '', c.path ?? '']).sort(),
  );
}

/**
 * Log the source in with its recipe, unless another worker already did (its session changed since
 * `source` was read) or already failed. Returns the source with its new session, or why it failed.
 * Network errors are thrown (the page job retries); a rejected login is final for this run.
 */
async function loginForSource(
  deps: CrawlDeps,
  run: CrawlRun,
  source: SourceRecord,
  scope: Scope,
): Promise<{ source: SourceRecord } | { failed: string }> {
  const usedKey = sessionKey(source.session);
  const changed = async (): Promise<{ source: SourceRecord } | { failed: string } | null> => {
    const current = await getSourceById(deps.db, source.workspaceId, source.id);
    if (!current) return { failed: 'the source was removed' };
    if (sessionKey(current.session) !== usedKey) return { source: current };
    if (current.needsHuman?.startsWith(LOGIN_FAILED)) return { failed: current.needsHuman };
    if (!current.session?.login) return { failed: 'the login recipe was removed' };
    return null;
  };
  const lock = await deps.db.connect();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const early = await changed();
      if (early) return early;
      const { rows } = await lock.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
        LOGIN_LOCK,
        source.id,
      ]);
      if (rows[0]!.ok) break;
      if (Date.now() > deadline)
        throw new RetryableCrawlError('still waiting for another worker to log the source in');
      await new Promise((r) => setTimeout(r, 250));
    }
    try {
      const early = await changed();
      if (early) return early;
      const claimed = await deps.db.query(
        `update crawl_runs set stats = stats || jsonb_build_object('logins', coalesce((stats->>'logins')::int, 0) + 1)
          where id = $1 and coalesce((stats->>'logins')::int, 0) < $2`,
        [run.id, MAX_LOGINS_PER_RUN],
      );
      if (!claimed.rowCount)
        return {
          failed: `${LOGIN_FAILED}: the login wall came back after ${MAX_LOGINS_PER_RUN} logins in one run`,
        };
      const recipe = source.session!.login!;
      try {
        const result = await performLogin(recipe, {
          baseUrl: source.baseUrls[0]!,
          identity: sourceIdentity(source.id),
          proxyUrl: deps.proxyUrl,
          http: deps.http,
          browser: deps.browser,
          mode:
            source.fetchMode === 'browser' || (source.fetchMode === 'auto' && recipe.submitSelector)
              ? 'browser'
              : 'http',
          cookies: source.session?.cookies ?? [],
          inScope: (u) => scope.decide(u, 0).ok,
          origins: [...scope.siteOrigins],
          javascript: source.policy.javascript,
        });
        await setSessionCookies(deps.db, source.id, result.cookies);
        deps.log.info({ source: source.name, cookies: result.cookies.length }, 'scripted login succeeded');
        return { source: (await getSourceById(deps.db, source.workspaceId, source.id))! };
      } catch (err) {
        if (!(err instanceof LoginError)) throw err;
        return { failed: `${LOGIN_FAILED}: ${err.message}` };
      }
    } finally {
      await lock.query('select pg_advisory_unlock($1, $2)', [LOGIN_LOCK, source.id]);
    }
  } finally {
    lock.release();
  }
}

async function admitLinks(
  deps: CrawlDeps,
  source: SourceRecord,
  scope: Scope,
  run: CrawlRun,
  job: CrawlJob,
  links: string[],
  recovering: boolean,
) {
  const parent: FrontierEntry = { url: job.url, depth: job.depth, parent: null };
  const plan = planLinks(scope, parent, links);
  const { admitted, dropped } = await deps.frontier.admit(String(run.id), source.policy.pageBudget, plan);
  if (dropped.some((d) => d.why.kind === 'budget')) {
    await deps.db.query(`update crawl_runs set stats = stats || '{"budgetExhausted": true}' where id = $1`, [
      run.id,
    ]);
  }
  // Redis admission and the frontier table are not one transaction: a worker that died between
  // them left URLs that Redis calls duplicates but the table never got. Offering those to the
  // table again (it keeps the first) closes the gap; only URLs new to the table get a job.
  const seenBefore = new Set(dropped.filter((d) => d.why.kind === 'duplicate' && d.url).map((d) => d.url!));
  const offered = [
    ...admitted.map((e) => ({ url: e.url, depth: e.depth })),
    ...plan.candidates.filter((c) => seenBefore.has(c.url)).map((c) => ({ url: c.url, depth: c.depth })),
  ];
  const fresh = await enqueueUrls(deps.db, run.id, offered, job.url);
  const freshSet = new Set(fresh);
  const jobs = offered.filter((e) => freshSet.has(e.url));
  // The table and the queue are not one transaction either: an earlier execution that died after
  // inserting its children but before queueing them left rows no job will ever close. Queue them
  // again; job ids are derived from (run, url), so a job that does exist is not duplicated.
  if (recovering) {
    for (const c of await queuedChildren(deps.db, run.id, job.url)) if (!freshSet.has(c.url)) jobs.push(c);
  }
  await addCrawlJobs(
    deps.queues,
    jobs.map((e) => ({ runId: run.id, url: e.url, depth: e.depth })),
  );
}

async function failOrRetry(
  deps: CrawlDeps,
  run: CrawlRun,
  source: SourceRecord,
  job: CrawlJob,
  err: unknown,
  attempt: number,
  maxAttempts: number,
): Promise<CrawlOutcome> {
  const message = err instanceof FetchError ? `${err.code}: ${err.message}` : errorMessage(err);
  const permanent = err instanceof FetchError && PERMANENT.has(err.code);
  if (!permanent && attempt + 1 < maxAttempts) {
    await setUrlStatus(deps.db, run.id, job.url, 'queued', { error: message });
    throw new RetryableCrawlError(message);
  }
  await setUrlStatus(deps.db, run.id, job.url, 'failed', { error: message });
  await deps.frontier.done(String(run.id), job.url, 'failed');
  await recordSourceHealth(deps.db, source.id, false, message);
  deps.log.warn({ url: job.url, error: message }, 'page failed');
  await finishIfDone(deps, run.id);
  return 'failed';
}

/** When the run's frontier has nothing left queued or in flight, the run is complete. */
export async function finishIfDone(
  deps: Pick<CrawlDeps, 'db' | 'extractorVersion'>,
  runId: number,
): Promise<boolean> {
  const { rows } = await deps.db.query<{ open: number }>(
    `select count(*)::int as open from crawl_urls where run_id = $1 and status in ('queued', 'fetching')`,
    [runId],
  );
  if (rows[0]!.open > 0) return false;
  await finishRun(deps.db, runId, 'completed');
  // Usually the extract stage finalizes; this covers runs whose last extraction came first.
  await finalizeRunIfDone(deps.db, runId, deps.extractorVersion);
  return true;
}
