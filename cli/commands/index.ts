// Every command group of the CLI. Add a module here to add a command.
import type { Command } from 'commander';
import * as demo from './demo.js';
import * as alerts from './alerts.js';
import * as audit from './audit.js';
import * as migrate from './migrate.js';
import * as serve from './serve.js';
import * as services from './services.js';
import * as user from './user.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [demo, services, migrate, serve, user, alerts, audit];
