// Free loopback TCP ports for tor's listeners. All are held open together before being released,
// so the ones returned are distinct; tor binds them a moment later (a tiny race we accept: a lost
// race shows up as a tor that exits at start with "Could not bind", reported with its log).
import net from 'node:net';

export async function allocateLoopbackPorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 0 || count > 1000) throw new Error(`bad port count ${count}`);
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
