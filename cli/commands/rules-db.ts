// `darkwatch rules add / list / backtest`: rules kept in the database, versioned and audited.
// (`rules validate` and `rules test` work on files alone: cli/commands/rules.ts.)
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { formatProblem, loadRuleFile, type RuleDefinition } from '../../rules/index.js';
import { compileRules } from '../../rules/index.js';
import { appendAudit } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { listRules, saveRule } from '../../store/rules.js';
import { storedListings } from '../../store/backtest.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { cliActor, printJson, withDatabase } from '../context.js';

function loadValid(file: string): { defs: RuleDefinition[]; sourceTexts: Map<string, string> } {
  const { rules: defs, problems, sourceTexts } = loadRuleFile(file);
  for (const p of problems) process.stderr.write(formatProblem(file, p) + '\n');
  if (problems.length)
    throw new UserError(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was added`,
    );
  return { defs, sourceTexts };
}

/** `30d`, `12h`, `90m` → a Date that long ago. */
export function parseSince(text: string, now = new Date()): Date {
  const m = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (!m) throw new UserError(`--since must look like 30d, 12h or 90m, got "${text}"`);
  const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return new Date(now.getTime() - ms);
}

export function register(program: Command): void {
  const rules =
    program.commands.find((c) => c.name() === 'rules') ?? program.command('rules').description('watch rules');

  rules
    .command('add <file>')
    .description('store the rules of a file (a changed rule gets a new version; unchanged ones are kept)')
    .action(async (file: string) => {
      // Each rule's YAML as the analyst wrote it goes into the version history.
      const { defs, sourceTexts } = loadValid(file);
      await withDatabase(async ({ db }) => {
        const results = await withTransaction(db, async (tx) => {
          const ws = await operationalWorkspace(tx);
          const out = [];
          for (const def of defs) {
            const saved = await saveRule(
              tx,
              ws.id,
              {
                name: def.id,
                severity: def.severity,
                description: def.description,
                definition: def,
                sourceText: sourceTexts.get(def.id)!,
                enabled: def.enabled,
              },
              null,
            );
            if (saved.newVersion) {
              await appendAudit(tx, {
                actor: cliActor(),
                workspaceId: ws.id,
                action: saved.created ? 'rule.create' : 'rule.version',
                entityType: 'rule',
                entityId: saved.rule.ruleId,
                after: { name: def.id, version: saved.rule.version },
              });
            }
            out.push(saved);
          }
          return out;
        });
        for (const r of results) {
          process.stdout.write(
            `${r.rule.name}: ${r.created ? 'created' : r.newVersion ? `version ${r.rule.version}` : 'unchanged'}\n`,
          );
        }
      });
    });

  rules
    .command('list')
    .option('--json', 'JSON lines')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        for (const r of await listRules(db, ws.id)) {
          if (opts.json)
            printJson({
              name: r.name,
              version: r.version,
              enabled: r.enabled,
              severity: r.severity,
              description: r.description,
            });
          else
            process.stdout.write(
              `${r.name.padEnd(40)} v${String(r.version).padEnd(4)} ${r.severity.padEnd(9)} ${r.enabled ? 'on' : 'off'}\n`,
            );
        }
      });
    });

  rules
    .command('backtest <file>')
    .description('how often the rules would have fired on stored listings, without switching them on')
    .option('--since <age>', 'how far back: 30d, 12h, 90m', '30d')
    .option('--json', 'print JSON')
    .option('--examples <n>', 'example listings per rule', '3')
    .action(async (file: string, opts: { since: string; json?: boolean; examples: string }) => {
      const since = parseSince(opts.since);
      const { defs } = loadValid(file);
      const set = compileRules(defs);
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        const fired = new Map<
          string,
          { count: number; examples: Array<{ id: string; title: string; site: string | null }> }
        >(defs.map((d) => [d.id, { count: 0, examples: [] }]));
        let listings = 0;
        for await (const listing of storedListings(db, ws.id, since)) {
          listings++;
          for (const m of set.match(listing)) {
            const f = fired.get(m.rule.id)!;
            f.count++;
            if (f.examples.length < Number(opts.examples))
              f.examples.push({ id: listing.id, title: listing.title, site: listing.site });
          }
        }
        const report = {
          since: since.toISOString(),
          listings,
          rules: [...fired].map(([rule, f]) => ({ rule, ...f })),
        };
        if (opts.json) printJson(report);
        else {
          process.stdout.write(`backtest over ${listings} listings seen since ${report.since}\n`);
          for (const r of report.rules) {
            process.stdout.write(
              `  ${r.rule}: would have fired ${r.count} time${r.count === 1 ? '' : 's'}\n`,
            );
            for (const e of r.examples) process.stdout.write(`      #${e.id} ${e.site ?? ''}: ${e.title}\n`);
          }
        }
      });
    });
}
