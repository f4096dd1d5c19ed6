// Who is asking, may they, and in which workspace. Every /api/ route declares a permission in its
// route config; one preHandler resolves the caller (session cookie or Bearer API token), checks
// the CSRF token on mutating cookie-authenticated requests, checks the role, and pins the request
// to one workspace id that the handlers pass to every store query.
import '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../core/types.js';
import type { Db } from '../store/db.js';
import { getSession, safeEqual, userForApiToken, type User } from '../store/users.js';
import { getWorkspace, operationalWorkspace } from '../store/workspaces.js';

export const SESSION_COOKIE = 'dw_session';
export const CSRF_HEADER = 'x-csrf-token';
export const WORKSPACE_HEADER = 'x-darkwatch-workspace';

/**
 * What a route needs. `public` routes skip authentication entirely. `exercises` (the trainer page)
 * looks across every exercise rather than into one workspace, so it is not pinned to a workspace.
 */
export type Permission =
  'public' | 'read' | 'triage' | 'rules' | 'sources' | 'suppress' | 'webhooks' | 'admin' | 'exercises';

const GRANTS: Record<Role, Permission[]> = {
  // Webhooks send alert data out of the building: only admins add, switch or remove them.
  admin: ['read', 'triage', 'rules', 'sources', 'suppress', 'webhooks', 'admin', 'exercises'],
  analyst: ['read', 'triage', 'rules', 'sources', 'suppress'],
  // Trainers run exercises: full rights, but only inside training workspaces (see workspaceFor).
  trainer: ['read', 'triage', 'rules', 'sources', 'suppress', 'exercises'],
  // Trainees write rules and triage inside their own exercise; sources belong to the trainer, and
  // silencing alerts (suppressions) is a decision someone accountable signs.
  trainee: ['read', 'triage', 'rules'],
};

export function allowed(role: Role, perm: Permission): boolean {
  return perm === 'public' || GRANTS[role].includes(perm);
}

/**
 * Permissions whose routes work across workspaces: the hook authenticates, checks CSRF and the
 * role, but resolves no workspace (a trainer usually has none of their own, which workspaceFor
 * answers with 404). Their handlers get workspaceId NO_WORKSPACE and must not query by it.
 */
const CROSS_WORKSPACE = new Set<Permission>(['exercises']);

/** The workspaceId of a cross-workspace request: matches no row, so a misused one finds nothing. */
export const NO_WORKSPACE = 0;

export interface Auth {
  user: User;
  via: 'session' | 'token';
  sessionToken: string | null;
  csrfToken: string | null;
  workspaceId: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
  interface FastifyContextConfig {
    perm?: Permission;
  }
  // Documentation fields that web/openapi.ts turns into the API description.
  interface FastifySchema {
    summary?: string;
    description?: string;
  }
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The caller, from a Bearer token or the session cookie; null when neither is valid. */
export async function identify(db: Db, req: FastifyRequest): Promise<Omit<Auth, 'workspaceId'> | null> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const user = m ? await userForApiToken(db, m[1]!) : null;
    return user ? { user, via: 'token', sessionToken: null, csrfToken: null } : null;
  }
  const token = req.cookies[SESSION_COOKIE];
  if (!token) return null;
  const session = await getSession(db, token);
  return session
    ? { user: session.user, via: 'session', sessionToken: token, csrfToken: session.csrfToken }
    : null;
}

/**
 * The workspace a request works in. Trainees are pinned to their exercise; trainers work only in
 * training workspaces; admins and analysts default to the operational one. Asking for a workspace
 * one may not see answers 404, exactly like asking for something that does not exist.
 */
export async function workspaceFor(db: Db, user: User, requested: string | undefined): Promise<number> {
  const wanted = requested !== undefined && requested !== '' ? Number(requested) : null;
  if (wanted !== null && (!Number.isSafeInteger(wanted) || wanted < 1))
    throw new HttpError(400, 'bad workspace id');
  if (user.role === 'trainee') {
    if (wanted !== null && wanted !== user.workspaceId) throw new HttpError(404, 'workspace not found');
    return user.workspaceId!;
  }
  if (user.role === 'trainer') {
    const id = wanted ?? user.workspaceId;
    if (id === null) throw new HttpError(404, 'no training workspace: pass the exercise workspace id');
    const ws = await getWorkspace(db, id);
    if (!ws || ws.kind !== 'training') throw new HttpError(404, 'workspace not found');
    return ws.id;
  }
  if (wanted === null) return user.workspaceId ?? (await operationalWorkspace(db)).id;
  const ws = await getWorkspace(db, wanted);
  if (!ws) throw new HttpError(404, 'workspace not found');
  return ws.id;
}

export function authHook(db: Db) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    req.auth = null;
    const perm = req.routeOptions.config?.perm;
    if (perm === undefined || perm === 'public') return;
    const who = await identify(db, req);
    if (!who) {
      if (req.url.startsWith('/api/')) throw new HttpError(401, 'log in first');
      await reply.redirect('/login');
      return;
    }
    if (who.via === 'session' && MUTATING.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !who.csrfToken || !safeEqual(sent, who.csrfToken)) {
        throw new HttpError(403, 'missing or wrong CSRF token');
      }
    }
    if (!allowed(who.user.role, perm)) throw new HttpError(403, `a ${who.user.role} may not do this`);
    if (CROSS_WORKSPACE.has(perm)) {
      req.auth = { ...who, workspaceId: NO_WORKSPACE };
      return;
    }
    const requested = req.headers[WORKSPACE_HEADER];
    const workspaceId = await workspaceFor(
      db,
      who.user,
      typeof requested === 'string' ? requested : undefined,
    );
    req.auth = { ...who, workspaceId };
  };
}

/** The authenticated caller of a non-public route (the hook guarantees it). */
export function authOf(req: FastifyRequest): Auth {
  if (!req.auth) throw new HttpError(401, 'log in first');
  return req.auth;
}
