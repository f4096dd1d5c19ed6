// `darkwatch audit verify`: recompute the audit log's hash chain; non-zero exit if it was tampered with.
import type { Command } from 'commander';
import { verifyAuditLog } from '../../store/audit.js';
import { printJson, withDatabase } from '../context.js';

export function register(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log');
  audit
    .command('verify')
    .description('walk the whole chain; exits 3 when an entry was changed or removed')
    .option('--json', 'print { ok, checked, brokenAt, reason }')
    .action(async (opts: { json?: boolean }) => {
      const result = await withDatabase(({ db }) => verifyAuditLog(db));
      if (opts.json)
        printJson({
          ok: result.ok,
          checked: result.checked,
          brokenAt: result.brokenAt ?? null,
          reason: result.reason ?? null,
        });
      else if (result.ok) process.stdout.write(`audit log intact: ${result.checked} entries verified\n`);
      else
        process.stderr.write(
          `darkwatch: audit log TAMPERED at entry ${result.brokenAt}: ${result.reason} (${result.checked} entries before it verified)\n`,
        );
      if (!result.ok) process.exitCode = 3;
    });
}
