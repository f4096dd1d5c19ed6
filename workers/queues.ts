// The pipeline's BullMQ queues and their jobs. Job ids are derived from what the job is about, so
// adding the same job twice is a no-op (BullMQ keeps one job per id) — that, plus the per-run
// frontier table, is what makes every stage idempotent.
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisFrontier } from '../crawler/crawl-run.js';
import type { Queryable } from '../store/db.js';

export const QUEUE_NAMES = ['crawl', 'extract', 'match', 'notify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface CrawlJob {
  runId: number;
  /** Canonical URL (mirrors folded onto the primary). */
  url: string;
  depth: number;
}

export interface ExtractJob {
  snapshotId: number;
}

export interface MatchJob {
  snapshotId: number;
  workspaceId: number;
  /** Listings seen on the snapshot, with what changed since their previous sighting. */
  listings: Array<{ id: number; isNew: boolean; relisted: boolean; changed: string[] }>;
}

/** One webhook delivery (a webhook_deliveries row) of one alert. */
export interface NotifyJob {
  deliveryId: number;
}

export interface JobData {
  crawl: CrawlJob;
  extract: ExtractJob;
  match: MatchJob;
  notify: NotifyJob;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export const jobId = {
  crawl: (j: CrawlJob) => `crawl-${j.runId}-${digest(j.url)}`,
  extract: (j: ExtractJob) => `extract-${j.snapshotId}`,
  match: (j: MatchJob) => `match-${j.snapshotId}`,
  notify: (j: NotifyJob) => `notify-${j.deliveryId}`,
};

/** Attempts per job; failures back off exponentially with full jitter (see workers/runner.ts). */
export const JOB_ATTEMPTS: Record<QueueName, number> = { crawl: 4, extract: 3, match: 3, notify: 6 };

export function defaultJobOptions(name: QueueName): JobsOptions {
  return {
    attempts: JOB_ATTEMPTS[name],
    backoff: { type: 'jittered' },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    // Failed jobs stay a week: the dead-letter view (`crawl_urls` keeps them for good).
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export interface PipelineQueues {
  crawl: Queue<CrawlJob>;
  extract: Queue<ExtractJob>;
  match: Queue<MatchJob>;
  notify: Queue<NotifyJob>;
  close(): Promise<void>;
}

export function openQueues(connection: Redis, prefix: string): PipelineQueues {
  const make = <T>(name: QueueName) => {
    const queue = new Queue<T>(name, {
      connection,
      prefix: `${prefix}:q`,
      defaultJobOptions: defaultJobOptions(name),
    });
    // Connection errors while Redis restarts are retried by ioredis; without a listener they would
    // be printed as unhandled.
    queue.on('error', () => undefined);
    return queue;
  };
  const crawl = make<CrawlJob>('crawl');
  const extract = make<ExtractJob>('extract');
  const match = make<MatchJob>('match');
  const notify = make<NotifyJob>('notify');
  return {
    crawl,
    extract,
    match,
    notify,
    async close() {
      await Promise.all([crawl.close(), extract.close(), match.close(), notify.close()]);
    },
  };
}

export async function addCrawlJobs(queues: PipelineQueues, jobs: CrawlJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queues.crawl.addBulk(
    jobs.map((data) => ({ name: 'page', data, opts: { jobId: jobId.crawl(data) } })),
  );
}

export async function addExtractJob(queues: PipelineQueues, data: ExtractJob): Promise<void> {
  await queues.extract.add('snapshot', data, { jobId: jobId.extract(data) });
}

export async function addMatchJob(queues: PipelineQueues, data: MatchJob): Promise<void> {
  await queues.match.add('snapshot', data, { jobId: jobId.match(data) });
}

/**
 * Redis key prefix of one database's pipeline: the deployment prefix plus the database's own random
 * key (see migrations), so every process on the same database agrees, and no other database clashes.
 */
export async function pipelinePrefix(db: Queryable, basePrefix: string): Promise<string> {
  return namespacedPrefix(basePrefix, await instanceKey(db));
}

/** The database's own random key (the instance table, see migrations). */
export async function instanceKey(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ key: string }>('select key from instance');
  if (!rows[0]) throw new Error('database has no instance key: run `darkwatch migrate`');
  return rows[0].key;
}

/** pipelinePrefix without the query, for callers that already hold the instance key. */
export function namespacedPrefix(basePrefix: string, key: string): string {
  return `${basePrefix}:${key}`;
}

/** What a process needs to put work into the pipeline (the CLI, the web app, the demo). */
export interface PipelineClient {
  prefix: string;
  redis: Redis;
  queues: PipelineQueues;
  frontier: RedisFrontier;
  close(): Promise<void>;
}

export async function openPipelineClient(
  db: Queryable,
  redisUrl: string,
  basePrefix: string,
): Promise<PipelineClient> {
  const prefix = await pipelinePrefix(db, basePrefix);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const queues = openQueues(redis, prefix);
  return {
    prefix,
    redis,
    queues,
    frontier: new RedisFrontier(redis, `${prefix}:run`),
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}
