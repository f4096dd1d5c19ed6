// Benchmark: a worker's memory over a long crawl. One process runs the whole pipeline (crawl,
// extract, match) over every server-rendered site of a large training range (--size listings, so
// well over 20,000 pages) and samples its RSS and V8 heap. Memory must stay flat: the figure is the
// RSS at the end as a ratio of the RSS once warm (after the first quarter of the pages), which a
// leak of even a few hundred bytes per page would push well above 1.
//   npx tsx bench/worker-memory.ts [--size 28000] [--concurrency 6]
// Without DATABASE_URL / REDIS_URL it starts PostgreSQL and Redis in a temporary directory and
// stops them afterwards. The range runs in a child process (it stands in for Tor and the sites).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../core/config.js';
import { startRange, type RangeSiteInfo } from '../range/range.js';
import { servicesDown, servicesUp } from '../services/index.js';
import { dropDatabase, ensureDatabase, withDatabase } from '../services/postgres.js';
import { migrate } from '../store/migrate.js';
import { addSource } from '../store/sources.js';
import { operationalWorkspace } from '../store/workspaces.js';
import { startCrawlRun } from '../workers/crawl.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../workers/page-extractor.js';
import { runState } from '../workers/progress.js';
import { startPipeline } from '../workers/runner.js';

if (process.argv.includes('--range-child')) {
  const size = Number(process.argv[process.argv.indexOf('--range-child') + 1]);
  const r = await startRange({ seed: 1, size });
  process.send?.({ socksUrl: r.socksUrl, sites: r.sites });
  process.on('message', (msg) => {
    if (msg === 'stop') void r.stop().then(() => process.exit(0));
  });
  await new Promise(() => undefined);
}

const opts = new Command()
  .option('--size <n>', 'range listings (markets + shop); 28000 gives ≈ 20,000 crawlable pages', '28000')
  .option('--concurrency <n>', 'jobs in flight per stage', '6')
  .parse()
  .opts<{ size: string; concurrency: string }>();

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-mem-'));
  chmodSync(tmp, 0o755);
  const config = loadConfig({ ...process.env, DARKWATCH_DATA_DIR: tmp, LOG_LEVEL: 'warn' });
  const database = `dw_bench_mem_${randomBytes(3).toString('hex')}`;
  const child = fork(fileURLToPath(import.meta.url), ['--range-child', opts.size], {
    execArgv: ['--import', 'tsx'],
  });
  let serverUrl: string | null = null;
  try {
    const range = await new Promise<{ socksUrl: string; sites: RangeSiteInfo[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { socksUrl: string; sites: RangeSiteInfo[] }));
      child.once('exit', (code) => reject(new Error(`range exited ${code}`)));
    });
    const urls = await servicesUp(config);
    serverUrl = urls.databaseUrl;
    await ensureDatabase(serverUrl, database);
    const databaseUrl = withDatabase(serverUrl, database);
    await migrate(databaseUrl);
    const pipeline = await startPipeline({
      databaseUrl,
      redisUrl: urls.redisUrl,
      prefix: `dwbench-${randomBytes(3).toString('hex')}`,
      proxyUrl: range.socksUrl,
      chromiumPath: config.chromiumPath,
      concurrency: Number(opts.concurrency),
      extract: defaultPageExtractor(),
      extractorVersion: EXTRACTOR_VERSION,
      log: pino({ level: 'warn' }),
    });
    try {
      const ws = await operationalWorkspace(pipeline.db);
      const runIds: number[] = [];
      for (const site of range.sites.filter((s) => s.template !== 'market-js' && !s.cloneOf)) {
        const source = await addSource(pipeline.db, ws.id, {
          name: site.name,
          kind: site.kind,
          urls: [site.url, ...site.mirrors.map((m) => `http://${m}/`)],
          fetchMode: 'http',
          policy: { requestsPerMinute: 60_000, concurrency: 6, pageBudget: 100_000, maxDepth: 20 },
        });
        runIds.push(
          (
            await startCrawlRun(
              { db: pipeline.db, queues: pipeline.queues, frontier: pipeline.frontier },
              source,
              'manual',
            )
          ).id,
        );
      }
      const samples: Array<{ pages: number; rss: number; heap: number; s: number }> = [];
      const t0 = performance.now();
      for (;;) {
        const states = await Promise.all(runIds.map((id) => runState(pipeline.db, pipeline.queues, id)));
        const pages = states.reduce((n, st) => n + st.progress.fetched, 0);
        const m = process.memoryUsage();
        samples.push({ pages, rss: m.rss, heap: m.heapUsed, s: (performance.now() - t0) / 1000 });
        if (samples.length % 12 === 0)
          process.stderr.write(
            `  ${pages} pages, RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, ${samples.at(-1)!.s.toFixed(0)} s\n`,
          );
        if (states.every((st) => st.settled)) break;
        await new Promise((r) => setTimeout(r, 5000));
      }
      const total = samples.at(-1)!.pages;
      const at = (share: number) => samples.find((x) => x.pages >= total * share) ?? samples.at(-1)!;
      const warm = at(0.25);
      const end = samples.at(-1)!;
      const peak = Math.max(...samples.filter((x) => x.pages >= warm.pages).map((x) => x.rss));
      process.stdout.write(
        `worker memory over a ${total}-page crawl (${runIds.length} sources, crawl+extract+match in one process, ` +
          `${(total / end.s).toFixed(1)} pages/s):\n` +
          `  RSS at 25/50/75/100 %: ${[0.25, 0.5, 0.75, 1].map((q) => mib(at(q).rss)).join(' → ')} MiB (peak after warm-up ${mib(peak)} MiB)\n` +
          `  heap at 25/50/75/100 %: ${[0.25, 0.5, 0.75, 1].map((q) => mib(at(q).heap)).join(' → ')} MiB\n` +
          `  end RSS ÷ warm RSS: ${(end.rss / warm.rss).toFixed(2)} (flat = 1.00; a 1 KiB-per-page leak would add ${mib(total * 1024)} MiB)\n`,
      );
    } finally {
      await pipeline.close();
    }
  } finally {
    child.send('stop');
    if (serverUrl) await dropDatabase(serverUrl, database).catch(() => undefined);
    await servicesDown(config).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
