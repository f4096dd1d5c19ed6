// Every command group of the CLI. Add a module here to add a command.
import type { Command } from 'commander';
import * as alerts from './alerts.js';
import * as audit from './audit.js';
import * as classify from './classify.js';
import * as crawl from './crawl.js';
import * as demo from './demo.js';
import * as extract from './extract.js';
import * as match from './match.js';
import * as migrate from './migrate.js';
import * as range from './range.js';
import * as rules from './rules.js';
import * as serve from './serve.js';
import * as services from './services.js';
import * as source from './source.js';
import * as user from './user.js';
import * as worker from './worker.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [demo, services, migrate, source, crawl, worker, range, classify, match, rules, extract, serve, user, alerts, audit];
