// What most commands need: validated configuration, and the running PostgreSQL (and Redis),
// opened for the duration of the command and closed afterwards so the process can exit.
import { userInfo } from 'node:os';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../core/config.js';
import { serviceUrls } from '../services/index.js';
import { createPool, type Db } from '../store/db.js';

export interface CommandContext {
  config: Config;
  db: Db;
  databaseUrl: string;
  redisUrl: string;
}

export async function withDatabase<T>(work: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { databaseUrl, redisUrl } = await serviceUrls(config);
  const db = createPool(databaseUrl);
  try {
    return await work({ config, db, databaseUrl, redisUrl });
  } finally {
    await db.end();
  }
}

export function openRedis(url: string): Redis {
  // BullMQ requires maxRetriesPerRequest: null on connections it blocks on.
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Print one JSON value per line (the CLI's machine-readable output). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Who acts when a command changes something: the operating-system user at the terminal. */
export function cliActor(): { id: null; name: string } {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return { id: null, name: `cli:${user}` };
}
