// The scenarios that ship with darkwatch (range/scenarios/*.yaml), by name. The web app may only
// create exercises from these — never from a path a client sends.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, type Scenario } from './scenario.js';

export const SCENARIO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Names of the bundled scenarios, sorted. */
export function scenarioNames(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml') && NAME.test(f.slice(0, -5)))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A bundled scenario by name; null when there is none of that name (never reads another path). */
export function bundledScenario(name: string): { file: string; scenario: Scenario } | null {
  if (!NAME.test(name) || !scenarioNames().includes(name)) return null;
  const file = path.join(SCENARIO_DIR, `${name}.yaml`);
  return { file, scenario: loadScenarioFile(file) };
}
