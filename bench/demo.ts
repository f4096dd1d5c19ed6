// Benchmark of `darkwatch demo`: time from the command's start to the web app being up, to the
// first alert, and to a complete crawl of the default range (every site, extracted and matched).
// Baseline in the same run: the same number of pages fetched raw (plain GET, no parsing, storage
// or matching) through the range's SOCKS gateway at the same concurrency; the ratio says what the
// whole pipeline costs over bare fetching.
//   npx tsx bench/demo.ts [--seed N] [--latency-ms M] [--concurrency C]
// Without DATABASE_URL / REDIS_URL it starts PostgreSQL and Redis in a temporary directory (a
// fresh machine, cold start included) and stops them afterwards.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { startDemo, type RunningDemo } from '../cli/demo.js';
import { loadConfig } from '../core/config.js';
import { buildTruth } from '../range/truth.js';
import { generateWorld } from '../range/generate/world.js';
import { serviceUrls, servicesDown } from '../services/index.js';
import { dropDatabase } from '../services/postgres.js';

const opts = new Command()
  .option('--seed <n>', 'range seed', '1')
  .option('--latency-ms <n>', 'Tor-like latency the range injects (median)', '0')
  .option('--concurrency <n>', 'jobs in flight per stage', '6')
  .parse()
  .opts<{ seed: string; latencyMs: string; concurrency: string }>();

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Plain GETs of `urls` through the gateway, `concurrency` at a time; a new SOCKS stream per page. */
async function rawFetch(
  socksUrl: string,
  urls: string[],
  concurrency: number,
): Promise<{ ms: number; ok: number }> {
  const agent = new SocksProxyAgent(socksUrl, { keepAlive: false });
  let next = 0;
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) if ((await get(urls[next++]!, agent)) === 200) ok++;
    }),
  );
  agent.destroy();
  return { ms: performance.now() - t0, ok };
}

async function main(): Promise<void> {
  const seed = Number(opts.seed);
  const concurrency = Number(opts.concurrency);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-demo-'));
  chmodSync(tmp, 0o755);
  const config = loadConfig({ ...process.env, DARKWATCH_DATA_DIR: tmp, LOG_LEVEL: 'warn' });
  const database = `dw_bench_demo_${randomBytes(3).toString('hex')}`;
  let demo: RunningDemo | null = null;
  let serverUrl: string | null = null;
  try {
    const t0 = performance.now();
    const wallStart = Date.now();
    demo = await startDemo(config, {
      seed,
      host: '127.0.0.1',
      port: 0,
      latencyMs: Number(opts.latencyMs),
      concurrency,
      database,
      progress: () => undefined,
    });
    const readyMs = performance.now() - t0;
    serverUrl = (await serviceUrls(config)).databaseUrl;
    let firstAlertMs = -1;
    let done = false;
    const running = demo;
    const watcher = (async () => {
      while (!done && firstAlertMs < 0) {
        const { rows } = await running.pipeline.db.query<{ n: number }>(
          'select count(*)::int as n from alerts',
        );
        if (rows[0]!.n > 0) firstAlertMs = performance.now() - t0;
        else await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const summaries = await demo.crawled;
    const crawledMs = performance.now() - t0;
    done = true;
    await watcher;
    const total = summaries.reduce(
      (a, s) => ({
        pages: a.pages + s.pages,
        listings: a.listings + s.listings,
        alerts: a.alerts + s.alerts,
      }),
      { pages: 0, listings: 0, alerts: 0 },
    );

    // Where the crawl time goes: per site, pages and when its last page was captured.
    const perSite = await demo.pipeline.db.query<{ name: string; pages: number; last: number }>(
      `select so.name, count(*)::int as pages, extract(epoch from max(sn.captured_at))::float8 * 1000 as last
         from snapshots sn join sources so on so.id = sn.source_id group by so.name order by last`,
    );

    // Baseline: as many raw page fetches through the same gateway (listing pages of the crawled sites, repeated as needed).
    const crawled = new Set(demo.range.sites.filter((s) => s.cloneOf === null).map((s) => s.name));
    const truth = buildTruth(generateWorld({ seed, size: demo.range.world.size }), 0);
    const listingUrls = truth.listings.filter((l) => crawled.has(l.site)).map((l) => l.url);
    const urls = Array.from({ length: total.pages }, (_, i) => listingUrls[i % listingUrls.length]!);
    const raw = await rawFetch(demo.range.socksUrl, urls, concurrency);

    const crawlSeconds = (crawledMs - readyMs) / 1000;
    const pipelineRate = total.pages / crawlSeconds;
    const rawRate = urls.length / (raw.ms / 1000);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    process.stdout.write(
      `darkwatch demo, seed ${seed}, latency ${opts.latencyMs} ms, concurrency ${concurrency}, ${crawled.size} sites\n` +
        `  web app up (services, migrations, range, workers, sources, rules)   ${s(readyMs)}\n` +
        `  first alert                                                          ${s(firstAlertMs)}\n` +
        `  complete crawl (every site extracted and matched)                    ${s(crawledMs)}\n` +
        `  crawled ${total.pages} pages, ${total.listings} listings, ${total.alerts} alerts: ${pipelineRate.toFixed(1)} pages/s through the whole pipeline\n` +
        `  baseline: ${urls.length} raw GETs through the gateway in ${s(raw.ms)} (${raw.ok} answered 200): ${rawRate.toFixed(1)} pages/s\n` +
        `  ratio pipeline / raw fetch: ${(pipelineRate / rawRate).toFixed(3)}\n` +
        `  per site (pages, last page captured after): ${perSite.rows.map((r) => `${r.name} ${r.pages} @ ${s(r.last - wallStart)}`).join(', ')}\n`,
    );
  } finally {
    await demo?.stop();
    if (serverUrl) await dropDatabase(serverUrl, database).catch(() => undefined);
    // Stops only what this run started in its own temporary directory (nothing when URLs were given).
    await servicesDown(config).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
