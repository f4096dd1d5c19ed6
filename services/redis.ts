// Redis: reuse a reachable REDIS_URL, or run `redis-server` from the system (installed with
// apt-get on Debian as root when missing), detached, persistence on, loopback only.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { UserError, errorMessage } from '../core/errors.js';
import { freePort, isProcessAlive, stopProcess, waitFor } from './ports.js';
import { ensureSystemProgram } from './system.js';

export interface LocalRedis {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
}

/** PING once; resolves to an error message, or null when reachable. */
export async function probeRedis(url: string, timeoutMs = 5000): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: unknown;
  client.on('error', (err) => (lastError = err));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    // ioredis reports "Connection is closed" and keeps the cause in its 'error' event.
    return errorMessage(lastError ?? err) || 'connection failed';
  } finally {
    client.disconnect();
  }
}

export async function startLocalRedis(dataDir: string, fixedPort?: number): Promise<LocalRedis> {
  const binary = ensureSystemProgram('redis-server', 'redis-server');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A restart on the same port (and data dir) lets clients reconnect to the same server.
  const port = fixedPort ?? (await freePort());
  const out = openSync(path.join(dataDir, 'redis.log'), 'a');
  // appendonly: queued jobs survive a Redis restart; noeviction: BullMQ must never lose keys.
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      dataDir,
      '--daemonize',
      'no',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new UserError('could not start redis-server');
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitFor(
      'Redis',
      async () => {
        if (!isProcessAlive(pid)) throw new Error(`exited; see ${path.join(dataDir, 'redis.log')}`);
        return (await probeRedis(url, 500)) === null ? true : undefined;
      },
      20_000,
      100,
    );
  } catch (err) {
    await stopProcess(pid, 'SIGTERM');
    throw new UserError(`redis-server did not start: ${errorMessage(err)}`);
  }
  return { pid, port, url, dataDir };
}
