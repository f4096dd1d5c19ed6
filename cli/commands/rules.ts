// `darkwatch rules validate FILE` and `darkwatch rules test FILE --listings FILE.jsonl`.
// (`rules add / list / backtest` need the database and come with the store.)
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { formatProblem, loadRuleFile } from '../../rules/index.js';
import { parseListing, readJsonLines } from '../../rules/listing-input.js';
import { loadCompiled } from './match.js';

export function register(program: Command): void {
  const rules = program.command('rules').description('watch rules from YAML files');

  rules
    .command('validate <file>')
    .description('check a rule file; prints every problem with line:column and a suggestion')
    .action((file: string) => {
      const { rules: defs, problems } = loadRuleFile(file);
      for (const p of problems) process.stdout.write(formatProblem(file, p) + '\n');
      if (problems.length > 0)
        throw new UserError(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
      const disabled = defs.filter((d) => !d.enabled).length;
      process.stdout.write(
        `${file}: ${defs.length} rule${defs.length === 1 ? '' : 's'} OK${disabled ? ` (${disabled} disabled)` : ''}\n`,
      );
    });

  rules
    .command('test <file>')
    .description('show which listings (JSON lines) fire which rules')
    .requiredOption('--listings <file>', 'JSON lines of listings')
    .option('--json', 'one JSON line per hit with highlight offsets')
    .action(async (file: string, opts: { listings: string; json?: boolean }) => {
      const set = loadCompiled(file);
      const counts = new Map<string, number>(set.rules.map((r) => [r.def.id, 0]));
      const waiting = new Map<string, number>();
      let bad = 0;
      let listings = 0;
      let stream;
      try {
        stream = createReadStream(opts.listings);
        for await (const input of readJsonLines(stream)) {
          const listing = 'error' in input ? input.error : parseListing(input.text);
          if (typeof listing === 'string') {
            bad++;
            process.stderr.write(`darkwatch: ${opts.listings}:${input.line}: ${listing}; skipped\n`);
            continue;
          }
          listings++;
          const { matches, awaitingHistory } = set.matchDetailed(listing);
          for (const r of awaitingHistory) waiting.set(r.id, (waiting.get(r.id) ?? 0) + 1);
          for (const m of matches) {
            counts.set(m.rule.id, (counts.get(m.rule.id) ?? 0) + 1);
            process.stdout.write(
              opts.json
                ? JSON.stringify({ id: listing.id, rule: m.rule.id, terms: m.terms, hits: m.hits }) + '\n'
                : `${listing.id}  fires  ${m.rule.id}  [${m.hits.map((h) => `${h.field}:${h.start}-${h.end} "${h.text}"`).join(', ')}]\n`,
            );
          }
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code)
          throw new UserError(`cannot read ${opts.listings}: ${(e as Error).message}`);
        throw e;
      }
      if (!opts.json) {
        process.stdout.write(`\n${listings} listing(s):\n`);
        for (const [rule, n] of counts)
          process.stdout.write(
            `  ${rule}: ${n} hit(s)${waiting.get(rule) ? `, ${waiting.get(rule)} more would need stored history` : ''}\n`,
          );
      }
      if (bad > 0) throw new UserError(`${bad} listing line${bad === 1 ? ' was' : 's were'} malformed`);
    });
}
