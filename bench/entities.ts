// Benchmark: extractEntities against the reference implementation it replaced (kept under
// tests/extractors/entities/reference/), or against another checkout's, on the texts extractPage
// hands it for the pages of the training range (seed 11), in the same run.
//   npx tsx bench/entities.ts [--rounds N] [--memos round|page|warm] [--evict] [--listing] [--against DIR]
// Both results are compared on every page first: a faster wrong answer is no answer.
// extractEntities reads each distinct candidate (address checksum, phone snippet) once per process
// (extractors/entities/memo.ts). --memos says when those memos are emptied (never inside a timing):
//   round (default)  before every round: a round is one pass over the range as a crawl makes it —
//                    a vendor's addresses recur on its pages, as they do there — not a replay;
//   page             before every page: no page profits from another (the floor);
//   warm             never: pages seen before (steady state).
// PGP keys were already memoised before (pgp.ts, in both implementations) and stay warm.
// --evict parses the page with cheerio (untimed) before each timed call, as extractPage does before
// it scans for entities: the parse evicts the CPU caches, and scattered code and data (regexes,
// memos, tables) then cost cache misses that back-to-back calls never show. Contenders then run in
// blocks of pages, alternating, rather than page by page (so that neither warms the other's cache).
// --listing times listing pages only (issue #5's goal is stated for them). --against DIR times the
// extractEntities of another checkout of this repository (e.g. `git worktree add /tmp/base main`
// with node_modules linked) instead of the reference.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import * as cheerio from 'cheerio';
import { clearEntityMemos, extractEntities } from '../extractors/entities/index.js';
import { extractEntities as extractEntitiesReference } from '../tests/extractors/entities/reference/index.js';
import { rangeEntityInputs } from '../tests/extractors/entities/range-texts.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('--rounds')) || 20;
const memos = arg('--memos') ?? 'round';
if (memos !== 'round' && memos !== 'page' && memos !== 'warm') throw new Error('--memos round|page|warm');
const evict = process.argv.includes('--evict');
const against = arg('--against') ? path.resolve(arg('--against')!) : null;

type Extract = typeof extractEntities;
interface Contender {
  label: string;
  extract: Extract;
  /** Empties the contender's memos (another checkout's modules have their own). */
  clear: () => void;
}
const current: Contender = { label: 'extractEntities', extract: extractEntities, clear: clearEntityMemos };
const before: Contender = against
  ? await (async () => {
      const m = (await import(pathToFileURL(path.join(against, 'extractors/entities/index.ts')).href)) as {
        extractEntities: Extract;
        clearEntityMemos: () => void;
      };
      return { label: '--against (before)', extract: m.extractEntities, clear: m.clearEntityMemos };
    })()
  : // The reference memoises nothing but PGP keys, which stay warm in both.
    { label: 'reference (before)', extract: extractEntitiesReference, clear: () => {} };

const all = await rangeEntityInputs();
const inputs = process.argv.includes('--listing') ? all.filter((p) => p.pageType === 'listing') : all;
const chars = inputs.reduce((n, p) => n + p.text.length, 0);
console.log(
  `entities benchmark: ${inputs.length} range page texts (${(chars / 1024).toFixed(0)} Ki chars, ` +
    `${inputs.filter((p) => p.regions.length > 0).length} with region hints), ${rounds} rounds, ` +
    `memos emptied: ${{ round: 'before each round', page: 'before each page', warm: 'never' }[memos]}, ` +
    `${evict ? 'caches evicted by a parse before each call' : 'back to back'}, one core\n`,
);

for (const p of inputs) {
  const opts = { regions: p.regions };
  const [a, b] = [await before.extract(p.text, opts), await extractEntities(p.text, opts)];
  if (!isDeepStrictEqual(a, b)) throw new Error(`results differ on ${p.url}`);
}

// The machine is shared: both run on each page (or block) back to back, so load bursts hit both
// alike. Totals of CPU time (process.cpuUsage, user + system, all threads: GC helpers count) and
// wall time are printed, and the median call: the totals carry every preemption and collection
// that happened to fall into a call, which on a loaded machine can outweigh the calls themselves.
const runs: Contender[] = [before, current];
const clearAll = (): void => runs.forEach((c) => c.clear());
const wall = runs.map(() => 0);
const cpu = runs.map(() => 0);
/** Each call's wall time: on a shared machine its median is steadier than any total. */
const calls: number[][] = runs.map(() => []);

async function timed(i: number, p: (typeof inputs)[number]): Promise<void> {
  if (memos === 'page') clearAll();
  if (evict) cheerio.load(p.html);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runs[i]!.extract(p.text, { regions: p.regions });
  const ms = performance.now() - t0;
  wall[i]! += ms;
  calls[i]!.push(ms);
  const c = process.cpuUsage(c0);
  cpu[i]! += (c.user + c.system) / 1000;
}

for (let r = 0; r < rounds; r++) {
  if (memos === 'round') clearAll();
  if (evict)
    // Whole blocks, the order alternating by round, memos emptied before each (as a round).
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      if (memos === 'round') clearAll();
      for (const p of inputs) await timed(i, p);
    }
  else for (const p of inputs) for (let i = 0; i < runs.length; i++) await timed(i, p);
}
const n = inputs.length * rounds;
const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
const µs = (ms: number): string => (ms * 1000).toFixed(1).padStart(14);
console.log(
  `${''.padEnd(22)} ${'wall µs/page'.padStart(14)} ${'CPU µs/page'.padStart(14)} ${'median call'.padStart(14)} ${'p90 call'.padStart(14)}`,
);
runs.forEach(({ label }, i) =>
  console.log(
    `${label.padEnd(22)} ${µs(wall[i]! / n)} ${µs(cpu[i]! / n)} ${µs(quantile(calls[i]!, 0.5))} ${µs(quantile(calls[i]!, 0.9))}`,
  ),
);
console.log(
  `\nspeed-up (before / new):  wall ${(wall[0]! / wall[1]!).toFixed(2)}×   CPU ${(cpu[0]! / cpu[1]!).toFixed(2)}×   ` +
    `median call ${(quantile(calls[0]!, 0.5) / quantile(calls[1]!, 0.5)).toFixed(2)}×`,
);
