// Workspaces keep operational data and each training exercise apart. Every store query that
// returns investigation data takes a workspace id.
import type { Queryable } from './db.js';

export interface Workspace {
  id: number;
  name: string;
  kind: 'operational' | 'training';
}

export async function operationalWorkspace(db: Queryable): Promise<Workspace> {
  const { rows } = await db.query<Workspace>(
    `select id, name, kind from workspaces where kind = 'operational' order by id limit 1`,
  );
  if (!rows[0]) throw new Error('no operational workspace: run `darkwatch migrate`');
  return rows[0];
}

export async function createTrainingWorkspace(db: Queryable, name: string): Promise<Workspace> {
  const { rows } = await db.query<Workspace>(
    `insert into workspaces (name, kind) values ($1, 'training') returning id, name, kind`,
    [name],
  );
  return rows[0]!;
}

export async function getWorkspace(db: Queryable, id: number): Promise<Workspace | null> {
  const { rows } = await db.query<Workspace>('select id, name, kind from workspaces where id = $1', [id]);
  return rows[0] ?? null;
}
