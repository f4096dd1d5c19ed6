// Benchmark: extractEntities against the reference implementation it replaced (kept under
// tests/extractors/entities/reference/), on the texts extractPage hands it for every page of the
// training range (seed 11), timed page by page, back to back, in the same run.
//   npx tsx bench/entities.ts [--rounds N] [--memos round|page|warm]
// Both results are compared on every page first: a faster wrong answer is no answer.
// extractEntities reads each distinct candidate (address checksum, phone snippet) once per process
// (extractors/entities/memo.ts). --memos says when those memos are emptied (never inside a timing):
//   round (default)  before every round: a round is one pass over the range as a crawl makes it —
//                    a vendor's addresses recur on its pages, as they do there — not a replay;
//   page             before every page: no page profits from another (the floor);
//   warm             never: pages seen before (steady state).
// PGP keys were already memoised before (pgp.ts, in both implementations) and stay warm.
import { isDeepStrictEqual } from 'node:util';
import { clearEntityMemos, extractEntities } from '../extractors/entities/index.js';
import { extractEntities as extractEntitiesReference } from '../tests/extractors/entities/reference/index.js';
import { rangeEntityInputs } from '../tests/extractors/entities/range-texts.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20;
const memos = process.argv.includes('--memos') ? process.argv[process.argv.indexOf('--memos') + 1] : 'round';
if (memos !== 'round' && memos !== 'page' && memos !== 'warm') throw new Error('--memos round|page|warm');

const inputs = await rangeEntityInputs();
const chars = inputs.reduce((n, p) => n + p.text.length, 0);
console.log(
  `entities benchmark: ${inputs.length} range page texts (${(chars / 1024).toFixed(0)} Ki chars, ` +
    `${inputs.filter((p) => p.regions.length > 0).length} with region hints), ${rounds} rounds, ` +
    `memos emptied: ${{ round: 'before each round', page: 'before each page', warm: 'never' }[memos]}, one core\n`,
);

for (const p of inputs) {
  const opts = { regions: p.regions };
  const [a, b] = [await extractEntitiesReference(p.text, opts), await extractEntities(p.text, opts)];
  if (!isDeepStrictEqual(a, b)) throw new Error(`results differ on ${p.url}`);
}

// The machine is shared: both run on each page back to back, so load bursts hit both alike. CPU time
// (process.cpuUsage, user + system) is the steadier figure; wall time is printed too.
type Run = [string, typeof extractEntities];
const runs: Run[] = [
  ['reference (before)', extractEntitiesReference],
  ['extractEntities', extractEntities],
];
const wall = runs.map(() => 0);
const cpu = runs.map(() => 0);
for (let r = 0; r < rounds; r++) {
  if (memos === 'round') clearEntityMemos();
  for (const p of inputs)
    for (let i = 0; i < runs.length; i++) {
      if (memos === 'page') clearEntityMemos();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runs[i]![1](p.text, { regions: p.regions });
      wall[i]! += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu[i]! += (c.user + c.system) / 1000;
    }
}
const n = inputs.length * rounds;
console.log(`${''.padEnd(22)} ${'wall µs/page'.padStart(14)} ${'CPU µs/page'.padStart(14)}`);
runs.forEach(([label], i) =>
  console.log(
    `${label.padEnd(22)} ${((wall[i]! / n) * 1000).toFixed(1).padStart(14)} ${((cpu[i]! / n) * 1000).toFixed(1).padStart(14)}`,
  ),
);
console.log(
  `\nspeed-up (reference / new):  wall ${(wall[0]! / wall[1]!).toFixed(2)}×   CPU ${(cpu[0]! / cpu[1]!).toFixed(2)}×   (goal ≥ 2×)`,
);
