// The triage filters through both front ends — the real `darkwatch alerts` executable and the
// API — on one database: the same text gives the same alerts, and the same bad or hostile text the
// same clear error (named as a flag on the command line, as a parameter in the API).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../web/server.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from '../web/client.js';
import { seed, type Seeded } from '../web/seed.js';

describe('alert filters: darkwatch alerts and /api/alerts agree', () => {
  let t: TestDatabase;
  let s: Seeded;
  let app: FastifyInstance;
  let web: Client;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    app = await buildServer({ db: t.db });
    web = await login(app, 'analyst1');
    env = {
      DATABASE_URL: t.url,
      REDIS_URL: testRedis().url,
      DARKWATCH_DATA_DIR: '/tmp/dw-cli-alert-filters-test',
    };
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const cliIds = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: number }).id)
      .sort((a, b) => a - b);

  it('gives the same alerts for lists with whitespace, empty items and repeats', async () => {
    const severity = ' high , critical,,high';
    const status = 'new,,new, in_review';
    const cli = await runCli(['alerts', 'list', '--json', '--severity', severity, '--status', status], {
      env,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const res = await web.get(
      `/api/alerts?severity=${encodeURIComponent(severity)}&status=${encodeURIComponent(status)}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const apiIds = (res.json().alerts as Array<{ id: number }>).map((a) => a.id).sort((a, b) => a - b);
    expect(apiIds).toEqual([s.alertIds[0], s.alertIds[1]].sort((a, b) => a! - b!));
    expect(cliIds(cli.stdout)).toEqual(apiIds);
  }, 120_000);

  it('refuses an unknown choice with the same message', async () => {
    const allowed = 'is not one of low, medium, high, critical';
    const cli = await runCli(['alerts', 'list', '--severity', 'high,urgent'], { env });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr.trim()).toBe(`darkwatch: --severity: "urgent" ${allowed}`);
    const res = await web.get('/api/alerts?severity=high,urgent');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: `severity: "urgent" ${allowed}` });
  }, 120_000);

  it('refuses 10,000 items, an unknown category and an empty id with a clear error', async () => {
    const many = Array.from({ length: 10_000 }, () => 'new').join(',');
    const huge = await runCli(['alerts', 'list', '--status', many], { env });
    expect(huge.code).not.toBe(0);
    expect(huge.stderr.trim()).toBe('darkwatch: --status: longer than 200 characters');
    expect((await web.get(`/api/alerts?status=${many}`)).statusCode).toBe(400);

    // Stricter than before on the command line: an unknown --category used to match nothing silently.
    const category = await runCli(['alerts', 'list', '--category', 'weapons'], { env });
    expect(category.code).not.toBe(0);
    expect(category.stderr.trim()).toBe(
      'darkwatch: --category: "weapons" is not one of firearms, drugs, documents, other',
    );
    expect((await web.get('/api/alerts?category=weapons')).statusCode).toBe(400);

    const ids = await runCli(['alerts', 'export', '--format', 'csv', '--ids', `${s.alertIds[0]},,1`], {
      env,
    });
    expect(ids.code).not.toBe(0);
    expect(ids.stderr.trim()).toBe('darkwatch: --ids: "" is not an alert id');
    expect((await web.get(`/api/alerts/export?format=csv&ids=${s.alertIds[0]},,1`)).statusCode).toBe(400);
    // Nothing was exported, so nothing was audited.
    const audited = await t.db.query(`select 1 from audit_log where action = 'alerts.export'`);
    expect(audited.rowCount).toBe(0);
  }, 180_000);

  it('exports each named alert once, however often it is named', async () => {
    const [a, b] = [s.alertIds[0]!, s.alertIds[1]!];
    const cli = await runCli(['alerts', 'export', '--format', 'csv', '--ids', ` ${a}, ${b} ,${a},${a}`], {
      env,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const res = await web.get(`/api/alerts/export?format=csv&ids=${a},${b},${a},${a}`);
    expect(res.statusCode).toBe(200);
    const rows = (csv: string) => csv.trim().split(/\r?\n/).slice(1);
    expect(rows(cli.stdout)).toHaveLength(2);
    expect(rows(res.body)).toEqual(rows(cli.stdout));
  }, 120_000);
});
