// Every command group of the CLI. Add a module here to add a command.
import type { Command } from 'commander';
import * as match from './match.js';
import * as rules from './rules.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [match, rules];
