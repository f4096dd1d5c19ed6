// Per-test-file access to the run's real services (see tests/setup/global.ts).
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { dropDatabase, ensureDatabase, withDatabase } from '../../services/postgres.js';
import { createPool, type Db } from '../../store/db.js';
import '../setup/types.js';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own (a clone of the run's template). */
export async function freshDatabase(): Promise<TestDatabase> {
  const services = inject('services');
  const name = `${services.dbPrefix}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(services.adminUrl, name, services.templateDb);
  const url = withDatabase(services.adminUrl, name);
  const db = createPool(url, 5);
  // A clone carries the template's instance key; a key of its own keeps its Redis namespace (queues,
  // alert channels) apart from every other test database, as for any real database.
  await db.query('update instance set key = default');
  return {
    url,
    name,
    db,
    async drop() {
      await db.end();
      await dropDatabase(services.adminUrl, name);
    },
  };
}

/** An empty database (not migrated), for migration tests. */
export async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const services = inject('services');
  const name = `${services.dbPrefix}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(services.adminUrl, name);
  return { url: withDatabase(services.adminUrl, name), drop: () => dropDatabase(services.adminUrl, name) };
}

/** The run's Redis, with a key prefix unique to the caller. */
export function testRedis(label = randomBytes(3).toString('hex')): { url: string; prefix: string } {
  const services = inject('services');
  return { url: services.redisUrl, prefix: `${services.redisPrefix}:${label}` };
}
