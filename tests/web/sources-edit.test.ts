// Editing a source from the web (PATCH /api/sources/:id) against a real PostgreSQL and Redis:
// policy validated by the CLI's zod schema, URL patterns compiled as the crawler compiles them,
// before/after in the audit log, recrawl schedulers synced in the schedule queue, roles and
// workspaces enforced, and hostile input refused with nothing changed.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../store/audit.js';
import { getSourceById } from '../../store/sources.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { openScheduleQueue, schedulerId } from '../../workers/schedule.js';
import { buildServer } from '../../web/server.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from './client.js';
import { seed, type Seeded } from './seed.js';

let t: TestDatabase;
let app: FastifyInstance;
let noRedisApp: FastifyInstance;
let s: Seeded;
let redis: Redis;
let keyPrefix: string;
const as: Record<string, Client> = {};
const { url: redisUrl, prefix } = testRedis('srcedit');

beforeAll(async () => {
  t = await freshDatabase();
  s = await seed(t.db);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  app = await buildServer({ db: t.db, redis, redisPrefix: prefix });
  noRedisApp = await buildServer({ db: t.db });
  keyPrefix = await pipelinePrefix(t.db, prefix);
  for (const u of ['admin1', 'analyst1', 'trainer1', 'trainee1']) as[u] = await login(app, u);
});
afterAll(async () => {
  await app?.close();
  await noRedisApp?.close();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  await t?.drop();
});

async function schedulers(): Promise<Map<string, number | undefined>> {
  const q = openScheduleQueue(redis, keyPrefix);
  try {
    return new Map(
      (await q.getJobSchedulers(0, -1)).map((j) => [j.key, j.every ? Number(j.every) : undefined]),
    );
  } finally {
    await q.close();
  }
}

async function auditOf(id: number): Promise<Array<{ action: string; before: unknown; after: unknown }>> {
  const { rows } = await t.db.query(
    `select action, before, after from audit_log where entity_type = 'source' and entity_id = $1 order by id`,
    [String(id)],
  );
  return rows;
}

describe('editing a source', () => {
  it('changes the crawl policy, audits before/after and schedules recrawls', async () => {
    const c = as.analyst1!;
    const res = await c.patch(`/api/sources/${s.sourceId}`, {
      fetchMode: 'browser',
      policy: {
        requestsPerMinute: 12,
        concurrency: 3,
        maxDepth: 2,
        pageBudget: 250,
        include: ['/product/*', 're:^/forum/t/[0-9]+$'],
        exclude: ['/logout*'],
        recrawlIntervalSec: 3600,
        javascript: true,
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: s.sourceId,
      fetchMode: 'browser',
      schedule: { synced: true, warning: null },
    });
    expect(body.session).toBeUndefined();
    const stored = (await getSourceById(t.db, s.opWs, s.sourceId))!;
    expect(stored.fetchMode).toBe('browser');
    // Untouched fields keep their values; changed ones are stored.
    expect(stored.policy).toMatchObject({
      requestsPerMinute: 12,
      concurrency: 3,
      maxDepth: 2,
      pageBudget: 250,
      include: ['/product/*', 're:^/forum/t/[0-9]+$'],
      exclude: ['/logout*'],
      recrawlIntervalSec: 3600,
      javascript: true,
      allowImages: false,
      seeds: ['/'],
    });
    expect((await schedulers()).get(schedulerId(s.sourceId))).toBe(3_600_000);
    const audit = await auditOf(s.sourceId);
    const last = audit[audit.length - 1]!;
    expect(last.action).toBe('source.update');
    expect(last.before).toMatchObject({
      fetchMode: 'http',
      policy: { requestsPerMinute: 60, recrawlIntervalSec: null },
    });
    expect(last.after).toMatchObject({
      fetchMode: 'browser',
      policy: { requestsPerMinute: 12, recrawlIntervalSec: 3600 },
    });
    expect((await verifyAuditLog(t.db)).ok).toBe(true);

    // A new interval replaces the scheduler; switching recrawls off or disabling removes it.
    await c.patch(`/api/sources/${s.sourceId}`, { policy: { recrawlIntervalSec: 600 } });
    expect((await schedulers()).get(schedulerId(s.sourceId))).toBe(600_000);
    await c.patch(`/api/sources/${s.sourceId}`, { enabled: false });
    expect((await schedulers()).has(schedulerId(s.sourceId))).toBe(false);
    await c.patch(`/api/sources/${s.sourceId}`, { enabled: true });
    expect((await schedulers()).get(schedulerId(s.sourceId))).toBe(600_000);
    await c.patch(`/api/sources/${s.sourceId}`, { policy: { recrawlIntervalSec: null } });
    expect((await schedulers()).has(schedulerId(s.sourceId))).toBe(false);
  });

  it('schedules a source added through the web with a recrawl interval', async () => {
    const res = await as.admin1!.post('/api/sources', {
      name: 'gamma-shop',
      kind: 'shop',
      urls: ['http://gammaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion/'],
      policy: { recrawlIntervalSec: 900 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().schedule).toEqual({ synced: true, warning: null });
    expect((await schedulers()).get(schedulerId(res.json().id))).toBe(900_000);
    expect((await auditOf(res.json().id))[0]).toMatchObject({
      action: 'source.add',
      after: { policy: { recrawlIntervalSec: 900 } },
    });
  });

  it('saves without Redis and says the schedules will be synced by the workers', async () => {
    const c = await login(noRedisApp, 'analyst1');
    const res = await c.patch(`/api/sources/${s.source2Id}`, { policy: { pageBudget: 77 } });
    expect(res.statusCode).toBe(200);
    expect(res.json().schedule.synced).toBe(false);
    expect(res.json().schedule.warning).toMatch(/workers next start/);
    expect((await getSourceById(t.db, s.opWs, s.source2Id))!.policy.pageBudget).toBe(77);
  });

  it('gives each role its rights and keeps workspaces apart', async () => {
    const body = { policy: { pageBudget: 99 } };
    expect((await as.trainee1!.patch(`/api/sources/${s.trainingSourceId}`, body)).statusCode).toBe(403);
    expect((await as.trainer1!.patch(`/api/sources/${s.sourceId}`, body)).statusCode).toBe(404);
    expect((await as.trainer1!.patch(`/api/sources/${s.trainingSourceId}`, body)).statusCode).toBe(200);
    expect((await as.admin1!.patch(`/api/sources/${s.source2Id}`, body)).statusCode).toBe(200);
    // An analyst may edit a training source only by choosing that workspace.
    expect((await as.analyst1!.patch(`/api/sources/${s.trainingSourceId}`, body)).statusCode).toBe(404);
    expect(
      (
        await as.analyst1!.patch(`/api/sources/${s.trainingSourceId}`, body, {
          'x-darkwatch-workspace': String(s.trainingWs),
        })
      ).statusCode,
    ).toBe(200);
    const anon = await app.inject({ method: 'PATCH', url: `/api/sources/${s.sourceId}`, payload: body });
    expect(anon.statusCode).toBe(401);
    const noCsrf = await app.inject({
      method: 'PATCH',
      url: `/api/sources/${s.sourceId}`,
      cookies: { dw_session: as.analyst1!.cookie },
      payload: body,
    });
    expect(noCsrf.statusCode).toBe(403);
    const forged = await as.analyst1!.patch(`/api/sources/${s.sourceId}`, body, {
      'x-csrf-token': as.admin1!.csrf,
    });
    expect(forged.statusCode).toBe(403);
  });

  it('refuses hostile and invalid changes with clear errors and changes nothing', async () => {
    const c = as.analyst1!;
    const before = (await getSourceById(t.db, s.opWs, s.source2Id))!;
    const auditBefore = (await auditOf(s.source2Id)).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ policy: { requestsPerMinute: 1e9 } }, /requestsPerMinute/],
      [{ policy: { concurrency: 0 } }, /concurrency/],
      [{ policy: { maxDepth: -1 } }, /maxDepth/],
      [{ policy: { recrawlIntervalSec: 5 } }, /recrawlIntervalSec/],
      [{ policy: { include: ['re:(a)\\1'] } }, /invalid include pattern/],
      [{ policy: { exclude: ['re:(?=x)'] } }, /invalid exclude pattern/],
      [{ policy: { include: ['x'.repeat(600)] } }, /include|pattern/],
      [{ policy: { include: Array.from({ length: 201 }, (_, i) => `/p${i}`) } }, /include/],
      [{ policy: { proxy: 'socks5://evil:1080' } }, /proxy|Unrecognized|unrecognized/],
      [{ policy: 'rm -rf /' }, /policy/],
      [{ fetchMode: 'curl' }, /fetchMode/],
      [{ kind: "market'; drop table sources; --" }, /kind/],
      [{ enabled: 'yes' }, /enabled/],
      [{ session: { cookies: [] } }, /session|Unrecognized|unrecognized/],
      [{}, /nothing to change/],
    ];
    for (const [body, message] of cases) {
      const res = await c.patch(`/api/sources/${s.source2Id}`, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json().error, JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
    for (const id of ['1 or 1=1', '-1', '0', '99999999999999999999', '1;drop']) {
      expect((await c.patch(`/api/sources/${encodeURIComponent(id)}`, { enabled: false })).statusCode).toBe(
        400,
      );
    }
    expect((await c.patch('/api/sources/987654', { enabled: false })).statusCode).toBe(404);
    const huge = await c.patch(`/api/sources/${s.source2Id}`, { policy: { seeds: ['/'.repeat(2_000_000)] } });
    expect(huge.statusCode).toBe(413);
    const notJson = await c.patch(`/api/sources/${s.source2Id}`, 'enabled=false', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(notJson.statusCode).toBe(415);
    expect(await getSourceById(t.db, s.opWs, s.source2Id)).toEqual(before);
    expect((await auditOf(s.source2Id)).length).toBe(auditBefore);
  });
});
