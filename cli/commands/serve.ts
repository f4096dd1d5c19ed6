// `darkwatch serve [--host H] [--port P]`: the API and web app, on loopback unless told otherwise.
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig } from '../../core/config.js';
import { UserError } from '../../core/errors.js';
import { serviceUrls } from '../../services/index.js';
import { createPool } from '../../store/db.js';
import { alertsChannel } from '../../workers/alert-channel.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { buildServer } from '../../web/server.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'API (under /api/, described at /api/openapi.json) and the analyst web app; loopback by default',
    )
    .option('--host <host>', 'address to listen on (default DARKWATCH_HOST or 127.0.0.1)')
    .option('--port <port>', 'port (default DARKWATCH_PORT or 8088; 0 = any free port)')
    .action(async (opts: { host?: string; port?: string }) => {
      const config = loadConfig();
      const host = opts.host ?? config.host;
      const port = opts.port === undefined ? config.port : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UserError('--port must be a number from 0 to 65535');
      const { databaseUrl, redisUrl } = await serviceUrls(config);
      const db = createPool(databaseUrl);
      const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
      subscriber.on('error', () => undefined);
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      redis.on('error', () => undefined);
      const app = await buildServer({
        db,
        subscriber,
        redis,
        redisPrefix: config.redisPrefix,
        logger: false,
      });
      app.addHook('onClose', async () => redis.disconnect());
      let address: string;
      try {
        address = await app.listen({ host, port });
      } catch (err) {
        await app.close();
        await db.end();
        throw new UserError(
          `cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
        process.stderr.write(
          `warning: listening on ${host}, not only loopback; put TLS in front and restrict access\n`,
        );
      }
      // The channel of this database's pipeline (exercises: <prefix>exercise-<id>:<instance key>:alerts).
      const channel = alertsChannel(await pipelinePrefix(db, config.redisPrefix));
      process.stdout.write(
        `darkwatch web app at ${address}/ (API ${address}/api/, live alerts on Redis channel ${channel})\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
      await db.end();
    });
}
