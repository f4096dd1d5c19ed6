// The services darkwatch needs — PostgreSQL and Redis, plus Chromium and Tor on the system — and
// the rule every command follows: use DATABASE_URL / REDIS_URL when set (and say so clearly if
// they are unreachable); otherwise use the local servers that `services up` started, recorded in
// <data dir>/services.json; `services down` stops only what `services up` started.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { isProcessAlive, stopProcess } from './ports.js';
import { postgresDataDir, probePostgres, startLocalPostgres, type LocalPostgres } from './postgres.js';
import { probeRedis, startLocalRedis, type LocalRedis } from './redis.js';
import { ensureSystemProgram, findExecutable } from './system.js';

export interface ServicesState {
  postgres?: LocalPostgres;
  redis?: LocalRedis;
}

export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
}

export interface ServiceStatus {
  name: string;
  state: 'up' | 'down' | 'external' | 'unreachable' | 'installed' | 'missing';
  detail: string;
}

function stateFile(config: Config): string {
  return path.join(config.dataDir, 'services.json');
}

export function readState(config: Config): ServicesState {
  const file = stateFile(config);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServicesState;
  } catch {
    throw new UserError(`${file} is not valid JSON; remove it and run \`darkwatch services up\` again`);
  }
}

function writeState(config: Config, state: ServicesState): void {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = stateFile(config);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function liveLocalPostgres(state: ServicesState): Promise<LocalPostgres | undefined> {
  const local = state.postgres;
  if (local && isProcessAlive(local.pid) && (await probePostgres(local.url, 2000)) === null) return local;
  return undefined;
}

async function liveLocalRedis(state: ServicesState): Promise<LocalRedis | undefined> {
  const local = state.redis;
  if (local && isProcessAlive(local.pid) && (await probeRedis(local.url, 2000)) === null) return local;
  return undefined;
}

async function externalOrFail(kind: 'DATABASE_URL' | 'REDIS_URL', url: string): Promise<string> {
  const problem = kind === 'DATABASE_URL' ? await probePostgres(url) : await probeRedis(url);
  if (problem) throw new UserError(`${kind} (${redact(url)}) is not reachable: ${problem}`);
  return url;
}

/**
 * Bring PostgreSQL and Redis up (idempotent): reuse configured URLs, else the local servers that
 * are already running, else start them.
 */
export async function servicesUp(config: Config): Promise<ServiceUrls> {
  // Browser-mode crawling needs Chromium; install it now rather than halfway through a crawl.
  ensureChromium(config);
  const state = readState(config);
  let databaseUrl: string;
  if (config.databaseUrl) databaseUrl = await externalOrFail('DATABASE_URL', config.databaseUrl);
  else {
    const pgLocal =
      (await liveLocalPostgres(state)) ??
      (await startLocalPostgres(postgresDataDir(config.dataDir), config.dataDir));
    state.postgres = pgLocal;
    writeState(config, state);
    databaseUrl = pgLocal.url;
  }
  let redisUrl: string;
  if (config.redisUrl) redisUrl = await externalOrFail('REDIS_URL', config.redisUrl);
  else {
    const redisLocal =
      (await liveLocalRedis(state)) ?? (await startLocalRedis(path.join(config.dataDir, 'redis')));
    state.redis = redisLocal;
    writeState(config, state);
    redisUrl = redisLocal.url;
  }
  return { databaseUrl, redisUrl };
}

/** URLs of running services, without starting anything. */
export async function serviceUrls(config: Config): Promise<ServiceUrls> {
  const state = readState(config);
  const hint = 'set it, or run `darkwatch services up`';
  const databaseUrl = config.databaseUrl
    ? await externalOrFail('DATABASE_URL', config.databaseUrl)
    : (await liveLocalPostgres(state))?.url;
  if (!databaseUrl)
    throw new UserError(`no PostgreSQL: DATABASE_URL is not set and no local server is running; ${hint}`);
  const redisUrl = config.redisUrl
    ? await externalOrFail('REDIS_URL', config.redisUrl)
    : (await liveLocalRedis(state))?.url;
  if (!redisUrl)
    throw new UserError(`no Redis: REDIS_URL is not set and no local server is running; ${hint}`);
  return { databaseUrl, redisUrl };
}

/** Stop the local servers that `services up` started; external ones are never touched. */
export async function servicesDown(config: Config): Promise<string[]> {
  const state = readState(config);
  const stopped: string[] = [];
  if (state.redis) {
    if (isProcessAlive(state.redis.pid)) {
      await stopProcess(state.redis.pid, 'SIGTERM');
      stopped.push(`redis (pid ${state.redis.pid})`);
    }
    delete state.redis;
  }
  if (state.postgres) {
    if (isProcessAlive(state.postgres.pid)) {
      await stopProcess(state.postgres.pid, 'SIGINT');
      stopped.push(`postgres (pid ${state.postgres.pid})`);
    }
    delete state.postgres;
  }
  if (existsSync(stateFile(config))) writeState(config, state);
  return stopped;
}

export async function servicesStatus(config: Config): Promise<ServiceStatus[]> {
  const state = readState(config);
  const out: ServiceStatus[] = [];
  if (config.databaseUrl) {
    const problem = await probePostgres(config.databaseUrl);
    out.push({
      name: 'postgres',
      state: problem ? 'unreachable' : 'external',
      detail: problem ?? redact(config.databaseUrl),
    });
  } else {
    const local = await liveLocalPostgres(state);
    out.push({
      name: 'postgres',
      state: local ? 'up' : 'down',
      detail: local ? `${redact(local.url)} pid ${local.pid} data ${local.dataDir}` : 'not running',
    });
  }
  if (config.redisUrl) {
    const problem = await probeRedis(config.redisUrl);
    out.push({
      name: 'redis',
      state: problem ? 'unreachable' : 'external',
      detail: problem ?? redact(config.redisUrl),
    });
  } else {
    const local = await liveLocalRedis(state);
    out.push({
      name: 'redis',
      state: local ? 'up' : 'down',
      detail: local ? `${local.url} pid ${local.pid}` : 'not running',
    });
  }
  const chromium = findExecutable(config.chromiumPath);
  out.push({
    name: 'chromium',
    state: chromium ? 'installed' : 'missing',
    detail: chromium ?? `${config.chromiumPath} not found`,
  });
  const tor = findExecutable('tor');
  out.push({
    name: 'tor',
    state: tor ? 'installed' : 'missing',
    detail: tor ?? 'tor not found (only needed for real Tor)',
  });
  return out;
}

/** Chromium for browser-mode crawling: CHROMIUM_PATH, else Debian's package (installed when missing). */
export function ensureChromium(config: Config): string {
  if (config.chromiumPath !== '/usr/bin/chromium') {
    const found = findExecutable(config.chromiumPath);
    if (!found) throw new UserError(`CHROMIUM_PATH ${config.chromiumPath} is not an executable`);
    return found;
  }
  return ensureSystemProgram('/usr/bin/chromium', 'chromium');
}

export function ensureTor(): string {
  return ensureSystemProgram('tor', 'tor');
}
