// Watch rules and their versions. A rule is saved as data (`definition`, produced by rules/)
// together with the YAML the analyst wrote; any change makes a new version, and alerts record the
// version that fired.
import { canonicalJson } from './audit.js';
import type { Severity } from '../core/types.js';
import type { Queryable } from './db.js';

export interface RuleToSave {
  name: string;
  severity: Severity;
  description: string | null;
  definition: unknown;
  sourceText: string;
  enabled?: boolean;
  ownerId?: number | null;
}

export interface StoredRule {
  ruleId: number;
  ruleVersionId: number;
  name: string;
  version: number;
  enabled: boolean;
  severity: Severity;
  description: string | null;
  definition: unknown;
  sourceText: string;
  updatedAt: Date;
}

/** Create the rule or add a version when anything changed; returns what is now current. */
export async function saveRule(
  tx: Queryable,
  workspaceId: number,
  rule: RuleToSave,
  createdBy: number | null,
): Promise<{ rule: StoredRule; created: boolean; newVersion: boolean }> {
  const inserted = await tx.query<{ id: number }>(
    `insert into rules (workspace_id, name, owner_id, enabled) values ($1, $2, $3, $4)
     on conflict (workspace_id, name) do nothing returning id`,
    [workspaceId, rule.name, rule.ownerId ?? createdBy, rule.enabled ?? true],
  );
  if (inserted.rows[0]) {
    await insertRuleVersion(tx, inserted.rows[0].id, 1, rule, createdBy);
    return { rule: (await getRule(tx, workspaceId, rule.name))!, created: true, newVersion: true };
  }
  const current = (await getRule(tx, workspaceId, rule.name, true))!;
  const same =
    current.severity === rule.severity &&
    (current.description ?? null) === (rule.description ?? null) &&
    canonicalJson(current.definition) === canonicalJson(JSON.parse(JSON.stringify(rule.definition)));
  if (rule.enabled !== undefined && rule.enabled !== current.enabled) {
    await tx.query('update rules set enabled = $2, updated_at = now() where id = $1', [
      current.ruleId,
      rule.enabled,
    ]);
  }
  if (same) return { rule: (await getRule(tx, workspaceId, rule.name))!, created: false, newVersion: false };
  const version = current.version + 1;
  await insertRuleVersion(tx, current.ruleId, version, rule, createdBy);
  await tx.query('update rules set current_version = $2, updated_at = now() where id = $1', [
    current.ruleId,
    version,
  ]);
  return { rule: (await getRule(tx, workspaceId, rule.name))!, created: false, newVersion: true };
}

async function insertRuleVersion(
  tx: Queryable,
  ruleId: number,
  version: number,
  rule: RuleToSave,
  createdBy: number | null,
): Promise<void> {
  await tx.query(
    `insert into rule_versions (rule_id, version, severity, description, definition, source_text, created_by)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      ruleId,
      version,
      rule.severity,
      rule.description,
      JSON.stringify(rule.definition),
      rule.sourceText,
      createdBy,
    ],
  );
}

const RULE_SELECT = `select r.id as "ruleId", v.id as "ruleVersionId", r.name, v.version, r.enabled, v.severity, v.description,
    v.definition, v.source_text as "sourceText", r.updated_at as "updatedAt"
  from rules r join rule_versions v on v.rule_id = r.id and v.version = r.current_version`;

export async function getRule(
  db: Queryable,
  workspaceId: number,
  name: string,
  forUpdate = false,
): Promise<StoredRule | null> {
  const { rows } = await db.query<StoredRule>(
    `${RULE_SELECT} where r.workspace_id = $1 and r.name = $2${forUpdate ? ' for update of r' : ''}`,
    [workspaceId, name],
  );
  return rows[0] ?? null;
}

export async function listRules(
  db: Queryable,
  workspaceId: number,
  onlyEnabled = false,
): Promise<StoredRule[]> {
  const { rows } = await db.query<StoredRule>(
    `${RULE_SELECT} where r.workspace_id = $1 ${onlyEnabled ? 'and r.enabled' : ''} order by r.name`,
    [workspaceId],
  );
  return rows;
}

export async function ruleVersions(
  db: Queryable,
  ruleId: number,
): Promise<Array<{ version: number; severity: Severity; sourceText: string; createdAt: Date }>> {
  const { rows } = await db.query<{
    version: number;
    severity: Severity;
    sourceText: string;
    createdAt: Date;
  }>(
    `select version, severity, source_text as "sourceText", created_at as "createdAt" from rule_versions where rule_id = $1 order by version`,
    [ruleId],
  );
  return rows;
}

export async function setRuleEnabled(
  db: Queryable,
  workspaceId: number,
  name: string,
  enabled: boolean,
): Promise<boolean> {
  const r = await db.query(
    'update rules set enabled = $3, updated_at = now() where workspace_id = $1 and name = $2',
    [workspaceId, name, enabled],
  );
  return (r.rowCount ?? 0) > 0;
}
