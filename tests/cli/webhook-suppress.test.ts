// The `webhook` and `alerts suppress` commands through the real executable, against a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../store/audit.js';
import { runCli } from '../helpers/cli.js';
import { opWorkspaceId } from '../helpers/fixtures.js';
import { storeRules } from '../helpers/rules.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

describe('darkwatch webhook / alerts suppress', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await freshDatabase();
    env = { DATABASE_URL: t.url, REDIS_URL: testRedis().url };
    await storeRules(t.db, await opWorkspaceId(t.db), 'rules:\n  - name: glock\n    query: glock\n');
  });
  afterAll(() => t.drop());

  it(
    'adds a webhook printing its secret once, lists it without the secret, removes it — audited',
    { timeout: 300_000 },
    async () => {
      const add = await runCli(
        ['webhook', 'add', 'https://hooks.example.org/dw', '--min-severity', 'high', '--json'],
        { env },
      );
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const created = JSON.parse(add.stdout);
      expect(created).toMatchObject({ url: 'https://hooks.example.org/dw', minSeverity: 'high' });
      expect(created.secret).toMatch(/^[0-9a-f]{64}$/);
      const list = await runCli(['webhook', 'list'], { env });
      expect(list.stdout).toBe(`${created.id}\thigh\tenabled\thttps://hooks.example.org/dw\n`);
      expect(list.stdout).not.toContain(created.secret);
      for (const [args, message] of [
        [['webhook', 'add', 'file:///etc/passwd'], /must be http or https/],
        [['webhook', 'add', 'http://u:p@127.0.0.1/'], /credentials/],
        [
          ['webhook', 'add', 'https://x.example/', '--min-severity', 'urgent'],
          /--min-severity must be one of/,
        ],
        [['webhook', 'rm', 'abc'], /not a webhook id/],
        [['webhook', 'rm', '999999'], /webhook 999999 not found/],
      ] as const) {
        const r = await runCli([...args], { env });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(message);
      }
      expect((await runCli(['webhook', 'rm', String(created.id)], { env })).stdout).toBe(
        `webhook ${created.id} removed\n`,
      );
      expect((await runCli(['webhook', 'list'], { env })).stdout).toBe('');
      const audit = await t.db.query<{ action: string }>(
        `select action from audit_log where entity_type = 'webhook' order by id`,
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['webhook.add', 'webhook.remove']);
    },
  );

  it(
    'suppresses by vendor and entity with reason and expiry, lists, unsuppresses — audited',
    { timeout: 300_000 },
    async () => {
      const add = await runCli(
        [
          'alerts',
          'suppress',
          '--rule',
          'glock',
          '--vendor',
          'Iron Hand',
          '--reason',
          'informant',
          '--expires',
          '30d',
          '--json',
        ],
        { env },
      );
      expect(add.stderr).toBe('');
      const s = JSON.parse(add.stdout);
      expect(s).toMatchObject({
        rule: 'glock',
        subjectType: 'vendor',
        subjectKey: 'iron hand',
        reason: 'informant',
        active: true,
      });
      expect(s.owner).toMatch(/^cli:/);
      const days = (Date.parse(s.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);
      const ent = await runCli(
        [
          'alerts',
          'suppress',
          '--rule',
          'glock',
          '--entity',
          'btc:bc1qexample',
          '--reason',
          'exchange hot wallet',
        ],
        { env },
      );
      expect(ent.stdout).toMatch(/^suppression \d+ added\n$/);
      const list = await runCli(['alerts', 'suppressions'], { env });
      expect(list.stdout.trim().split('\n')).toHaveLength(2);
      expect(list.stdout).toContain('vendor:iron hand');
      expect(list.stdout).toContain('entity:btc:bc1qexample\tcli:');
      for (const [args, message] of [
        [['alerts', 'suppress', '--rule', 'glock', '--reason', 'x'], /exactly one of/],
        [
          ['alerts', 'suppress', '--rule', 'glock', '--vendor', 'a', '--listing', '1', '--reason', 'x'],
          /exactly one of/,
        ],
        [['alerts', 'suppress', '--rule', 'glock', '--listing', '1e3', '--reason', 'x'], /not a listing id/],
        [
          ['alerts', 'suppress', '--rule', 'glock', '--listing', '42', '--reason', 'x'],
          /listing 42 not found/,
        ],
        [
          ['alerts', 'suppress', '--rule', 'glock', '--entity', 'car:1', '--reason', 'x'],
          /--entity: entity must look like TYPE:VALUE/,
        ],
        [
          ['alerts', 'suppress', '--rule', 'glock', '--vendor', 'a', '--reason', 'x', '--expires', 'soon'],
          /--expires must look like/,
        ],
        [['alerts', 'suppress', '--rule', 'nope', '--vendor', 'a', '--reason', 'x'], /no rule named "nope"/],
        [['alerts', 'suppress', '--rule', 'glock', '--vendor', 'a'], /required option '--reason/],
        [['alerts', 'unsuppress', '999999'], /suppression 999999 not found/],
      ] as const) {
        const r = await runCli([...args], { env });
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(r.stderr).toMatch(message);
      }
      expect((await runCli(['alerts', 'unsuppress', String(s.id)], { env })).stdout).toBe(
        `suppression ${s.id} removed\n`,
      );
      expect((await runCli(['alerts', 'suppressions'], { env })).stdout.trim().split('\n')).toHaveLength(1);
      const all = await runCli(['alerts', 'suppressions', '--all', '--json'], { env });
      expect(all.stdout.trim().split('\n')).toHaveLength(1);
      const audit = await t.db.query<{ action: string }>(
        `select action from audit_log where entity_type = 'suppression' order by id`,
      );
      expect(audit.rows.map((r) => r.action)).toEqual([
        'suppression.add',
        'suppression.add',
        'suppression.remove',
      ]);
      expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
    },
  );
});
