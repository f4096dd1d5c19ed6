// Measures the private Tor network: start-up until the first onion fetch, fetch latency on a warm
// circuit and on a fresh SOCKS identity (new rendezvous circuit), and memory of the tor processes.
// Baseline in the same run: the same GET straight to the local HTTP server.
//   npx tsx range/tor/measure.ts [--services N] [--samples N] [--data-dir DIR]
// With --data-dir the relay/authority keys cached there are reused (the `range --tor` restart case).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startPrivateTorNetwork } from './network.js';
import { rssBytes } from './processes.js';
import { fetchViaSocks } from './socks-fetch.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new Error(`${name} must be an integer 1-1000`);
  return value;
}

function directGet(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      })
      .on('error', reject);
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

const serviceCount = arg('--services', 1);
const samples = arg('--samples', 30);
const body = 'x'.repeat(2048);
const server = http.createServer((_req, res) => res.end(body));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const port = (server.address() as AddressInfo).port;
const dataDirArg = process.argv.indexOf('--data-dir');
const keepDataDir = dataDirArg >= 0;
const dataDir = keepDataDir
  ? path.resolve(process.argv[dataDirArg + 1] ?? '.darkwatch/tor-measure')
  : mkdtempSync(path.join(os.tmpdir(), 'darkwatch-tor-measure-'));

const tor = await startPrivateTorNetwork({
  dataDir,
  services: Array.from({ length: serviceCount }, (_, i) => ({
    name: `site${i}`,
    secretSeed: createHash('sha256').update(`measure ${i}`).digest(),
    targetPort: port,
  })),
  log: (m) => process.stderr.write(`[tor] ${m}\n`),
});
try {
  const url = `http://${Object.values(tor.onions)[0]}/`;
  const socks = (user: string) => `socks5h://${user}:x@127.0.0.1:${tor.socksPort}`;

  const direct: number[] = [];
  for (let i = 0; i < samples; i++) direct.push(await directGet(`http://127.0.0.1:${port}/`));

  await fetchViaSocks(url, socks('warm')); // builds the circuit
  const warm: number[] = [];
  for (let i = 0; i < samples; i++) warm.push((await fetchViaSocks(url, socks('warm'))).ms);

  // A new SOCKS username forces a new rendezvous circuit (descriptor already cached).
  const fresh: number[] = [];
  for (let i = 0; i < Math.min(samples, 8); i++)
    fresh.push((await fetchViaSocks(url, socks(`fresh${i}`))).ms);

  const perProcess = rssBytes(tor.pids);
  const t = tor.timings;
  console.log(`private Tor network: 8 tor processes, ${serviceCount} onion service(s), ${samples} samples`);
  console.log(`  prepare (keys, torrc)            ${fmt(t.prepareMs)}`);
  console.log(`  launch -> Bootstrapped 100%      ${fmt(t.bootstrapMs)}`);
  console.log(`  launch -> descriptor stored      ${fmt(t.descriptorMs ?? 0)}`);
  console.log(`  launch -> every onion answered   ${fmt(t.firstFetchMs)}`);
  console.log(`  total start-up                   ${fmt(t.totalMs)}`);
  console.log(
    `  baseline direct GET   median ${fmt(quantile(direct, 0.5))}  p95 ${fmt(quantile(direct, 0.95))}`,
  );
  console.log(
    `  warm circuit GET      median ${fmt(quantile(warm, 0.5))}  p95 ${fmt(quantile(warm, 0.95))}  ` +
      `(ratio to baseline ${(quantile(warm, 0.5) / quantile(direct, 0.5)).toFixed(1)}x)`,
  );
  console.log(`  new-circuit GET       median ${fmt(quantile(fresh, 0.5))}  max ${fmt(Math.max(...fresh))}`);
  console.log(`  RSS total ${mib(perProcess.reduce((a, b) => a + b, 0))}: ${perProcess.map(mib).join(', ')}`);
  console.log('  (order: auth0 auth1 auth2 relay0 exit0 exit1 service client)');
} finally {
  await tor.stop();
  server.close();
  if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
}
