// Versioned SQL migrations in migrations/, applied by node-pg-migrate. All pending migrations run
// in one transaction, so a failing one leaves the database exactly as it was.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export interface MigrateOptions {
  dir?: string;
  direction?: 'up' | 'down';
  count?: number;
  log?: (message: string) => void;
}

/** Apply pending migrations; returns the names of those applied. */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  // Our own client, closed here: the connection is gone when this returns, and a server-side
  // disconnect can never surface as an unhandled error later.
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await runMigrations(client, options);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runMigrations(dbClient: pg.Client, options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    dbClient,
    dir: options.dir ?? MIGRATIONS_DIR,
    direction: options.direction ?? 'up',
    count: options.count ?? Infinity,
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: options.log ?? (() => undefined),
  });
  return applied.map((m) => m.name);
}
