// Every command group of the CLI. Add a module here to add a command.
import type { Command } from 'commander';
import * as classify from './classify.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [classify];
