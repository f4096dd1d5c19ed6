// Benchmark of the training range: requests per second through the SOCKS5 gateway (latency
// injection off) against the same pages fetched directly from the site servers, on a range of
// 20,000 listings. The load generator runs in a child process, as a crawler would, so client
// and range do not share one event loop.
// Run: npx tsx bench/range.ts [--size N] [--requests N] [--concurrency N]
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { startRange } from '../range/range.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Job {
  label: string;
  mode: 'direct' | 'socks' | 'socks-keepalive';
  socksUrl: string;
  /** [url to request, Host header] */
  urls: Array<[string, string]>;
  concurrency: number;
}

interface Result {
  label: string;
  requests: number;
  seconds: number;
  bytes: number;
  errors: number;
}

function get(url: string, agent: http.Agent, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { host } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode} for ${url}`)),
      );
    });
    req.on('error', reject);
  });
}

async function runJob(job: Job): Promise<Result> {
  const agent =
    job.mode === 'direct'
      ? new http.Agent({ keepAlive: false })
      : new SocksProxyAgent(job.socksUrl, { keepAlive: job.mode === 'socks-keepalive' });
  let next = 0;
  let bytes = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.urls.length) {
        const [u, host] = job.urls[next++]!;
        try {
          const n = await get(u, agent, host);
          bytes += n;
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { label: job.label, requests: job.urls.length, seconds, bytes, errors };
}

if (process.argv.includes('--client')) {
  // Child: run the jobs the parent sends, report each result.
  process.on('message', (job: Job | 'exit') => {
    if (job === 'exit') process.exit(0);
    void runJob(job).then((r) => process.send!(r));
  });
} else {
  const SIZE = arg('size', 20_000);
  const REQUESTS = arg('requests', 2000);
  const CONCURRENCY = arg('concurrency', 16);

  const t0 = performance.now();
  const range = await startRange({ seed: 1, size: SIZE });
  const startS = (performance.now() - t0) / 1000;
  const truth = range.truth();
  console.log(
    `range of ${SIZE} listings (${truth.listings.length} pages incl. the clone's copies, ${truth.posts.length} posts, ${truth.vendors.length} vendors) started in ${startS.toFixed(2)} s`,
  );

  // A crawler-like mix: listing pages of every market and the shop, forum threads, home pages.
  const step = Math.max(1, Math.floor(truth.listings.length / 500));
  const pages = [
    ...truth.listings.filter((_, i) => i % step === 0).map((l) => l.url),
    ...truth.posts
      .filter((p) => p.site === 'balkanboard' && p.position === 1)
      .slice(0, 100)
      .map((p) => p.url),
    ...range.sites.map((s) => s.url),
  ];
  const urls = Array.from({ length: REQUESTS }, (_, i) => pages[i % pages.length]!);
  const viaSocks: Array<[string, string]> = urls.map((u) => [u, new URL(u).hostname]);
  const direct: Array<[string, string]> = urls.map((u) => {
    const url = new URL(u);
    const target = range.gateway.getRoute(url.hostname)!;
    return [`http://127.0.0.1:${target.port}${url.pathname}${url.search}`, url.hostname];
  });

  const child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: process.execArgv });
  // CPU time the range process spends per request: a figure that does not depend on how busy
  // the machine is (the shared CI box often runs other work).
  const ask = (job: Job) =>
    new Promise<Result & { cpuMs: number }>((resolve) => {
      const cpu0 = process.cpuUsage();
      child.once('message', (r: Result) => {
        const cpu = process.cpuUsage(cpu0);
        resolve({ ...r, cpuMs: (cpu.user + cpu.system) / 1000 });
      });
      child.send(job);
    });
  const report = (r: Result & { cpuMs: number }) => {
    const rps = r.requests / r.seconds;
    const perReq = r.cpuMs / r.requests;
    console.log(
      `${r.label.padEnd(36)} ${r.requests} requests in ${r.seconds.toFixed(2)} s = ${rps.toFixed(0).padStart(5)} req/s, ${(r.bytes / r.seconds / 1e6).toFixed(1)} MB/s, errors ${r.errors}; range CPU ${perReq.toFixed(2)} ms/request (≈${(1000 / perReq).toFixed(0)} req/s per core)`,
    );
    return rps;
  };
  const common = { socksUrl: range.socksUrl, concurrency: CONCURRENCY };
  const directRps = report(
    await ask({ ...common, label: 'direct HTTP to site servers (baseline)', mode: 'direct', urls: direct }),
  );
  const socksRps = report(
    await ask({ ...common, label: 'SOCKS5 gateway, new stream per request', mode: 'socks', urls: viaSocks }),
  );
  const keepRps = report(
    await ask({
      ...common,
      label: 'SOCKS5 gateway, keep-alive streams',
      mode: 'socks-keepalive',
      urls: viaSocks,
    }),
  );
  child.send('exit');

  const c = range.counters();
  console.log(
    `gateway counters: streams ${c.streams}, refused ${c.refused}, protocol errors ${c.protocolErrors}`,
  );
  console.log(
    `ratio gateway/direct: ${(socksRps / directRps).toFixed(2)} (keep-alive ${(keepRps / directRps).toFixed(2)})`,
  );
  console.log(
    `target >= 200 req/s through the gateway: ${Math.max(socksRps, keepRps) >= 200 ? 'met' : 'NOT met'} (new stream per request: ${socksRps >= 200 ? 'met' : 'not met'})`,
  );
  await range.stop();
}
