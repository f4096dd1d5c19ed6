import http from 'node:http';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { loadConfig } from '../../core/config.js';
import { serviceUrls } from '../../services/index.js';
import { QUEUE_NAMES, type QueueName } from '../../workers/queues.js';
import { pipelineFor } from '../pipeline.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run pipeline workers (stateless: start as many as you like, on any machine)')
    .option('--queues <list>', `comma-separated: ${QUEUE_NAMES.join(',')}`, QUEUE_NAMES.join(','))
    .option('--concurrency <n>', 'jobs in flight per queue', '4')
    .option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:PORT/metrics')
    .action(async (opts: { queues: string; concurrency: string; metricsPort?: string }) => {
      const queues = opts.queues
        .split(',')
        .map((q) => q.trim())
        .filter(Boolean);
      const unknown = queues.filter((q) => !(QUEUE_NAMES as readonly string[]).includes(q));
      if (unknown.length)
        throw new UserError(`unknown queue(s) ${unknown.join(', ')}; use ${QUEUE_NAMES.join(', ')}`);
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
        throw new UserError('--concurrency must be a whole number from 1 to 256');
      const config = loadConfig();
      const urls = await serviceUrls(config);
      const pipeline = await pipelineFor(config, urls, { queues: queues as QueueName[], concurrency });
      let metrics: http.Server | null = null;
      if (opts.metricsPort) {
        metrics = http.createServer(async (req, res) => {
          if (req.url !== '/metrics') return void res.writeHead(404).end();
          res
            .writeHead(200, { 'content-type': pipeline.metrics.contentType })
            .end(await pipeline.metrics.metrics());
        });
        metrics.listen(Number(opts.metricsPort), '127.0.0.1');
      }
      process.stderr.write(
        `worker running: queues ${queues.join(', ')}, concurrency ${concurrency}; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('finishing active jobs…\n');
      metrics?.close();
      await pipeline.close();
    });
}
