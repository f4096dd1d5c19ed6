// Live alerts of two databases that share one Redis and one DARKWATCH_REDIS_PREFIX: each alert the
// match worker of database A creates — operational pipeline or an exercise's own pipeline — reaches
// the SSE clients of A's web app, and B's web app never hears of it (its hub's subscriber connection
// receives no message from A's channels, so B's hub has nothing to dispatch or re-read), and the
// other way round. Real PostgreSQL, Redis, BullMQ match workers and sockets.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Db } from '../../store/db.js';
import { upsertListing } from '../../store/records.js';
import { buildServer } from '../../web/server.js';
import { alertsChannel, exercisePrefix, publishAlert } from '../../workers/alert-channel.js';
import { addMatchJob, jobId, pipelinePrefix, type MatchJob } from '../../workers/queues.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { storeRules } from '../helpers/rules.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { openSseStream, waitFor, type SseStream } from '../helpers/sse.js';
import { login } from './client.js';
import { listing, seed, type Seeded } from './seed.js';

const EXERCISE_ID = 1;
const WAIT_MS = 60_000;
const GLOCK_RULE = 'rules:\n  - name: glock-live\n    severity: high\n    query: glock\n';

interface Side {
  name: string;
  t: TestDatabase;
  s: Seeded;
  app: FastifyInstance;
  /** The channels the web app's subscriber connection received a message on, in order. */
  heard: string[];
  opChannel: string;
  exerciseChannel: string;
  operational: RunningPipeline;
  exercise: RunningPipeline;
  analyst: SseStream;
  trainee: SseStream;
}

describe('live alerts of two databases on one Redis and one prefix', () => {
  const redis = testRedis('live-dbs');
  const sides: Side[] = [];
  let pub: Redis;

  const pipeline = (t: TestDatabase, prefix: string) =>
    startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix,
      proxyUrl: 'socks5h://127.0.0.1:1',
      chromiumPath: '/nonexistent',
      queues: ['match'],
      concurrency: 1,
      extract: () => ({
        pageType: 'other',
        site: null,
        listings: [],
        posts: [],
        entities: [],
        language: null,
      }),
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
    });

  async function openSide(name: string): Promise<Side> {
    const t = await freshDatabase();
    const s = await seed(t.db);
    // The seed's rules are bare stubs for the web tests; the match worker needs real ones.
    await t.db.query('update rules set enabled = false');
    for (const ws of [s.opWs, s.trainingWs]) await storeRules(t.db, ws, GLOCK_RULE);
    const subscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
    const heard: string[] = [];
    // The same connection the hub listens on: whatever it is not sent, the hub cannot dispatch.
    subscriber.on('message', (channel: string) => heard.push(channel));
    subscriber.on('pmessage', (_pattern: string, channel: string) => heard.push(channel));
    const app = await buildServer({ db: t.db, subscriber, redisPrefix: redis.prefix });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const analyst = openSseStream(base, (await login(app, 'analyst1')).cookie);
    const trainee = openSseStream(base, (await login(app, 'trainee1')).cookie);
    await Promise.all([analyst.opened, trainee.opened]);
    const exPrefix = exercisePrefix(redis.prefix, EXERCISE_ID);
    return {
      name,
      t,
      s,
      app,
      heard,
      opChannel: alertsChannel(await pipelinePrefix(t.db, redis.prefix)),
      exerciseChannel: alertsChannel(await pipelinePrefix(t.db, exPrefix)),
      operational: await pipeline(t, redis.prefix),
      exercise: await pipeline(t, exPrefix),
      analyst,
      trainee,
    };
  }

  beforeAll(async () => {
    sides.push(await openSide('A'), await openSide('B'));
    pub = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  }, 120_000);

  afterAll(async () => {
    for (const side of sides) {
      side.analyst.close();
      side.trainee.close();
      await side.operational.close();
      await side.exercise.close();
      await side.app.close();
      await side.t.drop();
    }
    pub?.disconnect();
  });

  /** A new glock listing in `ws`, run through `through`'s match worker; the ids of the alerts it made. */
  async function matchNewListing(
    db: Db,
    through: RunningPipeline,
    ws: number,
    sourceId: number,
    snapshotId: number,
    tag: string,
  ) {
    const change = await withTransaction(db, (tx) =>
      upsertListing(tx, {
        workspaceId: ws,
        sourceId,
        vendorId: null,
        language: 'en',
        snapshotId: null,
        seenAt: new Date(),
        listing: listing({ title: `Glock 17 Gen4 ${tag}`, url: `http://live-dbs.onion/${tag}` }),
      }),
    );
    const job: MatchJob = {
      snapshotId,
      workspaceId: ws,
      listings: [{ id: change.listingId, isNew: true, relisted: false, changed: [] }],
    };
    await addMatchJob(through.queues, job);
    await waitFor(
      async () => {
        const state = await through.queues.match.getJobState(jobId.match(job));
        if (state === 'failed')
          throw new Error(
            `match job of ${tag} failed: ${(await through.queues.match.getJob(jobId.match(job)))?.failedReason}`,
          );
        return state === 'completed';
      },
      WAIT_MS,
      `the match job of ${tag}`,
    );
    const { rows } = await db.query<{ id: number }>(
      `select id::int from alerts where workspace_id = $1 and subject_type = 'listing' and subject_id = $2 order by id`,
      [ws, change.listingId],
    );
    expect(rows.length, `alerts of ${tag}`).toBeGreaterThan(0);
    return rows.map((r) => r.id);
  }

  /** One operational and one exercise alert made by the side's own pipelines, seen by its own browsers. */
  async function alertOn(side: Side): Promise<void> {
    const { t, s } = side;
    const op = await matchNewListing(
      t.db,
      side.operational,
      s.opWs,
      s.sourceId,
      s.snapshotId,
      `${side.name}-op`,
    );
    const ex = await matchNewListing(
      t.db,
      side.exercise,
      s.trainingWs,
      s.trainingSourceId,
      s.trainingSnapshotId,
      `${side.name}-ex`,
    );
    await waitFor(
      () =>
        op.every((id) => side.analyst.alertIds().includes(id)) &&
        ex.every((id) => side.trainee.alertIds().includes(id)),
      WAIT_MS,
      `${side.name}'s alerts on ${side.name}'s streams`,
    );
    expect(side.analyst.alertIds()).toEqual(op);
    expect(side.trainee.alertIds()).toEqual(ex);
  }

  it('keeps each database’s alert channels, and so its pushes and re-reads, to its own web app', async () => {
    const [a, b] = sides as [Side, Side];
    // Clones of one template, but each database has its own instance key, hence its own channels.
    expect(a.opChannel).not.toBe(b.opChannel);
    expect(a.exerciseChannel).not.toBe(b.exerciseChannel);
    expect(a.opChannel.startsWith(`${redis.prefix}:`)).toBe(true);
    expect(a.exerciseChannel.startsWith(`${exercisePrefix(redis.prefix, EXERCISE_ID)}:`)).toBe(true);

    // A's pipelines publish; A's browsers get exactly A's alerts.
    await alertOn(a);
    expect(a.heard).toHaveLength(a.analyst.alertIds().length + a.trainee.alertIds().length);
    // Then B's: Redis hands each subscriber its messages in publish order, so once B's own messages
    // have arrived, any of A's (published earlier) would have arrived at B's hub before them.
    await alertOn(b);
    // B's hub heard one message per event of its own browsers (none of A's), on B's channels only.
    expect(b.heard).toHaveLength(b.analyst.alertIds().length + b.trainee.alertIds().length);
    expect(new Set(b.heard)).toEqual(new Set([b.opChannel, b.exerciseChannel]));

    // The same the other way round: a marker on A's channel, published after all of B's messages;
    // once A's browser has it, A's hub has heard everything published before it.
    const heardBefore = a.heard.length;
    const eventsBefore = a.analyst.alertIds().length;
    const marker = a.analyst.alertIds()[0]!;
    await publishAlert(pub, await pipelinePrefix(a.t.db, redis.prefix), {
      workspaceId: a.s.opWs,
      alertId: marker,
      created: true,
    });
    await waitFor(() => a.analyst.alertIds().length === eventsBefore + 1, WAIT_MS, 'the marker at A');
    expect(a.heard).toHaveLength(heardBefore + 1);
    expect(new Set(a.heard)).toEqual(new Set([a.opChannel, a.exerciseChannel]));
  });
});
