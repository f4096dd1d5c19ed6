// Store rules written in the rule language (YAML), the way `darkwatch rules add` does.
import { loadRules } from '../../rules/index.js';
import type { Db } from '../../store/db.js';
import { saveRule, type StoredRule } from '../../store/rules.js';

export async function storeRules(
  db: Db,
  workspaceId: number,
  yaml: string,
): Promise<Map<string, StoredRule>> {
  const { rules, problems } = loadRules(yaml, { file: 'test-rules.yaml' });
  if (problems.length) throw new Error(`bad test rules: ${JSON.stringify(problems)}`);
  const out = new Map<string, StoredRule>();
  for (const def of rules) {
    const { rule } = await saveRule(
      db,
      workspaceId,
      {
        name: def.id,
        severity: def.severity,
        description: def.description,
        definition: def,
        sourceText: yaml,
        enabled: def.enabled,
      },
      null,
    );
    out.set(def.id, rule);
  }
  return out;
}
