import type { MatchableListing } from '../../core/types.js';
import { loadRules } from '../../rules/loader.js';
import type { RuleDefinition } from '../../rules/types.js';
import { compileRules } from '../../rules/compile.js';

/** Rules from plain objects, through the real YAML loader (JSON is YAML). */
export function rules(...specs: Array<Record<string, unknown>>): RuleDefinition[] {
  const { rules: defs, problems } = loadRules(
    JSON.stringify({ rules: specs.map((s, i) => ({ name: `r${i}`, ...s })) }),
    {
      file: 'test.yaml',
    },
  );
  if (problems.length > 0)
    throw new Error(problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return defs;
}

export function listing(over: Partial<MatchableListing> = {}): MatchableListing {
  return {
    id: 'L1',
    site: 'market-a',
    title: '',
    description: null,
    price: null,
    priceEur: null,
    vendor: null,
    category: null,
    classification: null,
    shipsFrom: null,
    shipsTo: null,
    url: null,
    ...over,
  };
}

/** Fires through the compiled path, and checks the naive path agrees. */
export function fires(query: string | Record<string, unknown>, l: MatchableListing): boolean {
  const set = compileRules(rules(typeof query === 'string' ? { query } : query));
  const compiled = set.match(l).length > 0;
  const naive = set.matchNaive(l).length > 0;
  if (compiled !== naive) throw new Error(`compiled (${compiled}) and naive (${naive}) disagree`);
  return compiled;
}
