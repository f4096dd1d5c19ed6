import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../store/audit.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const ONION = 'http://' + 'a'.repeat(55) + 'd.onion/';
const MIRROR = 'http://' + 'b'.repeat(55) + 'd.onion/';

describe('darkwatch source', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-source-'));
  beforeAll(async () => {
    t = await freshDatabase();
    env = { DATABASE_URL: t.url, REDIS_URL: testRedis().url };
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds from flags, lists, shows and removes — audited', { timeout: 240_000 }, async () => {
    const add = await runCli(['source', 'add', 'iron-market', ONION, MIRROR, '--kind', 'market', '--mode', 'auto', '--rpm', '30', '--json'], { env });
    expect(add.stderr).toBe('');
    const stored = JSON.parse(add.stdout);
    expect(stored).toMatchObject({ name: 'iron-market', kind: 'market', fetchMode: 'auto', baseUrls: [ONION, MIRROR] });
    expect(stored.policy.requestsPerMinute).toBe(30);
    expect(stored.mirrors[0]).toMatchObject({ url: ONION, isPrimary: true });

    const list = await runCli(['source', 'list'], { env });
    expect(list.stdout).toMatch(/^iron-market\s+market\s+auto\s+http:\/\/a+d\.onion\//);
    const show = await runCli(['source', 'show', 'iron-market'], { env });
    expect(show.stdout).toContain('mirror  ' + MIRROR);

    const dup = await runCli(['source', 'add', 'iron-market', ONION], { env });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('darkwatch: a source named "iron-market" already exists\n');

    expect((await runCli(['source', 'rm', 'iron-market'], { env })).code).toBe(0);
    expect((await runCli(['source', 'show', 'iron-market'], { env })).stderr).toMatch(/no source named "iron-market"/);
    const audit = await t.db.query(`select action from audit_log where entity_type = 'source' order by id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['source.add', 'source.remove']);
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
  });

  it('adds from a YAML file', async () => {
    const file = path.join(dir, 'forum.yaml');
    writeFileSync(file, `name: balkan-forum\nkind: forum\nmode: http\nurls: ["${ONION}"]\npolicy:\n  maxDepth: 3\n  exclude: ["/calendar/*"]\n`);
    const r = await runCli(['source', 'add', '--file', file, '--json'], { env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'balkan-forum', kind: 'forum', policy: { maxDepth: 3, exclude: ['/calendar/*'] } });
  });

  it('accepts a scripted login from flags and from YAML; shows field names, never values', async () => {
    const add = await runCli(
      ['source', 'add', 'login-flags', ONION, '--login-url', '/login', '--login-field', 'username=agent', '--login-field', 'password=${env:DW_SRC_PW}', '--json'],
      { env },
    );
    expect(add.stderr).toBe('');
    expect(JSON.parse(add.stdout).session).toEqual({ cookies: [], login: { url: '/login', fields: { username: 'agent', password: '${env:DW_SRC_PW}' } } });
    const file = path.join(dir, 'login.yaml');
    writeFileSync(file, `name: login-yaml\nurls: ["${ONION}"]\nmode: browser\nlogin:\n  url: /account/login\n  fields: { user: agent, pass: "literal-secret" }\n  submitSelector: "#go"\n`);
    const y = await runCli(['source', 'add', '--file', file, '--json'], { env });
    expect(y.stderr).toBe('');
    expect(JSON.parse(y.stdout).session.login).toEqual({ url: '/account/login', fields: { user: 'agent', pass: 'literal-secret' }, submitSelector: '#go' });
    const show = await runCli(['source', 'show', 'login-yaml'], { env });
    expect(show.stdout).toContain('login    scripted: /account/login (fields pass, user; submit #go)');
    expect(show.stdout).not.toContain('literal-secret');
  });

  it.each([
    [['source', 'add', 'l1', ONION, '--login-url', '/login', '--login-field', 'novalue'], /--login-field expects NAME=VALUE/],
    [['source', 'add', 'l2', ONION, '--login-url', '/login', '--login-field', 'p=${env:DATABASE_URL}'], /session\.login\.fields\.p: environment references must look like/],
    [['source', 'add', 'l3', ONION, '--login-url', 'javascript:alert(1)', '--login-field', 'a=b'], /session\.login\.url: must be a path on the site/],
    [['source', 'add', 'l4', ONION, '--login-url', '/login'], /session\.login\.fields/],
    [['source', 'add', 'l5', ONION, '--login-field', 'a=b'], /session\.login\.url/],
  ])('rejects bad login recipe %j with one clear line', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['source', 'add', 'x'], /invalid source: urls: at least one URL/],
    [['source', 'add', 'bad name!', ONION], /invalid source: name:/],
    [['source', 'add', 'creds', 'http://user:pw@x.onion/'], /without credentials/],
    [['source', 'add', 'ftp', 'ftp://x.onion/'], /must be an http\(s\) URL/],
    [['source', 'add', 'k', ONION, '--kind', 'bank'], /kind:/],
    [['source', 'add', 'r', ONION, '--rpm', 'fast'], /--rpm must be a number/],
    [['source', 'add', 'd', ONION, '--max-depth', '1000'], /policy\.maxDepth/],
    [['source', 'add', "x'; drop table sources; --", ONION], /invalid source: name:/],
  ])('rejects bad input %j with one clear line', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects hostile source files clearly', { timeout: 400_000 }, async () => {
    const bomb = path.join(dir, 'bomb.yaml');
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
    writeFileSync(bomb, lines.join('\n'));
    const binary = path.join(dir, 'binary.yaml');
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02, 0x9c, 0x00]));
    const huge = path.join(dir, 'huge.yaml');
    writeFileSync(huge, 'name: x\n# ' + 'y'.repeat(2 * 1024 * 1024));
    for (const [file, message] of [
      [bomb, /alias|mapping|invalid source/i],
      [binary, /binary\.yaml|expected a mapping|invalid source/],
      [huge, /larger than 1 MiB/],
      [path.join(dir, 'missing.yaml'), /cannot read .*missing\.yaml/],
    ] as const) {
      const r = await runCli(['source', 'add', '--file', file], { env, timeoutMs: 90_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/unexpected error/);
    }
  });
});
