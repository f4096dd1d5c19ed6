// Login, logout, who am I, and API tokens for the caller.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { withTransaction } from '../../store/db.js';
import {
  actorOf,
  attemptLogin,
  createApiToken,
  createSession,
  deleteSession,
  SESSION_TTL_MS,
} from '../../store/users.js';
import { getWorkspace } from '../../store/workspaces.js';
import { authOf, HttpError, SESSION_COOKIE } from '../auth.js';
import type { AppContext } from '../server.js';

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  app.post(
    '/api/login',
    {
      config: { perm: 'public' },
      schema: {
        summary: 'Log in: starts a new session (a fresh id every time) and returns the CSRF token',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', maxLength: 200 },
            password: { type: 'string', maxLength: 1024 },
          },
        },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      // Session fixation: whatever session id the browser brought is discarded, never reused.
      const previous = req.cookies[SESSION_COOKIE];
      if (previous) await deleteSession(db, previous);
      const result = await attemptLogin(db, username, password, req.ip ?? null);
      if (!result.ok) {
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        if (result.reason === 'throttled')
          throw new HttpError(429, 'too many failed logins; try again later');
        throw new HttpError(401, 'wrong username or password');
      }
      const session = await createSession(db, result.user.id, {
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? null,
      });
      setSessionCookie(reply, session.token, ctx.secureCookies);
      return { user: publicUser(result.user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/logout',
    { config: { perm: 'read' }, schema: { summary: 'End this session' } },
    async (req, reply) => {
      const a = authOf(req);
      if (a.sessionToken) await deleteSession(db, a.sessionToken);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );

  app.get(
    '/api/me',
    { config: { perm: 'read' }, schema: { summary: 'The caller, their workspace and CSRF token' } },
    async (req) => {
      const a = authOf(req);
      return {
        user: publicUser(a.user),
        workspace: await getWorkspace(db, a.workspaceId),
        csrfToken: a.csrfToken,
      };
    },
  );

  app.post(
    '/api/tokens',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Create an API token for yourself (shown once)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { name } = req.body as { name: string };
      return withTransaction(db, (tx) => createApiToken(tx, a.user.username, name, actorOf(a.user)));
    },
  );
}

export function publicUser(u: {
  id: number;
  username: string;
  displayName: string;
  role: string;
  workspaceId: number | null;
}) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    workspaceId: u.workspaceId,
  };
}
