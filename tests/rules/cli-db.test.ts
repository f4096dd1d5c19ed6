// `darkwatch rules add`: rules go into the database with the YAML each was written in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRules, ruleVersions } from '../../store/rules.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

describe('darkwatch rules add', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-rules-add-'));
  beforeAll(async () => {
    t = await freshDatabase();
    env = { DATABASE_URL: t.url, REDIS_URL: testRedis().url };
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "stores each rule's YAML as written; a changed rule gets a version with its new text",
    { timeout: 120_000 },
    async () => {
      const file = path.join(dir, 'rules.yaml');
      const handguns = (query: string) =>
        `  - name: handguns   # from the regional list\n    query: ${query}\n    shipsFrom: [RS]\n`;
      const ammo = '  - name: ammo\n    query: "9mm"\n    severity: high\n';
      writeFileSync(file, `rules:\n${handguns('glock')}${ammo}`);
      const first = await runCli(['rules', 'add', file], { env });
      expect(first.stderr).toBe('');
      expect(first.stdout).toBe('handguns: created\nammo: created\n');

      writeFileSync(file, `rules:\n${handguns('glock OR beretta')}${ammo}`);
      const second = await runCli(['rules', 'add', file], { env });
      expect(second.stderr).toBe('');
      expect(second.stdout).toBe('handguns: version 2\nammo: unchanged\n');

      const ws = await operationalWorkspace(t.db);
      const stored = new Map((await listRules(t.db, ws.id)).map((r) => [r.name, r]));
      expect((await ruleVersions(t.db, stored.get('handguns')!.ruleId)).map((v) => v.sourceText)).toEqual([
        `rules:\n${handguns('glock')}`,
        `rules:\n${handguns('glock OR beretta')}`,
      ]);
      expect(stored.get('ammo')!.sourceText).toBe(`rules:\n${ammo}`);
    },
  );
});
