// The rule editor's backtest preview (POST /api/rules/backtest) against a real PostgreSQL: draft
// rules run over stored listings and posts of the caller's workspace only, report counts and the
// first hits with highlight ranges, create nothing, and stay bounded (record limit, deadline with
// the worker terminated, concurrency cap) with clear errors for invalid, oversized or hostile rules.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRules, loadRulesSafely } from '../../rules/index.js';
import { storedRecordBatches } from '../../store/backtest.js';
import { withTransaction } from '../../store/db.js';
import { upsertListing, upsertPost } from '../../store/records.js';
import { BacktestRunner, DEFAULT_BACKTEST_LIMITS, excerpt } from '../../web/backtest.js';
import { buildServer } from '../../web/server.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from './client.js';
import { seed, XSS, type Seeded } from './seed.js';

let t: TestDatabase;
let app: FastifyInstance;
let s: Seeded;
const as: Record<string, Client> = {};
const GLOCK = 'rules:\n  - name: draft-glock\n    severity: high\n    query: glock\n';
const LONG_DESCRIPTION = `${'filler words about nothing in particular. '.repeat(40)}the glock is here ${'more filler. '.repeat(40)}`;
const REDOS_TITLE = `${'a'.repeat(20_000)}!`;

interface Report {
  scanned: { listings: number; posts: number };
  limitReached: string | null;
  totalHits: number;
  rules: Array<{
    rule: string;
    count: number;
    needsHistory: boolean;
    examples: Array<{
      kind: string;
      id: number;
      title: string;
      titleHits: Array<{ start: number; end: number; term: string }>;
      excerpt: {
        text: string;
        hits: Array<{ start: number; end: number }>;
        before: boolean;
        after: boolean;
      } | null;
    }>;
  }>;
}

beforeAll(async () => {
  t = await freshDatabase();
  s = await seed(t.db);
  await withTransaction(t.db, async (tx) => {
    await upsertPost(tx, {
      workspaceId: s.opWs,
      sourceId: s.sourceId,
      threadUrl: 'http://alpha.onion/thread/7',
      post: {
        threadTitle: 'Selling parts',
        author: 'ironhand',
        postedAt: null,
        body: 'slide and barrel for a glock 17',
      },
      position: 0,
      snapshotId: null,
      seenAt: new Date(),
    });
    await upsertListing(tx, {
      workspaceId: s.opWs,
      sourceId: s.source2Id,
      vendorId: null,
      language: 'en',
      snapshotId: null,
      seenAt: new Date(),
      listing: {
        url: 'http://beta.onion/item/long',
        title: 'Spare parts lot',
        description: LONG_DESCRIPTION,
        price: null,
        priceEur: null,
        vendor: null,
        category: null,
        classification: null,
        shipsFrom: null,
        shipsTo: null,
      },
    });
    await upsertListing(tx, {
      workspaceId: s.opWs,
      sourceId: s.source2Id,
      vendorId: null,
      language: 'en',
      snapshotId: null,
      seenAt: new Date(),
      listing: {
        url: 'http://beta.onion/item/redos',
        title: REDOS_TITLE,
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
  });
  app = await buildServer({ db: t.db });
  for (const u of ['admin1', 'analyst1', 'trainer1', 'trainee1']) as[u] = await login(app, u);
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const counts = async () =>
  (
    await t.db.query<{ alerts: number; events: number; rules: number }>(
      `select (select count(*)::int from alerts) as alerts, (select count(*)::int from alert_events) as events,
              (select count(*)::int from rule_versions) as rules`,
    )
  ).rows[0]!;

describe('backtest preview', () => {
  it('runs an unsaved rule over stored listings and posts, with highlight ranges, creating nothing', async () => {
    const before = await counts();
    const res = await as.analyst1!.post('/api/rules/backtest', { yaml: GLOCK, since: '3650d', examples: 10 });
    expect(res.statusCode).toBe(200);
    const r = res.json() as Report;
    expect(r.limitReached).toBeNull();
    // Every listing and post of the operational workspace was looked at, none of the training one.
    const stored = await t.db.query<{ l: number; p: number }>(
      `select (select count(*)::int from listings where workspace_id = $1) as l, (select count(*)::int from posts where workspace_id = $1) as p`,
      [s.opWs],
    );
    expect(r.scanned).toEqual({ listings: stored.rows[0]!.l, posts: stored.rows[0]!.p });
    const rule = r.rules.find((x) => x.rule === 'draft-glock')!;
    const titles = rule.examples.map((e) => `${e.kind}:${e.title}`).sort();
    expect(titles).toEqual(
      ['listing:Glock 19 Gen5 pistol', 'listing:Spare parts lot', 'post:Selling parts'].sort(),
    );
    expect(rule.count).toBe(3);
    const glock = rule.examples.find((e) => e.title === 'Glock 19 Gen5 pistol')!;
    expect(glock.titleHits.map((h) => glock.title.slice(h.start, h.end).toLowerCase())).toEqual(['glock']);
    // A long description comes back as an excerpt around the hit, with the range shifted into it.
    const long = rule.examples.find((e) => e.title === 'Spare parts lot')!;
    expect(long.excerpt!.before).toBe(true);
    expect(long.excerpt!.text.length).toBeLessThan(LONG_DESCRIPTION.length);
    expect(long.excerpt!.hits.map((h) => long.excerpt!.text.slice(h.start, h.end))).toEqual(['glock']);
    expect(await counts()).toEqual(before);
    expect((await as.analyst1!.get('/api/rules/draft-glock')).statusCode).toBe(404);
  });

  it('agrees with the rules module on every stored record (independent oracle)', async () => {
    const yaml =
      'rules:\n  - name: b\n    query: beretta OR "spare parts"\n  - name: c\n    query: \'barrel AND slide\'\n    severity: low\n';
    const r = (await as.admin1!.post('/api/rules/backtest', { yaml, since: '3650d' })).json() as Report;
    const set = compileRules(loadRulesSafely(yaml, { file: 'x' }).rules);
    const expected = new Map<string, number>([
      ['b', 0],
      ['c', 0],
    ]);
    for await (const batch of storedRecordBatches(t.db, s.opWs, { since: new Date(0) }))
      for (const rec of batch)
        for (const m of set.match(rec.listing)) expected.set(m.rule.id, expected.get(m.rule.id)! + 1);
    expect(Object.fromEntries(r.rules.map((x) => [x.rule, x.count]))).toEqual(Object.fromEntries(expected));
    expect(expected.get('b')).toBe(2);
    expect(expected.get('c')).toBe(1);
    expect(r.rules.map((x) => x.needsHistory)).toEqual([false, false]);
    // A change condition needs listing history the preview does not load: flagged, not guessed.
    const change = (
      await as.admin1!.post('/api/rules/backtest', {
        yaml: 'rules:\n  - name: drop\n    query: glock\n    on: { price_drop: { percent: 10 } }\n',
        since: '3650d',
      })
    ).json() as Report;
    expect(change.rules[0]).toMatchObject({ rule: 'drop', count: 0, needsHistory: true });
  });

  it('keeps every role inside its workspace and needs a session with CSRF', async () => {
    const titlesFor = async (c: Client) => {
      const res = await c.post('/api/rules/backtest', { yaml: GLOCK, since: '3650d' });
      expect(res.statusCode).toBe(200);
      return (res.json() as Report).rules[0]!.examples.map((e) => e.title).sort();
    };
    expect(await titlesFor(as.trainee1!)).toEqual(['Training glock']);
    expect(await titlesFor(as.trainer1!)).toEqual(['Training glock']);
    expect(await titlesFor(as.admin1!)).toContain('Glock 19 Gen5 pistol');
    // A trainee naming the operational workspace gets 404, not its data.
    const peek = await as.trainee1!.post(
      '/api/rules/backtest',
      { yaml: GLOCK, since: '3650d' },
      { 'x-darkwatch-workspace': String(s.opWs) },
    );
    expect(peek.statusCode).toBe(404);
    const anon = await app.inject({ method: 'POST', url: '/api/rules/backtest', payload: { yaml: GLOCK } });
    expect(anon.statusCode).toBe(401);
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/rules/backtest',
      cookies: { dw_session: as.analyst1!.cookie },
      payload: { yaml: GLOCK },
    });
    expect(noCsrf.statusCode).toBe(403);
    const forged = await as.analyst1!.post(
      '/api/rules/backtest',
      { yaml: GLOCK },
      { 'x-csrf-token': as.trainee1!.csrf },
    );
    expect(forged.statusCode).toBe(403);
  });

  it('refuses invalid, oversized and injected input with clear errors', async () => {
    const c = as.analyst1!;
    const syntax = await c.post('/api/rules/backtest', {
      yaml: 'rules:\n  - name: x\n    query: "(glock OR"\n',
    });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    const backref = await c.post('/api/rules/backtest', {
      yaml: "rules:\n  - name: x\n    query: '/(a)\\1/'\n",
    });
    expect(backref.statusCode).toBe(400);
    expect(JSON.stringify(backref.json().problems)).toMatch(/regular expression/);
    const huge = await c.post('/api/rules/backtest', {
      yaml: `rules:\n  - name: x\n    query: ${'glock OR '.repeat(30000)}glock\n`,
    });
    expect(huge.statusCode).toBe(400);
    const many = Array.from(
      { length: DEFAULT_BACKTEST_LIMITS.maxRules + 1 },
      (_, i) => `  - name: r${i}\n    query: glock${i}\n`,
    );
    const tooMany = await c.post('/api/rules/backtest', { yaml: `rules:\n${many.join('')}` });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error).toMatch(/at most 50 rules/);
    for (const since of ["30d'; drop table listings; --", '0x10d', '999999d', '']) {
      const res = await c.post('/api/rules/backtest', { yaml: GLOCK, since });
      expect(res.statusCode, since).toBe(400);
    }
    for (const examples of [1000, -1, 'many']) {
      expect(
        (await c.post('/api/rules/backtest', { yaml: GLOCK, examples })).statusCode,
        String(examples),
      ).toBe(400);
    }
    expect(
      (await c.post('/api/rules/backtest', { yaml: GLOCK, kinds: ['listing', 'vendor'] })).statusCode,
    ).toBe(400);
    const binary = await c.post('/api/rules/backtest', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0]), {
      'content-type': 'application/json',
    });
    expect(binary.statusCode).toBe(400);
    const level = (i: number) => {
      const [name, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `  ${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`;
    };
    const bomb = `shared:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => level(i)).join('\n')}\nrules:\n  - name: x\n    query: glock\n    shipsFrom: *i\n`;
    const bombed = await c.post('/api/rules/backtest', { yaml: bomb });
    expect(bombed.statusCode).toBe(400);
    // Refused with located problems, not expanded into a billion nodes.
    expect(bombed.json().problems[0]).toMatchObject({ line: expect.any(Number) });
    expect(bombed.body.length).toBeLessThan(100_000);
    expect((await c.get('/api/rules')).json().rules.map((r: { name: string }) => r.name)).toContain(
      XSS.slice(0, 60),
    );
    expect((await t.db.query('select count(*)::int as n from listings')).rows[0].n).toBeGreaterThan(3);
  });

  it('matches a catastrophic-backtracking pattern in linear time (RE2) and gives the same answer as the rules module', async () => {
    const yaml = "rules:\n  - name: redos\n    query: '/(a+)+b/ OR /(a|aa)+!/'\n";
    const res = await as.analyst1!.post('/api/rules/backtest', { yaml, since: '3650d' });
    expect(res.statusCode).toBe(200);
    const r = res.json() as Report;
    expect(r.limitReached).toBeNull();
    const set = compileRules(loadRulesSafely(yaml, { file: 'x' }).rules);
    let oracle = 0;
    for await (const batch of storedRecordBatches(t.db, s.opWs, { since: new Date(0) }))
      for (const rec of batch) oracle += set.match(rec.listing).length;
    expect(r.rules[0]!.examples.map((e) => e.title)).toContain(REDOS_TITLE);
    expect(r.rules[0]!.count).toBe(oracle);
    expect((await as.analyst1!.get('/api/me')).statusCode).toBe(200);
  });

  it('stops at the record limit and at the deadline (worker terminated), and caps concurrent backtests', async () => {
    const limited = await buildServer({ db: t.db, backtest: { maxRecords: 2, batch: 1 } });
    const slow = await buildServer({ db: t.db, backtest: { deadlineMs: 1 } });
    try {
      const a = await login(limited, 'analyst1');
      const r = (await a.post('/api/rules/backtest', { yaml: GLOCK, since: '3650d' })).json() as Report;
      expect(r.limitReached).toBe('records');
      expect(r.scanned.listings + r.scanned.posts).toBe(2);

      const b = await login(slow, 'analyst1');
      const timedOut = await b.post('/api/rules/backtest', { yaml: GLOCK, since: '3650d' });
      expect(timedOut.statusCode).toBe(422);
      expect(timedOut.json().error).toMatch(/longer than .* to compile/);
      // The server is still there and answers.
      expect((await b.get('/api/me')).statusCode).toBe(200);
    } finally {
      await limited.close();
      await slow.close();
    }
    const busy = new BacktestRunner({ ...DEFAULT_BACKTEST_LIMITS, maxConcurrent: 0 });
    const defs = loadRulesSafely(GLOCK, { file: 'x' }).rules;
    await expect(busy.run(t.db, s.opWs, defs, { since: new Date(0) })).rejects.toMatchObject({
      statusCode: 429,
    });
  });
});

describe('excerpt', () => {
  it('cuts a window around the first hit and shifts every range into it', () => {
    const text = `${'x'.repeat(1000)}needle${'y'.repeat(1000)}`;
    const e = excerpt(text, [{ start: 1000, end: 1006, term: 'needle' }], 100);
    expect(e.text.length).toBe(100);
    expect(e.text.slice(e.hits[0]!.start, e.hits[0]!.end)).toBe('needle');
    expect(e).toMatchObject({ before: true, after: true });
    expect(excerpt('short', [], 100)).toEqual({ text: 'short', hits: [], before: false, after: false });
    const none = excerpt(text, [], 50);
    expect(none).toMatchObject({ text: 'x'.repeat(50), before: false, after: true });
  });
});
