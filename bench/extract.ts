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

async function measure(
  label: string,
  pages: Array<{ url: string; html: string }>,
  fn: (p: { url: string; html: string }) => unknown,
): Promise<number> {
  for (const p of pages) await fn(p); // warm-up pass (JIT, lazy tables, caches)
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of pages) await fn(p);
  const seconds = (performance.now() - t0) / 1000;
  const rate = (pages.length * rounds) / seconds;
  console.log(
    `${label.padEnd(34)} ${rate.toFixed(1).padStart(8)} pages/s  (${((1000 * seconds) / (pages.length * rounds)).toFixed(2)} ms/page)`,
  );
  return rate;
}

const pages = await rangePages();
await loadLanguageDetector();
classify('warm up', null); // trains/loads the model outside the timed runs
const bytes = pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
console.log(
  `extract benchmark: ${pages.length} range pages (${(bytes / 1024).toFixed(0)} KiB), ${rounds} rounds, one core\n`,
);

// Each measured twice, interleaved, best kept: other processes share the machine.
let parse = 0;
let extract = 0;
let both = 0;
for (let i = 0; i < 2; i++) {
  parse = Math.max(parse, await measure('cheerio load() (baseline)', pages, (p) => cheerio.load(p.html)));
  extract = Math.max(extract, await measure('extractPage', pages, (p) => extractPage(p.html, p.url)));
  both = Math.max(
    both,
    await measure('extractPage + classify', pages, (p) => extractPage(p.html, p.url, { classify })),
  );
}
console.log(
  `\nbest of 2: parse ${parse.toFixed(1)}, extract ${extract.toFixed(1)}, extract+classify ${both.toFixed(1)} pages/s`,
);

console.log(`\nratio extract / parse cost:            ${(parse / extract).toFixed(2)}×`);
console.log(`ratio extract+classify / parse cost:   ${(parse / both).toFixed(2)}×   (goal ≤ 2×)`);
