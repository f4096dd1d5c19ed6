// Benchmark: pages per second for extractPage (with and without the classifier) against cheerio's
// bare load() of the same pages — the cost of a parse is the floor any extraction pays, so the ratio
// says what the extraction adds. Pages are the training range's listing, index, vendor and forum
// pages, rendered by the range's own templates (seed 11); the goal (issue #5: the whole extraction
// costs ≤ 2× the parse) is stated for listing pages, which are also timed on their own.
//   npx tsx bench/extract.ts [--trials N] [--rounds N] [--warmup N] [--against DIR]
// --against DIR also times the extractors of another checkout of this repository (e.g. a
// `git worktree add /tmp/base <commit>` with node_modules linked) in the same run, so a before/after
// comparison does not depend on how loaded the machine was at two different times.
//
// How: each contender runs in a process of its own, over whole blocks of pages, as a worker would.
// Every process loads the same things (pages, language database, classifier, --against modules), so
// all have the same heap, and only then times its contender. Two earlier designs misled:
// - interleaving contenders page by page in one process let the bare parse absorb the cache misses
//   and collections the extraction left behind, which under-stated the ratio by a fifth or more;
// - blocks in one process made each block pay for major collections the others' garbage triggered.
// Trials alternate the contenders (rotating order), and each figure is the median over trials.
// Each process first runs its contender --warmup times over the pages (default 20, ≈ 2,400 pages):
// a worker lives for millions of pages, and the extraction's much larger body of code takes that
// long to be fully compiled — with 3 rounds the optimising compiler's background threads were
// still billed to the timed rounds, and extract + classify read ≈ 0.3× of a parse higher.
// "Per core" is CPU time (all of the process's threads, so GC helpers count); wall time is beside it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as cheerio from 'cheerio';
import { classify } from '../extractors/classifier/index.js';
import { loadLanguageDetector } from '../extractors/language.js';
import { extractPage } from '../extractors/page/extract.js';
import { renderRangePages, type RenderedPage } from '../range/render.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const trials = Number(arg('--trials')) || 4;
const rounds = Number(arg('--rounds')) || 20;
const warmup = Number(arg('--warmup')) || 20;
const against = arg('--against') ? path.resolve(arg('--against')!) : null;
const child = arg('--child');

const CONTENDERS = ['cheerio load() (baseline)', 'extractPage', 'extractPage + classify'];
if (against) CONTENDERS.push('--against: extract + classify');
const SETS = ['listing pages', 'all range page types'] as const;

interface Figures {
  /** Per set: CPU ms per page (user + system, all threads, so GC helpers count) and wall ms per page. */
  cpu: number[];
  wall: number[];
  pages: number[];
  kib: number[];
}

async function runChild(contender: number): Promise<Figures> {
  const pages = await renderRangePages(11, 150);
  await loadLanguageDetector();
  classify('warm up', null); // trains/loads the model outside the timed runs
  let other: ((p: RenderedPage) => Promise<unknown>) | null = null;
  if (against) {
    const load = async <T>(rel: string): Promise<T> =>
      (await import(pathToFileURL(path.join(against, rel)).href)) as T;
    const ex = await load<{ extractPage: typeof extractPage }>('extractors/page/extract.ts');
    const cl = await load<{ classify: typeof classify }>('extractors/classifier/index.ts');
    const la = await load<{ loadLanguageDetector: typeof loadLanguageDetector }>('extractors/language.ts');
    await la.loadLanguageDetector();
    cl.classify('warm up', null);
    other = (p) => ex.extractPage(p.html, p.url, { classify: cl.classify });
  }
  const listing: RenderedPage[] = [];
  for (const p of pages) if ((await extractPage(p.html, p.url)).pageType === 'listing') listing.push(p);
  const fns: Array<(p: RenderedPage) => unknown> = [
    (p) => cheerio.load(p.html),
    (p) => extractPage(p.html, p.url),
    (p) => extractPage(p.html, p.url, { classify }),
  ];
  if (other) fns.push(other);
  const fn = fns[contender]!;
  const out: Figures = { cpu: [], wall: [], pages: [], kib: [] };
  for (const set of [listing, pages]) {
    for (let r = 0; r < warmup; r++) for (const p of set) await fn(p); // warm-up: JIT, lazy tables, caches
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const p of set) await fn(p);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    out.cpu.push((c.user + c.system) / 1000 / (rounds * set.length));
    out.wall.push(wall / (rounds * set.length));
    out.pages.push(set.length);
    out.kib.push(set.reduce((n, p) => n + Buffer.byteLength(p.html), 0) / 1024);
  }
  return out;
}

if (child !== undefined) {
  process.stdout.write(JSON.stringify(await runChild(Number(child))));
  process.exit(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const self = fileURLToPath(import.meta.url);
const results: Figures[][] = CONTENDERS.map(() => []);
console.log(
  `extract benchmark: ${trials} trials × ${CONTENDERS.length} contenders, ${rounds} rounds per set, one process each`,
);
for (let t = 0; t < trials; t++)
  for (let k = 0; k < CONTENDERS.length; k++) {
    const i = (t + k) % CONTENDERS.length;
    const extra = against ? ['--against', against] : [];
    const r = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        self,
        '--child',
        String(i),
        '--rounds',
        String(rounds),
        '--warmup',
        String(warmup),
        ...extra,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (r.status !== 0) throw new Error(`contender ${CONTENDERS[i]} failed: ${r.stderr}`);
    results[i]!.push(JSON.parse(r.stdout) as Figures);
  }

SETS.forEach((name, s) => {
  const first = results[0]![0]!;
  console.log(`\n${name}: ${first.pages[s]} pages (${first.kib[s]!.toFixed(0)} KiB)`);
  console.log(`${''.padEnd(30)} ${'wall'.padStart(22)}   ${'CPU'.padStart(22)}   CPU ms/page per trial`);
  const cpu = results.map((rs) => median(rs.map((r) => r.cpu[s]!)));
  const wall = results.map((rs) => median(rs.map((r) => r.wall[s]!)));
  CONTENDERS.forEach((label, i) => {
    const spread = results[i]!.map((r) => r.cpu[s]!.toFixed(2)).join(' ');
    console.log(
      `${label.padEnd(30)} ${(1000 / wall[i]!).toFixed(1).padStart(8)} pages/s ${wall[i]!.toFixed(2).padStart(5)} ms   ` +
        `${(1000 / cpu[i]!).toFixed(1).padStart(8)} pages/s ${cpu[i]!.toFixed(2).padStart(5)} ms   ${spread}`,
    );
  });
  const line = (label: string, i: number, note = ''): void =>
    console.log(
      `${label.padEnd(42)} ${(wall[i]! / wall[0]!).toFixed(2)}×    ${(cpu[i]! / cpu[0]!).toFixed(2)}×${note}`,
    );
  console.log(`\n${'(medians)'.padEnd(42)} wall     CPU`);
  line('ratio extract / parse cost:', 1);
  line('ratio extract+classify / parse cost:', 2, '   (goal ≤ 2×)');
  if (against) line('ratio --against extract+classify / parse:', 3, `   (${against})`);
});
