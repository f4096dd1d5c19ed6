import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { serviceUrls } from '../../services/index.js';
import { migrate } from '../../store/migrate.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (all in one transaction)')
    .action(async () => {
      const { databaseUrl } = await serviceUrls(loadConfig());
      const applied = await migrate(databaseUrl);
      process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    });
}
