// vitest global setup: the real PostgreSQL and Redis every integration test talks to.
// Reuses DATABASE_URL / REDIS_URL when set (and reachable), else starts throwaway local servers.
// Each run gets a migrated template database (tests clone it: one fresh database per test file)
// and its own Redis key prefix; everything is removed at the end.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import {
  dropDatabase,
  ensureDatabase,
  probePostgres,
  startLocalPostgres,
  withDatabase,
} from '../../services/postgres.js';
import { stopProcess } from '../../services/ports.js';
import { probeRedis, startLocalRedis } from '../../services/redis.js';
import { loadConfig } from '../../core/config.js';
import { ensureChromium, ensureTor } from '../../services/index.js';
import { migrate } from '../../store/migrate.js';
import type { TestServices } from './types.js';

export default async function setup(project: TestProject) {
  // Browser and real-Tor tests need these system programs; on a fresh Debian machine (as root)
  // they are installed here, once, before any test starts.
  ensureChromium(loadConfig({ CHROMIUM_PATH: process.env.CHROMIUM_PATH }));
  ensureTor();
  const runId = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync('/tmp/darkwatch-test-');
  chmodSync(dataDir, 0o755); // the postgres user must reach its cluster below
  const stops: Array<() => Promise<void>> = [];

  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const problem = await probePostgres(process.env.DATABASE_URL);
    if (problem) throw new Error(`DATABASE_URL is not reachable: ${problem}`);
    adminUrl = process.env.DATABASE_URL;
  } else {
    const local = await startLocalPostgres(path.join(dataDir, 'postgres'), dataDir);
    stops.push(() => stopProcess(local.pid));
    adminUrl = withDatabase(local.url, 'postgres');
  }

  let redisUrl: string;
  if (process.env.REDIS_URL) {
    const problem = await probeRedis(process.env.REDIS_URL);
    if (problem) throw new Error(`REDIS_URL is not reachable: ${problem}`);
    redisUrl = process.env.REDIS_URL;
  } else {
    const local = await startLocalRedis(path.join(dataDir, 'redis'));
    stops.push(() => stopProcess(local.pid, 'SIGTERM'));
    redisUrl = local.url;
  }

  const templateDb = `dw_test_${runId}_tpl`;
  await ensureDatabase(adminUrl, templateDb);
  await migrate(withDatabase(adminUrl, templateDb));

  const services: TestServices = {
    adminUrl,
    templateDb,
    dbPrefix: `dw_test_${runId}`,
    redisUrl,
    redisPrefix: `dwtest:${runId}`,
  };
  project.provide('services', services);

  return async () => {
    await dropTestDatabases(adminUrl, services.dbPrefix);
    await deleteKeys(redisUrl, services.redisPrefix);
    for (const stop of stops.reverse()) await stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

async function dropTestDatabases(adminUrl: string, prefix: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`${prefix}%`],
  );
  await client.end();
  for (const row of rows) await dropDatabase(adminUrl, row.datname);
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
