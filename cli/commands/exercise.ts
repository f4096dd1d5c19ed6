// `darkwatch exercise create / start / score / reset / list`: scored practice investigations on
// the training range (SPEC §6).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { logger } from '../../core/log.js';
import { SCENARIO_DIR, scenarioNames } from '../../range/exercises/catalog.js';
import { exerciseReport, formatReport } from '../../range/exercises/report.js';
import { runExercise, scenarioTruths } from '../../range/exercises/run.js';
import { loadScenarioFile, ScenarioError, type Scenario } from '../../range/exercises/scenario.js';
import { createExercise, requireExercise, resetExercise } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { exercisePrefix } from '../../workers/alert-channel.js';
import { cliActor, printJson, withDatabase } from '../context.js';

export { SCENARIO_DIR };

/** A scenario by file path, or by name from range/scenarios/. */
export function resolveScenario(arg: string): { file: string; scenario: Scenario } {
  const byName = path.join(SCENARIO_DIR, `${arg}.yaml`);
  const file = /^[a-z0-9][a-z0-9-]*$/.test(arg) && existsSync(byName) ? byName : arg;
  if (!existsSync(file)) {
    throw new UserError(`no scenario "${arg}" (a file, or one of: ${scenarioNames().join(', ')})`);
  }
  try {
    return { file, scenario: loadScenarioFile(file) };
  } catch (e) {
    if (e instanceof ScenarioError) throw new UserError(`invalid scenario:\n${e.message}`);
    throw e;
  }
}

function id(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError('exercise id must be a positive whole number');
  return n;
}

export function register(program: Command): void {
  const ex = program.command('exercise').description('scored training exercises on the range');

  ex.command('create')
    .description('make a training workspace, the planted targets and trainee accounts for a scenario')
    .argument('<scenario>', 'scenario name (range/scenarios/NAME.yaml) or file')
    .option('--trainees <n>', 'trainee accounts to create', '1')
    .option('--json', 'print JSON')
    .action(async (arg: string, opts: { trainees: string; json?: boolean }) => {
      const { file, scenario } = resolveScenario(arg);
      const n = Number(opts.trainees);
      if (!Number.isInteger(n) || n < 1 || n > 200)
        throw new UserError('--trainees must be a whole number from 1 to 200');
      const targets = selectTargets(scenario, scenarioTruths(scenario));
      if (targets.length === 0)
        throw new UserError(
          `scenario "${scenario.name}" plants no targets on seed ${scenario.range.seed}; change its filter or seed`,
        );
      await withDatabase(async ({ db }) => {
        const { exercise, trainees } = await createExercise(
          db,
          { scenario, file, targets, trainees: n },
          cliActor(),
        );
        if (opts.json) {
          printJson({
            exercise: exercise.id,
            workspace: exercise.workspaceId,
            scenario: scenario.name,
            targets: targets.length,
            trainees,
          });
          return;
        }
        process.stdout.write(
          `exercise ${exercise.id}: ${scenario.title} (workspace ${exercise.workspaceId}, ${targets.length} planted targets)\n` +
            `trainee logins (shown once):\n${trainees.map((t) => `  ${t.username}  ${t.password}`).join('\n')}\n` +
            `next: darkwatch exercise start ${exercise.id}\n\nBriefing:\n${scenario.briefing}\n`,
        );
      });
    });

  ex.command('start')
    .description("start the scenario's range and crawl its sites into the exercise workspace")
    .argument('<id>')
    .option('--keep-running', 'keep the range and workers up after the crawl (Ctrl-C stops them)')
    .option('--concurrency <n>', 'jobs in flight per stage', '6')
    .option('--json', 'print the crawl summaries as JSON')
    .action(async (value: string, opts: { keepRunning?: boolean; concurrency: string; json?: boolean }) => {
      await withDatabase(async ({ config, db, databaseUrl, redisUrl }) => {
        const exercise = await requireExercise(db, id(value));
        const run = await runExercise(db, exercise.id, {
          databaseUrl,
          redisUrl,
          // Its own queue namespace: workers pointed at another proxy never take its jobs. The web
          // app subscribes to every exercise's alerts channel under it (web/live.ts).
          prefix: exercisePrefix(config.redisPrefix, exercise.id),
          chromiumPath: config.chromiumPath,
          concurrency: Math.max(1, Math.min(64, Number(opts.concurrency) || 6)),
          extract: defaultPageExtractor(),
          extractorVersion: EXTRACTOR_VERSION,
          log: logger(),
          progress: (line) => process.stderr.write(line + '\n'),
        });
        try {
          if (opts.json) printJson({ exercise: exercise.id, crawls: run.crawls });
          else
            for (const c of run.crawls)
              process.stdout.write(
                `epoch ${c.epoch} ${c.source}: ${c.summary.pages} pages, ${c.summary.listings} listings, ${c.summary.alerts} alerts\n`,
              );
          if (opts.keepRunning) {
            process.stderr.write('range and workers running; Ctrl-C stops them\n');
            await new Promise<void>((resolve) => {
              process.once('SIGINT', resolve);
              process.once('SIGTERM', resolve);
            });
          }
        } finally {
          await run.stop();
        }
      });
    });

  ex.command('score')
    .description('per trainee: precision and recall of escalated alerts, time to first hit, missed targets')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (value: string, opts: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const report = await exerciseReport(db, id(value));
        if (opts.json) printJson(report);
        else process.stdout.write(formatReport(report) + '\n');
      });
    });

  ex.command('reset')
    .description("purge the exercise's crawled data, rules and alerts (trainees and targets stay)")
    .argument('<id>')
    .action(async (value: string) => {
      await withDatabase(async ({ db }) => {
        const r = await resetExercise(db, id(value), cliActor());
        process.stdout.write(
          `exercise ${value} reset: ${r.snapshots} snapshots, ${r.listings} listings, ${r.alerts} alerts purged\n`,
        );
      });
    });
}
