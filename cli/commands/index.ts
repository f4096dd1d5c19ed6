// Every command group of the CLI. Add a module here to add a command.
import type { Command } from 'commander';
import * as classify from './classify.js';
import * as demo from './demo.js';
import * as match from './match.js';
import * as migrate from './migrate.js';
import * as range from './range.js';
import * as rules from './rules.js';
import * as services from './services.js';
import * as source from './source.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [demo, services, migrate, source, range, classify, match, rules];
