import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// The real commands against real servers: `services up && migrate && status`, twice, then down.
describe('darkwatch services / migrate', () => {
  const dataDir = mkdtempSync('/tmp/dw-cli-services-');
  chmodSync(dataDir, 0o755);
  const env = { DARKWATCH_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' };
  afterAll(async () => {
    await runCli(['services', 'down'], { env });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'start local servers, migrate, report status — and the same again is a no-op',
    { timeout: 400_000 },
    async () => {
      const up1 = await runCli(['services', 'up', '--json'], { env });
      expect(up1.stderr).toBe('');
      expect(up1.code).toBe(0);
      const urls1 = JSON.parse(up1.stdout);
      expect(urls1.databaseUrl).toMatch(/^postgres:\/\/darkwatch:.+@127\.0\.0\.1:\d+\/darkwatch$/);
      expect(urls1.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

      const migrate1 = await runCli(['migrate'], { env });
      expect(migrate1).toMatchObject({ code: 0 });
      expect(migrate1.stdout).toMatch(/^applied /);

      const up2 = await runCli(['services', 'up', '--json'], { env });
      expect(JSON.parse(up2.stdout)).toEqual(urls1);
      const migrate2 = await runCli(['migrate'], { env });
      expect(migrate2.stdout).toBe('database is up to date\n');

      const status = await runCli(['services', 'status', '--json'], { env });
      const byName = Object.fromEntries(
        JSON.parse(status.stdout).map((s: { name: string; state: string }) => [s.name, s.state]),
      );
      expect(byName).toMatchObject({ postgres: 'up', redis: 'up' });

      const down = await runCli(['services', 'down'], { env });
      expect(down.stdout).toMatch(/stopped redis \(pid \d+\), postgres \(pid \d+\)/);
      const after = await runCli(['services', 'status', '--json'], { env });
      expect(
        Object.fromEntries(
          JSON.parse(after.stdout).map((s: { name: string; state: string }) => [s.name, s.state]),
        ),
      ).toMatchObject({
        postgres: 'down',
        redis: 'down',
      });
      expect((await runCli(['services', 'down'], { env })).stdout).toBe('nothing to stop\n');
    },
  );

  it.each([
    [
      { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      /^darkwatch: DATABASE_URL \(postgres:\/\/nobody@127\.0\.0\.1:1\/none\) is not reachable: .*ECONNREFUSED/,
    ],
    [
      { DATABASE_URL: 'definitely not a url' },
      /^darkwatch: invalid configuration: DATABASE_URL must be a URL/,
    ],
    [
      { REDIS_URL: 'redis://127.0.0.1:1' },
      /REDIS_URL \(redis:\/\/127\.0\.0\.1:1\) is not reachable: .*ECONNREFUSED/,
    ],
  ])('a bad service URL gives one clear line and a non-zero exit (%o)', async (bad, message) => {
    const r = await runCli(['services', 'up'], { env: { ...env, ...bad } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('commands that need a database say how to get one', async () => {
    const r = await runCli(['migrate'], { env: { ...env, DARKWATCH_DATA_DIR: `${dataDir}/empty` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no PostgreSQL: .*darkwatch services up/);
  });
});
