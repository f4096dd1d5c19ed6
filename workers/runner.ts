// Running the pipeline's BullMQ workers in one process. Workers are stateless: start as many
// processes as you like, on as many machines, against one Redis and one PostgreSQL. BullMQ gives
// stalled-job recovery (a crashed worker's jobs are picked up again); SIGTERM lets active jobs
// finish before the process exits.
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { RedisFrontier } from '../crawler/crawl-run.js';
import { BrowserFetcher } from '../crawler/fetch-browser.js';
import { HttpFetcher } from '../crawler/fetch-http.js';
import { TsaClient } from '../crawler/timestamp.js';
import { backoffDelay, Politeness } from '../crawler/politeness.js';
import { createPool, type Db } from '../store/db.js';
import { processCrawlJob, RetryableCrawlError, type CrawlDeps } from './crawl.js';
import { processExtractJob, type PageExtractor } from './extract.js';
import { processMatchJob, RuleSetCache } from './match.js';
import { processNotifyJob, requeuePendingDeliveries } from './notify.js';
import { startScheduleWorker, syncRecrawlSchedules } from './schedule.js';
import { expireStaleRuns } from './stale-runs.js';
import {
  openQueues,
  pipelinePrefix,
  QUEUE_NAMES,
  type CrawlJob,
  type ExtractJob,
  type MatchJob,
  type NotifyJob,
  type PipelineQueues,
  type QueueName,
} from './queues.js';

export interface PipelineOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Base Redis prefix of this deployment; the pipeline adds the database's instance key (pipelinePrefix). */
  prefix: string;
  proxyUrl: string;
  chromiumPath: string;
  queues?: QueueName[];
  concurrency?: number;
  /** Browser contexts this process may keep open. */
  browserContexts?: number;
  extract: PageExtractor;
  extractorVersion: string;
  log: Logger;
  /** Webhook delivery: base of the jittered exponential backoff (default 1000 ms) and request timeout. */
  notify?: { backoffBaseMs?: number; timeoutMs?: number };
  /** RFC 3161 timestamping authority (DARKWATCH_TSA_URL); unset = no timestamps. */
  tsaUrl?: string;
  /** Tick recrawl schedulers every this many ms instead of each source's interval (tests). */
  recrawlEveryMs?: number;
  /**
   * How long a job's lock lives without renewal. A live worker renews it while the job runs; after a
   * crash the job is handed to another worker once it expires.
   */
  lockDurationMs?: number;
  /**
   * A crawl run whose frontier has been quiet this long and has no live crawl job is abandoned
   * (failed, with the reason), so it no longer blocks its source's scheduled recrawls. Default 15 min.
   */
  staleRunMs?: number;
}

export interface RunningPipeline {
  db: Db;
  redis: Redis;
  queues: PipelineQueues;
  frontier: RedisFrontier;
  metrics: Registry;
  workers: Worker[];
  /** Finish active jobs, then close everything this process opened. */
  close(): Promise<void>;
}

export function metricsRegistry(): {
  registry: Registry;
  jobs: Counter<'queue' | 'outcome'>;
  duration: Histogram<'queue'>;
} {
  const registry = new Registry();
  const jobs = new Counter({
    name: 'darkwatch_jobs_total',
    help: 'jobs processed',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'darkwatch_job_seconds',
    help: 'job processing time',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  return { registry, jobs, duration };
}

export async function startPipeline(opts: PipelineOptions): Promise<RunningPipeline> {
  const names = opts.queues ?? [...QUEUE_NAMES];
  const concurrency = opts.concurrency ?? 4;
  const db = createPool(opts.databaseUrl, Math.max(10, concurrency * 2 + 2));
  // BullMQ needs maxRetriesPerRequest: null on the connections its workers block on.
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; errors while Redis is away are expected, not crashes.
  redis.on('error', (err) => opts.log.debug({ err: err.message }, 'redis connection error'));
  // Queues, frontiers and rate limits live under this database's own namespace.
  const keyPrefix = await pipelinePrefix(db, opts.prefix);
  const queues = openQueues(redis, keyPrefix);
  const http = new HttpFetcher();
  let browser: BrowserFetcher | null = null;
  const { registry, jobs, duration } = metricsRegistry();

  const crawlDeps: CrawlDeps = {
    db,
    redis,
    queues,
    // A crashed worker's concurrency slots come free on the same clock as its jobs.
    politeness: new Politeness(redis, `${keyPrefix}:polite`, opts.lockDurationMs ?? 30_000),
    frontier: new RedisFrontier(redis, `${keyPrefix}:run`),
    http,
    browser: () =>
      (browser ??= new BrowserFetcher({
        proxyUrl: opts.proxyUrl,
        executablePath: opts.chromiumPath,
        http,
        maxContexts: opts.browserContexts ?? 2,
      })),
    proxyUrl: opts.proxyUrl,
    extractorVersion: opts.extractorVersion,
    mirrors: new Map(),
    log: opts.log.child({ stage: 'crawl' }),
    tsa: opts.tsaUrl
      ? new TsaClient(opts.tsaUrl, {
          onFailure: (err, sha256) =>
            opts.log.warn({ sha256, err: err.message }, 'capture stored without RFC 3161 timestamp'),
        })
      : null,
  };
  const ruleCache = new RuleSetCache();

  const processors: Record<QueueName, (job: Job) => Promise<unknown>> = {
    crawl: (job: Job<CrawlJob>) =>
      processCrawlJob(crawlDeps, job.data, job.attemptsMade, job.opts.attempts ?? 1),
    extract: (job: Job<ExtractJob>) =>
      processExtractJob(
        {
          db,
          queues,
          extract: opts.extract,
          extractorVersion: opts.extractorVersion,
          log: opts.log.child({ stage: 'extract' }),
        },
        job.data,
      ),
    match: (job: Job<MatchJob>) =>
      processMatchJob(
        { db, redis, keyPrefix, rules: ruleCache, notify: queues, log: opts.log.child({ stage: 'match' }) },
        job.data,
      ),
    notify: (job: Job<NotifyJob>) =>
      processNotifyJob(
        { db, log: opts.log.child({ stage: 'notify' }), timeoutMs: opts.notify?.timeoutMs },
        job.data,
        job.attemptsMade,
        job.opts.attempts ?? 1,
      ),
  };
  const notifyBase = opts.notify?.backoffBaseMs ?? 1000;

  const workerConnections: Redis[] = [];
  const workers: Worker[] = names.map((name) => {
    const connection = redis.duplicate();
    connection.on('error', (err) =>
      opts.log.debug({ queue: name, err: err.message }, 'redis connection error'),
    );
    workerConnections.push(connection);
    const worker = new Worker(
      name,
      async (job) => {
        const end = duration.startTimer({ queue: name });
        try {
          const result = await processors[name](job);
          jobs.inc({ queue: name, outcome: typeof result === 'string' ? result : 'ok' });
          return result;
        } catch (err) {
          jobs.inc({ queue: name, outcome: err instanceof RetryableCrawlError ? 'retry' : 'error' });
          throw err;
        } finally {
          end();
        }
      },
      {
        connection,
        // Shown on every job it processes (job.processedBy): which process crawled what.
        name: `${hostname()}:${process.pid}`,
        prefix: `${keyPrefix}:q`,
        concurrency,
        // Exponential backoff with full jitter, so retries from many workers do not line up.
        settings: {
          backoffStrategy: (attemptsMade: number) =>
            name === 'notify'
              ? notifyBase / 2 + backoffDelay(attemptsMade, notifyBase, 10 * 60_000)
              : 500 + backoffDelay(attemptsMade, 1000, 60_000),
        },
        lockDuration: opts.lockDurationMs ?? 30_000,
        stalledInterval: Math.min(15_000, opts.lockDurationMs ?? 30_000),
        maxStalledCount: 2,
      },
    );
    worker.on('failed', (job, err) =>
      opts.log.warn({ queue: name, job: job?.id, err: err.message }, 'job failed'),
    );
    worker.on('error', (err) => opts.log.error({ queue: name, err: err.message }, 'worker error'));
    return worker;
  });

  // Deliveries whose job was lost (crash between commit and enqueue) are picked up again.
  if (names.includes('notify')) await requeuePendingDeliveries(db, queues);
  // Crawl workers also run the recrawl scheduler's queue, synced from the sources table first.
  if (names.includes('crawl')) {
    // A failed sync must not take the crawl workers down; the next start (or source change) retries.
    await syncRecrawlSchedules(db, { prefix: keyPrefix, redis }, { everyMs: opts.recrawlEveryMs }).catch(
      (err: Error) => opts.log.error({ err: err.message }, 'recrawl schedules not synced'),
    );
    const connection = redis.duplicate();
    workerConnections.push(connection);
    workers.push(
      startScheduleWorker(
        {
          db,
          frontier: crawlDeps.frontier,
          queues,
          extractorVersion: opts.extractorVersion,
          staleRunMs: opts.staleRunMs,
          log: opts.log.child({ stage: 'schedule' }),
        },
        connection,
        keyPrefix,
      ),
    );
    // Runs a crashed process left behind, of any source (manual ones too): expired once at start.
    await expireStaleRuns(
      { db, queues, extractorVersion: opts.extractorVersion, log: opts.log.child({ stage: 'schedule' }) },
      { quietMs: opts.staleRunMs },
    ).catch((err: Error) => opts.log.error({ err: err.message }, 'stale run check failed'));
  }

  return {
    db,
    redis,
    queues,
    frontier: crawlDeps.frontier,
    metrics: registry,
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      http.close();
      if (browser) await (browser as BrowserFetcher).close();
      for (const c of workerConnections) c.disconnect();
      redis.disconnect();
      await db.end();
    },
  };
}
