// Small builders for rows that many store tests need.
import type { Db } from '../../store/db.js';
import { addSource, type SourceRecord } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { saveRule, type StoredRule } from '../../store/rules.js';

export async function opWorkspaceId(db: Db): Promise<number> {
  return (await operationalWorkspace(db)).id;
}

export async function makeSource(db: Db, name: string, workspaceId?: number): Promise<SourceRecord> {
  const ws = workspaceId ?? (await opWorkspaceId(db));
  const host = `${name.toLowerCase().replace(/[^a-z0-9]/g, '')}${'a'.repeat(56)}`.slice(0, 56);
  return addSource(db, ws, { name, kind: 'market', urls: [`http://${host}.onion/`] });
}

export async function makeRule(db: Db, name: string, workspaceId?: number): Promise<StoredRule> {
  const ws = workspaceId ?? (await opWorkspaceId(db));
  const { rule } = await saveRule(
    db,
    ws,
    {
      name,
      severity: 'high',
      description: null,
      definition: { query: 'glock' },
      sourceText: `name: ${name}\nquery: glock\n`,
    },
    null,
  );
  return rule;
}
