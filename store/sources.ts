// Sources (sites to crawl), their mirrors, and their crawl health.
import { UserError } from '../core/errors.js';
import { z } from 'zod';
import {
  crawlPolicySchema,
  formatIssues,
  sourceInputSchema,
  withDefaultPolicy,
  type SourceInput,
} from '../core/schemas.js';
import {
  FETCH_MODES,
  SOURCE_KINDS,
  type CrawlPolicy,
  type Source,
  type SourceSession,
} from '../core/types.js';
import { loginRecipeSchema } from '../crawler/login.js';
import type { Queryable } from './db.js';

export interface SourceRecord extends Source {
  mirrors: Array<{ url: string; origin: string; isPrimary: boolean; status: string }>;
  needsHuman: string | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
}

const SOURCE_COLUMNS = `s.id, s.workspace_id as "workspaceId", s.name, s.kind, s.fetch_mode as "fetchMode", s.policy,
  s.session, s.extractor_profile as "extractorProfile", s.language_hints as "languageHints", s.pgp_key as "pgpKey",
  s.enabled, s.needs_human as "needsHuman", s.last_success_at as "lastSuccessAt", s.last_error_at as "lastErrorAt",
  s.last_error as "lastError",
  coalesce((select json_agg(json_build_object('url', m.url, 'origin', m.origin, 'isPrimary', m.is_primary, 'status', m.status)
                            order by m.is_primary desc, m.id)
              from source_mirrors m where m.source_id = s.id), '[]') as mirrors`;

type SourceRow = Omit<SourceRecord, 'baseUrls'>;

function toRecord(row: SourceRow): SourceRecord {
  return {
    ...row,
    policy: withDefaultPolicy(row.policy),
    baseUrls: row.mirrors.filter((m) => m.status !== 'phishing').map((m) => m.url),
  };
}

export async function addSource(
  db: Queryable,
  workspaceId: number,
  input: SourceInput,
): Promise<SourceRecord> {
  const parsed = sourceInputSchema.safeParse(input);
  if (!parsed.success) throw new UserError(`invalid source: ${formatIssues(parsed.error)}`);
  const s = parsed.data;
  if (s.session?.login) {
    const login = loginRecipeSchema.safeParse(s.session.login);
    if (!login.success)
      throw new UserError(
        `invalid source: ${formatIssues(login.error).replace(/^/, 'session.login.').replace(/; /g, '; session.login.')}`,
      );
  }
  const policy = withDefaultPolicy(s.policy);
  const inserted = await db.query<{ id: number }>(
    `insert into sources (workspace_id, name, kind, fetch_mode, policy, session, extractor_profile, language_hints, pgp_key, enabled)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (workspace_id, name) do nothing returning id`,
    [
      workspaceId,
      s.name,
      s.kind,
      s.fetchMode,
      JSON.stringify(policy),
      s.session ? JSON.stringify(s.session) : null,
      s.extractorProfile,
      s.languageHints,
      s.pgpKey,
      s.enabled,
    ],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) throw new UserError(`a source named "${s.name}" already exists`);
  for (const [i, url] of s.urls.entries()) await addMirror(db, id, url, 'configured', i === 0);
  return (await getSourceById(db, workspaceId, id))!;
}

export async function addMirror(
  db: Queryable,
  sourceId: number,
  url: string,
  origin: 'configured' | 'signed_list',
  isPrimary = false,
): Promise<boolean> {
  const r = await db.query(
    `insert into source_mirrors (source_id, url, origin, is_primary, verified_at)
     values ($1, $2, $3, $4, case when $3 = 'signed_list' then now() end)
     on conflict (source_id, url) do nothing`,
    [sourceId, url, origin, isPrimary],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function setMirrorStatus(
  db: Queryable,
  sourceId: number,
  url: string,
  status: 'up' | 'down' | 'phishing',
  error?: string,
): Promise<void> {
  await db.query(
    `update source_mirrors set status = $3, last_error = $4, last_ok_at = case when $3 = 'up' then now() else last_ok_at end
     where source_id = $1 and url = $2`,
    [sourceId, url, status, error ?? null],
  );
}

export async function getSourceById(
  db: Queryable,
  workspaceId: number,
  id: number,
): Promise<SourceRecord | null> {
  const { rows } = await db.query<SourceRow>(
    `select ${SOURCE_COLUMNS} from sources s where s.workspace_id = $1 and s.id = $2`,
    [workspaceId, id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function getSource(
  db: Queryable,
  workspaceId: number,
  name: string,
): Promise<SourceRecord | null> {
  const { rows } = await db.query<SourceRow>(
    `select ${SOURCE_COLUMNS} from sources s where s.workspace_id = $1 and s.name = $2`,
    [workspaceId, name],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function listSources(db: Queryable, workspaceId: number): Promise<SourceRecord[]> {
  const { rows } = await db.query<SourceRow>(
    `select ${SOURCE_COLUMNS} from sources s where s.workspace_id = $1 order by s.name`,
    [workspaceId],
  );
  return rows.map(toRecord);
}

export async function removeSource(db: Queryable, workspaceId: number, name: string): Promise<boolean> {
  // Sources with captured evidence are disabled, not deleted: evidence must keep its provenance.
  const evidence = await db.query(
    'select 1 from snapshots sn join sources s on s.id = sn.source_id where s.workspace_id = $1 and s.name = $2 limit 1',
    [workspaceId, name],
  );
  if ((evidence.rowCount ?? 0) > 0) {
    const r = await db.query(
      'update sources set enabled = false, updated_at = now() where workspace_id = $1 and name = $2',
      [workspaceId, name],
    );
    return (r.rowCount ?? 0) > 0;
  }
  const r = await db.query('delete from sources where workspace_id = $1 and name = $2', [workspaceId, name]);
  return (r.rowCount ?? 0) > 0;
}

export async function setSourceSession(
  db: Queryable,
  sourceId: number,
  session: SourceSession | null,
): Promise<void> {
  await db.query(
    'update sources set session = $2, needs_human = null, needs_human_since = null, updated_at = now() where id = $1',
    [sourceId, session ? JSON.stringify(session) : null],
  );
}

/**
 * Cookies a scripted login obtained: they replace the session's cookies (the recipe stays), and the
 * source no longer needs a person. Every worker reads them from here.
 */
export async function setSessionCookies(
  db: Queryable,
  sourceId: number,
  cookies: SourceSession['cookies'],
): Promise<void> {
  await db.query(
    `update sources set session = jsonb_set(coalesce(session, '{"cookies": []}'::jsonb), '{cookies}', $2::jsonb),
       needs_human = null, needs_human_since = null, updated_at = now() where id = $1`,
    [sourceId, JSON.stringify(cookies)],
  );
}

export async function markNeedsHuman(db: Queryable, sourceId: number, reason: string): Promise<void> {
  await db.query(
    `update sources set needs_human = $2, needs_human_since = coalesce(needs_human_since, now()), updated_at = now() where id = $1`,
    [sourceId, reason],
  );
}

export async function recordSourceHealth(
  db: Queryable,
  sourceId: number,
  ok: boolean,
  error?: string,
): Promise<void> {
  if (ok) await db.query('update sources set last_success_at = now() where id = $1', [sourceId]);
  else
    await db.query('update sources set last_error_at = now(), last_error = $2 where id = $1', [
      sourceId,
      error ?? null,
    ]);
}

/**
 * A change to an existing source's crawl settings: the policy fields are validated by the same
 * zod schema as `darkwatch source add` (core/schemas.ts crawlPolicySchema), merged over the stored
 * policy and validated again as a whole.
 */
export const sourcePatchSchema = z
  .object({
    kind: z.enum(SOURCE_KINDS).optional(),
    fetchMode: z.enum(FETCH_MODES).optional(),
    enabled: z.boolean().optional(),
    policy: crawlPolicySchema.partial().optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'nothing to change' });

export type SourcePatch = z.input<typeof sourcePatchSchema>;

export interface SourceSettings {
  kind: Source['kind'];
  fetchMode: Source['fetchMode'];
  enabled: boolean;
  policy: CrawlPolicy;
}

export function settingsOf(s: SourceRecord): SourceSettings {
  return { kind: s.kind, fetchMode: s.fetchMode, enabled: s.enabled, policy: s.policy };
}

/** Apply a patch; null when the source is not in this workspace. Throws UserError on invalid input. */
export async function updateSource(
  db: Queryable,
  workspaceId: number,
  id: number,
  patch: unknown,
): Promise<{ before: SourceSettings; after: SourceSettings; source: SourceRecord } | null> {
  const parsed = sourcePatchSchema.safeParse(patch);
  if (!parsed.success) throw new UserError(`invalid source change: ${formatIssues(parsed.error)}`);
  const p = parsed.data;
  const current = await getSourceById(db, workspaceId, id);
  if (!current) return null;
  const merged = crawlPolicySchema.safeParse({ ...current.policy, ...(p.policy ?? {}) });
  if (!merged.success) throw new UserError(`invalid crawl policy: ${formatIssues(merged.error)}`);
  const after: SourceSettings = {
    kind: p.kind ?? current.kind,
    fetchMode: p.fetchMode ?? current.fetchMode,
    enabled: p.enabled ?? current.enabled,
    policy: merged.data,
  };
  await db.query(
    `update sources set kind = $3, fetch_mode = $4, enabled = $5, policy = $6, updated_at = now()
      where workspace_id = $1 and id = $2`,
    [workspaceId, id, after.kind, after.fetchMode, after.enabled, JSON.stringify(after.policy)],
  );
  return { before: settingsOf(current), after, source: (await getSourceById(db, workspaceId, id))! };
}
