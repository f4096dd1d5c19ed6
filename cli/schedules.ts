// Keeping recrawl schedulers in step with the sources table from the CLI (after `source add|rm`).
// Best effort: the source change is already committed, and every worker re-syncs when it starts, so
// an unreachable Redis is a warning, never a failure — and must not hang the command.
import { Redis } from 'ioredis';
import type { Config } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import type { Queryable } from '../store/db.js';
import { pipelinePrefix } from '../workers/queues.js';
import { syncRecrawlSchedules } from '../workers/schedule.js';

export async function syncSchedulesFromCli(db: Queryable, config: Config, redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const prefix = await pipelinePrefix(db, config.redisPrefix);
    await syncRecrawlSchedules(db, { prefix, redis });
  } catch (err) {
    process.stderr.write(
      `darkwatch: warning: recrawl schedules not synced (${errorMessage(err)}); workers sync them when they start\n`,
    );
  } finally {
    redis.disconnect();
  }
}
