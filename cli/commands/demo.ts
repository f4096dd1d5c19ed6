import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { servicesUp } from '../../services/index.js';
import { migrate } from '../../store/migrate.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('everything on embedded defaults: services, migrations, training range, workers, web app, sample sources and rules')
    .action(async () => {
      const config = loadConfig();
      process.stdout.write('starting services (PostgreSQL, Redis)…\n');
      const urls = await servicesUp(config);
      const applied = await migrate(urls.databaseUrl);
      process.stdout.write(`database ready${applied.length ? ` (applied ${applied.length} migrations)` : ''}\n`);
      process.stdout.write('the training range, workers and web app join the demo as they are built\n');
    });
}
