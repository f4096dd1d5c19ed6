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
    if (msg === 'no-latency') {
      r.gateway.setLatency(null);
      process.send?.('ok');
    }
    if (msg === 'stop') void r.stop().then(() => process.exit(0));
  });
  await new Promise(() => undefined);
}

const opts = new Command()
  .option('--latency-ms <n>', 'median injected delay (applied twice per page)', '250')
  .option('--concurrency <n>', 'concurrent http fetches', '16')
  .option('--pages <n>', 'http pages per measurement', '320')
  .option('--browser-pages <n>', 'browser pages', '24')
  .option('--contexts <n>', 'browser contexts', '4')
  .option('--rss-pages <n>', 'http pages without latency for the memory-flatness check', '5000')
  .parse()
  .opts<{
    latencyMs: string;
    concurrency: string;
    pages: string;
    browserPages: string;
    contexts: string;
    rssPages: string;
  }>();

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

/**
 * Memory of the Chromium processes (descendants of this process, minus the range child): PSS, so
 * pages shared between Chromium's processes are counted once.
 */
function chromiumMemory(excludePid: number): number {
  return chromiumProcs(excludePid).pss;
}

/** PSS bytes and CPU seconds (user+system, including reaped children) of the Chromium processes. */
function chromiumProcs(excludePid: number): { pss: number; cpuSec: number } {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* process gone */
    }
  }
  let total = 0;
  let ticks = 0;
  for (const pid of parent.keys()) {
    let p: number | undefined = pid;
    let mine = false;
    for (let hops = 0; p && hops < 30; hops++) {
      if (p === excludePid) break;
      if (p === process.pid) {
        mine = pid !== process.pid;
        break;
      }
      p = parent.get(p);
    }
    if (!mine) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {
      /* process gone */
    }
  }
  return { pss: total, cpuSec: ticks / 100 };
}

const child = fork(fileURLToPath(import.meta.url), ['--range-child', String(M)], {
  execArgv: ['--import', 'tsx'],
});
const ready = await new Promise<{ socksUrl: string; url: string }>((resolve, reject) => {
  child.once('message', (m) => resolve(m as { socksUrl: string; url: string }));
  child.once('exit', (code) => reject(new Error(`range exited ${code}`)));
});
const range = { socksUrl: ready.socksUrl };
const site = { url: ready.url };
try {
  const fresh = new HttpFetcher({ keepAlive: false, maxSocketsPerIdentity: 1024 });
  const timings: Array<{ connectMs: number; firstByteMs: number; totalMs: number }> = [];
  const fetchOne = (id: string) => () =>
    fresh
      .fetch(site.url, { proxyUrl: range.socksUrl, identity: id, timeouts: { totalMs: 60_000 } })
      .then((r) => {
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        if (id === sourceIdentity('bench')) timings.push(r.timings);
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
  console.log(
    `http  baseline C=1: ${baseRate.toFixed(2)} pages/s, bound ${(1 / L).toFixed(2)}, ratio ${(baseRate * L).toFixed(3)}`,
  );
  console.log(
    `http  C=${C}: ${rate.toFixed(2)} pages/s, bound C/L ${bound.toFixed(2)}, ratio ${(rate / bound).toFixed(3)} (goal >= 0.9)`,
  );
  const avg = (f: (t: (typeof timings)[number]) => number) =>
    timings.reduce((a, t) => a + f(t), 0) / timings.length;
  console.log(
    `http  where the time goes (mean per page, C=${C}): SOCKS connect ${avg((t) => t.connectMs).toFixed(0)} ms (injected ${M}), ` +
      `first byte +${avg((t) => t.firstByteMs - t.connectMs).toFixed(0)} ms (injected ${M}), body+decode +${avg((t) => t.totalMs - t.firstByteMs).toFixed(0)} ms`,
  );
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
    // One page launches Chromium and one context: memory with one context. Then one page per
    // identity creates the other contexts (timed separately); the measurement is steady state.
    await browser.fetch(site.url, { identity: ids[0]!, javascript: true });
    const rssOne = chromiumMemory(child.pid ?? -1);
    const tCtx0 = performance.now();
    await Promise.all(ids.slice(1).map((id) => browser.fetch(site.url, { identity: id, javascript: true })));
    const ctxSetupMs = (performance.now() - tCtx0) / Math.max(1, K - 1);
    const cpuBefore = chromiumProcs(child.pid ?? -1).cpuSec;
    const nodeCpu0 = process.cpuUsage();
    const tB = await pool(B, K, (i) =>
      browser.fetch(site.url, { identity: ids[i % K]!, javascript: true }).then(() => undefined),
    );
    const rssK = chromiumMemory(child.pid ?? -1);
    const chromeCpuPerPage = ((chromiumProcs(child.pid ?? -1).cpuSec - cpuBefore) * 1000) / B;
    const nodeCpu = process.cpuUsage(nodeCpu0);
    const nodeCpuPerPage = (nodeCpu.user + nodeCpu.system) / 1000 / B;
    const bRate = B / tB;
    console.log(
      `browser K=${K} contexts: ${bRate.toFixed(2)} pages/s (bound K/L ${(K / L).toFixed(2)}, ratio ${((bRate * L) / K).toFixed(3)})`,
    );
    console.log(
      `browser memory (PSS): ${(rssOne / 2 ** 20).toFixed(0)} MiB with 1 context, ${(rssK / 2 ** 20).toFixed(0)} MiB with ${browser.contextCount}; ` +
        `≈ ${((rssK - rssOne) / Math.max(1, browser.contextCount - 1) / 2 ** 20).toFixed(0)} MiB per extra context`,
    );
    console.log(
      `browser CPU per page: Chromium ${chromeCpuPerPage.toFixed(0)} ms + crawler ${nodeCpuPerPage.toFixed(0)} ms → CPU-bound ceiling ≈ ${(2000 / (chromeCpuPerPage + nodeCpuPerPage)).toFixed(1)} pages/s on 2 idle cores`,
    );
    console.log(
      `browser first page of a new context (context setup + page): ≈ ${ctxSetupMs.toFixed(0)} ms wall`,
    );
    console.log(`browser vs http (same latency): ${(bRate / rate).toFixed(3)} of http C=${C} throughput`);
    await browser.close();
  }
  const R = Number(opts.rssPages);
  if (R > 0) {
    child.send('no-latency');
    await new Promise((r) => child.once('message', r));
    const keep = new HttpFetcher();
    const samples: number[] = [];
    const step = Math.max(1, Math.floor(R / 10));
    const t0 = performance.now();
    await pool(R, 32, async (i) => {
      await keep.fetch(site.url, { proxyUrl: range.socksUrl, identity: sourceIdentity('rss') });
      if (i % step === step - 1) {
        samples.push(process.memoryUsage().rss);
      }
    });
    const secs = (performance.now() - t0) / 1000;
    keep.close();
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    const later = samples.slice(2);
    console.log(
      `memory over ${R} http pages (keep-alive, C=32, ${(R / secs).toFixed(0)} pages/s): RSS ${samples.map(mib).join(' → ')} MiB; ` +
        `growth after warm-up ${mib(Math.max(...later) - (later[0] ?? 0))} MiB`,
    );
  }
  child.send('counters');
  type Report = { counters: { streams: number; refused: number }; cpu: NodeJS.CpuUsage };
  const { counters: c, cpu: rc } = await new Promise<Report>((resolve) =>
    child.once('message', (m) => resolve(m as Report)),
  );
  console.log(
    `gateway: streams=${c.streams} refused=${c.refused}; range process CPU ${((rc.user + rc.system) / 1000 / c.streams).toFixed(2)} ms/stream`,
  );
} finally {
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}
