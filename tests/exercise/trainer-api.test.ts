// The trainer page's API, per role, on a real server and database: trainers and admins see every
// exercise and the same report `darkwatch exercise score` prints; analysts and trainees are refused;
// a trainee reaches nothing of another exercise; create and reset go through the CSRF check; hostile
// input gets a clear 4xx. Scores are driven through the real triage API by a trainee.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';
import { SCENARIO_DIR } from '../../range/exercises/catalog.js';
import { exerciseReport } from '../../range/exercises/report.js';
import { getExercise, markStarted } from '../../range/exercises/store.js';
import { recordHit } from '../../store/alerts.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { upsertListing } from '../../store/records.js';
import { createApiToken, createUser } from '../../store/users.js';
import { timeLeftSeconds } from '../../web/routes/trainer.js';
import { buildServer } from '../../web/server.js';
import { makeRule, makeSource } from '../helpers/fixtures.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from '../web/client.js';
import { PASSWORD } from '../web/seed.js';

const REGION = ['AL', 'BA', 'BG', 'GR', 'HU', 'MD', 'ME', 'MK', 'RO', 'RS', 'TR', 'XK'];

describe('trainer page API', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const as: Record<'admin' | 'analyst' | 'trainer', Client> = {} as never;
  let exA: { exercise: number; workspace: number; trainees: Array<{ username: string; password: string }> };
  let exB: { exercise: number; workspace: number; trainees: Array<{ username: string; password: string }> };
  let traineeA: Client;
  let traineeB: Client;
  let alertB = 0;
  // Independent of selectTargets: straight from the generator's ground truth.
  const truth = buildTruth(generateWorld({ seed: 7, size: 600 }), 0);
  const targetUrls = truth.listings
    .filter(
      (l) =>
        ['ironbazaar', 'blackforge'].includes(l.site) &&
        l.category === 'firearms' &&
        l.subcategory === 'pistols' &&
        REGION.includes(l.shipsFrom),
    )
    .map((l) => l.url);

  beforeAll(async () => {
    t = await freshDatabase();
    app = await buildServer({ db: t.db });
    for (const [username, role] of [
      ['admin1', 'admin'],
      ['analyst1', 'analyst'],
      // A trainer with no workspace of their own, as `darkwatch user add --role trainer` makes one.
      ['trainer1', 'trainer'],
    ] as const) {
      await withTransaction(t.db, (tx) =>
        createUser(tx, { username, password: PASSWORD, role }, SYSTEM_ACTOR),
      );
      as[role] = await login(app, username);
    }
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('lets a trainer and an admin create exercises from bundled scenarios, logins shown once', async () => {
    const r = await as.trainer.post('/api/exercises', { scenario: '01-regional-handguns', trainees: 2 });
    expect(r.statusCode).toBe(200);
    exA = r.json();
    expect(exA.trainees).toHaveLength(2);
    expect(r.json().targets).toBe(targetUrls.length);
    expect(r.json().start).toBe(`darkwatch exercise start ${exA.exercise}`);
    const b = await as.admin.post('/api/exercises', { scenario: '02-passport-vendor-pgp', trainees: 1 });
    expect(b.statusCode).toBe(200);
    exB = b.json();
    expect(exB.workspace).not.toBe(exA.workspace);
    traineeA = await login(app, exA.trainees[0]!.username, exA.trainees[0]!.password);
    traineeB = await login(app, exB.trainees[0]!.username, exB.trainees[0]!.password);
    // Created by the trainer, in the audit trail under their name.
    const audit = await t.db.query(
      `select actor_name from audit_log where action = 'exercise.create' order by id`,
    );
    expect(audit.rows.map((x) => x.actor_name)).toEqual(['trainer1', 'admin1']);
  });

  it('lists every exercise with status and time left for trainers and admins only', async () => {
    for (const c of [as.trainer, as.admin]) {
      const r = await c.get('/api/exercises');
      expect(r.statusCode).toBe(200);
      const list = r.json().exercises as Array<Record<string, unknown>>;
      expect(list.map((e) => e.id)).toEqual([exB.exercise, exA.exercise]);
      expect(list[1]).toMatchObject({
        scenario: '01-regional-handguns',
        status: 'created',
        timeLeftSeconds: null,
        trainees: 2,
        targets: targetUrls.length,
        createdBy: 'trainer1',
      });
    }
    expect((await as.analyst.get('/api/exercises')).statusCode).toBe(403);
    expect((await traineeA.get('/api/exercises')).statusCode).toBe(403);
    expect((await traineeA.get('/api/scenarios')).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/exercises' })).statusCode).toBe(401);
    const sc = await as.trainer.get('/api/scenarios');
    expect(sc.json().scenarios.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining([
        '01-regional-handguns',
        '02-passport-vendor-pgp',
        '03-relisting-after-takedown',
      ]),
    );
  });

  it('reports the same scores as `exercise score`, driven by a trainee through the triage API', async () => {
    // The crawl is replaced by two listings of exercise A's workspace: one planted target, one not.
    const ex = (await getExercise(t.db, exA.exercise))!;
    await markStarted(t.db, ex);
    const src = await makeSource(t.db, 'ironbazaar', exA.workspace);
    const rule = await makeRule(t.db, 'trainee-handguns', exA.workspace);
    const alerts: number[] = [];
    await withTransaction(t.db, async (tx) => {
      for (const url of [targetUrls[0]!, 'http://ironbazaar.onion/listing/not-a-target']) {
        const l = await upsertListing(tx, {
          workspaceId: exA.workspace,
          sourceId: src.id,
          vendorId: null,
          language: 'en',
          snapshotId: null,
          seenAt: new Date(),
          listing: {
            url,
            title: 'Glock 19',
            description: null,
            price: null,
            priceEur: null,
            vendor: null,
            category: null,
            classification: null,
            shipsFrom: 'RS',
            shipsTo: null,
          },
        });
        const hit = await recordHit(tx, {
          workspaceId: exA.workspace,
          ruleId: rule.ruleId,
          ruleVersionId: rule.ruleVersionId,
          severity: 'high',
          subjectType: 'listing',
          subjectId: l.listingId,
          title: 'Glock 19',
          matchedTerms: [],
          snapshotId: null,
          sourceId: src.id,
          category: 'firearms',
        });
        alerts.push(hit!.alertId);
      }
    });
    for (const id of alerts)
      expect((await traineeA.post(`/api/alerts/${id}/escalate`, {})).statusCode).toBe(200);

    const r = await as.trainer.get(`/api/exercises/${exA.exercise}`);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const me = body.trainees.find((x: { trainee: string }) => x.trainee === exA.trainees[0]!.username);
    expect(me).toMatchObject({ escalated: 2, correct: 1, precision: 0.5, wrongAlerts: [alerts[1]] });
    expect(me.recall).toBeCloseTo(1 / targetUrls.length, 4);
    expect(me.missedTargets).toHaveLength(targetUrls.length - 1);
    expect(me.timeToFirstHitSeconds).toBeGreaterThanOrEqual(0);
    const other = body.trainees.find((x: { trainee: string }) => x.trainee === exA.trainees[1]!.username);
    expect(other).toMatchObject({ escalated: 0, correct: 0, precision: null, recall: 0 });
    // Not a re-implementation: exactly the CLI's report, plus the scenario's details.
    const cli = JSON.parse(JSON.stringify(await exerciseReport(t.db, exA.exercise)));
    expect(body).toMatchObject(cli);
    expect(body).toMatchObject({
      status: 'running',
      difficulty: 1,
      timeLimitMinutes: 45,
      sites: ['ironbazaar', 'blackforge'],
    });
    expect(body.timeLeftSeconds).toBeGreaterThan(40 * 60);
    expect(body.timeLeftSeconds).toBeLessThanOrEqual(45 * 60);
    expect((await as.admin.get(`/api/exercises/${exA.exercise}`)).json()).toMatchObject(cli);
    // The other exercise is untouched by A's trainee.
    const rb = (await as.trainer.get(`/api/exercises/${exB.exercise}`)).json();
    expect(rb.trainees.every((x: { escalated: number }) => x.escalated === 0)).toBe(true);

    // An alert in B, for the isolation checks below.
    const srcB = await makeSource(t.db, 'ironbazaar', exB.workspace);
    const ruleB = await makeRule(t.db, 'b-rule', exB.workspace);
    alertB = await withTransaction(t.db, async (tx) => {
      const l = await upsertListing(tx, {
        workspaceId: exB.workspace,
        sourceId: srcB.id,
        vendorId: null,
        language: 'en',
        snapshotId: null,
        seenAt: new Date(),
        listing: {
          url: 'http://b.onion/1',
          title: 'Passport',
          description: null,
          price: null,
          priceEur: null,
          vendor: null,
          category: null,
          classification: null,
          shipsFrom: null,
          shipsTo: null,
        },
      });
      return (await recordHit(tx, {
        workspaceId: exB.workspace,
        ruleId: ruleB.ruleId,
        ruleVersionId: ruleB.ruleVersionId,
        severity: 'high',
        subjectType: 'listing',
        subjectId: l.listingId,
        title: 'Passport',
        matchedTerms: [],
        snapshotId: null,
        sourceId: srcB.id,
        category: 'documents',
      }))!.alertId;
    });
  });

  it("refuses analysts and trainees, and a trainee never reaches another exercise's data", async () => {
    for (const c of [as.analyst, traineeA, traineeB]) {
      for (const id of [exA.exercise, exB.exercise]) {
        expect((await c.get(`/api/exercises/${id}`)).statusCode).toBe(403);
        expect((await c.post(`/api/exercises/${id}/reset`)).statusCode).toBe(403);
      }
      expect(
        (await c.post('/api/exercises', { scenario: '01-regional-handguns', trainees: 1 })).statusCode,
      ).toBe(403);
      expect((await c.get('/trainer')).statusCode).toBe(403);
    }
    // B's trainee: A's alert and workspace do not exist for them; their own does.
    const [aAlert] = (await traineeA.get('/api/alerts?status=')).json().alerts as Array<{ id: number }>;
    expect(aAlert).toBeDefined();
    expect((await traineeB.get(`/api/alerts/${aAlert!.id}`)).statusCode).toBe(404);
    expect(
      (await traineeB.get(`/api/alerts/${aAlert!.id}`, { 'x-darkwatch-workspace': String(exA.workspace) }))
        .statusCode,
    ).toBe(404);
    expect((await traineeB.post(`/api/alerts/${aAlert!.id}/escalate`, {})).statusCode).toBe(404);
    expect((await traineeA.get(`/api/alerts/${alertB}`)).statusCode).toBe(404);
    expect((await traineeB.get(`/api/alerts/${alertB}`)).statusCode).toBe(200);
    const listB = (await traineeB.get('/api/alerts?status=')).json().alerts as Array<{ id: number }>;
    expect(listB.map((a) => a.id)).toEqual([alertB]);
    // Nothing was created or reset by the refused calls.
    expect((await t.db.query('select count(*)::int as n from exercises')).rows[0].n).toBe(2);
  });

  it("accepts API tokens: a trainer's works without CSRF, a trainee's is refused", async () => {
    const mint = (username: string) =>
      withTransaction(t.db, (tx) => createApiToken(tx, username, 'ci', SYSTEM_ACTOR)).then((r) => r.token);
    const bearer = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload: payload as object } : {}),
      });
    const trainerToken = await mint('trainer1');
    expect((await bearer(trainerToken, 'GET', '/api/exercises')).statusCode).toBe(200);
    expect((await bearer(trainerToken, 'GET', `/api/exercises/${exB.exercise}`)).json().exercise).toBe(
      exB.exercise,
    );
    const traineeToken = await mint(exA.trainees[0]!.username);
    expect((await bearer(traineeToken, 'GET', '/api/exercises')).statusCode).toBe(403);
    expect((await bearer(traineeToken, 'POST', `/api/exercises/${exB.exercise}/reset`)).statusCode).toBe(403);
    expect((await bearer('dw_forged', 'GET', '/api/exercises')).statusCode).toBe(401);
  });

  it('serves the trainer page to trainers and admins, with a nav link only they get', async () => {
    for (const c of [as.trainer, as.admin]) {
      const r = await c.get('/trainer');
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('<a href="/trainer" aria-current="page">Trainer</a>');
      expect(r.body).toContain('/static/trainer.js');
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    }
    expect((await as.admin.get('/')).body).toContain('href="/trainer"');
    expect((await as.analyst.get('/')).body).not.toContain('href="/trainer"');
    expect((await traineeA.get('/')).body).not.toContain('href="/trainer"');
    const anon = await app.inject({ method: 'GET', url: '/trainer' });
    expect(anon.statusCode).toBe(302);
    expect(anon.headers.location).toBe('/login');
    const js = await app.inject({ method: 'GET', url: '/static/trainer.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
    // The page fragment is not a static file of its own.
    expect((await app.inject({ method: 'GET', url: '/static/trainer.html' })).statusCode).toBe(404);
  });

  it('answers hostile input with a clear 4xx and changes nothing', async () => {
    const before = (await t.db.query('select count(*)::int as n from exercises')).rows[0].n;
    const bad: Array<[unknown, number]> = [
      [{ scenario: '../../etc/passwd', trainees: 1 }, 404],
      [{ scenario: 'tests', trainees: 1 }, 404], // a directory in the working directory
      [{ scenario: '01-regional-handguns.yaml', trainees: 1 }, 404],
      [{ scenario: '<script>alert(1)</script>', trainees: 1 }, 404],
      [{ scenario: "x'; drop table exercises; --", trainees: 1 }, 404],
      [{ scenario: '01-regional-handguns', trainees: 0 }, 400],
      [{ scenario: '01-regional-handguns', trainees: 201 }, 400],
      [{ scenario: '01-regional-handguns', trainees: 'many' }, 400],
      [{ scenario: 'x'.repeat(10_000), trainees: 1 }, 400],
      [{ trainees: 1 }, 400],
      ['not json at all', 400],
    ];
    for (const [body, status] of bad) {
      const r = await as.trainer.post(
        '/api/exercises',
        body,
        typeof body === 'string' ? { 'content-type': 'application/json' } : {},
      );
      expect(r.statusCode, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(r.json().error).toEqual(expect.any(String));
    }
    for (const [url, status] of [
      ['/api/exercises/abc', 400],
      ['/api/exercises/0', 400],
      ['/api/exercises/1e30', 400],
      ['/api/exercises/99999', 404],
      ['/api/exercises/1%20or%201=1', 400],
    ] as const) {
      expect((await as.trainer.get(url)).statusCode, url).toBe(status);
    }
    expect((await as.trainer.post('/api/exercises/99999/reset')).statusCode).toBe(404);
    // Mutations need the CSRF token with a session cookie.
    const noCsrf = await app.inject({
      method: 'POST',
      url: `/api/exercises/${exA.exercise}/reset`,
      cookies: { dw_session: as.trainer.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
    const wrongCsrf = await as.trainer.post(
      '/api/exercises',
      { scenario: '01-regional-handguns', trainees: 1 },
      { 'x-csrf-token': 'nope' },
    );
    expect(wrongCsrf.statusCode).toBe(403);
    expect((await t.db.query('select count(*)::int as n from exercises')).rows[0].n).toBe(before);
    expect((await as.trainer.get(`/api/exercises/${exA.exercise}`)).json().status).toBe('running');
    // A path smuggled next to the name is dropped by the schema: the bundled file is what is read.
    const smuggled = await as.trainer.post('/api/exercises', {
      scenario: '01-regional-handguns',
      trainees: 1,
      file: '/etc/passwd',
    });
    expect(smuggled.statusCode).toBe(200);
    const cfg = await t.db.query('select config->>$2 as file from exercises where id = $1', [
      smuggled.json().exercise,
      'file',
    ]);
    expect(cfg.rows[0].file).toBe(path.join(SCENARIO_DIR, '01-regional-handguns.yaml'));
  });

  it('resets an exercise: its alerts go, trainees and targets stay, scores return to zero', async () => {
    const r = await as.trainer.post(`/api/exercises/${exA.exercise}/reset`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ alerts: 2, listings: 2 });
    const rep = (await as.trainer.get(`/api/exercises/${exA.exercise}`)).json();
    expect(rep).toMatchObject({ status: 'created', timeLeftSeconds: null, startedAt: null });
    expect(rep.targets).toHaveLength(targetUrls.length);
    expect(rep.trainees.map((x: { escalated: number }) => x.escalated)).toEqual([0, 0]);
    // B is untouched.
    expect((await traineeB.get(`/api/alerts/${alertB}`)).statusCode).toBe(200);
    const audit = await t.db.query(`select actor_name from audit_log where action = 'exercise.reset'`);
    expect(audit.rows.map((x) => x.actor_name)).toEqual(['trainer1']);
  });

  it('describes the trainer routes in OpenAPI with their real permission, not as public', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const ops = [
      doc.paths['/api/scenarios'].get,
      doc.paths['/api/exercises'].get,
      doc.paths['/api/exercises'].post,
      doc.paths['/api/exercises/{id}'].get,
      doc.paths['/api/exercises/{id}/reset'].post,
    ];
    for (const op of ops) {
      expect(op['x-permission']).toBe('exercises');
      expect(op.security).toEqual([{ session: [], csrf: [] }, { bearer: [] }]);
    }
  });

  it('counts time left down to zero, never below, and null before the start', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    expect(timeLeftSeconds(null, now)).toBeNull();
    expect(timeLeftSeconds(new Date('2026-11-28T12:45:00Z'), now)).toBe(2700);
    expect(timeLeftSeconds(new Date('2026-11-28T11:00:00Z'), now)).toBe(0);
  });
});
