// Crawler throughput against the training range through its SOCKS gateway.
//   npx tsx bench/crawl.ts [--latency-ms M] [--concurrency C] [--pages N] [--browser-pages B] [--contexts K]
// The gateway injects M ms before the CONNECT reply and M ms before the first byte (sigma 0, so the
// delay is exact); with a new SOCKS stream per page (as a fresh Tor stream) one page costs
// L = 2M of pure latency. The bound for C concurrent fetches is C/L pages/s; we print achieved/bound
// (goal ≥ 0.9 in http mode). Baseline in the same run: C = 1, bound 1/L.
// Browser mode: pages/s with K contexts and the RSS Chromium adds per context.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BrowserFetcher } from '../crawler/fetch-browser.js';
import { HttpFetcher } from '../crawler/fetch-http.js';
import { sourceIdentity } from '../crawler/proxy.js';
import { startRange } from '../range/range.js';

// The range runs in its own process: it stands in for Tor and the remote sites, whose CPU is not
// the crawler's.
if (process.argv.includes('--range-child')) {
  const m = Number(process.argv[process.argv.indexOf('--range-child') + 1]);
  const r = await startRange({ seed: 1, latencyMs: m, latencySigma: 0 });
  process.send?.({ socksUrl: r.socksUrl, url: r.sites[0]!.url });
  process.on('message', (msg) => {
    if (msg === 'counters') process.send?.({ counters: r.counters(), cpu: process.cpuUsage() });
    if (msg === 'stop') void r.stop().then(() => process.exit(0));
  });
  await new Promise(() => undefined);
}

const opts = new Command()
  .option('--latency-ms <n>', 'median injected delay (applied twice per page)', '50')
  .option('--concurrency <n>', 'concurrent http fetches', '16')
  .option('--pages <n>', 'http pages per measurement', '400')
  .option('--browser-pages <n>', 'browser pages', '24')
  .option('--contexts <n>', 'browser contexts', '4')
  .parse()
  .opts<{ latencyMs: string; concurrency: string; pages: string; browserPages: string; contexts: string }>();

const M = Number(opts.latencyMs);
const C = Number(opts.concurrency);
const N = Number(opts.pages);
const L = (2 * M) / 1000; // seconds of injected latency per page

async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** RSS (bytes) of all descendants of this process (the Chromium processes). */
function childrenRss(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
      rss.set(Number(d), Number(fields[21]) * 4096);
    } catch {
      /* process gone */
    }
  }
  let total = 0;
  for (const [pid, r] of rss) {
    let p = parent.get(pid);
    for (let hops = 0; p && hops < 20; hops++) {
      if (p === process.pid) {
        total += r;
        break;
      }
      p = parent.get(p);
    }
  }
  return total;
}

const child = fork(fileURLToPath(import.meta.url), ['--range-child', String(M)], { execArgv: ['--import', 'tsx'] });
const ready = await new Promise<{ socksUrl: string; url: string }>((resolve, reject) => {
  child.once('message', (m) => resolve(m as { socksUrl: string; url: string }));
  child.once('exit', (code) => reject(new Error(`range exited ${code}`)));
});
const range = { socksUrl: ready.socksUrl };
const site = { url: ready.url };
try {
  const fresh = new HttpFetcher({ keepAlive: false, maxSocketsPerIdentity: 1024 });
  const fetchOne = (id: string) => () =>
    fresh.fetch(site.url, { proxyUrl: range.socksUrl, identity: id, timeouts: { totalMs: 60_000 } }).then((r) => {
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    });

  // warm-up (JIT, zlib, agent) outside the measurements
  await pool(Math.min(20, N), Math.min(C, 10), fetchOne(sourceIdentity('warm')));

  const baseN = Math.max(10, Math.round(N / C));
  const tBase = await pool(baseN, 1, fetchOne(sourceIdentity('base')));
  const baseRate = baseN / tBase;
  const cpu0 = process.cpuUsage();
  const tC = await pool(N, C, fetchOne(sourceIdentity('bench')));
  const cpu = process.cpuUsage(cpu0);
  const rate = N / tC;
  const cpuPerPage = (cpu.user + cpu.system) / 1000 / N;
  const bound = C / L;
  console.log(`http  latency/page L=${(L * 1000).toFixed(0)} ms (2 x ${M} ms injected), pages=${N}`);
  console.log(`http  baseline C=1: ${baseRate.toFixed(2)} pages/s, bound ${(1 / L).toFixed(2)}, ratio ${(baseRate * L).toFixed(3)}`);
  console.log(`http  C=${C}: ${rate.toFixed(2)} pages/s, bound C/L ${bound.toFixed(2)}, ratio ${(rate / bound).toFixed(3)} (goal >= 0.9)`);
  console.log(`http  speed-up over baseline: ${(rate / baseRate).toFixed(2)}x (ideal ${C}x)`);
  console.log(
    `http  crawler CPU ${cpuPerPage.toFixed(2)} ms/page → CPU-bound ceiling ≈ ${(1000 / cpuPerPage).toFixed(0)} pages/s per core; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
  );
  fresh.close();

  const K = Number(opts.contexts);
  const B = Number(opts.browserPages);
  if (B > 0) {
    const browser = new BrowserFetcher({ proxyUrl: range.socksUrl, maxContexts: K });
    const ids = Array.from({ length: K }, (_, i) => sourceIdentity(`browser-${i}`));
    // one page launches Chromium and one context; measure the empty-ish browser first
    await browser.fetch(site.url, { identity: ids[0]!, javascript: false });
    const rssOne = childrenRss();
    const tB = await pool(B, K, (i) => browser.fetch(site.url, { identity: ids[i % K]!, javascript: true }).then(() => undefined));
    const rssK = childrenRss();
    const bRate = B / tB;
    console.log(`browser K=${K} contexts: ${bRate.toFixed(2)} pages/s (bound K/L ${(K / L).toFixed(2)}, ratio ${((bRate * L) / K).toFixed(3)})`);
    console.log(
      `browser RSS: ${(rssOne / 2 ** 20).toFixed(0)} MiB with 1 context, ${(rssK / 2 ** 20).toFixed(0)} MiB with ${browser.contextCount}; ` +
        `≈ ${((rssK - rssOne) / Math.max(1, browser.contextCount - 1) / 2 ** 20).toFixed(0)} MiB per extra context`,
    );
    console.log(`browser vs http (same latency): ${(bRate / rate).toFixed(3)} of http C=${C} throughput`);
    await browser.close();
  }
  child.send('counters');
  type Report = { counters: { streams: number; refused: number }; cpu: NodeJS.CpuUsage };
  const { counters: c, cpu: rc } = await new Promise<Report>((resolve) => child.once('message', (m) => resolve(m as Report)));
  console.log(
    `gateway: streams=${c.streams} refused=${c.refused}; range process CPU ${((rc.user + rc.system) / 1000 / c.streams).toFixed(2)} ms/stream`,
  );
} finally {
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}
