// The rule backtest's matching, in a worker thread: compiling a draft rule set and matching stored
// records is CPU work on input an analyst just typed, so it runs off the server's event loop, and
// the server can terminate it at its deadline whatever the rule does (web/backtest.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { MatchableListing } from '../core/types.js';
import { compileRules, type RuleDefinition, type TermHit } from '../rules/index.js';

export interface WorkerMatch {
  key: number;
  rule: string;
  terms: string[];
  hits: TermHit[];
}

export type ToWorker = { type: 'batch'; records: Array<{ key: number; listing: MatchableListing }> };
export type FromWorker = { type: 'ready'; rules: number } | { type: 'matches'; matches: WorkerMatch[] };

const port = parentPort!;
const set = compileRules((workerData as { defs: RuleDefinition[] }).defs);
port.postMessage({ type: 'ready', rules: set.size } satisfies FromWorker);
port.on('message', (msg: ToWorker) => {
  const matches: WorkerMatch[] = [];
  for (const r of msg.records) {
    for (const m of set.match(r.listing))
      matches.push({ key: r.key, rule: m.rule.id, terms: m.terms, hits: m.hits });
  }
  port.postMessage({ type: 'matches', matches } satisfies FromWorker);
});
