// Sources and crawl health, supplying a session (cookies) for a source blocked by a login wall or
// CAPTCHA, and search over stored listings and posts.
import type { FastifyInstance } from 'fastify';
import { sourceSessionSchema, formatIssues, type SourceInput } from '../../core/schemas.js';
import { CATEGORIES } from '../../core/types.js';
import { appendAudit } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { latestRuns } from '../../store/runs.js';
import { searchListings, searchPosts } from '../../store/search.js';
import { errorMessage } from '../../core/errors.js';
import { compilePattern } from '../../crawler/scope.js';
import {
  addSource,
  getSource,
  getSourceById,
  listSources,
  setSourceSession,
  updateSource,
} from '../../store/sources.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { syncRecrawlSchedules } from '../../workers/schedule.js';
import { actorOf } from '../../store/users.js';
import { authOf, HttpError } from '../auth.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

/** Include/exclude patterns must compile as the crawler will compile them (RE2 or glob). */
function checkPatterns(body: unknown): void {
  const policy = (body as { policy?: { include?: unknown; exclude?: unknown } } | null)?.policy;
  for (const key of ['include', 'exclude'] as const) {
    const list = policy?.[key];
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      if (typeof p !== 'string') continue; // the zod schema reports the type
      try {
        compilePattern(p);
      } catch (err) {
        throw new HttpError(400, `invalid ${key} pattern: ${errorMessage(err)}`);
      }
    }
  }
}

export interface ScheduleSync {
  synced: boolean;
  /** Why not, when not (the change itself is saved either way; workers re-sync when they start). */
  warning: string | null;
}

/** Bring the recrawl schedulers in line with the sources table after a web change. */
async function syncSchedules(
  ctx: AppContext,
  log: { warn(o: object, m: string): void },
): Promise<ScheduleSync> {
  if (!ctx.schedules)
    return {
      synced: false,
      warning: 'no Redis connection: recrawl schedules are synced when the workers next start',
    };
  try {
    await syncRecrawlSchedules(ctx.db, ctx.schedules);
    return { synced: true, warning: null };
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'recrawl schedules not synced');
    return {
      synced: false,
      warning: `recrawl schedules not synced (${errorMessage(err)}); workers sync them when they start`,
    };
  }
}

export function registerSourceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/sources',
    {
      config: { perm: 'read' },
      schema: {
        summary:
          'Sources with crawl health (last success, last error, blocked by login/CAPTCHA, recent runs)',
      },
    },
    async (req) => {
      const a = authOf(req);
      const sources = await listSources(db, a.workspaceId);
      const out = [];
      for (const s of sources) {
        const runs = await latestRuns(db, s.id, 10);
        const finished = runs.filter((r) => r.finishedAt);
        const pages = finished.reduce((n, r) => n + r.pagesFetched + r.pagesFailed, 0);
        const failed = finished.reduce((n, r) => n + r.pagesFailed, 0);
        // Never hand stored session cookies back to the browser: only whether one is set.
        const { session, ...rest } = s;
        out.push({
          ...rest,
          hasSession: session !== null,
          errorRate: pages ? failed / pages : null,
          lastRun: runs[0] ?? null,
        });
      }
      return { sources: out };
    },
  );

  app.post(
    '/api/sources/:id/session',
    {
      config: { perm: 'sources' },
      schema: {
        summary: 'Supply session cookies for a source (clears its "needs a human" block)',
        params: idParams,
        body: {
          type: 'object',
          required: ['cookies'],
          properties: { cookies: { type: 'array', maxItems: 100 } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      const parsed = sourceSessionSchema.safeParse(req.body);
      if (!parsed.success) throw new HttpError(400, `invalid session: ${formatIssues(parsed.error)}`);
      await withTransaction(db, async (tx) => {
        const s = await getSourceById(tx, a.workspaceId, id);
        if (!s) throw new HttpError(404, 'source not found');
        await setSourceSession(tx, s.id, parsed.data);
        await appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'source.session',
          entityType: 'source',
          entityId: s.id,
          before: { needsHuman: s.needsHuman },
          after: { cookies: parsed.data.cookies.map((c) => c.name) },
        });
      });
      return { ok: true };
    },
  );

  app.post(
    '/api/sources',
    {
      config: { perm: 'sources' },
      schema: {
        summary: 'Add a source (name, kind, urls, fetchMode, policy…; validated like `darkwatch source add`)',
        body: { type: 'object', required: ['name', 'urls'] },
      },
    },
    async (req) => {
      const a = authOf(req);
      checkPatterns(req.body);
      const added = await withTransaction(db, async (tx) => {
        const src = await addSource(tx, a.workspaceId, req.body as SourceInput);
        await appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'source.add',
          entityType: 'source',
          entityId: src.id,
          after: {
            name: src.name,
            kind: src.kind,
            urls: src.baseUrls,
            fetchMode: src.fetchMode,
            enabled: src.enabled,
            policy: src.policy,
          },
        });
        const { session: _session, ...rest } = src;
        return rest;
      });
      return { ...added, schedule: await syncSchedules(ctx, req.log) };
    },
  );

  app.patch(
    '/api/sources/:id',
    {
      config: { perm: 'sources' },
      schema: {
        summary:
          'Edit a source: kind, fetchMode, enabled and crawl policy fields (requestsPerMinute, concurrency, maxDepth, pageBudget, include, exclude, seeds, recrawlIntervalSec, javascript, allowImages), validated like `darkwatch source add`; recrawl schedules are synced',
        params: idParams,
        body: { type: 'object' },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { id } = req.params as { id: number };
      checkPatterns(req.body);
      const changed = await withTransaction(db, async (tx) => {
        const res = await updateSource(tx, a.workspaceId, id, req.body);
        if (!res) throw new HttpError(404, 'source not found');
        await appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'source.update',
          entityType: 'source',
          entityId: id,
          before: res.before,
          after: res.after,
        });
        const { session: _session, ...rest } = res.source;
        return rest;
      });
      return { ...changed, schedule: await syncSchedules(ctx, req.log) };
    },
  );

  app.post(
    '/api/sources/:id/crawl',
    {
      config: { perm: 'sources' },
      schema: { summary: 'Start a crawl run of the source now (workers pick it up)', params: idParams },
    },
    async (req) => {
      const a = authOf(req);
      if (!ctx.pipeline)
        throw new HttpError(503, 'no Redis connection: crawls cannot be queued from this server');
      const s = await getSourceById(db, a.workspaceId, (req.params as { id: number }).id);
      if (!s) throw new HttpError(404, 'source not found');
      if (!s.enabled) throw new HttpError(409, `source "${s.name}" is disabled`);
      const run = await startCrawlRun({ db, ...ctx.pipeline }, s, 'manual');
      await withTransaction(db, (tx) =>
        appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'source.crawl',
          entityType: 'source',
          entityId: s.id,
          after: { run: run.id },
        }),
      );
      return { run: run.id, status: run.status };
    },
  );

  app.get(
    '/api/queues',
    { config: { perm: 'read' }, schema: { summary: 'Depth of the pipeline queues (crawl, extract, match)' } },
    async () => {
      if (!ctx.pipeline) throw new HttpError(503, 'no Redis connection');
      const q = ctx.pipeline.queues;
      const counts = async (queue: typeof q.crawl | typeof q.extract | typeof q.match) =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
      return { crawl: await counts(q.crawl), extract: await counts(q.extract), match: await counts(q.match) };
    },
  );

  app.get(
    '/api/search',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Search stored listings or posts: full text (websearch syntax), fuzzy (trigram) and filters',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 500 },
            kind: { type: 'string', enum: ['listings', 'posts'] },
            fuzzy: { type: 'boolean' },
            category: { type: 'string', enum: [...CATEGORIES] },
            site: { type: 'string', maxLength: 200 },
            vendor: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 200 },
            offset: { type: 'integer', minimum: 0, maximum: 100000 },
          },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const q = req.query as {
        q?: string;
        kind?: 'listings' | 'posts';
        fuzzy?: boolean;
        category?: string;
        site?: string;
        vendor?: string;
        limit?: number;
        offset?: number;
      };
      let sourceId: number | undefined;
      if (q.site) {
        const s = await getSource(db, a.workspaceId, q.site);
        if (!s) return { kind: q.kind ?? 'listings', results: [] };
        sourceId = s.id;
      }
      const opts = {
        q: q.q ?? '',
        fuzzy: q.fuzzy,
        category: q.category,
        sourceId,
        vendor: q.vendor,
        limit: q.limit,
        offset: q.offset,
      };
      const results =
        q.kind === 'posts'
          ? await searchPosts(db, a.workspaceId, opts)
          : await searchListings(db, a.workspaceId, opts);
      return { kind: q.kind ?? 'listings', results };
    },
  );
}
