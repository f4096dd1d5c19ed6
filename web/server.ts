// The darkwatch web server: the JSON API under /api/ (described at /api/openapi.json), the
// analyst pages, the evidence frame and the static assets — all from this process, nothing from a
// CDN. Security headers are set on every response; authentication, CSRF, roles and the workspace
// are resolved by one hook (web/auth.ts) from each route's declared permission.
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { UserError } from '../core/errors.js';
import { RedisFrontier } from '../crawler/crawl-run.js';
import { AlertTransitionError, getAlert } from '../store/alerts.js';
import { SuppressionError } from '../store/suppressions.js';
import { WebhookUrlError } from '../store/webhooks.js';
import { alertSubscription } from '../workers/alert-channel.js';
import { instanceKey, namespacedPrefix, openQueues, type PipelineQueues } from '../workers/queues.js';
import type { Db } from '../store/db.js';
import { authHook, HttpError } from './auth.js';
import { BacktestRunner, DEFAULT_BACKTEST_LIMITS, type BacktestLimits } from './backtest.js';
import { AlertHub } from './live.js';
import { openApiDocument, type RouteDoc } from './openapi.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerCaseRoutes } from './routes/cases.js';
import { registerEvidenceRoutes } from './routes/evidence.js';
import { registerPageRoutes } from './routes/pages.js';
import { registerRuleRoutes } from './routes/rules.js';
import { registerSourceRoutes } from './routes/sources.js';
import { registerSuppressionRoutes } from './routes/suppressions.js';
import { registerTrainerRoutes } from './routes/trainer.js';
import { registerWebhookRoutes } from './routes/webhooks.js';

export interface ServerOptions {
  db: Db;
  /** A dedicated Redis connection for SUBSCRIBE (live alerts); without it the stream only sends heartbeats. */
  subscriber?: Redis | null;
  /** A command connection for the pipeline queues (start a crawl, queue depths); without it those answer 503. */
  redis?: Redis | null;
  redisPrefix?: string;
  /** Largest accepted request body, bytes. */
  bodyLimit?: number;
  /** Organisation named in exports. */
  producer?: string;
  logger?: boolean;
  /** Set the Secure flag on cookies (when served over HTTPS, e.g. behind a TLS proxy). */
  secureCookies?: boolean;
  /** Bounds of the rule editor's backtest preview (defaults: web/backtest.ts). */
  backtest?: Partial<BacktestLimits>;
}

export interface AppContext {
  db: Db;
  pipeline: { queues: PipelineQueues; frontier: RedisFrontier } | null;
  hub: AlertHub;
  producer: string;
  secureCookies: boolean;
  backtest: BacktestRunner;
  /** Where recrawl schedulers live (workers/schedule.ts); null without a Redis connection. */
  schedules: { prefix: string; redis: Redis } | null;
}

export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; frame-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Deep or huge query strings are refused by the parser rather than processed.
    routerOptions: { maxParamLength: 500 },
    trustProxy: false,
  });
  // Live events carry the alert as the triage queue shows it, read in the message's workspace.
  const hub = new AlertHub(async (msg) => (await getAlert(opts.db, msg.workspaceId, msg.alertId)) ?? null);
  // The pipeline's keys and alert channels live under this database's namespace (workers/queues.ts
  // pipelinePrefix): read its instance key once, only when there is Redis to talk to.
  const basePrefix = opts.redisPrefix ?? 'dw';
  const key = opts.subscriber || opts.redis ? await instanceKey(opts.db) : null;
  if (opts.subscriber && key !== null) await hub.start(opts.subscriber, alertSubscription(basePrefix, key));
  app.addHook('onClose', async () => hub.close());
  const keyPrefix = opts.redis && key !== null ? namespacedPrefix(basePrefix, key) : null;
  const pipeline =
    opts.redis && keyPrefix
      ? {
          queues: openQueues(opts.redis, keyPrefix),
          frontier: new RedisFrontier(opts.redis, `${keyPrefix}:run`),
        }
      : null;
  if (pipeline) app.addHook('onClose', async () => pipeline.queues.close());
  const ctx: AppContext = {
    db: opts.db,
    hub,
    pipeline,
    producer: opts.producer ?? 'darkwatch',
    secureCookies: opts.secureCookies ?? false,
    backtest: new BacktestRunner({ ...DEFAULT_BACKTEST_LIMITS, ...opts.backtest }),
    schedules: opts.redis && keyPrefix ? { prefix: keyPrefix, redis: opts.redis } : null,
  };

  await app.register(fastifyCookie);
  app.decorateRequest('auth', null);

  const docs: RouteDoc[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      docs.push({
        method,
        url: route.url,
        schema: route.schema as RouteDoc['schema'],
        perm: route.config?.perm ?? 'read',
      });
    }
  });

  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', APP_CSP);
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('cache-control', 'no-store');
  });
  app.addHook('preHandler', authHook(opts.db));

  app.setErrorHandler((err: FastifyError & { code?: string }, req, reply) => {
    const { status, message } = classifyError(err);
    if (status >= 500) req.log.error(err);
    void reply.status(status).type('application/json; charset=utf-8').send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: 'not found' });
  });

  registerAuthRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerEvidenceRoutes(app, ctx);
  registerCaseRoutes(app, ctx);
  registerRuleRoutes(app, ctx);
  registerSourceRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerSuppressionRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerTrainerRoutes(app, ctx);
  registerPageRoutes(app, ctx);

  app.get(
    '/api/openapi.json',
    { config: { perm: 'public' }, schema: { summary: 'This API description (OpenAPI 3.1)' } },
    async () => openApiDocument(docs),
  );
  return app;
}

/** Map anything thrown to an HTTP status and a message that is safe to show. */
export function classifyError(err: FastifyError & { code?: string }): { status: number; message: string } {
  if (err instanceof HttpError) return { status: err.statusCode, message: err.message };
  if (err instanceof UserError) return { status: 400, message: err.message };
  if (err instanceof WebhookUrlError || err instanceof SuppressionError)
    return { status: 400, message: err.message };
  if (err instanceof AlertTransitionError) {
    return /not found/.test(err.message)
      ? { status: 404, message: err.message }
      : { status: 409, message: err.message };
  }
  if (err.validation) return { status: 400, message: err.message };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
    return { status: err.statusCode, message: err.message };
  // PostgreSQL: data exceptions (22…) and constraint violations (23…) come from what the client sent.
  if (typeof err.code === 'string' && /^22/.test(err.code)) return { status: 400, message: 'invalid value' };
  if (typeof err.code === 'string' && /^23/.test(err.code))
    return { status: 409, message: 'conflicts with existing data' };
  return { status: 500, message: 'internal error' };
}
