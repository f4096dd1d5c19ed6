import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../store/migrate.js';
import { emptyDatabase } from '../helpers/services.js';
import { readdirSync } from 'node:fs';

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  await client.end();
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'dw-migrations-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('create the whole data model on an empty database, and a second run is a no-op', async () => {
    const db = await emptyDatabase();
    try {
      const applied = await migrate(db.url);
      expect(applied.length).toBe(readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);
      const names = await tables(db.url);
      for (const t of [
        'sources',
        'source_mirrors',
        'crawl_runs',
        'crawl_urls',
        'blobs',
        'snapshots',
        'extractions',
        'listings',
        'listing_versions',
        'vendors',
        'posts',
        'entities',
        'entity_mentions',
        'rules',
        'rule_versions',
        'alerts',
        'alert_events',
        'suppressions',
        'cases',
        'users',
        'api_tokens',
        'user_sessions',
        'workspaces',
        'audit_log',
        'exercises',
      ]) {
        expect(names).toContain(t);
      }
      expect(await migrate(db.url)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('run forward from the previous version', async () => {
    const dir = path.join(scratch, 'forward');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    for (const f of readdirSync(MIGRATIONS_DIR))
      copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    const db = await emptyDatabase();
    try {
      await migrate(db.url, { dir });
      writeFileSync(
        path.join(dir, '9999999999999_next.sql'),
        '-- Up Migration\nALTER TABLE listings ADD COLUMN extra text;\n',
      );
      expect(await migrate(db.url, { dir })).toEqual(['9999999999999_next']);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query(
        `select 1 from information_schema.columns where table_name = 'listings' and column_name = 'extra'`,
      );
      await client.end();
      expect(rows).toHaveLength(1);
    } finally {
      await db.drop();
    }
  });

  it('roll back a half-applied migration completely', async () => {
    const dir = path.join(scratch, 'broken');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    for (const f of readdirSync(MIGRATIONS_DIR))
      copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    writeFileSync(
      path.join(dir, '9999999999999_broken.sql'),
      '-- Up Migration\nCREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    const db = await emptyDatabase();
    try {
      await expect(migrate(db.url, { dir })).rejects.toThrow(/no_such_function/);
      // Nothing of the batch remains: neither the good migration nor the broken one's first statement.
      const names = await tables(db.url);
      expect(names).not.toContain('half_done');
      expect(names).not.toContain('sources');
    } finally {
      await db.drop();
    }
  });
});
