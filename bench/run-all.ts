// `npm run bench`: every stage's benchmark in turn. Each prints its own figures and a ratio against
// a baseline measured in the same run; docs/benchmarks.md records the results and commands.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = [
  'range.ts',
  'crawl.ts',
  'extract.ts',
  'entities.ts',
  'classify.ts',
  'rules.ts',
  'web.ts',
  'demo.ts',
  'worker-memory.ts',
];
const only = process.argv.slice(2);
let failed = 0;
for (const bench of benches.filter((b) => only.length === 0 || only.some((o) => b.startsWith(o)))) {
  process.stdout.write(`\n=== bench/${bench}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, bench)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${bench} exited with ${r.status}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
