// Scripted logins in the pipeline: a source with a recipe gets past the range forum's login wall
// (at the start of a run, and again when its session has gone stale), keeps the cookies on the
// source for every worker, and a login that fails blocks the source once — no loop.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import { getRun } from '../../store/runs.js';
import { addSource, getSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

describe('scripted logins in the pipeline', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  const forum = () => range.sites.find((s) => s.name === 'balkanboard')!;

  beforeAll(async () => {
    process.env.DW_SRC_LOGIN_TEST_PASSWORD = 'correct horse';
    [range, t] = await Promise.all([
      startRange({ seed: 23, size: 40, obstacles: ['login'] }),
      freshDatabase(),
    ]);
    const r = testRedis('login');
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: r.url,
      prefix: r.prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: '/usr/bin/chromium',
      concurrency: 4,
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
      extract: () => ({
        pageType: 'other',
        site: null,
        listings: [],
        posts: [],
        entities: [],
        language: null,
      }),
    });
  });
  afterAll(async () => {
    delete process.env.DW_SRC_LOGIN_TEST_PASSWORD;
    await pipeline?.close();
    await range?.stop();
    await t?.drop();
  });

  async function crawl(name: string) {
    const ws = await operationalWorkspace(t.db);
    const source = (await getSource(t.db, ws.id, name))!;
    const run = await startCrawlRun(
      { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
      source,
      'manual',
    );
    const deadline = Date.now() + 90_000;
    for (;;) {
      const s = await runState(t.db, pipeline.queues, run.id);
      if (s.run.status !== 'queued' && s.run.status !== 'running')
        return { run: s.run, source: (await getSource(t.db, ws.id, name))! };
      if (Date.now() > deadline)
        throw new Error(`run ${run.id} did not finish: ${JSON.stringify(s.progress)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async function add(name: string, session: Parameters<typeof addSource>[2]['session']) {
    const ws = await operationalWorkspace(t.db);
    return addSource(t.db, ws.id, {
      name,
      kind: 'forum',
      urls: [forum().url],
      fetchMode: 'http',
      session,
      policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 12, maxDepth: 2 },
    });
  }

  const recipe = {
    url: '/login',
    fields: { username: 'crawler1', password: '${env:DW_SRC_LOGIN_TEST_PASSWORD}' },
  };

  it('logs in at the start of a run, stores the session on the source, and crawls the members-only board', async () => {
    const source = await add('forum-login', { cookies: [], login: recipe });
    const { run, source: after } = await crawl('forum-login');
    expect(run.status).toBe('completed');
    expect(run.stats).toMatchObject({ logins: 1 });
    expect(after.needsHuman).toBeNull();
    expect(after.session?.login).toEqual(recipe);
    expect(after.session?.cookies.find((c) => c.name === 'dw_session')?.value).toMatch(/^crawler1\./);
    const { rows } = await t.db.query<{ url: string; final_url: string }>(
      'select url, final_url from snapshots where crawl_run_id = $1',
      [run.id],
    );
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((r) => new URL(r.url).pathname.startsWith('/b/'))).toBe(true);
    expect(rows.filter((r) => /\/login/.test(r.final_url))).toEqual([]);
    // The login went through the source's own SOCKS identity, like its pages.
    expect(Object.keys(range.counters().byUser)).toContain(`dw-${source.id}`);
    expect(range.counters().refused).toBe(0);
  });

  it('a stale session hits the wall, logs in again, and the run completes', async () => {
    await add('forum-stale', { cookies: [{ name: 'dw_session', value: 'crawler1.forged' }], login: recipe });
    const { run, source } = await crawl('forum-stale');
    expect(run.status).toBe('completed');
    expect(run.stats).toMatchObject({ logins: 1 });
    expect(source.session?.cookies.find((c) => c.name === 'dw_session')?.value).not.toBe('crawler1.forged');
    const walls = await t.db.query('select 1 from snapshots where crawl_run_id = $1 and final_url like $2', [
      run.id,
      '%/login%',
    ]);
    expect(walls.rowCount).toBe(0);
  });

  it('a rejected login blocks the source once: needs a person, and the next run does not try again', async () => {
    await add('forum-badpass', {
      cookies: [],
      login: { url: '/login', fields: { username: 'crawler1', password: 'x' } },
    });
    const first = await crawl('forum-badpass');
    expect(first.run.status).toBe('blocked');
    expect(first.run.stats).toMatchObject({ logins: 1 });
    expect(first.run.error).toMatch(/^scripted login failed: still a login wall .*HTTP 401/);
    expect(first.source.needsHuman).toBe(first.run.error);
    const second = await crawl('forum-badpass');
    expect(second.run.status).toBe('blocked');
    expect((await getRun(t.db, second.run.id))!.stats).not.toHaveProperty('logins');
  });

  it('a recipe naming an unset environment variable fails clearly and blocks', async () => {
    await add('forum-noenv', {
      cookies: [],
      login: { url: '/login', fields: { username: 'u1x', password: '${env:DW_SRC_NOT_SET_ANYWHERE}' } },
    });
    const { run, source } = await crawl('forum-noenv');
    expect(run.status).toBe('blocked');
    expect(source.needsHuman).toMatch(
      /^scripted login failed: field password: environment variable DW_SRC_NOT_SET_ANYWHERE is not set/,
    );
  });

  it('addSource refuses malformed recipes with one clear line', async () => {
    await expect(
      add('forum-evil', {
        cookies: [],
        login: { url: '/login', fields: { password: '${env:DATABASE_URL}' } },
      }),
    ).rejects.toThrow(
      /^invalid source: session\.login\.fields\.password: environment references must look like/,
    );
    await expect(
      add('forum-js', { cookies: [], login: { url: 'javascript:alert(1)', fields: { a: 'b' } } }),
    ).rejects.toThrow(/session\.login\.url: must be a path on the site/);
  });
});
