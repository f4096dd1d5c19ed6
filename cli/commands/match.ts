// `darkwatch match --rules FILE --json`: JSON lines of listings on stdin, one JSON line per hit
// `{ "id", "rule", "terms" }` on stdout (SPEC §7). Bad input lines are reported on stderr by
// number and skipped; the exit status is non-zero at the end if there were any.
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { compileRules, formatProblem, loadRuleFile, type CompiledRuleSet } from '../../rules/index.js';
import { parseListing, readJsonLines } from '../../rules/listing-input.js';

export function loadCompiled(file: string): CompiledRuleSet {
  const { rules, problems } = loadRuleFile(file);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(formatProblem(file, p) + '\n');
    throw new UserError(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the rules; nothing matched`,
    );
  }
  return compileRules(rules);
}

export function register(program: Command): void {
  program
    .command('match')
    .description('match JSON lines of listings (stdin) against a rule file; prints one line per hit')
    .requiredOption('--rules <file>', 'YAML rule file')
    .option('--json', 'JSON lines output: { "id", "rule", "terms" }')
    .action(async (opts: { rules: string; json?: boolean }) => {
      const set = loadCompiled(opts.rules);
      // A closed pipe (`| head`) ends the run quietly instead of crashing on EPIPE.
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        throw e;
      });
      let bad = 0;
      let historyNeeded = 0;
      for await (const input of readJsonLines(process.stdin)) {
        const listing = 'error' in input ? input.error : parseListing(input.text);
        if (typeof listing === 'string') {
          bad++;
          process.stderr.write(`darkwatch: stdin line ${input.line}: ${listing}; skipped\n`);
          continue;
        }
        const { matches, awaitingHistory } = set.matchDetailed(listing);
        historyNeeded += awaitingHistory.length;
        for (const m of matches) {
          const line = opts.json
            ? JSON.stringify({ id: listing.id, rule: m.rule.id, terms: m.terms })
            : `${listing.id}\t${m.rule.id}\t${m.terms.join(', ')}`;
          if (!process.stdout.write(line + '\n')) await new Promise((r) => process.stdout.once('drain', r));
        }
      }
      if (historyNeeded > 0)
        process.stderr.write(
          `darkwatch: ${historyNeeded} potential hit(s) of change/correlation rules need stored history and were not reported (offline match)\n`,
        );
      if (bad > 0) throw new UserError(`${bad} input line${bad === 1 ? ' was' : 's were'} malformed`);
    });
}
