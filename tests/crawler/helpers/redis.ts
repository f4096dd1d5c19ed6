// A throwaway redis-server for one test file: free port, temp dir, no persistence. The lead will
// move this into the shared test setup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  // The port was free a moment ago; another process may take it before redis-server binds it
  // (then redis-server exits), so a few attempts, each on a fresh port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startRedisOnce(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-redis-'));
  const port = await freePort();
  const proc: ChildProcess = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start in 20 s')), 20_000);
      let out = ''; // the ready line may arrive split over chunks
      proc.stdout?.on('data', (d: Buffer) => {
        out = (out + d.toString()).slice(-4096);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`));
      });
    });
  } catch (err) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
