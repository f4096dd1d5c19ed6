// Benchmark: pages per second for extractPage (with and without the classifier) against cheerio's
// bare load() of the same pages in the same run — the cost of a parse is the floor any extraction
// pays, so the ratio says what the extraction adds. Pages are the training range's listing, index,
// vendor and forum pages, rendered by the range's own templates (seed 11).
//   npx tsx bench/extract.ts [--rounds N] [--against DIR]
// --against DIR also times the extractors of another checkout of this repository (e.g. a
// `git worktree add /tmp/base <commit>` with node_modules linked), interleaved in the same run, so a
// before/after comparison does not depend on how loaded the machine was at two different times.
import * as cheerio from 'cheerio';
import { classify } from '../extractors/classifier/index.js';
import { extractPage } from '../extractors/page/extract.js';
import { loadLanguageDetector } from '../extractors/language.js';
import { renderRangePages } from '../range/render.js';

import path from 'node:path';
import { pathToFileURL } from 'node:url';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const against = process.argv.includes('--against')
  ? path.resolve(process.argv[process.argv.indexOf('--against') + 1]!)
  : null;

const pages = await renderRangePages(11, 150);
await loadLanguageDetector();
classify('warm up', null); // trains/loads the model outside the timed runs
const bytes = pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
console.log(
  `extract benchmark: ${pages.length} range pages (${(bytes / 1024).toFixed(0)} KiB), ${rounds} rounds, one core\n`,
);

// The machine is shared, so the three are timed page by page, back to back, in every round: load
// bursts from other processes hit all three alike. Both wall time and this process's CPU time
// (process.cpuUsage: user + system, all threads, so GC helpers count) are summed; on a loaded machine
// the CPU-time ratio is the steadier one, since time spent preempted is not charged to either side.
type Page = { url: string; html: string };
const runs: Array<[string, (p: Page) => unknown]> = [
  ['cheerio load() (baseline)', (p) => cheerio.load(p.html)],
  ['extractPage', (p) => extractPage(p.html, p.url)],
  ['extractPage + classify', (p) => extractPage(p.html, p.url, { classify })],
];
if (against) {
  const other = (await import(pathToFileURL(path.join(against, 'extractors/page/extract.ts')).href)) as {
    extractPage: typeof extractPage;
  };
  const otherClassifier = (await import(
    pathToFileURL(path.join(against, 'extractors/classifier/index.ts')).href
  )) as { classify: typeof classify };
  const otherLanguage = (await import(pathToFileURL(path.join(against, 'extractors/language.ts')).href)) as {
    loadLanguageDetector: typeof loadLanguageDetector;
  };
  await otherLanguage.loadLanguageDetector();
  otherClassifier.classify('warm up', null);
  runs.push([
    `--against: extract + classify`,
    (p) => other.extractPage(p.html, p.url, { classify: otherClassifier.classify }),
  ]);
}
for (const p of pages) for (const [, fn] of runs) await fn(p); // warm-up pass (JIT, lazy tables, caches)
const wall = runs.map(() => 0);
const cpu = runs.map(() => 0);
// The order rotates from page to page: whichever runs right after another pays for the garbage the
// other left (a scavenge lands in it), so a fixed order would bill one side for the other's GC.
let turn = 0;
for (let r = 0; r < rounds; r++)
  for (const p of pages)
    for (let k = 0, first = turn++ % runs.length; k < runs.length; k++) {
      const i = (first + k) % runs.length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runs[i]![1](p);
      wall[i]! += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu[i]! += (c.user + c.system) / 1000;
    }
const n = pages.length * rounds;
console.log(`${''.padEnd(30)} ${'wall'.padStart(22)}   ${'CPU'.padStart(22)}`);
runs.forEach(([label], i) => {
  const w = wall[i]! / n;
  const c = cpu[i]! / n;
  console.log(
    `${label.padEnd(30)} ${(1000 / w).toFixed(1).padStart(8)} pages/s ${w.toFixed(2).padStart(5)} ms   ` +
      `${(1000 / c).toFixed(1).padStart(8)} pages/s ${c.toFixed(2).padStart(5)} ms`,
  );
});
const ratio = (t: number[], i: number): string => `${(t[i]! / t[0]!).toFixed(2)}×`;
console.log(`\n${''.padEnd(38)} wall     CPU`);
console.log(`ratio extract / parse cost:            ${ratio(wall, 1).padEnd(8)} ${ratio(cpu, 1)}`);
console.log(
  `ratio extract+classify / parse cost:   ${ratio(wall, 2).padEnd(8)} ${ratio(cpu, 2)}   (goal ≤ 2×)`,
);
if (against)
  console.log(
    `ratio --against extract+classify / parse: ${ratio(wall, 3).padEnd(8)} ${ratio(cpu, 3)}   (${against})`,
  );
