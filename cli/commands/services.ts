import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { servicesDown, servicesStatus, servicesUp } from '../../services/index.js';
import { printJson } from '../context.js';

export function register(program: Command): void {
  const services = program
    .command('services')
    .description('PostgreSQL and Redis: reuse DATABASE_URL / REDIS_URL when reachable, else run local ones');

  services
    .command('up')
    .description('start (or reuse) PostgreSQL and Redis; safe to run twice')
    .option('--json', 'print the URLs as JSON')
    .action(async (opts: { json?: boolean }) => {
      const urls = await servicesUp(loadConfig());
      if (opts.json) printJson(urls);
      else {
        process.stdout.write(`postgres  ${redactPassword(urls.databaseUrl)}\n`);
        process.stdout.write(`redis     ${urls.redisUrl}\n`);
      }
    });

  services
    .command('down')
    .description('stop the local servers that `services up` started (never external ones)')
    .action(async () => {
      const stopped = await servicesDown(loadConfig());
      process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing to stop\n');
    });

  services
    .command('status')
    .description('show PostgreSQL, Redis, Chromium and Tor')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await servicesStatus(loadConfig());
      if (opts.json) printJson(status);
      else
        for (const s of status)
          process.stdout.write(`${s.name.padEnd(9)} ${s.state.padEnd(11)} ${s.detail}\n`);
      if (status.some((s) => s.state === 'unreachable')) process.exitCode = 1;
    });
}

function redactPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
