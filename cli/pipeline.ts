// Starting the pipeline from the CLI (`worker`, `crawl --wait` without other workers, `demo`).
import type { Config } from '../core/config.js';
import { logger } from '../core/log.js';
import { startPipeline, type RunningPipeline } from '../workers/runner.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../workers/page-extractor.js';
import type { QueueName } from '../workers/queues.js';

export function pipelineFor(
  config: Config,
  urls: { databaseUrl: string; redisUrl: string },
  opts: { queues?: QueueName[]; concurrency?: number; proxyUrl?: string } = {},
): Promise<RunningPipeline> {
  return startPipeline({
    databaseUrl: urls.databaseUrl,
    redisUrl: urls.redisUrl,
    prefix: config.redisPrefix,
    proxyUrl: opts.proxyUrl ?? config.torSocksUrl,
    chromiumPath: config.chromiumPath,
    queues: opts.queues,
    concurrency: opts.concurrency,
    extract: defaultPageExtractor(),
    lockDurationMs: config.jobLockMs,
    staleRunMs: config.staleRunMs,
    extractorVersion: EXTRACTOR_VERSION,
    log: logger(),
    tsaUrl: config.tsaUrl,
  });
}
