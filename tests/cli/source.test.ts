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
    const add = await runCli(
      [
        'source',
        'add',
        'iron-market',
        ONION,
        MIRROR,
        '--kind',
        'market',
        '--mode',
        'auto',
        '--rpm',
        '30',
        '--json',
      ],
      { env },
    );
    expect(add.stderr).toBe('');
    const stored = JSON.parse(add.stdout);
    expect(stored).toMatchObject({
      name: 'iron-market',
      kind: 'market',
      fetchMode: 'auto',
      baseUrls: [ONION, MIRROR],
    });
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
    expect((await runCli(['source', 'show', 'iron-market'], { env })).stderr).toMatch(
      /no source named "iron-market"/,
    );
    const audit = await t.db.query(`select action from audit_log where entity_type = 'source' order by id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['source.add', 'source.remove']);
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
  });

  it('adds from a YAML file', async () => {
    const file = path.join(dir, 'forum.yaml');
    writeFileSync(
      file,
      `name: balkan-forum\nkind: forum\nmode: http\nurls: ["${ONION}"]\npolicy:\n  maxDepth: 3\n  exclude: ["/calendar/*"]\n`,
    );
    const r = await runCli(['source', 'add', '--file', file, '--json'], { env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'balkan-forum',
      kind: 'forum',
      policy: { maxDepth: 3, exclude: ['/calendar/*'] },
    });
  });

  it('accepts a scripted login from flags and from YAML; shows field names, never values', async () => {
    const add = await runCli(
      [
        'source',
        'add',
        'login-flags',
        ONION,
        '--login-url',
        '/login',
        '--login-field',
        'username=agent',
        '--login-field',
        'password=${env:DW_SRC_PW}',
        '--json',
      ],
      { env },
    );
    expect(add.stderr).toBe('');
    expect(JSON.parse(add.stdout).session).toEqual({
      cookies: [],
      login: { url: '/login', fields: { username: 'agent', password: '${env:DW_SRC_PW}' } },
    });
    const file = path.join(dir, 'login.yaml');
    writeFileSync(
      file,
      `name: login-yaml\nurls: ["${ONION}"]\nmode: browser\nlogin:\n  url: /account/login\n  fields: { user: agent, pass: "literal-secret" }\n  submitSelector: "#go"\n`,
    );
    const y = await runCli(['source', 'add', '--file', file, '--json'], { env });
    expect(y.stderr).toBe('');
    expect(JSON.parse(y.stdout).session.login).toEqual({
      url: '/account/login',
      fields: { user: 'agent', pass: 'literal-secret' },
      submitSelector: '#go',
    });
    const show = await runCli(['source', 'show', 'login-yaml'], { env });
    expect(show.stdout).toContain('login    scripted: /account/login (fields pass, user; submit #go)');
    expect(show.stdout).not.toContain('literal-secret');
  });

  it('supplies a session to a blocked source: cookies stored, unblocked, recipe kept, audited without values', async () => {
    // login-flags (added above) has a scripted login; a CAPTCHA blocked it.
    await t.db.query(`update sources set needs_human = 'captcha queue' where name = 'login-flags'`);
    const jar = path.join(dir, 'cookies.txt');
    writeFileSync(
      jar,
      `# Netscape HTTP Cookie File\n#HttpOnly_.${ONION.slice(7, -1)}\tTRUE\t/\tFALSE\t0\tqueue_pass\tsecret-pass-value\n`,
    );
    const r = await runCli(
      ['source', 'session', 'login-flags', '--cookie', 'sid=secret-sid-value', '--cookies-file', jar],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('session for login-flags: 2 cookie(s) stored (was blocked: captcha queue)\n');
    const { rows } = await t.db.query(`select session, needs_human from sources where name = 'login-flags'`);
    expect(rows[0].needs_human).toBeNull();
    expect(rows[0].session.cookies).toEqual([
      { name: 'sid', value: 'secret-sid-value' },
      { name: 'queue_pass', value: 'secret-pass-value', domain: ONION.slice(7, -1), path: '/' },
    ]);
    expect(rows[0].session.login.url).toBe('/login');
    const audit = await t.db.query(`select before, after from audit_log where action = 'source.session'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].after).toEqual({ cookies: ['sid', 'queue_pass'] });
    expect(JSON.stringify(audit.rows[0])).not.toContain('secret');
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
  });

  it.each([
    [['source', 'session', 'login-flags'], /give --cookie NAME=VALUE or --cookies-file FILE/],
    [['source', 'session', 'nobody', '--cookie', 'a=b'], /no source named "nobody"/],
    [['source', 'session', 'login-flags', '--cookie', 'novalue'], /expected NAME=VALUE/],
    [
      ['source', 'session', 'login-flags', '--cookies-file', '/nonexistent/jar.txt'],
      /cannot read \/nonexistent\/jar.txt/,
    ],
    [['source', 'session', 'login-flags', '--cookies-file', '/dev/zero'], /larger than 256 KiB|binary/],
    [
      ['source', 'session', 'login-flags', '--cookie', 'x='.concat('v'.repeat(9000))],
      /invalid session: cookies\.0\.value/,
    ],
  ])('rejects a bad session %j with one clear line, changing nothing', async (args, message) => {
    const before = await t.db.query(`select session from sources where name = 'login-flags'`);
    const r = await runCli(args, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const after = await t.db.query(`select session from sources where name = 'login-flags'`);
    expect(after.rows).toEqual(before.rows);
  });

  it.each([
    [
      ['source', 'add', 'l1', ONION, '--login-url', '/login', '--login-field', 'novalue'],
      /--login-field expects NAME=VALUE/,
    ],
    [
      ['source', 'add', 'l2', ONION, '--login-url', '/login', '--login-field', 'p=${env:DATABASE_URL}'],
      /session\.login\.fields\.p: environment references must look like/,
    ],
    [
      ['source', 'add', 'l3', ONION, '--login-url', 'javascript:alert(1)', '--login-field', 'a=b'],
      /session\.login\.url: must be a path on the site/,
    ],
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
    for (let i = 0; i < 12; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      );
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
