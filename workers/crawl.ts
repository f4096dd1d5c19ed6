// The crawl stage: one job = one page of one run. Fetch it through the source's SOCKS identity
// (http, browser, or auto-escalated), store the exact bytes as evidence, hand the snapshot to the
// extract queue, and admit in-scope links to the run's frontier. Every step is idempotent: the
// frontier table says whether a URL was already done, snapshots are unique per (run, url), and job
// ids are derived from (run, url).
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { planLinks, planSeeds, RedisFrontier, type FrontierEntry } from '../crawler/crawl-run.js';
import type { BrowserFetcher } from '../crawler/fetch-browser.js';
import type { TsaClient } from '../crawler/timestamp.js';
import { FetchError, type FetchErrorCode, type HttpFetcher, type HttpFetchResult } from '../crawler/fetch-http.js';
import { needsJavaScript } from '../crawler/escalate.js';
import { extractLinks } from '../crawler/links.js';
import { fetchMirrorList, MirrorSet, withFailover } from '../crawler/mirrors.js';
import { detectObstacle } from '../crawler/obstacles.js';
import { isBackoffStatus, type Politeness } from '../crawler/politeness.js';
import { sourceIdentity } from '../crawler/proxy.js';
import { Scope } from '../crawler/scope.js';
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
  setUrlStatus,
  type CrawlRun,
  type RunTrigger,
} from '../store/runs.js';
import { addMirror, getSourceById, markNeedsHuman, recordSourceHealth, type SourceRecord } from '../store/sources.js';
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

function scopeFor(source: SourceRecord): Scope {
  return new Scope({
    baseUrls: source.baseUrls,
    include: source.policy.include,
    exclude: source.policy.exclude,
    maxDepth: source.policy.maxDepth,
    pageBudget: source.policy.pageBudget,
    allowImages: source.policy.allowImages,
  });
}

/** Create a run, admit the seeds, queue their jobs. */
export async function startCrawlRun(deps: Pick<CrawlDeps, 'db' | 'frontier' | 'queues'>, source: SourceRecord, trigger: RunTrigger): Promise<CrawlRun> {
  const run = await createRun(deps.db, source.workspaceId, source.id, trigger);
  const scope = scopeFor(source);
  const plan = planSeeds(scope, source.policy.seeds);
  const { admitted } = await deps.frontier.admit(String(run.id), source.policy.pageBudget, plan);
  if (admitted.length === 0) {
    await finishRun(deps.db, run.id, 'failed', 'no seed URL is in scope');
    return (await getRun(deps.db, run.id))!;
  }
  await enqueueUrls(deps.db, run.id, admitted.map((e) => ({ url: e.url, depth: e.depth })), null);
  await addCrawlJobs(deps.queues, admitted.map((e) => ({ runId: run.id, url: e.url, depth: e.depth })));
  return run;
}

interface Fetched {
  http: HttpFetchResult;
  /** Present when the page went through Chromium. */
  rendered: { html: string; screenshot: Buffer; finalUrl: string } | null;
}

/** One fetch of one URL on one mirror, escalating to the browser when the source allows it. */
async function fetchOnce(deps: CrawlDeps, source: SourceRecord, url: string, scope: Scope): Promise<Fetched> {
  const identity = sourceIdentity(source.id);
  const common = {
    identity,
    session: source.session,
    allowImages: source.policy.allowImages,
    inScope: (u: string) => scope.decide(u, 0).ok,
  };
  const useBrowser = async (): Promise<Fetched> => {
    const browser = deps.browser();
    if (!browser) throw new FetchError('aborted', 'browser mode needs Chromium, which this worker cannot start', url);
    const r = await browser.fetch(url, {
      ...common,
      javascript: source.policy.javascript || source.fetchMode === 'auto',
      // Scripts and styles served by the site's mirrors belong to the page; everything else is blocked.
      subresourceOrigins: [...scope.siteOrigins],
    });
    return { http: r.document, rendered: { html: r.renderedHtml, screenshot: r.screenshot, finalUrl: r.finalUrl } };
  };
  if (source.fetchMode === 'browser') return useBrowser();
  const http = await deps.http.fetch(url, { ...common, proxyUrl: deps.proxyUrl });
  if (source.fetchMode === 'auto' && http.status < 400) {
    const decision = needsJavaScript({ status: http.status, contentType: http.contentType, html: http.body });
    if (decision.escalate) {
      deps.log.debug({ url, reason: decision.reason }, 'escalating to browser');
      return useBrowser();
    }
  }
  return { http, rendered: null };
}

/**
 * Fetch a canonical URL on the first mirror that answers. Mirror health is kept per process: a
 * mirror that is down is skipped for a cool-down, then tried again.
 */
async function fetchPage(deps: CrawlDeps, source: SourceRecord, url: string, scope: Scope): Promise<Fetched> {
  const origins = source.baseUrls.map((b) => new URL(b).origin);
  let set = deps.mirrors.get(source.id);
  if (!set) {
    set = new MirrorSet(origins);
    deps.mirrors.set(source.id, set);
  }
  for (const origin of origins) set.add(origin);
  const { result } = await withFailover(set, (origin) => fetchOnce(deps, source, scope.onMirror(url, origin), scope));
  return result;
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
      const r = await deps.http.fetch(u, { proxyUrl: deps.proxyUrl, identity: sourceIdentity(source.id), session: source.session });
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

function snapshotOf(source: SourceRecord, runId: number, url: string, f: Fetched): NewSnapshot {
  const h = f.http;
  const decodedDiffers = !h.bodyBytes.equals(h.rawBytes);
  return {
    workspaceId: source.workspaceId,
    sourceId: source.id,
    crawlRunId: runId,
    url,
    finalUrl: f.rendered?.finalUrl ?? h.finalUrl,
    statusCode: h.status,
    requestHeaders: h.request.headers,
    responseHeaders: h.headers,
    body: h.rawBytes,
    document: f.rendered ? Buffer.from(f.rendered.html, 'utf8') : decodedDiffers ? h.bodyBytes : null,
    contentType: h.contentType,
    screenshot: f.rendered?.screenshot ?? null,
    fetchMode: f.rendered ? 'browser' : 'http',
    proxyIdentity: sourceIdentity(source.id),
    capturedAt: new Date(h.timings.startedAt),
    timings: { connectMs: h.timings.connectMs, firstByteMs: h.timings.firstByteMs, totalMs: h.timings.totalMs },
  };
}

export type CrawlOutcome = 'fetched' | 'failed' | 'blocked' | 'skipped';

/**
 * Process one page job. Throws RetryableCrawlError (BullMQ retries with backoff) while attempts
 * remain; on the last attempt the URL is recorded as failed instead.
 */
export async function processCrawlJob(deps: CrawlDeps, job: CrawlJob, attempt: number, maxAttempts: number): Promise<CrawlOutcome> {
  const run = await getRun(deps.db, job.runId);
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'skipped';
  const state = await getUrlState(deps.db, job.runId, job.url);
  if (state && state.status !== 'queued' && state.status !== 'fetching') return 'skipped';
  const source = await getSourceById(deps.db, run.workspaceId, run.sourceId);
  if (!source) return 'skipped';
  await markRunStarted(deps.db, run.id);
  await setUrlStatus(deps.db, run.id, job.url, 'fetching', { countAttempt: true });

  if (job.depth === 0) await refreshMirrors(deps, source).catch((err) => deps.log.warn({ err: errorMessage(err) }, 'mirror list check failed'));
  const scope = scopeFor(source);
  const limits = { requestsPerMinute: source.policy.requestsPerMinute, concurrency: source.policy.concurrency };
  const key = String(source.id);
  let fetched: Fetched;
  try {
    fetched = await deps.politeness.run(key, limits, () => fetchPage(deps, source, job.url, scope), {
      statusOf: (f) => ({ status: f.http.status, headers: f.http.headers }),
    });
  } catch (err) {
    return failOrRetry(deps, run, source, job, err, attempt, maxAttempts);
  }

  const status = fetched.http.status;
  if (isBackoffStatus(status) || status >= 500) {
    // politeness.run has already paused the source (Retry-After or backoff) for every worker.
    return failOrRetry(deps, run, source, job, new Error(`HTTP ${status}`), attempt, maxAttempts);
  }

  const capture = snapshotOf(source, run.id, job.url, fetched);
  // Snapshots are immutable, so the token must exist before the row does; a TSA outage stores the
  // capture without one (stampOrNull logs it) rather than losing it.
  if (deps.tsa) capture.tsaToken = await deps.tsa.stampOrNull(sha256Hex(capture.body));
  const { snapshot } = await recordSnapshot(deps.db, capture);
  const html = fetched.rendered?.html ?? fetched.http.body;
  const obstacle = detectObstacle({ status, headers: fetched.http.headers, html, url: job.url });
  if (obstacle?.needsPerson) {
    await setUrlStatus(deps.db, run.id, job.url, 'blocked', { snapshotId: snapshot.id, error: obstacle.reason });
    await markNeedsHuman(deps.db, source.id, obstacle.reason);
    await finishRun(deps.db, run.id, 'blocked', obstacle.reason);
    await finalizeRunIfDone(deps.db, run.id, deps.extractorVersion);
    deps.log.warn({ source: source.name, reason: obstacle.reason }, 'source needs a person');
    return 'blocked';
  }

  if (status < 400) {
    // Children are in the frontier before this page is closed, so the run can never look finished
    // while a page is still adding links.
    await admitLinks(deps, source, scope, run, job, html, fetched.rendered?.finalUrl ?? fetched.http.finalUrl);
    await addExtractJob(deps.queues, { snapshotId: snapshot.id });
  }
  await setUrlStatus(deps.db, run.id, job.url, 'fetched', { snapshotId: snapshot.id });
  await deps.frontier.done(String(run.id), job.url, 'fetched');
  await recordSourceHealth(deps.db, source.id, true);
  await finishIfDone(deps, run.id);
  return 'fetched';
}

async function admitLinks(deps: CrawlDeps, source: SourceRecord, scope: Scope, run: CrawlRun, job: CrawlJob, html: string, pageUrl: string) {
  const links = extractLinks(html, pageUrl, { allowImages: source.policy.allowImages }).map((l) => l.url);
  const parent: FrontierEntry = { url: job.url, depth: job.depth, parent: null };
  const plan = planLinks(scope, parent, links);
  const { admitted, dropped } = await deps.frontier.admit(String(run.id), source.policy.pageBudget, plan);
  if (dropped.some((d) => d.why.kind === 'budget')) {
    await deps.db.query(`update crawl_runs set stats = stats || '{"budgetExhausted": true}' where id = $1`, [run.id]);
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
  await addCrawlJobs(
    deps.queues,
    offered.filter((e) => freshSet.has(e.url)).map((e) => ({ runId: run.id, url: e.url, depth: e.depth })),
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
export async function finishIfDone(deps: Pick<CrawlDeps, 'db' | 'extractorVersion'>, runId: number): Promise<boolean> {
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
