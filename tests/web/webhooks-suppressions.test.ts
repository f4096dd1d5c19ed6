// Webhooks and suppressions from the web (real PostgreSQL): who may list, add, switch, lift and
// remove; every change audited with before/after and the secret never leaving except once; the
// changes have their real effect on the pipeline (deliveries queued or not, hits suppressed or
// not); workspaces kept apart; hostile input refused.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHitSuppressed } from '../../store/alerts.js';
import { verifyAuditLog } from '../../store/audit.js';
import { getRule } from '../../store/rules.js';
import { createDeliveries } from '../../store/webhooks.js';
import { buildServer } from '../../web/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from './client.js';
import { seed, XSS, type Seeded } from './seed.js';

let t: TestDatabase;
let app: FastifyInstance;
let s: Seeded;
const as: Record<string, Client> = {};

beforeAll(async () => {
  t = await freshDatabase();
  s = await seed(t.db);
  app = await buildServer({ db: t.db });
  for (const u of ['admin1', 'analyst1', 'trainer1', 'trainee1']) as[u] = await login(app, u);
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const del = (c: Client, url: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'DELETE',
    url,
    cookies: { dw_session: c.cookie },
    headers: { 'x-csrf-token': c.csrf, ...headers },
  });

async function audit(entityType: string, id: number) {
  const { rows } = await t.db.query<{ action: string; actor_name: string; before: unknown; after: unknown }>(
    `select action, actor_name, before, after from audit_log where entity_type = $1 and entity_id = $2 order by id`,
    [entityType, String(id)],
  );
  return rows;
}

/** Deliveries a new critical alert would queue right now (rolled back: nothing stays). */
async function wouldDeliver(): Promise<number> {
  const client = await t.db.connect();
  try {
    await client.query('begin');
    return (await createDeliveries(client, s.opWs, s.alertIds[0]!, 'critical')).length;
  } finally {
    await client.query('rollback');
    client.release();
  }
}

describe('webhooks', () => {
  it('lets an admin add one (secret shown once), switch it off and on, and remove it — audited, with effect', async () => {
    const admin = as.admin1!;
    const added = await admin.post('/api/webhooks', {
      url: 'https://receiver.example/dw',
      minSeverity: 'high',
    });
    expect(added.statusCode).toBe(200);
    const { webhook, secret } = added.json() as { webhook: { id: number; enabled: boolean }; secret: string };
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(webhook.enabled).toBe(true);
    expect(await wouldDeliver()).toBe(1);

    // The secret never appears again: not in the list, not in the audit log, not in the page.
    const list = await as.analyst1!.get('/api/webhooks');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    expect(list.json().webhooks).toEqual([
      expect.objectContaining({
        id: webhook.id,
        url: 'https://receiver.example/dw',
        minSeverity: 'high',
        enabled: true,
        deliveries: { pending: 0, delivered: 0, failed: 0, lastError: null },
      }),
    ]);
    expect(JSON.stringify(await audit('webhook', webhook.id))).not.toContain(secret);

    const off = await admin.post(`/api/webhooks/${webhook.id}/enabled`, { enabled: false });
    expect(off.statusCode).toBe(200);
    expect(await wouldDeliver()).toBe(0);
    await admin.post(`/api/webhooks/${webhook.id}/enabled`, { enabled: true });
    expect(await wouldDeliver()).toBe(1);
    const removed = await del(admin, `/api/webhooks/${webhook.id}`);
    expect(removed.statusCode).toBe(200);
    expect(await wouldDeliver()).toBe(0);
    expect((await del(admin, `/api/webhooks/${webhook.id}`)).statusCode).toBe(404);

    const trail = await audit('webhook', webhook.id);
    expect(trail.map((r) => r.action)).toEqual([
      'webhook.add',
      'webhook.disable',
      'webhook.enable',
      'webhook.remove',
    ]);
    expect(trail[1]).toMatchObject({
      actor_name: 'admin1',
      before: { enabled: true },
      after: { enabled: false },
    });
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
  });

  it('lets analysts and trainers look but only admins change, each in their workspace', async () => {
    const id = (await as.admin1!.post('/api/webhooks', { url: 'https://r2.example/hook' })).json().webhook.id;
    for (const u of ['analyst1', 'trainer1', 'trainee1']) {
      const c = as[u]!;
      expect((await c.post('/api/webhooks', { url: 'https://evil.example/' })).statusCode, u).toBe(403);
      expect((await c.post(`/api/webhooks/${id}/enabled`, { enabled: false })).statusCode, u).toBe(403);
      expect((await del(c, `/api/webhooks/${id}`)).statusCode, u).toBe(403);
    }
    expect((await as.trainee1!.get('/api/webhooks')).statusCode).toBe(403);
    expect((await as.trainee1!.get('/webhooks')).statusCode).toBe(403);
    // A trainer sees the exercise's webhooks only.
    const trainer = await as.trainer1!.get('/api/webhooks');
    expect(trainer.statusCode).toBe(200);
    expect(trainer.json().webhooks).toEqual([]);
    // An admin working in the training workspace cannot reach the operational webhook.
    const cross = await as.admin1!.post(
      `/api/webhooks/${id}/enabled`,
      { enabled: false },
      { 'x-darkwatch-workspace': String(s.trainingWs) },
    );
    expect(cross.statusCode).toBe(404);
    expect((await t.db.query('select enabled from webhooks where id = $1', [id])).rows[0].enabled).toBe(true);
    // CSRF: missing or another session's token.
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/webhooks',
      cookies: { dw_session: as.admin1!.cookie },
      payload: { url: 'https://x.example/' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(
      (await del(as.admin1!, `/api/webhooks/${id}`, { 'x-csrf-token': as.analyst1!.csrf })).statusCode,
    ).toBe(403);
    // The navigation shows the page only to roles that may open it.
    expect((await as.trainee1!.get('/')).body).not.toContain('href="/webhooks"');
    expect((await as.analyst1!.get('/')).body).toContain('href="/webhooks"');
  });

  it('refuses hostile URLs and values with clear errors and stores nothing', async () => {
    const before = (await t.db.query('select count(*)::int as n from webhooks')).rows[0].n;
    const bad: Array<[unknown, RegExp]> = [
      [{ url: 'javascript:alert(1)' }, /http or https/],
      [{ url: 'file:///etc/passwd' }, /http or https/],
      [{ url: 'http://user:pw@receiver.example/' }, /credentials/],
      [{ url: 'http://receiver.example/\nX-Injected: 1' }, /whitespace or control/],
      [{ url: 'not a url' }, /whitespace|not a URL/],
      [{ url: `https://receiver.example/${'a'.repeat(3000)}` }, /2048|longer/],
      [{ url: 'https://receiver.example/', minSeverity: 'urgent' }, /minSeverity|allowed values/],
      [{ url: 42 }, /not a URL/],
      [{}, /url/],
    ];
    for (const [body, message] of bad) {
      const res = await as.admin1!.post('/api/webhooks', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.json().error).toMatch(message);
    }
    for (const id of ['1 or 1=1', '0', '-3', '1e3x']) {
      expect(
        (await as.admin1!.post(`/api/webhooks/${encodeURIComponent(id)}/enabled`, { enabled: true }))
          .statusCode,
      ).toBe(400);
    }
    expect((await as.admin1!.post('/api/webhooks/5/enabled', { enabled: 'yes' })).statusCode).toBe(400);
    expect((await t.db.query('select count(*)::int as n from webhooks')).rows[0].n).toBe(before);
    // Markup in a URL path stays data.
    const xss = await as.admin1!.post('/api/webhooks', {
      url: 'https://receiver.example/<script>alert(1)</script>',
    });
    expect(xss.statusCode).toBe(200);
    expect(xss.json().webhook.url).not.toContain('<script>');
  });
});

describe('suppressions', () => {
  it('lets an analyst silence a rule for a vendor and lift it again — audited, with effect', async () => {
    const c = as.analyst1!;
    const rule = (await getRule(t.db, s.opWs, s.ruleName))!;
    expect(await isHitSuppressed(t.db, rule.ruleId, 'listing', s.listingId)).toBe(false);
    const res = await c.post('/api/suppressions', {
      rule: s.ruleName,
      subject: { type: 'vendor', name: 'GunSmith' },
      reason: 'informant, do not alert',
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    expect(res.statusCode).toBe(200);
    const sup = res.json().suppression;
    expect(sup).toMatchObject({
      rule: s.ruleName,
      subjectType: 'vendor',
      subjectKey: 'gunsmith',
      owner: 'analyst1',
      active: true,
    });
    expect(await isHitSuppressed(t.db, rule.ruleId, 'listing', s.listingId)).toBe(true);
    expect((await as.trainee1!.get('/api/suppressions')).json().suppressions).toEqual([]);
    expect(
      (await as.admin1!.get('/api/suppressions')).json().suppressions.map((x: { id: number }) => x.id),
    ).toEqual([sup.id]);

    const lifted = await c.post(`/api/suppressions/${sup.id}/lift`);
    expect(lifted.statusCode).toBe(200);
    expect(lifted.json().suppression.active).toBe(false);
    expect(await isHitSuppressed(t.db, rule.ruleId, 'listing', s.listingId)).toBe(false);
    expect((await c.get('/api/suppressions')).json().suppressions).toEqual([]);
    expect(
      (await c.get('/api/suppressions?all=true')).json().suppressions.map((x: { id: number }) => x.id),
    ).toEqual([sup.id]);
    const again = await c.post(`/api/suppressions/${sup.id}/lift`);
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toMatch(/not active/);

    const trail = await audit('suppression', sup.id);
    expect(trail.map((r) => r.action)).toEqual(['suppression.add', 'suppression.lift']);
    expect(trail[1]!.before).toMatchObject({ subjectKey: 'gunsmith' });
    expect(
      (trail[1]!.after as { expiresAt: string }).expiresAt <
        (trail[1]!.before as { expiresAt: string }).expiresAt,
    ).toBe(true);
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
  });

  it('suppresses by entity and by listing, in the caller workspace only', async () => {
    const c = as.admin1!;
    const byEntity = await c.post('/api/suppressions', {
      rule: s.ruleName,
      subject: {
        type: 'entity',
        entityType: 'pgp',
        value: 'a1b2 c3d4 e5f6 0718 293a 4b5c 6d7e 8f90 1234 5678',
      },
      reason: 'our own key',
      expiresAt: null,
    });
    expect(byEntity.statusCode).toBe(200);
    expect(byEntity.json().suppression.subjectKey).toBe('pgp:A1B2C3D4E5F60718293A4B5C6D7E8F9012345678');
    expect(byEntity.json().suppression.expiresAt).toBeNull();
    const byListing = await c.post('/api/suppressions', {
      rule: s.ruleName,
      subject: { type: 'listing', listingId: s.listingId },
      reason: 'sting listing',
    });
    expect(byListing.statusCode).toBe(200);
    // The trainer works in the exercise: operational rules and listings do not exist there.
    const trainer = as.trainer1!;
    const opRule = await trainer.post('/api/suppressions', {
      rule: s.ruleName,
      subject: { type: 'vendor', name: 'x' },
      reason: 'r',
    });
    expect(opRule.statusCode).toBe(400);
    expect(opRule.json().error).toMatch(/no rule named/);
    const ownRule = await trainer.post('/api/suppressions', {
      rule: 'trainee-rule',
      subject: { type: 'listing', listingId: s.listingId },
      reason: 'r',
    });
    expect(ownRule.statusCode).toBe(400);
    expect(ownRule.json().error).toMatch(/not found/);
    const ok = await trainer.post('/api/suppressions', {
      rule: 'trainee-rule',
      subject: { type: 'vendor', name: 'RangeVendor' },
      reason: 'exercise noise',
    });
    expect(ok.statusCode).toBe(200);
    // Trainees see the exercise's suppressions but may not add or lift them; nobody lifts across workspaces.
    expect(
      (await as.trainee1!.get('/api/suppressions')).json().suppressions.map((x: { id: number }) => x.id),
    ).toEqual([ok.json().suppression.id]);
    expect(
      (
        await as.trainee1!.post('/api/suppressions', {
          rule: 'trainee-rule',
          subject: { type: 'vendor', name: 'x' },
          reason: 'r',
        })
      ).statusCode,
    ).toBe(403);
    expect((await as.trainee1!.post(`/api/suppressions/${ok.json().suppression.id}/lift`)).statusCode).toBe(
      403,
    );
    expect((await trainer.post(`/api/suppressions/${byListing.json().suppression.id}/lift`)).statusCode).toBe(
      404,
    );
    expect((await as.analyst1!.post(`/api/suppressions/${ok.json().suppression.id}/lift`)).statusCode).toBe(
      404,
    );
    const noCsrf = await app.inject({
      method: 'POST',
      url: `/api/suppressions/${byListing.json().suppression.id}/lift`,
      cookies: { dw_session: as.admin1!.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it('refuses hostile input with clear errors and keeps markup as text', async () => {
    const c = as.analyst1!;
    const count = async () => (await t.db.query('select count(*)::int as n from suppressions')).rows[0].n;
    const before = await count();
    const base = { rule: s.ruleName, subject: { type: 'vendor', name: 'v' }, reason: 'r' };
    const bad: Array<[unknown, RegExp]> = [
      [{ ...base, reason: '   ' }, /reason is empty/],
      [{ ...base, reason: 'ok\u0000\u0007' }, /control characters/],
      [{ ...base, reason: 'x'.repeat(2001) }, /reason|2000/],
      [{ ...base, expiresAt: '2001-01-01T00:00:00Z' }, /future/],
      [{ ...base, expiresAt: 'tomorrow' }, /ISO 8601/],
      [{ ...base, expiresAt: new Date(Date.now() + 10 * 365 * 86_400_000).toISOString() }, /5 years/],
      [{ ...base, subject: { type: 'listing' } }, /listingId/],
      [{ ...base, subject: { type: 'listing', listingId: '1 or 1=1' } }, /listingId|integer/],
      [{ ...base, subject: { type: 'entity', entityType: 'ssn', value: '1' } }, /entityType|allowed values/],
      [{ ...base, subject: { type: 'entity', entityType: 'btc' } }, /entityType and subject.value/],
      [{ ...base, subject: { type: 'rule' } }, /type|allowed values/],
      [{ ...base, rule: "handguns' or '1'='1" }, /no rule named/],
      [{ ...base, subject: { type: 'listing', listingId: 999999 } }, /not found/],
    ];
    for (const [body, message] of bad) {
      const res = await c.post('/api/suppressions', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json().error, JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
    for (const id of ['1 or 1=1', '0', '-1', '1;drop']) {
      expect((await c.post(`/api/suppressions/${encodeURIComponent(id)}/lift`)).statusCode).toBe(400);
    }
    expect((await c.get('/api/suppressions?all=1%20or%201=1')).statusCode).toBe(400);
    expect(await count()).toBe(before);
    // The owner is always the caller: a spoofed owner field is dropped by the schema.
    const spoof = await c.post('/api/suppressions', { ...base, owner: 'admin1' });
    expect(spoof.statusCode).toBe(200);
    expect(spoof.json().suppression.owner).toBe('analyst1');
    const xss = await c.post('/api/suppressions', {
      ...base,
      reason: XSS,
      subject: { type: 'vendor', name: XSS },
    });
    expect(xss.statusCode).toBe(200);
    expect(xss.json().suppression.reason).toBe(XSS);
    const page = await c.get('/suppressions');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>window');
  });
});

describe('OpenAPI', () => {
  it('describes the new routes with their permissions', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/api/webhooks'].get['x-permission']).toBe('sources');
    expect(doc.paths['/api/webhooks'].post['x-permission']).toBe('webhooks');
    expect(doc.paths['/api/webhooks/{id}'].delete['x-permission']).toBe('webhooks');
    expect(doc.paths['/api/suppressions'].get['x-permission']).toBe('read');
    expect(doc.paths['/api/suppressions'].post['x-permission']).toBe('suppress');
    expect(doc.paths['/api/suppressions/{id}/lift'].post['x-permission']).toBe('suppress');
    expect(doc.paths['/api/rules/backtest'].post['x-permission']).toBe('rules');
    expect(doc.paths['/api/sources/{id}'].patch['x-permission']).toBe('sources');
  });
});
