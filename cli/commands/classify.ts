// `darkwatch classify --json`: JSON lines of {title, description[, id]} on stdin, one
// {id?, label, confidence} line out per listing. Bad lines are reported on stderr by line number and
// skipped; the rest are still classified, and the exit status is non-zero at the end.
import type { Command } from 'commander';
import { once } from 'node:events';
import { UserError } from '../../core/errors.js';
import { classify } from '../../extractors/classifier/index.js';
import { classifyLine, readLines } from '../../extractors/classifier/jsonl.js';

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

export async function runClassify(
  input: AsyncIterable<Buffer | string>,
  options: { json?: boolean },
): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  for await (const line of readLines(input)) {
    const result = classifyLine(line, classify);
    if (result.kind === 'skip') continue;
    if (result.kind === 'error') {
      failed++;
      process.stderr.write(`darkwatch classify: ${result.message}\n`);
      continue;
    }
    ok++;
    const { output } = result;
    await write(
      options.json
        ? `${JSON.stringify(output)}\n`
        : `${output.label}\t${output.confidence.toFixed(2)}${'id' in output ? `\t${String(output.id)}` : ''}\n`,
    );
  }
  return { ok, failed };
}

export function register(program: Command): void {
  program
    .command('classify')
    .description(
      'classify listings: JSON lines of {title, description} on stdin → {label, confidence} per line',
    )
    .option('--json', 'print one JSON object per input line (SPEC §7)')
    .action(async (options: { json?: boolean }) => {
      const { ok, failed } = await runClassify(process.stdin, options);
      if (failed > 0)
        throw new UserError(`classify: ${failed} malformed input line(s) skipped, ${ok} classified`);
    });
}
