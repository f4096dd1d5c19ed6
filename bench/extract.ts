// Benchmark: pages per second for extractPage (with and without the classifier) against cheerio's
// bare load() of the same pages in the same run — the cost of a parse is the floor any extraction
// pays, so the ratio says what the extraction adds. Pages are the training range's listing, index,
// vendor and forum pages, rendered by the range's own templates (seed 11).
//   npx tsx bench/extract.ts [--rounds N]
import * as cheerio from 'cheerio';
import { classify } from '../extractors/classifier/index.js';
import { extractPage } from '../extractors/page/extract.js';
import { loadLanguageDetector } from '../extractors/language.js';
import { generateWorld } from '../range/generate/world.js';
import { templateHandler } from '../range/sites/index.js';
import { SITE_DEFS } from '../range/sites/registry.js';
import { buildTruth } from '../range/truth.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;

async function rangePages(): Promise<Array<{ url: string; html: string }>> {
  const world = generateWorld({ seed: 11, size: 150 });
  const truth = buildTruth(world, 0);
  const handlers = new Map(
    SITE_DEFS.map((def) => {
      const a = world.addresses.get(def.name)!;
      return [
        a.onion,
        templateHandler({
          def,
          world,
          epoch: () => 0,
          onion: a.onion,
          mirrors: a.mirrors,
          obstacles: new Set(),
        }),
      ];
    }),
  );
  const urls = [
    ...truth.listings.filter((l) => l.site !== 'nocturne').map((l) => l.url),
    ...truth.sites.filter((s) => s.name !== 'nocturne').map((s) => s.url),
    ...truth.vendors.flatMap((v) => Object.values(v.profileUrls)),
    ...new Set(truth.posts.map((p) => p.url)),
  ];
  const pages: Array<{ url: string; html: string }> = [];
  for (const url of urls) {
    const u = new URL(url);
    const r = await handlers.get(u.hostname)!({
      method: 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: {},
      host: u.hostname,
      cookies: {},
      body: '',
    });
    if (r.status === 200) pages.push({ url, html: String(r.body) });
  }
  return pages;
}

const pages = await rangePages();
await loadLanguageDetector();
classify('warm up', null); // trains/loads the model outside the timed runs
const bytes = pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
console.log(
  `extract benchmark: ${pages.length} range pages (${(bytes / 1024).toFixed(0)} KiB), ${rounds} rounds, one core\n`,
);

// The machine is shared, so the three are timed page by page, back to back, in every round: load
// bursts from other processes hit all three alike and the ratios stay meaningful.
type Page = { url: string; html: string };
const runs: Array<[string, (p: Page) => unknown]> = [
  ['cheerio load() (baseline)', (p) => cheerio.load(p.html)],
  ['extractPage', (p) => extractPage(p.html, p.url)],
  ['extractPage + classify', (p) => extractPage(p.html, p.url, { classify })],
];
for (const p of pages) for (const [, fn] of runs) await fn(p); // warm-up pass (JIT, lazy tables, caches)
const total = runs.map(() => 0);
for (let r = 0; r < rounds; r++)
  for (const p of pages)
    for (let i = 0; i < runs.length; i++) {
      const t0 = performance.now();
      await runs[i]![1](p);
      total[i]! += performance.now() - t0;
    }
const n = pages.length * rounds;
runs.forEach(([label], i) => {
  const ms = total[i]! / n;
  console.log(
    `${label.padEnd(30)} ${(1000 / ms).toFixed(1).padStart(8)} pages/s  (${ms.toFixed(2)} ms/page)`,
  );
});
console.log(`\nratio extract / parse cost:            ${(total[1]! / total[0]!).toFixed(2)}×`);
console.log(`ratio extract+classify / parse cost:   ${(total[2]! / total[0]!).toFixed(2)}×   (goal ≤ 2×)`);
