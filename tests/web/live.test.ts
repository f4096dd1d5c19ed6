// Live alerts: a message on the database's Redis channel <prefix>:<instance key>:alerts reaches the
// SSE streams of the browsers watching that workspace — and only those — through a real Redis and a real socket.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../web/server.js';
import { alertsChannel, publishAlert } from '../../workers/alert-channel.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { openSseStream as openStream, waitFor } from '../helpers/sse.js';
import { login } from './client.js';
import { seed, type Seeded } from './seed.js';

describe('live alert stream (SSE over Redis pub/sub)', () => {
  let t: TestDatabase;
  let s: Seeded;
  let app: FastifyInstance;
  let base: string;
  let pub: Redis;
  /** The namespaced prefix of this database's pipeline, whose channel the server listens to. */
  let keyPrefix: string;
  const { url: redisUrl, prefix } = testRedis('live');

  beforeAll(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    keyPrefix = await pipelinePrefix(t.db, prefix);
    const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    pub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    app = await buildServer({ db: t.db, subscriber, redis, redisPrefix: prefix });
    app.addHook('onClose', async () => redis.disconnect());
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    pub?.disconnect();
    await app?.close();
    await t?.drop();
  });

  it('delivers alerts of a workspace to its watchers only, re-read through the workspace-scoped store', async () => {
    expect(alertsChannel(keyPrefix)).toBe(`${keyPrefix}:alerts`);
    const analyst = await login(app, 'analyst1');
    const trainee = await login(app, 'trainee1');
    const streams = Array.from({ length: 20 }, () => openStream(base, analyst.cookie));
    const traineeStream = openStream(base, trainee.cookie);
    await Promise.all([...streams, traineeStream].map((x) => x.opened));

    // Garbage on the channel is ignored; a message naming an alert of another workspace is not
    // rendered for a stream whose workspace differs.
    await pub.publish(alertsChannel(keyPrefix), 'not json');
    await pub.publish(
      alertsChannel(keyPrefix),
      JSON.stringify({ workspaceId: s.trainingWs, alertId: s.alertIds[0], created: true }),
    );
    await publishAlert(pub, keyPrefix, { workspaceId: s.opWs, alertId: s.alertIds[0]!, created: true });
    await waitFor(() => streams.every((x) => x.events.length >= 1), 30_000, 'the alert on every stream');
    for (const x of streams)
      expect(x.events).toEqual([
        {
          event: 'alert',
          id: String(s.alertIds[0]),
          data: expect.objectContaining({ id: s.alertIds[0], title: 'Glock 19 Gen5 pistol' }),
        },
      ]);

    await publishAlert(pub, keyPrefix, {
      workspaceId: s.trainingWs,
      alertId: s.trainingAlertId,
      created: true,
    });
    await waitFor(() => traineeStream.events.length >= 1, 30_000, 'the training alert');
    expect(traineeStream.events.map((e) => (e.data as { id: number }).id)).toEqual([s.trainingAlertId]);
    await new Promise((r) => setTimeout(r, 200));
    for (const x of streams) expect(x.events).toHaveLength(1);
    for (const x of [...streams, traineeStream]) x.close();
  });

  it('refuses the stream without a session', async () => {
    const res = await fetch(`${base}/api/alerts/stream`);
    expect(res.status).toBe(401);
  });

  it('adds a source, queues a crawl run on the pipeline queues and shows queue depths', async () => {
    const analyst = await login(app, 'analyst1');
    const trainee = await login(app, 'trainee1');
    const onion = `http://${'a'.repeat(56)}.onion/`;
    const bad = await analyst.post('/api/sources', { name: 'gamma', urls: ['javascript:alert(1)'] });
    expect(bad.statusCode).toBe(400);
    const added = await analyst.post('/api/sources', { name: 'gamma-market', kind: 'market', urls: [onion] });
    expect(added.statusCode, added.body).toBe(200);
    const id = added.json().id;
    expect((await trainee.post(`/api/sources/${id}/crawl`)).statusCode).toBe(403);
    const crawl = await analyst.post(`/api/sources/${id}/crawl`);
    expect(crawl.statusCode, crawl.body).toBe(200);
    const run = await t.db.query('select source_id, status from crawl_runs where id = $1', [
      crawl.json().run,
    ]);
    expect(run.rows[0]).toMatchObject({ source_id: id });
    const queues = (await analyst.get('/api/queues')).json();
    expect(queues.crawl.waiting + queues.crawl.active + queues.crawl.delayed).toBeGreaterThanOrEqual(1);
    const audit = await t.db.query(
      `select action from audit_log where entity_type = 'source' and entity_id = $1 order by id`,
      [String(id)],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['source.add', 'source.crawl']);
  });
});
