// `darkwatch exercise …` as a trainer types it: the real executable against a real database.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('darkwatch exercise', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await freshDatabase();
    env = { DATABASE_URL: t.url, REDIS_URL: testRedis('excli').url };
  });
  afterAll(async () => {
    await t?.drop();
  });

  // Each CLI call starts a process (seconds of CPU, more on a loaded machine): room for several.
  it(
    'creates an exercise with trainee logins printed once, and scores it',
    { timeout: 300_000 },
    async () => {
      const created = await runCli(
        [
          'exercise',
          'create',
          path.join(here, 'fixtures', 'small-handguns.yaml'),
          '--trainees',
          '3',
          '--json',
        ],
        { env },
      );
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const out = JSON.parse(created.stdout) as {
        exercise: number;
        targets: number;
        trainees: Array<{ username: string; password: string }>;
      };
      expect(out.trainees).toHaveLength(3);
      expect(new Set(out.trainees.map((x) => x.password)).size).toBe(3);
      const hashes = await t.db.query<{ password_hash: string }>(
        'select password_hash from users where username = any($1)',
        [out.trainees.map((x) => x.username)],
      );
      expect(hashes.rows).toHaveLength(3);
      for (const r of hashes.rows)
        expect(out.trainees.some((x) => r.password_hash.includes(x.password))).toBe(false);

      const score = await runCli(['exercise', 'score', String(out.exercise), '--json'], { env });
      expect(score.code).toBe(0);
      const report = JSON.parse(score.stdout) as {
        targets: unknown[];
        trainees: Array<{ precision: number | null; recall: number; missedTargets: string[] }>;
      };
      expect(report.targets).toHaveLength(out.targets);
      expect(report.trainees).toHaveLength(3);
      for (const x of report.trainees)
        expect(x).toMatchObject({ precision: null, recall: 0, missedTargets: expect.any(Array) });

      const reset = await runCli(['exercise', 'reset', String(out.exercise)], { env });
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain('reset');
    },
  );

  it('creates from a shipped scenario by name', async () => {
    const r = await runCli(['exercise', 'create', '01-regional-handguns', '--json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: '01-regional-handguns', targets: 18 });
  });

  it(
    'rejects hostile scenario files and bad arguments with one clear error',
    { timeout: 300_000 },
    async () => {
      const unknown = await runCli(
        ['exercise', 'create', path.join(here, 'fixtures', 'unknown-field.yaml')],
        { env },
      );
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/unknown-field\.yaml:7:3: unknown field "sizee"/);
      const bomb = await runCli(['exercise', 'create', path.join(here, 'fixtures', 'alias-bomb.yaml')], {
        env,
      });
      expect(bomb.code).not.toBe(0);
      expect(bomb.stderr).toMatch(/alias/i);
      const missing = await runCli(['exercise', 'create', 'no-such-scenario'], { env });
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('01-regional-handguns');
      const trainees = await runCli(['exercise', 'create', '01-regional-handguns', '--trainees', '0'], {
        env,
      });
      expect(trainees.code).not.toBe(0);
      expect(trainees.stderr).toContain('--trainees');
      const noEx = await runCli(['exercise', 'score', '999999'], { env });
      expect(noEx.code).not.toBe(0);
      expect(noEx.stderr).toContain('no exercise 999999');
      const badId = await runCli(['exercise', 'score', '1; drop table users'], { env });
      expect(badId.code).not.toBe(0);
      expect(badId.stderr).toContain('positive whole number');
    },
  );
});
