// Every command group of the CLI, by the name typed on the command line. Modules load lazily:
// `darkwatch match` should not pay for Chromium, the web server and the classifier. Add a module
// here to add a command.
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

type Loader = () => Promise<CommandModule>;

export const commandLoaders: Record<string, Loader[]> = {
  demo: [() => import('./demo.js')],
  services: [() => import('./services.js')],
  migrate: [() => import('./migrate.js')],
  source: [() => import('./source.js')],
  crawl: [() => import('./crawl.js')],
  worker: [() => import('./worker.js')],
  range: [() => import('./range.js')],
  extract: [() => import('./extract.js')],
  classify: [() => import('./classify.js')],
  match: [() => import('./match.js')],
  rules: [() => import('./rules.js'), () => import('./rules-db.js')],
  alerts: [() => import('./alerts.js'), () => import('./alerts-suppress.js')],
  webhook: [() => import('./webhook.js')],
  serve: [() => import('./serve.js')],
  user: [() => import('./user.js')],
  audit: [() => import('./audit.js')],
  exercise: [() => import('./exercise.js')],
  evidence: [() => import('./evidence.js')],
};

/** The modules a command line needs: its command's, or all of them (help, typos). */
export async function loadCommandModules(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const loaders = name && commandLoaders[name] ? commandLoaders[name] : Object.values(commandLoaders).flat();
  return Promise.all(loaders.map((load) => load()));
}
