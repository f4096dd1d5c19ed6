// `darkwatch evidence export|verify`: WARC (ISO 28500) out of the evidence store, and a check that a
// WARC file still matches the sha256 the store holds for every capture in it.
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { exportRunWarc, verifyWarcAgainstStore } from '../../store/warc-export.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { printJson, withDatabase } from '../context.js';

function runIdOption(value: string): number {
  if (!/^\d{1,15}$/.test(value))
    throw new UserError(`--run must be a crawl run id (a whole number), not "${value.slice(0, 40)}"`);
  return Number(value);
}

export function register(program: Command): void {
  const evidence = program.command('evidence').description('export and verify captured evidence');

  evidence
    .command('export')
    .description('write every capture of a crawl run to a new WARC file')
    .requiredOption('--run <id>', 'crawl run id')
    .requiredOption('--warc <file>', 'WARC file to create (never overwritten)')
    .option('--gzip', 'gzip each record (.warc.gz)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { run: string; warc: string; gzip?: boolean; json?: boolean }) => {
      const runId = runIdOption(opts.run);
      const file = path.resolve(opts.warc);
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        const r = await exportRunWarc(db, ws.id, runId, file, { gzip: opts.gzip });
        if (opts.json) printJson({ run: r.runId, file, captures: r.captures, bytes: r.bytes });
        else
          process.stdout.write(
            `run ${r.runId}: ${r.captures} captures, ${r.bytes} bytes written to ${file}\n`,
          );
      });
    });

  evidence
    .command('verify')
    .description('check a WARC file against the stored sha256 of every capture in it')
    .requiredOption('--warc <file>', 'WARC file to verify')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { warc: string; json?: boolean }) => {
      const file = path.resolve(opts.warc);
      if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        const v = await verifyWarcAgainstStore(db, ws.id, file);
        if (opts.json) printJson(v);
        else {
          for (const p of v.problems)
            process.stdout.write(`FAIL capture ${p.captureId ?? '?'} ${p.targetUri ?? ''}: ${p.problem}\n`);
          for (const id of v.missing) process.stdout.write(`FAIL capture ${id}: missing from the file\n`);
        }
        if (v.ok && v.responses === 0) throw new UserError(`${file} holds no darkwatch captures`);
        if (!v.ok) {
          const n = v.problems.length + v.missing.length;
          throw new UserError(`WARC verification failed: ${n} problem${n === 1 ? '' : 's'} in ${file}`, 2);
        }
        if (!opts.json) {
          process.stdout.write(
            `OK: ${v.responses} captures in ${v.records} records match the stored sha256\n`,
          );
          if (v.timestamped)
            process.stdout.write(`${v.timestamped} carry an RFC 3161 token over that sha256\n`);
        }
      });
    });
}
