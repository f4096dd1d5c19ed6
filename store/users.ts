// Accounts: users with roles, argon2id password hashes, server-side sessions and API tokens.
// Secrets handed to clients (session ids, API tokens) are random 256-bit values; the database only
// ever sees their sha256, so a leaked database dump cannot be replayed as a login.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { UserError } from '../core/errors.js';
import type { Role } from '../core/types.js';
import { ROLES } from '../core/types.js';
import { appendAudit, type Actor } from './audit.js';
import type { Queryable } from './db.js';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  workspaceId: number | null;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

function userColumns(t = ''): string {
  const p = t ? `${t}.` : '';
  return `${p}id, ${p}username, ${p}display_name as "displayName", ${p}role, ${p}workspace_id as "workspaceId", ${p}disabled,
    ${p}created_at as "createdAt", ${p}last_login_at as "lastLoginAt"`;
}
const USER_COLUMNS = userColumns();

// OWASP's argon2id baseline (19 MiB, t=2, p=1): memory-hard, yet ~50 ms per login on a small box.
// algorithm 2 = Argon2id (a const enum in the typings, which verbatimModuleSyntax cannot import).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const SESSION_TTL_MS = 12 * 3600_000;
/** Failed logins per username (or per address) within the window before logins are refused. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_MAX_FAILURES_PER_IP = 30;
export const LOGIN_WINDOW_MS = 15 * 60_000;

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function sha256Token(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function checkPassword(password: string): void {
  if (password.length < 10) throw new UserError('password must be at least 10 characters');
  if (password.length > 1024) throw new UserError('password must be at most 1024 characters');
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function createUser(
  tx: Queryable,
  u: { username: string; password: string; role: Role; workspaceId?: number | null; displayName?: string },
  actor: Actor,
): Promise<User> {
  if (!USERNAME_PATTERN.test(u.username))
    throw new UserError('username: lower-case letters, digits, ".", "_" or "-" (max 64)');
  if (!ROLES.includes(u.role)) throw new UserError(`role must be one of ${ROLES.join(', ')}`);
  if (u.role === 'trainee' && !u.workspaceId)
    throw new UserError('a trainee needs --workspace (the exercise workspace id)');
  checkPassword(u.password);
  if (u.workspaceId) {
    const ws = await tx.query<{ kind: string }>('select kind from workspaces where id = $1', [u.workspaceId]);
    if (!ws.rows[0]) throw new UserError(`workspace ${u.workspaceId} does not exist`);
    if (u.role === 'trainee' && ws.rows[0].kind !== 'training')
      throw new UserError('a trainee can only belong to a training workspace');
  }
  const passwordHash = await hashPassword(u.password);
  const { rows } = await tx.query<User>(
    `insert into users (username, display_name, password_hash, role, workspace_id) values ($1, $2, $3, $4, $5)
     on conflict (username) do nothing returning ${USER_COLUMNS}`,
    [u.username, u.displayName ?? u.username, passwordHash, u.role, u.workspaceId ?? null],
  );
  if (!rows[0]) throw new UserError(`a user named "${u.username}" already exists`);
  await appendAudit(tx, {
    actor,
    workspaceId: u.workspaceId ?? null,
    action: 'user.create',
    entityType: 'user',
    entityId: rows[0].id,
    after: { username: u.username, role: u.role, workspaceId: u.workspaceId ?? null },
  });
  return rows[0];
}

export async function getUserByName(db: Queryable, username: string): Promise<User | null> {
  const { rows } = await db.query<User>(`select ${USER_COLUMNS} from users where username = $1`, [username]);
  return rows[0] ?? null;
}

export async function getUserById(db: Queryable, id: number): Promise<User | null> {
  const { rows } = await db.query<User>(`select ${USER_COLUMNS} from users where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listUsers(db: Queryable): Promise<User[]> {
  const { rows } = await db.query<User>(`select ${USER_COLUMNS} from users order by username`);
  return rows;
}

export async function setPassword(
  tx: Queryable,
  username: string,
  password: string,
  actor: Actor,
): Promise<void> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  const r = await tx.query<{ id: number }>(
    'update users set password_hash = $2 where username = $1 returning id',
    [username, passwordHash],
  );
  if (!r.rows[0]) throw new UserError(`no user named "${username}"`);
  // A new password ends every existing session of that user.
  await tx.query('delete from user_sessions where user_id = $1', [r.rows[0].id]);
  await appendAudit(tx, {
    actor,
    workspaceId: null,
    action: 'user.passwd',
    entityType: 'user',
    entityId: r.rows[0].id,
  });
}

export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'throttled' };

/**
 * Check a username/password, with throttling: after LOGIN_MAX_FAILURES failures for the name (or
 * many from one address) within the window, even the right password is refused until it passes.
 * Every attempt is recorded. A missing user costs the same argon2 verify as a wrong password.
 */
export async function attemptLogin(
  db: Queryable,
  username: string,
  password: string,
  ip: string | null,
): Promise<LoginResult> {
  const name = username.slice(0, 200);
  const since = new Date(Date.now() - LOGIN_WINDOW_MS);
  const { rows: counts } = await db.query<{ by_name: number; by_ip: number }>(
    `select (select count(*)::int from login_attempts where username = $1 and not succeeded and at > $2) as by_name,
            (select count(*)::int from login_attempts where ip = $3 and not succeeded and at > $2) as by_ip`,
    [name, since, ip],
  );
  const c = counts[0]!;
  if (c.by_name >= LOGIN_MAX_FAILURES || (ip !== null && c.by_ip >= LOGIN_MAX_FAILURES_PER_IP)) {
    await db.query('insert into login_attempts (username, ip, succeeded) values ($1, $2, false)', [name, ip]);
    return { ok: false, reason: 'throttled' };
  }
  const { rows } = await db.query<{ id: number; password_hash: string; disabled: boolean }>(
    'select id, password_hash, disabled from users where username = $1',
    [name],
  );
  const row = rows[0];
  const stored = row?.password_hash ?? (await dummyHash());
  let matches = false;
  try {
    matches = password.length <= 1024 && (await verify(stored, password));
  } catch {
    matches = false;
  }
  const ok = matches && row !== undefined && !row.disabled;
  await db.query('insert into login_attempts (username, ip, succeeded) values ($1, $2, $3)', [name, ip, ok]);
  if (!ok) return { ok: false, reason: 'invalid' };
  await db.query('update users set last_login_at = now() where id = $1', [row.id]);
  return { ok: true, user: (await getUserById(db, row.id))! };
}

// A real argon2id hash of a random password, so unknown usernames take as long as known ones.
let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(newSecret());
  return dummy;
}

export interface Session {
  user: User;
  csrfToken: string;
  expiresAt: Date;
}

/** Start a session: returns the token for the cookie (only its hash is stored) and the CSRF token. */
export async function createSession(
  db: Queryable,
  userId: number,
  meta: { ip?: string | null; userAgent?: string | null } = {},
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = newSecret();
  const csrfToken = newSecret();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.query(
    'insert into user_sessions (id_hash, user_id, csrf_token, expires_at, ip, user_agent) values ($1, $2, $3, $4, $5, $6)',
    [
      sha256Token(token),
      userId,
      csrfToken,
      expiresAt,
      meta.ip ?? null,
      (meta.userAgent ?? '').slice(0, 500) || null,
    ],
  );
  return { token, csrfToken, expiresAt };
}

export async function getSession(db: Queryable, token: string): Promise<Session | null> {
  if (!token || token.length > 200) return null;
  const { rows } = await db.query<User & { csrfToken: string; expiresAt: Date }>(
    `select ${userColumns('u')}, s.csrf_token as "csrfToken", s.expires_at as "expiresAt"
       from user_sessions s join users u on u.id = s.user_id
      where s.id_hash = $1 and s.expires_at > now()`,
    [sha256Token(token)],
  );
  const row = rows[0];
  if (!row || row.disabled) return null;
  const { csrfToken, expiresAt, ...user } = row;
  return { user, csrfToken, expiresAt };
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('delete from user_sessions where id_hash = $1', [sha256Token(token)]);
}

/** Issue an API token (Bearer) for automation; the token is shown once and only its hash is kept. */
export async function createApiToken(
  tx: Queryable,
  username: string,
  name: string,
  actor: Actor,
): Promise<{ id: number; token: string }> {
  const user = await getUserByName(tx, username);
  if (!user) throw new UserError(`no user named "${username}"`);
  const token = newSecret('dw_');
  const { rows } = await tx.query<{ id: number }>(
    'insert into api_tokens (user_id, name, token_hash) values ($1, $2, $3) returning id',
    [user.id, name.slice(0, 200), sha256Token(token)],
  );
  await appendAudit(tx, {
    actor,
    workspaceId: null,
    action: 'user.token',
    entityType: 'api_token',
    entityId: rows[0]!.id,
    after: { user: username, name },
  });
  return { id: rows[0]!.id, token };
}

export async function userForApiToken(db: Queryable, token: string): Promise<User | null> {
  if (!token.startsWith('dw_') || token.length > 200) return null;
  const { rows } = await db.query<User & { tokenId: number; stale: boolean }>(
    `select ${userColumns('u')}, t.id as "tokenId",
            (t.last_used_at is null or t.last_used_at < now() - interval '1 minute') as stale
       from api_tokens t join users u on u.id = t.user_id
      where t.token_hash = $1 and t.revoked_at is null`,
    [sha256Token(token)],
  );
  const row = rows[0];
  if (!row || row.disabled) return null;
  // Record use at most once a minute: automation calling in a loop should not write on every request.
  if (row.stale) await db.query('update api_tokens set last_used_at = now() where id = $1', [row.tokenId]);
  const { tokenId: _t, stale: _s, ...user } = row;
  return user;
}

export async function revokeApiToken(db: Queryable, userId: number, tokenId: number): Promise<boolean> {
  const r = await db.query(
    'update api_tokens set revoked_at = now() where id = $1 and user_id = $2 and revoked_at is null',
    [tokenId, userId],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The actor recorded in the audit log for a user. */
export function actorOf(user: Pick<User, 'id' | 'username'>): Actor {
  return { id: user.id, name: user.username };
}
