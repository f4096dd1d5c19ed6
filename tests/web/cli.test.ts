// The CLI commands of this area, run as the real executable against a fresh database:
// user add/passwd/token, alerts list/show/set-status/export, audit verify (and tampering).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { seed, type Seeded } from './seed.js';

describe('darkwatch user / alerts / audit', () => {
  let t: TestDatabase;
  let s: Seeded;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    env = { DATABASE_URL: t.url, REDIS_URL: testRedis().url, DARKWATCH_DATA_DIR: '/tmp/dw-web-cli-test' };
  });
  afterAll(() => t?.drop());

  it('adds users with argon2id hashes, refuses bad ones, changes passwords and issues tokens', async () => {
    const add = await runCli(['user', 'add', 'carol', '--role', 'analyst', '--password-stdin'], {
      env,
      input: 'a long password for carol\n',
    });
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const row = await t.db.query(`select password_hash, role from users where username = 'carol'`);
    expect(row.rows[0]).toMatchObject({ role: 'analyst' });
    expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    const trainee = await runCli(['user', 'add', 'tim', '--role', 'trainee'], { env });
    expect(trainee.code).not.toBe(0);
    expect(trainee.stderr).toMatch(/trainee needs --workspace/);
    const gen = await runCli(
      ['user', 'add', 'tina', '--role', 'trainee', '--workspace', String(s.trainingWs), '--json'],
      { env },
    );
    expect(JSON.parse(gen.stdout)).toMatchObject({
      username: 'tina',
      role: 'trainee',
      workspaceId: s.trainingWs,
    });
    expect(JSON.parse(gen.stdout).password.length).toBeGreaterThanOrEqual(16);
    const badRole = await runCli(['user', 'add', 'x', '--role', 'root', '--password-stdin'], {
      env,
      input: 'whatever whatever',
    });
    expect(badRole.code).not.toBe(0);
    const passwd = await runCli(['user', 'passwd', 'carol', '--password-stdin'], {
      env,
      input: 'another long password',
    });
    expect(passwd.code).toBe(0);
    expect(
      (await t.db.query(`select password_hash from users where username = 'carol'`)).rows[0].password_hash,
    ).not.toBe(row.rows[0].password_hash);
    const token = await runCli(['user', 'token', 'carol'], { env });
    expect(token.stdout.trim()).toMatch(/^dw_[A-Za-z0-9_-]{40,}$/);
  }, 300_000); // each CLI call starts a process: seconds of CPU, more on a loaded machine

  it('lists, shows, moves and exports alerts', async () => {
    const list = await runCli(['alerts', 'list', '--json', '--severity', 'critical'], { env });
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.id)).toEqual([s.alertIds[0]]);
    const show = await runCli(['alerts', 'show', String(s.alertIds[0])], { env });
    expect(JSON.parse(show.stdout).priceHistory).toHaveLength(2);
    const dismiss = await runCli(
      [
        'alerts',
        'set-status',
        String(s.alertIds[1]),
        'dismissed',
        '--reason',
        'duplicate',
        '--as',
        'analyst1',
      ],
      { env },
    );
    expect(JSON.parse(dismiss.stdout)).toEqual({
      id: s.alertIds[1],
      status: 'dismissed',
      dismissReason: 'duplicate',
    });
    const noReason = await runCli(['alerts', 'set-status', String(s.alertIds[2]), 'dismissed'], { env });
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/needs a reason/);
    const hidden = await runCli(['alerts', 'show', String(s.trainingAlertId)], { env });
    expect(hidden.code).not.toBe(0);
    const stix = await runCli(
      ['alerts', 'export', '--format', 'stix', '--ids', s.alertIds.join(','), '--tlp', 'green'],
      { env },
    );
    expect(JSON.parse(stix.stdout).type).toBe('bundle');
    const csv = await runCli(['alerts', 'export', '--format', 'csv', '--status', 'new,in_review,dismissed'], {
      env,
    });
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^id,title/);
    const misp = await runCli(['alerts', 'export', '--format', 'misp'], { env });
    expect(JSON.parse(misp.stdout).Event.Attribute.some((a: { type: string }) => a.type === 'btc')).toBe(
      true,
    );
  }, 300_000);

  it('verifies the audit chain and exits non-zero after tampering', async () => {
    const ok = await runCli(['audit', 'verify', '--json'], { env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const n = JSON.parse(ok.stdout).checked;
    expect(n).toBeGreaterThan(3);
    await t.db.query('alter table audit_log disable trigger audit_log_immutable');
    await t.db.query(
      `update audit_log set after = '{"status":"closed"}' where id = (select min(id) + 1 from audit_log)`,
    );
    await t.db.query('alter table audit_log enable trigger audit_log_immutable');
    const bad = await runCli(['audit', 'verify'], { env });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/TAMPERED at entry \d+/);
  }, 300_000);

  it('serves the app on loopback and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out);
          }
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)![1]!;
      expect(line).toMatch(/Redis channel \S+:alerts/);
      const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(doc.paths['/api/alerts']).toBeDefined();
      expect((await fetch(`${url}/api/alerts`)).status).toBe(401);
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('refuses a bad --port', async () => {
    const res = await runCli(['serve', '--port', 'eighty'], { env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/--port must be a number/);
  });
});
