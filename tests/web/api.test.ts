// API tests through app.inject against a real, migrated PostgreSQL: accounts, sessions, CSRF,
// roles × resources, workspace isolation, triage, evidence, cases, exports, audit, and hostile
// input (SQL injection in every filter, XSS payloads, oversized bodies).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules } from '../../rules/index.js';
import { verifyAuditLog } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { createApiToken, sha256Token } from '../../store/users.js';
import { buildServer } from '../../web/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { login, sessionCookie, type Client } from './client.js';
import { BTC, PASSWORD, seed, XSS, type Seeded } from './seed.js';

let t: TestDatabase;
let app: FastifyInstance;
let s: Seeded;
const as: Record<string, Client> = {};

beforeAll(async () => {
  t = await freshDatabase();
  s = await seed(t.db);
  app = await buildServer({ db: t.db, bodyLimit: 256 * 1024 });
  for (const u of ['admin1', 'analyst1', 'analyst2', 'trainer1', 'trainee1']) as[u] = await login(app, u);
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('accounts and sessions', () => {
  it('logs in with an HttpOnly SameSite=Strict cookie and stores only the sha256 of the session id', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'analyst1', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/dw_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const token = sessionCookie(res)!;
    const { rows } = await t.db.query<{ id_hash: string }>('select id_hash from user_sessions');
    expect(rows.map((r) => r.id_hash)).toContain(sha256Token(token));
    expect(rows.map((r) => r.id_hash)).not.toContain(token);
    const hash = await t.db.query<{ password_hash: string }>(
      `select password_hash from users where username = 'analyst1'`,
    );
    expect(hash.rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses wrong passwords and unknown users alike, and throttles after repeated failures', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'analyst2', password: 'nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'ghost', password: 'nope-nope-nope' },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    for (let i = 0; i < 5; i++)
      await app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { username: 'analyst2', password: `wrong-${i}-xxxxxx` },
      });
    const right = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'analyst2', password: PASSWORD },
    });
    expect(right.statusCode).toBe(429);
    const attempts = await t.db.query(
      `select count(*)::int as n from login_attempts where username = 'analyst2' and not succeeded`,
    );
    expect(attempts.rows[0].n).toBeGreaterThanOrEqual(7);
  });

  it('prevents session fixation: a planted or previous session id is never kept', async () => {
    const planted = 'attacker-chosen-session-id';
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      cookies: { dw_session: planted },
      payload: { username: 'admin1', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const fresh = sessionCookie(res)!;
    expect(fresh).not.toBe(planted);
    expect(fresh.length).toBeGreaterThanOrEqual(40);
    // Logging in again from a live session replaces it; the old id stops working.
    const again = await app.inject({
      method: 'POST',
      url: '/api/login',
      cookies: { dw_session: fresh },
      payload: { username: 'admin1', password: PASSWORD },
    });
    const second = sessionCookie(again)!;
    expect(second).not.toBe(fresh);
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', cookies: { dw_session: fresh } })).statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', cookies: { dw_session: second } })).statusCode,
    ).toBe(200);
  });

  it('rejects mutating requests without the right CSRF token, and accepts Bearer API tokens without one', async () => {
    const c = as.analyst1!;
    const id = s.alertIds[1]!;
    const none = await app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/notes`,
      cookies: { dw_session: c.cookie },
      payload: { body: 'x' },
    });
    expect(none.statusCode).toBe(403);
    const wrong = await app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/notes`,
      cookies: { dw_session: c.cookie },
      headers: { 'x-csrf-token': 'forged' },
      payload: { body: 'x' },
    });
    expect(wrong.statusCode).toBe(403);
    const other = await app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/notes`,
      cookies: { dw_session: c.cookie },
      headers: { 'x-csrf-token': as.admin1!.csrf },
      payload: { body: 'x' },
    });
    expect(other.statusCode).toBe(403);
    const ok = await c.post(`/api/alerts/${id}/notes`, { body: 'csrf ok' });
    expect(ok.statusCode).toBe(200);
    const notes = await t.db.query(`select body from alert_notes where alert_id = $1`, [id]);
    expect(notes.rows.map((r) => r.body)).toEqual(['csrf ok']);

    const { token } = await withTransaction(t.db, (tx) =>
      createApiToken(tx, 'analyst1', 'ci', { id: null, name: 'test' }),
    );
    const bearer = await app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/notes`,
      headers: { authorization: `Bearer ${token}` },
      payload: { body: 'via token' },
    });
    expect(bearer.statusCode).toBe(200);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/alerts',
      headers: { authorization: 'Bearer dw_forged' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it('answers 401 to anonymous API calls and redirects anonymous page views to the login page', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/alerts' })).statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login');
    expect((await app.inject({ method: 'GET', url: '/login' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode).toBe(200);
  });

  it('lets an admin create users and forbids everyone else', async () => {
    const body = { username: 'newbie', password: 'long enough password', role: 'analyst' };
    for (const u of ['analyst1', 'trainer1', 'trainee1'])
      expect((await as[u]!.post('/api/users', body)).statusCode).toBe(403);
    const res = await as.admin1!.post('/api/users', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'newbie', role: 'analyst' });
    expect(
      (await as.admin1!.post('/api/users', { ...body, username: "x'; drop table users; --" })).statusCode,
    ).toBe(400);
  });
});

describe('roles against resources', () => {
  // [method, url (op workspace), body] → expected status per role. Trainers and trainees work only
  // in training workspaces, so operational ids are "not found" for them.
  const matrix = (): Array<[string, string, unknown, Record<string, number>]> => [
    ['GET', '/api/alerts', undefined, { admin1: 200, analyst1: 200, trainer1: 200, trainee1: 200 }],
    [
      'GET',
      `/api/alerts/${s.alertIds[0]}`,
      undefined,
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'GET',
      `/api/snapshots/${s.snapshotId}`,
      undefined,
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'GET',
      `/api/snapshots/${s.snapshotId}/raw`,
      undefined,
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'GET',
      `/evidence/${s.snapshotId}`,
      undefined,
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'GET',
      `/api/entities/btc/${BTC}`,
      undefined,
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'POST',
      `/api/alerts/${s.alertIds[1]}/assign`,
      { assignee: 'me' },
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 404 },
    ],
    [
      'POST',
      `/api/sources/${s.sourceId}/session`,
      { cookies: [{ name: 'sid', value: 'v' }] },
      { admin1: 200, analyst1: 200, trainer1: 404, trainee1: 403 },
    ],
    [
      'POST',
      '/api/rules/validate',
      { yaml: 'name: r\nquery: glock\n' },
      { admin1: 200, analyst1: 200, trainer1: 200, trainee1: 200 },
    ],
    ['GET', '/api/users', undefined, { admin1: 200, analyst1: 403, trainer1: 403, trainee1: 403 }],
    ['GET', '/api/audit/verify', undefined, { admin1: 200, analyst1: 403, trainer1: 403, trainee1: 403 }],
    ['GET', '/api/sources', undefined, { admin1: 200, analyst1: 200, trainer1: 200, trainee1: 200 }],
    ['GET', '/api/cases', undefined, { admin1: 200, analyst1: 200, trainer1: 200, trainee1: 200 }],
  ];

  it('gives each role exactly its rights', async () => {
    const failures: string[] = [];
    for (const [method, url, body, expected] of matrix()) {
      for (const [user, status] of Object.entries(expected)) {
        const c = as[user]!;
        const res = method === 'GET' ? await c.get(url) : await c.post(url, body);
        if (res.statusCode !== status)
          failures.push(
            `${user} ${method} ${url}: ${res.statusCode} (expected ${status}) ${res.body.slice(0, 100)}`,
          );
      }
    }
    expect(failures).toEqual([]);
  });

  it('confines a trainee to their exercise workspace, whatever ids or headers they send', async () => {
    const c = as.trainee1!;
    const list = (await c.get('/api/alerts?status=')).json() as {
      alerts: Array<{ id: number; workspaceId: number }>;
    };
    expect(list.alerts.map((a) => a.id)).toEqual([s.trainingAlertId]);
    for (const id of s.alertIds) {
      expect((await c.get(`/api/alerts/${id}`)).statusCode).toBe(404);
      expect((await c.post(`/api/alerts/${id}/status`, { status: 'in_review' })).statusCode).toBe(404);
      expect((await c.post(`/api/alerts/${id}/notes`, { body: 'peek' })).statusCode).toBe(404);
      expect((await c.post(`/api/alerts/bulk`, { ids: [id], action: 'assign_me' })).statusCode).toBe(404);
      expect((await c.post(`/api/alerts/${id}/escalate`, {})).statusCode).toBe(404);
    }
    expect((await c.get(`/api/snapshots/${s.snapshotId}/screenshot`)).statusCode).toBe(404);
    expect((await c.get(`/api/alerts/export?format=csv&ids=${s.alertIds.join(',')}`)).body).not.toContain(
      'Glock',
    );
    expect((await c.get('/api/alerts', { 'x-darkwatch-workspace': String(s.opWs) })).statusCode).toBe(404);
    expect(
      (await c.get('/api/search?q=glock')).json().results.map((r: { title: string }) => r.title),
    ).toEqual(['Training glock']);
    expect((await c.get('/api/sources')).json().sources.map((x: { name: string }) => x.name)).toEqual([
      'range-market',
    ]);
    // Their own workspace works.
    expect((await c.get(`/api/alerts/${s.trainingAlertId}`)).statusCode).toBe(200);
    expect((await c.get(`/evidence/${s.trainingSnapshotId}`)).statusCode).toBe(200);
    const opCase = await as.analyst1!.post('/api/cases', { title: 'operational case' });
    expect((await c.get(`/api/cases/${opCase.json().id}`)).statusCode).toBe(404);
    expect((await c.get(`/api/cases/${opCase.json().id}/package`)).statusCode).toBe(404);
    expect((await c.post(`/api/cases/${opCase.json().id}/notes`, { body: 'x' })).statusCode).toBe(404);
  });

  it('lets an analyst switch into a training workspace but never lets a trainer into the operational one', async () => {
    const inTraining = await as.analyst1!.get('/api/alerts?status=', {
      'x-darkwatch-workspace': String(s.trainingWs),
    });
    expect(inTraining.json().alerts.map((a: { id: number }) => a.id)).toEqual([s.trainingAlertId]);
    expect(
      (await as.trainer1!.get('/api/alerts', { 'x-darkwatch-workspace': String(s.opWs) })).statusCode,
    ).toBe(404);
    expect((await as.analyst1!.get('/api/alerts', { 'x-darkwatch-workspace': '1 or 1=1' })).statusCode).toBe(
      400,
    );
  });
});

describe('triage queue', () => {
  it('filters by status, severity, rule, category, site, vendor and assignee', async () => {
    const c = as.analyst1!;
    const ids = async (q: string) =>
      ((await c.get(`/api/alerts?${q}`)).json() as { alerts: Array<{ id: number }> }).alerts
        .map((a) => a.id)
        .sort();
    const all = [...s.alertIds].sort();
    expect(await ids('status=')).toEqual(all);
    expect(await ids('severity=critical')).toEqual([s.alertIds[0]]);
    expect(await ids('severity=high,critical')).toEqual([s.alertIds[0], s.alertIds[1]].sort());
    expect(await ids(`rule=handguns`)).toEqual([s.alertIds[0], s.alertIds[1]].sort());
    expect(await ids('category=firearms&status=')).toEqual(all);
    expect(await ids('site=beta-market')).toEqual([s.alertIds[1], s.alertIds[2]].sort());
    expect(await ids('vendor=GUNSMITH')).toEqual([s.alertIds[0], s.alertIds[1]].sort());
    await c.post(`/api/alerts/${s.alertIds[2]}/assign`, { assignee: 'analyst2' });
    expect(await ids('assignee=analyst2')).toEqual([s.alertIds[2]]);
    expect((await c.get('/api/alerts?severity=bogus')).statusCode).toBe(400);
    expect((await c.get('/api/alerts?sort=sideways')).statusCode).toBe(400);
  });

  it('pages with keyset cursors in every sort order without gaps or repeats', async () => {
    const c = as.analyst1!;
    for (const sort of ['newest', 'oldest', 'severity']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res = await c.get(
          `/api/alerts?status=&limit=1&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const body = res.json() as { alerts: Array<{ id: number }>; nextCursor: string | null };
        seen.push(...body.alerts.map((a) => a.id));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...s.alertIds].sort());
    }
    expect((await c.get('/api/alerts?cursor=not-a-cursor')).statusCode).toBe(400);
  });

  it('treats SQL injection in every filter as plain data', async () => {
    const c = as.analyst1!;
    const payloads = [
      `' OR '1'='1`,
      `'; DROP TABLE alerts; --`,
      `1) OR (1=1`,
      `\\'; select pg_sleep(5); --`,
      `%' union select * from users --`,
    ];
    const params = [
      'rule',
      'site',
      'vendor',
      'assignee',
      'status',
      'severity',
      'category',
      'since',
      'sort',
      'cursor',
    ];
    for (const p of params) {
      for (const v of payloads) {
        const res = await c.get(`/api/alerts?${p}=${encodeURIComponent(v)}`);
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 200) expect(res.json().alerts).toEqual([]);
      }
    }
    for (const v of payloads) {
      const r = await c.get(`/api/search?q=${encodeURIComponent(v)}&fuzzy=true`);
      expect(r.statusCode).toBe(200);
      expect((await c.get(`/api/search?site=${encodeURIComponent(v)}`)).json().results).toEqual([]);
      expect([400, 404]).toContain((await c.get(`/api/alerts/${encodeURIComponent(v)}`)).statusCode);
      expect([400, 404]).toContain((await c.get(`/api/entities/btc/${encodeURIComponent(v)}`)).statusCode);
      expect([400, 404]).toContain((await c.get(`/api/rules/${encodeURIComponent(v)}`)).statusCode);
    }
    const still = await t.db.query('select count(*)::int as n from alerts');
    expect(still.rows[0].n).toBe(4);
  });
});

describe('alert detail and workflow', () => {
  it('shows the record, matched terms, price history, vendor across sites, entities, rule version and evidence', async () => {
    const d = (await as.analyst1!.get(`/api/alerts/${s.alertIds[0]}`)).json();
    expect(d.alert.matchedTerms[0]).toEqual({ term: 'glock', field: 'title', start: 0, end: 5 });
    expect(d.priceHistory.map((v: { priceEur: number }) => v.priceEur)).toEqual([800, 650]);
    expect(d.vendorAcrossSites.map((v: { sourceName: string }) => v.sourceName).sort()).toEqual([
      'alpha-market',
      'beta-market',
    ]);
    expect(d.vendorAcrossSites.every((v: { matchedBy: string }) => v.matchedBy === 'pgp')).toBe(true);
    const btc = d.entities.find((e: { type: string }) => e.type === 'btc');
    expect(btc).toMatchObject({ value: BTC, mentions: 3, sites: 2 });
    expect(d.rule).toMatchObject({ name: 'handguns', version: 1 });
    expect(d.snapshot).toMatchObject({
      id: s.snapshotId,
      proxyIdentity: 'socks5h://alpha-market@127.0.0.1:9050',
    });
    expect(d.snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
    const pivot = (await as.analyst1!.get(`/api/entities/btc/${BTC}`)).json();
    expect(pivot.mentions).toHaveLength(3);
  });

  it('runs the workflow with events and a verifiable audit trail', async () => {
    const c = as.analyst1!;
    const id = s.alertIds[1]!;
    const before = (await t.db.query('select count(*)::int as n from audit_log')).rows[0].n;
    expect((await c.post(`/api/alerts/${id}/status`, { status: 'dismissed' })).statusCode).toBe(409);
    expect(
      (await c.post(`/api/alerts/${id}/status`, { status: 'dismissed', reason: 'because' })).statusCode,
    ).toBe(400);
    expect((await c.post(`/api/alerts/${id}/status`, { status: 'in_review' })).json().status).toBe(
      'in_review',
    );
    expect((await c.post(`/api/alerts/${id}/assign`, { assignee: 'me' })).json().assignee).toBe('analyst1');
    expect((await c.post(`/api/alerts/${id}/assign`, { assignee: 'nobody-here' })).statusCode).toBe(400);
    const esc = (await c.post(`/api/alerts/${id}/escalate`, { title: 'Beretta case', tlp: 'red' })).json();
    expect(esc.escalated).toEqual([id]);
    const kase = (await c.get(`/api/cases/${esc.caseId}`)).json();
    expect(kase.case).toMatchObject({ title: 'Beretta case', tlp: 'red', alertCount: 1 });
    expect(kase.alerts[0].status).toBe('escalated');
    const events = (await c.get(`/api/alerts/${id}`)).json().events.map((e: { kind: string }) => e.kind);
    expect(events).toEqual(expect.arrayContaining(['created', 'status', 'assigned', 'escalated']));
    const after = (await t.db.query('select count(*)::int as n from audit_log')).rows[0].n;
    expect(after).toBeGreaterThanOrEqual(before + 4);
    const actions = (
      await t.db.query(`select action from audit_log where id > $1 order by id`, [before])
    ).rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['alert.set_status', 'alert.assign', 'case.create']));
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
    expect((await as.admin1!.get('/api/audit/verify')).json().ok).toBe(true);
  });

  it('applies bulk actions all-or-nothing', async () => {
    const c = as.analyst1!;
    const [a] = s.alertIds;
    const bad = await c.post('/api/alerts/bulk', { ids: [a, 99999999], action: 'assign_me' });
    expect(bad.statusCode).toBe(404);
    const row = await t.db.query('select assignee_id from alerts where id = $1', [a]);
    expect(row.rows[0].assignee_id).toBeNull();
    expect((await c.post('/api/alerts/bulk', { ids: [a], action: 'dismiss' })).statusCode).toBe(400);
    expect((await c.post('/api/alerts/bulk', { ids: [a], action: 'assign_me' })).json()).toEqual({
      updated: 1,
    });
  });
});

describe('hostile input', () => {
  it('returns XSS payloads only as JSON data and escapes them in server-rendered HTML', async () => {
    const c = as.analyst1!;
    await c.post(`/api/alerts/${s.xssAlertId}/notes`, { body: XSS });
    const res = await c.get(`/api/alerts/${s.xssAlertId}`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().notes.at(-1).body).toBe(XSS);
    expect(res.json().alert.ruleName).toBe(XSS.slice(0, 60));
    const made = await as.admin1!.post('/api/users', {
      username: 'xss-user',
      password: 'long enough password',
      role: 'analyst',
      displayName: XSS,
    });
    expect(made.statusCode, made.body).toBe(200);
    const xc = await login(app, 'xss-user', 'long enough password');
    const page = await xc.get('/');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toContain('<script>window.__xss');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('refuses oversized, non-JSON and malformed bodies with clear errors', async () => {
    const c = as.analyst1!;
    const big = await c.post(`/api/alerts/${s.alertIds[0]}/notes`, { body: 'x'.repeat(300 * 1024) });
    expect(big.statusCode).toBe(413);
    const form = await c.post(`/api/alerts/${s.alertIds[0]}/notes`, 'body=hi', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode).toBe(415);
    const broken = await c.post(`/api/alerts/${s.alertIds[0]}/notes`, '{"body": ', {
      'content-type': 'application/json',
    });
    expect(broken.statusCode).toBe(400);
    const extra = await c.post('/api/rules/validate', { yaml: 'a: [' });
    expect(extra.json().ok).toBe(false);
    expect(extra.json().problems[0].line).toBe(1);
    const bomb = await c.post('/api/rules/validate', {
      yaml: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nname: r\nquery: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
    });
    expect(bomb.statusCode).toBe(200);
    expect(bomb.json().ok).toBe(false);
    const notes = await t.db.query('select count(*)::int as n from alert_notes where alert_id = $1', [
      s.alertIds[0],
    ]);
    expect(notes.rows[0].n).toBe(0);
  });
});

describe('rules and sources', () => {
  it('saves rules as versions, toggles them, and reports problems with line and column', async () => {
    const c = as.analyst1!;
    const v1 = await c.post('/api/rules', {
      yaml: 'rules:\n  - name: web-rule\n    severity: high\n    query: glock\n',
    });
    expect(v1.json().saved).toEqual([{ name: 'web-rule', version: 1, created: true, newVersion: true }]);
    const v2 = await c.post('/api/rules', {
      yaml: 'rules:\n  - name: web-rule\n    severity: critical\n    query: glock OR beretta\n',
    });
    expect(v2.json().saved[0].version).toBe(2);
    // What the editor saves is what the match worker compiles.
    const def = await t.db.query(
      `select v.definition from rule_versions v join rules r on r.id = v.rule_id where r.name = 'web-rule' and v.version = 2`,
    );
    expect(() => compileRules([def.rows[0].definition])).not.toThrow();
    expect(def.rows[0].definition).toMatchObject({ name: 'web-rule', severity: 'critical' });
    const shown = (await c.get('/api/rules/web-rule')).json();
    expect(shown.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await c.post('/api/rules/web-rule/enabled', { enabled: false })).statusCode).toBe(200);
    expect(
      (await c.get('/api/rules')).json().rules.find((r: { name: string }) => r.name === 'web-rule').enabled,
    ).toBe(false);
    const bad = await c.post('/api/rules', {
      yaml: 'rules:\n  - name: broken\n    severity: extreme\n    query: x\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0]).toMatchObject({ line: 3 });
  });

  it('lists source health without leaking stored cookies and accepts a session for a blocked source', async () => {
    const c = as.analyst1!;
    await t.db.query(`update sources set needs_human = 'captcha', needs_human_since = now() where id = $1`, [
      s.source2Id,
    ]);
    let src = (await c.get('/api/sources')).json().sources.find((x: { id: number }) => x.id === s.source2Id);
    expect(src.needsHuman).toBe('captcha');
    expect(
      (
        await c.post(`/api/sources/${s.source2Id}/session`, {
          cookies: [{ name: 'sid', value: 'secret-cookie-value' }],
        })
      ).statusCode,
    ).toBe(200);
    const body = (await c.get('/api/sources')).body;
    expect(body).not.toContain('secret-cookie-value');
    src = JSON.parse(body).sources.find((x: { id: number }) => x.id === s.source2Id);
    expect(src).toMatchObject({ needsHuman: null, hasSession: true });
    expect(
      (await c.post(`/api/sources/${s.source2Id}/session`, { cookies: [{ name: '', value: 'x' }] }))
        .statusCode,
    ).toBe(400);
  });

  it('searches listings by words and fuzzily by misspelling', async () => {
    const c = as.analyst1!;
    const exact = (await c.get('/api/search?q=beretta'))
      .json()
      .results.map((r: { title: string }) => r.title);
    expect(exact).toEqual(['Beretta 92FS']);
    expect((await c.get('/api/search?q=berreta')).json().results).toEqual([]);
    const fuzzy = (await c.get('/api/search?q=berreta%2092&fuzzy=true'))
      .json()
      .results.map((r: { title: string }) => r.title);
    expect(fuzzy).toContain('Beretta 92FS');
  });
});

describe('evidence', () => {
  it('serves the captured page sanitised with a deny-all CSP, the screenshot as an image, and raw bytes as a download', async () => {
    const c = as.analyst1!;
    const frame = await c.get(`/evidence/${s.snapshotId}`);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(frame.headers['content-security-policy']).toMatch(/sandbox/);
    expect(frame.headers['x-frame-options']).toBe('SAMEORIGIN');
    const html = frame.body
      .replace(/ data-href="[^"]*"/g, '')
      .replace('<style>img{filter:blur(24px)}</style>', '');
    expect(html).toContain('Glock 19 Gen5 for sale');
    expect(html).toContain('price 650 EUR');
    expect(html).not.toMatch(
      /<script|<style|<link|<meta http-equiv|<base|<form|<iframe|<object|<embed|<svg|<video|srcset|javascript:|\son\w+=/i,
    );
    expect(html).not.toContain('127.0.0.1:9/canary');
    expect(html).toContain('data:image/png;base64');
    expect(frame.body).toContain('img{filter:blur(24px)}');
    const revealed = await c.get(`/evidence/${s.snapshotId}?reveal=true`);
    expect(revealed.body).not.toContain('filter:blur');
    expect(revealed.headers['content-security-policy']).toMatch(/default-src 'none'/);

    const raw = await c.get(`/api/snapshots/${s.snapshotId}/raw`);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-disposition']).toMatch(/^attachment;/);
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(createHash('sha256').update(raw.rawPayload).digest('hex')).toBe(raw.headers['x-darkwatch-sha256']);
    expect(raw.rawPayload.toString('utf8')).toContain('<script>');

    const shot = await c.get(`/api/snapshots/${s.snapshotId}/screenshot`);
    expect(shot.headers['content-type']).toBe('image/png');
    expect(shot.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('cases and exports', () => {
  it('exports a case as a zip whose manifest hashes every file', async () => {
    const c = as.analyst1!;
    const created = (await c.post('/api/cases', { title: 'Glock vendor', alertIds: [s.alertIds[0]] })).json();
    await c.post(`/api/cases/${created.id}/notes`, { body: 'handover to partner' });
    const res = await c.get(`/api/cases/${created.id}/package`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-pkg-'));
    try {
      writeFileSync(path.join(dir, 'p.zip'), res.rawPayload);
      execFileSync('unzip', ['-q', 'p.zip', '-d', 'out'], { cwd: dir });
      const manifest = JSON.parse(readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8'));
      const paths = manifest.files.map((f: { path: string }) => f.path);
      expect(paths).toEqual(
        expect.arrayContaining(['case.json', `alerts/${s.alertIds[0]}.json`, 'audit.json']),
      );
      expect(paths.some((p: string) => p.startsWith('captures/'))).toBe(true);
      expect(paths.some((p: string) => p.startsWith('screenshots/'))).toBe(true);
      for (const f of manifest.files) {
        const bytes = readFileSync(path.join(dir, 'out', f.path));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
        expect(bytes.length).toBe(f.size);
      }
      const capture = manifest.captures[0];
      expect(capture).toMatchObject({
        snapshotId: s.snapshotId,
        capturedAt: '2026-11-20T10:00:00.000Z',
        proxyIdentity: 'socks5h://alpha-market@127.0.0.1:9050',
      });
      expect(paths).toContain(`captures/${capture.contentSha256}`);
      const audit = JSON.parse(readFileSync(path.join(dir, 'out', 'audit.json'), 'utf8'));
      expect(audit.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['case.create', 'alert.set_status', 'case.note']),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports alerts as CSV, deterministic STIX 2.1 and MISP JSON', async () => {
    const c = as.analyst1!;
    const ids = s.alertIds.join(',');
    const csv = await c.get(`/api/alerts/export?format=csv&ids=${ids}`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment/);
    expect(csv.body.split('\r\n')[0]).toMatch(/^id,title,rule/);
    const stix1 = (await c.get(`/api/alerts/export?format=stix&tlp=green&ids=${ids}`)).json();
    const stix2 = (await c.get(`/api/alerts/export?format=stix&tlp=green&ids=${ids}`)).json();
    const ids1 = stix1.objects
      .filter((o: { type: string }) => o.type !== 'identity')
      .map((o: { id: string }) => o.id);
    expect(ids1).toEqual(
      stix2.objects.filter((o: { type: string }) => o.type !== 'identity').map((o: { id: string }) => o.id),
    );
    expect(stix1.type).toBe('bundle');
    expect(stix1.objects.find((o: { type: string }) => o.type === 'marking-definition').id).toBe(
      'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
    );
    expect(
      stix1.objects
        .filter((o: { type: string }) => o.type === 'x-cryptocurrency-wallet')
        .map((o: { address: string }) => o.address),
    ).toEqual([BTC]);
    const misp = (await c.get(`/api/alerts/export?format=misp&ids=${ids}`)).json();
    expect(misp.Event.Attribute.find((a: { type: string }) => a.type === 'btc').value).toBe(BTC);
    expect(misp.Event.Object[0]).toMatchObject({ name: 'btc-wallet' });
    const ents = await c.get('/api/entities/export?format=csv');
    expect(ents.body).toContain(BTC);
  });
});

describe('OpenAPI', () => {
  it('describes every /api route with its permission', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/alerts',
      '/api/alerts/{id}',
      '/api/alerts/stream',
      '/api/cases/{id}/package',
      '/api/snapshots/{id}/raw',
      '/api/login',
      '/api/rules',
      '/api/search',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths['/api/alerts/{id}/status'].post['x-permission']).toBe('triage');
    expect(doc.paths['/api/alerts'].get.parameters.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(['status', 'severity', 'cursor']),
    );
  });
});
