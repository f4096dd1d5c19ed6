// Forked by politeness.test.ts: takes N tokens from a shared bucket and reports when each was granted.
// It says "ready" once connected and starts on "go", so that both children contend from the start
// (forking with tsx can take seconds on a loaded machine, and unevenly).
import { Redis } from 'ioredis';
import { Politeness } from '../../../crawler/politeness.js';

const [url, source, n, rpm] = process.argv.slice(2) as [string, string, string, string];
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
await redis.ping();
const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
process.send?.({ ready: true });
await go;
const p = new Politeness(redis);
const times: number[] = [];
for (let i = 0; i < Number(n); i++) {
  await p.takeToken(source, { requestsPerMinute: Number(rpm), concurrency: 1 });
  times.push(Date.now());
}
process.send?.({ times });
await redis.quit();
