import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const fixtures = join(root, 'tests/rules/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'dw-rules-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function darkwatch(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(root, 'bin/darkwatch.js'), ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    cwd: root,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const gun = {
  id: 'a1',
  site: 'market-a',
  title: 'Gl0ck 19 Gen5',
  description: 'Pistols, CZ-75 also available',
  price: { amount: 0.01, currency: 'BTC' },
  priceEur: 900,
  vendor: 'v',
  category: 'Guns',
  classification: { label: 'firearms', confidence: 0.9 },
  shipsFrom: 'Srbija',
  shipsTo: null,
  url: null,
};

describe('darkwatch match --rules FILE --json', () => {
  it('prints one JSON line per hit, reports malformed lines by number, continues, exits non-zero', () => {
    const lines = [
      JSON.stringify(gun),
      '{"id": "broken",',
      JSON.stringify({ ...gun, id: 'a2', title: 'Airsoft glock replica' }),
      '[1,2,3]',
      '\u0000\u0001\u0002binary',
      JSON.stringify({ ...gun, id: 'a3', title: 'Beretta 92', shipsFrom: 'DE' }),
      JSON.stringify({ ...gun, id: 7, title: 'beretta', description: null, shipsFrom: 'Crna Gora' }),
      JSON.stringify({ id: 'a5', title: 42 }),
    ];
    const r = darkwatch(
      ['match', '--rules', join(fixtures, 'spec-example.yaml'), '--json'],
      lines.join('\n') + '\n',
    );
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { id: 'a1', rule: 'handguns-from-the-region', terms: ['glock', 'cz 75', 'pistol*'] },
      { id: '7', rule: 'handguns-from-the-region', terms: ['beretta'] },
    ]);
    expect(r.stderr).toMatch(/stdin line 2: not valid JSON/);
    expect(r.stderr).toMatch(/stdin line 4: expected a JSON object/);
    expect(r.stderr).toMatch(/stdin line 5: not valid JSON/);
    expect(r.stderr).toMatch(/stdin line 8: "title" must be a string or null/);
    expect(r.stderr).toMatch(/4 input lines were malformed/);
    expect(r.code).toBe(1);
  });

  it('exits 0 when every line is fine, and prints nothing for no hits', () => {
    const r = darkwatch(
      ['match', '--rules', join(fixtures, 'spec-example.yaml'), '--json'],
      JSON.stringify({ ...gun, title: 'bike', description: null }) + '\n',
    );
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('refuses an invalid rule file with line:column problems', () => {
    const f = join(tmp, 'bad.yaml');
    writeFileSync(f, 'rules:\n  - name: x\n    query: "glock AND"\n');
    const r = darkwatch(['match', '--rules', f, '--json'], JSON.stringify(gun));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3:22: query: AND must be followed by a term`);
  });
});

describe('darkwatch rules validate / test', () => {
  it('validate: OK on a good file', () => {
    const r = darkwatch(['rules', 'validate', join(fixtures, 'full.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/full\.yaml: 7 rules OK \(1 disabled\)/);
  });

  it('validate: every problem with line:column and suggestion, non-zero exit', () => {
    const f = join(tmp, 'typos.yaml');
    writeFileSync(
      f,
      'rules:\n  - name: x\n    serverity: high\n    query: glock\n    shipsFrom: [Montenegor]\n',
    );
    const r = darkwatch(['rules', 'validate', f]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `${f}:3:5: unknown field "serverity" (did you mean "severity"?) [rule x]`,
      `${f}:5:17: unknown country "Montenegor" (did you mean "montenegro"? (ISO codes like RS, BA, AL)) [rule x]`,
    ]);
    expect(r.stderr).toMatch(/2 problems/);
  });

  it('test: shows which listings fire which rules, with highlights', () => {
    const f = join(tmp, 'listings.jsonl');
    writeFileSync(
      f,
      [JSON.stringify(gun), JSON.stringify({ ...gun, id: 'b2', title: 'bike', description: null })].join(
        '\n',
      ),
    );
    const r = darkwatch(['rules', 'test', join(fixtures, 'spec-example.yaml'), '--listings', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'a1  fires  handguns-from-the-region  [title:0-5 "Gl0ck", description:9-14 "CZ-75", description:0-7 "Pistols"]',
    );
    expect(r.stdout).toContain('handguns-from-the-region: 1 hit(s)');
  });
});
