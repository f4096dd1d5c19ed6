// Process and port helpers shared by the local services (PostgreSQL, Redis) and the tests.
import net from 'node:net';

/** A TCP port on loopback that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signal a process (SIGINT by default: a fast shutdown for PostgreSQL) and wait for it to go;
 * SIGKILL when it outlives the timeout. */
export function stopProcess(
  pid: number,
  signal: NodeJS.Signals = 'SIGINT',
  timeoutMs = 15_000,
): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return Promise.resolve();
  }
  return waitFor('process exit', async () => (isProcessAlive(pid) ? undefined : true), timeoutMs, 50).then(
    () => undefined,
    () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  );
}

export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
