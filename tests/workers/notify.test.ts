// Signed webhooks: a new alert from the match stage is POSTed, signed, to a local receiver, through
// the real notify BullMQ worker, with retries recorded on the delivery row.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHit } from '../../store/alerts.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { putBlob } from '../../store/evidence.js';
import { upsertListing } from '../../store/records.js';
import type { StoredRule } from '../../store/rules.js';
import {
  addWebhook,
  createDeliveries,
  listDeliveries,
  listWebhooks,
  removeWebhook,
  validateWebhookUrl,
  WebhookUrlError,
} from '../../store/webhooks.js';
import { processMatchJob, RuleSetCache } from '../../workers/match.js';
import {
  enqueueAlertWebhooks,
  postWebhook,
  requeuePendingDeliveries,
  signBody,
  webhookBody,
} from '../../workers/notify.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { makeSource, opWorkspaceId } from '../helpers/fixtures.js';
import { storeRules } from '../helpers/rules.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A receiver on 127.0.0.1:0 whose answer per path is scripted (a list of status codes, last one repeats). */
async function startReceiver(script: Record<string, number[]>) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const codes = script[path] ?? [200];
      const n = received.filter((r) => r.path === path).length;
      const status = codes[Math.min(n - 1, codes.length - 1)]!;
      if (status >= 300 && status < 400) res.writeHead(status, { location: '/ok' }).end();
      else if (status === 0)
        return; // hang: never answer
      else res.writeHead(status).end('x'.repeat(10));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function verify(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  const got = Buffer.from(header.slice(7));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook URL validation (hostile input)', () => {
  it.each([
    ['', /empty/],
    ['ftp://example.org/hook', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['gopher://127.0.0.1:6379/_FLUSHALL', /http or https/],
    ['http://user:pw@127.0.0.1/hook', /credentials/],
    ['http://127.0.0.1/ho ok', /whitespace or control/],
    ['http://127.0.0.1/\r\nX-Injected: 1', /whitespace or control/],
    ['http://127.0.0.1/\u0000', /whitespace or control/],
    ['not a url', /whitespace|not a URL/],
    ['//127.0.0.1/hook', /not a URL/],
    [`http://127.0.0.1/${'a'.repeat(5000)}`, /longer than/],
    ['http://127.0.0.1/\u0000\uffff\ud800binary', /whitespace or control/],
  ])('rejects hostile URL #%#', (url, message) => {
    expect(() => validateWebhookUrl(url)).toThrow(WebhookUrlError);
    expect(() => validateWebhookUrl(url)).toThrow(message);
  });

  it('accepts http and https', () => {
    expect(validateWebhookUrl('https://hooks.example.org/x?y=1').protocol).toBe('https:');
    expect(validateWebhookUrl('http://127.0.0.1:8080/').port).toBe('8080');
  });

  it('signs the exact body: any change to it breaks the signature', () => {
    const body = webhookBody(
      { deliveryId: 1, event: 'alert.created', alert: { id: 1 } as never },
      new Date(0),
    );
    const sig = signBody('s3cret', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify('s3cret', Buffer.from(body), sig)).toBe(true);
    expect(verify('s3cret', Buffer.from(body + ' '), sig)).toBe(false);
    expect(verify('other', Buffer.from(body), sig)).toBe(false);
  });
});

describe('signed webhooks through the notify worker', () => {
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let ws: number;
  let rule: StoredRule;
  let sourceId: number;
  let nextSubject = 1000;

  beforeAll(async () => {
    t = await freshDatabase();
    const redis = testRedis('notify');
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: redis.prefix,
      proxyUrl: 'socks5h://127.0.0.1:1',
      chromiumPath: '/nonexistent',
      queues: ['notify'],
      concurrency: 4,
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
      // A loaded machine can stall this process for a second or more; a receiver that did answer
      // must not count as timed out (an extra attempt would break the attempt counts below).
      notify: { backoffBaseMs: 40, timeoutMs: 15_000 },
    });
    receiver = await startReceiver({
      '/flaky': [500, 500, 200],
      '/down': [500],
      '/gone': [404],
      '/moved': [302],
      '/slow': [0],
    });
    ws = await opWorkspaceId(t.db);
    sourceId = (await makeSource(t.db, 'hookmarket')).id;
    rule = (
      await storeRules(t.db, ws, 'rules:\n  - name: glock-hook\n    severity: high\n    query: glock\n')
    ).get('glock-hook')!;
  });
  afterAll(async () => {
    await pipeline?.close();
    await receiver?.close();
    await t?.drop();
  });

  async function onlyHook(path: string, minSeverity: 'low' | 'high' | 'critical' = 'low') {
    for (const w of await listWebhooks(t.db, ws))
      await withTransaction(t.db, (tx) => removeWebhook(tx, ws, w.id, SYSTEM_ACTOR));
    return withTransaction(t.db, (tx) =>
      addWebhook(tx, ws, { url: receiver.url(path), minSeverity }, SYSTEM_ACTOR),
    );
  }

  async function newAlert(severity: 'high' | 'low' = 'high') {
    const r = await withTransaction(t.db, (tx) =>
      recordHit(tx, {
        workspaceId: ws,
        ruleId: rule.ruleId,
        ruleVersionId: rule.ruleVersionId,
        severity,
        subjectType: 'listing',
        subjectId: nextSubject++,
        title: 'Glock 19 Gen5',
        matchedTerms: [],
        snapshotId: null,
        sourceId,
        category: 'firearms',
      }),
    );
    return r!.alertId;
  }

  it('delivers a new alert from the match stage, signed with the webhook secret', async () => {
    const { webhook, secret } = await onlyHook('/ok');
    const change = await withTransaction(t.db, (tx) =>
      upsertListing(tx, {
        workspaceId: ws,
        sourceId,
        vendorId: null,
        language: 'en',
        snapshotId: null,
        seenAt: new Date(),
        listing: {
          title: 'Glock 19 Gen5, boxed',
          description: 'ships fast',
          price: { amount: 900, currency: 'EUR' },
          priceEur: 900,
          vendor: 'ironhand',
          category: 'Weapons > Handguns',
          classification: { label: 'firearms', confidence: 0.9 },
          shipsFrom: 'RS',
          shipsTo: ['EU'],
          url: 'http://hookmarket.onion/listing/1',
        },
      }),
    );
    const sha = await putBlob(t.db, Buffer.from('<html>Glock 19 Gen5</html>'));
    const snap = await t.db.query<{ id: number }>(
      `insert into snapshots (workspace_id, source_id, url, final_url, status_code, content_sha256, content_length, fetch_mode)
       values ($1, $2, 'http://hookmarket.onion/listing/1', 'http://hookmarket.onion/listing/1', 200, $3, 26, 'http') returning id`,
      [ws, sourceId, sha],
    );
    const deps = {
      db: t.db,
      redis: pipeline.redis,
      keyPrefix: 'unused',
      rules: new RuleSetCache(),
      notify: pipeline.queues,
      log: pino({ level: 'silent' }),
    };
    const job = {
      snapshotId: snap.rows[0]!.id,
      workspaceId: ws,
      listings: [{ id: change.listingId, isNew: true, relisted: false, changed: [] }],
    };
    const outcome = await processMatchJob(deps, job);
    expect(outcome.newAlerts).toHaveLength(1);
    const got = await until('the delivery', async () => receiver.received.find((r) => r.path === '/ok'));
    expect(got.headers['content-type']).toBe('application/json');
    expect(verify(secret, got.body, got.headers['x-darkwatch-signature'])).toBe(true);
    expect(verify('wrong-secret', got.body, got.headers['x-darkwatch-signature'])).toBe(false);
    const ts = Number(got.headers['x-darkwatch-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
    const payload = JSON.parse(got.body.toString('utf8'));
    expect(payload.event).toBe('alert.created');
    expect(payload.alert).toMatchObject({
      id: outcome.newAlerts[0],
      rule: 'glock-hook',
      severity: 'high',
      title: 'Glock 19 Gen5, boxed',
      site: 'hookmarket',
      category: 'firearms',
      url: 'http://hookmarket.onion/listing/1',
      vendor: 'ironhand',
    });
    const d = await until('delivered', async () =>
      (await listDeliveries(t.db, { webhookId: webhook.id })).find((x) => x.status === 'delivered'),
    );
    expect(d).toMatchObject({ attempts: 1, lastError: null });
    // A second sighting is not a new alert: no second delivery.
    await processMatchJob(deps, job);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/ok')).toHaveLength(1);
  });

  it('retries a receiver answering 500 twice, then records the delivery as delivered', async () => {
    const { webhook } = await onlyHook('/flaky');
    const alertId = await newAlert();
    expect(await enqueueAlertWebhooks(t.db, pipeline.queues, ws, alertId, 'high')).toHaveLength(1);
    const d = await until('delivered', async () =>
      (await listDeliveries(t.db, { webhookId: webhook.id })).find((x) => x.status === 'delivered'),
    );
    expect(d.attempts).toBe(3);
    expect(d.alertId).toBe(alertId);
    expect(receiver.received.filter((r) => r.path === '/flaky')).toHaveLength(3);
  });

  it('gives up after the bounded number of attempts when the receiver always fails', async () => {
    const { webhook } = await onlyHook('/down');
    await enqueueAlertWebhooks(t.db, pipeline.queues, ws, await newAlert(), 'high');
    const d = await until('failed', async () =>
      (await listDeliveries(t.db, { webhookId: webhook.id })).find((x) => x.status === 'failed'),
    );
    expect(d.attempts).toBe(6);
    expect(d.lastError).toBe('HTTP 500');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/down')).toHaveLength(6);
  });

  it('does not follow redirects, does not retry a 404, and times out a receiver that never answers', async () => {
    for (const [path, error, attempts] of [
      ['/moved', /HTTP 302: redirects are not followed/, 1],
      ['/gone', /HTTP 404/, 1],
    ] as const) {
      const { webhook } = await onlyHook(path);
      await enqueueAlertWebhooks(t.db, pipeline.queues, ws, await newAlert(), 'high');
      const d = await until('failed', async () =>
        (await listDeliveries(t.db, { webhookId: webhook.id })).find((x) => x.status === 'failed'),
      );
      expect(d.lastError).toMatch(error);
      expect(d.attempts).toBe(attempts);
    }
    expect(receiver.received.filter((r) => r.path === '/ok').length).toBeLessThanOrEqual(1);
    const started = Date.now();
    await expect(postWebhook(receiver.url('/slow'), 'k', '{}', 300)).rejects.toThrow(
      /timed out after 300 ms/,
    );
    expect(Date.now() - started).toBeLessThan(20_000); // the timeout fired (a hang would never end)
  });

  it('re-queues deliveries whose job was lost, without delivering any twice', async () => {
    const { webhook } = await onlyHook('/requeue');
    const [deliveryId] = await createDeliveries(t.db, ws, await newAlert(), 'high');
    expect(deliveryId).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.filter((r) => r.path === '/requeue')).toHaveLength(0); // nothing queued it yet
    expect(await requeuePendingDeliveries(t.db, pipeline.queues)).toBeGreaterThanOrEqual(1);
    await requeuePendingDeliveries(t.db, pipeline.queues);
    await until('delivered', async () =>
      (await listDeliveries(t.db, { webhookId: webhook.id })).find((x) => x.status === 'delivered'),
    );
    await requeuePendingDeliveries(t.db, pipeline.queues);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/requeue')).toHaveLength(1);
  });

  it('skips webhooks above the alert severity and refuses bad URLs at creation', async () => {
    await onlyHook('/ok', 'critical');
    expect(await enqueueAlertWebhooks(t.db, pipeline.queues, ws, await newAlert('low'), 'low')).toEqual([]);
    await expect(
      withTransaction(t.db, (tx) => addWebhook(tx, ws, { url: 'file:///etc/passwd' }, SYSTEM_ACTOR)),
    ).rejects.toThrow(WebhookUrlError);
    const audit = await t.db.query<{ action: string; after: { url?: string } }>(
      `select action, after from audit_log where action like 'webhook.%' order by id`,
    );
    expect(audit.rows.some((r) => r.action === 'webhook.add')).toBe(true);
    expect(audit.rows.some((r) => r.action === 'webhook.remove')).toBe(true);
    expect(JSON.stringify(audit.rows)).not.toMatch(/[0-9a-f]{64}/); // secrets never reach the audit log
  });
});
