import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { UserError } from '../../core/errors.js';
import { startDemo } from '../demo.js';

function int(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'everything on embedded defaults: services, migrations, training range, workers, web app, sample sources and rules',
    )
    .option('--seed <n>', 'training range seed', '1')
    .option('--port <port>', 'web app port (default DARKWATCH_PORT or 8088)')
    .option('--latency-ms <ms>', 'Tor-like latency the range injects (median)', '0')
    .option('--concurrency <n>', 'jobs in flight per stage', '6')
    .option('--exit-when-crawled', 'stop once the first crawl of every site is done (for scripts)')
    .action(
      async (opts: {
        seed: string;
        port?: string;
        latencyMs: string;
        concurrency: string;
        exitWhenCrawled?: boolean;
      }) => {
        const config = loadConfig();
        const started = Date.now();
        const demo = await startDemo(config, {
          seed: int('seed', opts.seed, 0, 2 ** 31 - 1),
          host: config.host,
          port: opts.port === undefined ? config.port : int('port', opts.port, 0, 65535),
          latencyMs: int('latency-ms', opts.latencyMs, 0, 60_000),
          concurrency: int('concurrency', opts.concurrency, 1, 64),
        });
        let stopping = false;
        const stop = async () => {
          if (stopping) return;
          stopping = true;
          process.stderr.write('\nstopping the demo (range, workers, web app)…\n');
          await demo.stop();
        };
        process.stdout.write(
          `\ndarkwatch demo is running\n  web app   ${demo.url}\n  login     ${demo.login.username} / ${demo.login.password}\n` +
            `  range     ${demo.range.sites.length} simulated onion sites behind ${demo.range.socksUrl}\n` +
            `  crawling  ${demo.runs.map((r) => r.source).join(', ')}\nCtrl-C stops everything the demo started.\n\n`,
        );
        const interrupted = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        const ticker = setInterval(async () => {
          const { rows } = await demo.pipeline.db.query<{ pages: number; alerts: number }>(
            `select (select count(*)::int from snapshots) as pages, (select count(*)::int from alerts) as alerts`,
          );
          process.stderr.write(`\rcrawled ${rows[0]!.pages} pages, ${rows[0]!.alerts} alerts   `);
        }, 1000);
        ticker.unref();
        const summaries = await Promise.race([demo.crawled, interrupted.then(() => null)]);
        clearInterval(ticker);
        if (summaries) {
          const total = summaries.reduce(
            (a, s) => ({ pages: a.pages + s.pages, alerts: a.alerts + s.alerts }),
            { pages: 0, alerts: 0 },
          );
          process.stdout.write(
            `\nfirst crawl done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${total.pages} pages, ${total.alerts} alerts — triage them at ${demo.url}\n`,
          );
          if (!opts.exitWhenCrawled) await interrupted;
        }
        await stop();
      },
    );
}
