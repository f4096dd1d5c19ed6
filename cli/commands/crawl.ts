import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { getSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState, runSummary } from '../../workers/progress.js';
import { openPipelineClient } from '../../workers/queues.js';
import type { RunningPipeline } from '../../workers/runner.js';
import { printJson, withDatabase } from '../context.js';
import { pipelineFor } from '../pipeline.js';

export function register(program: Command): void {
  program
    .command('crawl')
    .description('start one crawl run of a source now')
    .argument('<source>')
    .option(
      '--wait',
      'block with progress until the run ends (starts workers in this process if none are running)',
    )
    .option('--json', 'print the result as JSON')
    .option('--timeout <seconds>', 'give up waiting after this long', '3600')
    .action(async (name: string, opts: { wait?: boolean; json?: boolean; timeout: string }) => {
      await withDatabase(async ({ config, db, databaseUrl, redisUrl }) => {
        const ws = await operationalWorkspace(db);
        const source = await getSource(db, ws.id, name);
        if (!source) throw new UserError(`no source named "${name}"`);
        if (!source.enabled) throw new UserError(`source "${name}" is disabled`);
        const client = await openPipelineClient(db, redisUrl, config.redisPrefix);
        const queues = client.queues;
        let pipeline: RunningPipeline | null = null;
        const stopPipeline = () => pipeline?.close();
        process.once('SIGINT', () => void stopPipeline());
        try {
          const run = await startCrawlRun({ db, queues, frontier: client.frontier }, source, 'manual');
          if (!opts.wait) {
            if (opts.json) printJson({ run: run.id });
            else
              process.stdout.write(
                `run ${run.id} queued for ${name}; workers will pick it up (darkwatch worker)\n`,
              );
            return;
          }
          if ((await queues.crawl.getWorkers()).length === 0)
            pipeline = await pipelineFor(config, { databaseUrl, redisUrl });
          const started = Date.now();
          const deadline = started + Number(opts.timeout) * 1000;
          for (;;) {
            const state = await runState(db, queues, run.id);
            const p = state.progress;
            const rate = p.fetched / Math.max(1, (Date.now() - started) / 1000);
            if (process.stderr.isTTY || !opts.json) {
              process.stderr.write(
                `\rrun ${run.id}: ${p.fetched} fetched, ${p.queued + p.fetching} queued, ${p.failed} failed, ${rate.toFixed(1)} pages/s   `,
              );
            }
            if (state.settled) break;
            if (Date.now() > deadline)
              throw new UserError(`run ${run.id} still running after ${opts.timeout}s`);
            await new Promise((r) => setTimeout(r, 500));
          }
          process.stderr.write('\n');
          const summary = await runSummary(db, run.id);
          const final = (await runState(db, queues, run.id)).run;
          if (opts.json) printJson(summary);
          else {
            process.stdout.write(
              `run ${run.id} ${final.status}${final.error ? ` (${final.error})` : ''}: ${summary.pages} pages, ${summary.failed} failed, ` +
                `${summary.listings} listings, ${summary.posts} posts, ${summary.entities} entities, ${summary.alerts} alerts\n`,
            );
          }
          if (final.status === 'blocked') process.exitCode = 3;
        } finally {
          await stopPipeline();
          await client.close();
        }
      });
    });
}
