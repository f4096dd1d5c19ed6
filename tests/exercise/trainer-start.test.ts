// Starting an exercise from the trainer page: the API spawns the real `darkwatch exercise start ID`
// against a real database, Redis, range and Chromium, and the page's state follows it to the end;
// a second start while it runs is refused (409, also under concurrent requests — a database
// guard), trainees get 403, CSRF is required, the start is audited; a launch whose child failed
// shows its exit code and log tail; and a launch whose server went away is settled from the pid and
// the log instead of staying "running".
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DARKWATCH_BIN,
  getLaunch,
  launchExercise,
  LaunchConflict,
  launchProcessAlive,
  settleLaunches,
} from '../../range/exercises/launch.js';
import { scenarioTruths } from '../../range/exercises/run.js';
import { loadScenarioFile } from '../../range/exercises/scenario.js';
import { createExercise } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { createUser } from '../../store/users.js';
import { buildServer } from '../../web/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from '../web/client.js';
import { PASSWORD } from '../web/seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const scenario = loadScenarioFile(path.join(here, 'fixtures', 'small-handguns.yaml'));
const RUN_DEADLINE_MS = 240_000;
// How long to wait for the page to show a change (a loaded CI machine is slow, never wrong).
const POLL_MS = 20_000;

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A real process that has exited: its pid is dead (or, at worst, reused by something else). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('starting an exercise from the trainer page', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let dataDir: string;
  let trainer: Client;
  let trainee: Client;
  let exerciseId: number;
  let workspaceId: number;
  let failedExerciseId = 0;
  const savedEnv = { ...process.env };

  async function newExercise() {
    const targets = selectTargets(scenario, scenarioTruths(scenario));
    return createExercise(t.db, { scenario, file: null, targets, trainees: 1 }, SYSTEM_ACTOR);
  }

  beforeAll(async () => {
    t = await freshDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dw-trainer-start-'));
    const redis = testRedis('trainer-start');
    // The server's environment is what the child gets: point it at this test's services.
    Object.assign(process.env, {
      DATABASE_URL: t.url,
      REDIS_URL: redis.url,
      DARKWATCH_REDIS_PREFIX: redis.prefix,
      DARKWATCH_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    app = await buildServer({ db: t.db });
    await withTransaction(t.db, (tx) =>
      createUser(tx, { username: 'trainer1', password: PASSWORD, role: 'trainer' }, SYSTEM_ACTOR),
    );
    trainer = await login(app, 'trainer1');
    const { exercise, trainees } = await newExercise();
    exerciseId = exercise.id;
    workspaceId = exercise.workspaceId;
    trainee = await login(app, trainees[0]!.username, trainees[0]!.password);
  });

  afterAll(async () => {
    // Never leave a child behind: wait for every launch of this file to end before dropping the db.
    if (t) {
      await until(
        'the launches to end',
        async () => {
          await settleLaunches(t.db);
          const { rows } = await t.db.query("select 1 from exercise_launches where status = 'running'");
          return rows.length === 0 ? true : null;
        },
        RUN_DEADLINE_MS,
      ).catch(() => undefined);
    }
    process.env = savedEnv;
    await app?.close();
    await t?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, RUN_DEADLINE_MS + 30_000);

  it('refuses trainees (403) and requests without the CSRF token (403), and starts nothing', async () => {
    expect((await trainee.post(`/api/exercises/${exerciseId}/start`)).statusCode).toBe(403);
    const noCsrf = await app.inject({
      method: 'POST',
      url: `/api/exercises/${exerciseId}/start`,
      cookies: { dw_session: trainer.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error).toMatch(/CSRF/);
    const wrongCsrf = await trainer.post(`/api/exercises/${exerciseId}/start`, undefined, {
      'x-csrf-token': 'x'.repeat(43),
    });
    expect(wrongCsrf.statusCode).toBe(403);
    expect((await trainer.post('/api/exercises/999999/start')).statusCode).toBe(404);
    expect((await trainer.post('/api/exercises/1%3Bdrop%20table%20users/start')).statusCode).toBe(400);
    const { rows } = await t.db.query('select count(*)::int as n from exercise_launches');
    expect(rows[0].n).toBe(0);
  });

  it(
    'runs the exercise to completion as a child process, refusing a second start while it runs, and audits the start',
    { timeout: RUN_DEADLINE_MS + 30_000 },
    async () => {
      const started = await trainer.post(`/api/exercises/${exerciseId}/start`);
      expect(started.statusCode).toBe(202);
      const launch = started.json().launch;
      expect(launch).toMatchObject({
        status: 'running',
        requestedBy: 'trainer1',
        log: `exercises/${exerciseId}.log`,
      });
      expect(launch.pid).toEqual(expect.any(Number));

      // Double clicks and a second server: every further start is refused while it runs.
      const again = await Promise.all(
        [1, 2, 3].map(() => trainer.post(`/api/exercises/${exerciseId}/start`)),
      );
      for (const r of again) {
        expect(r.statusCode).toBe(409);
        expect(r.json().launch.id).toBe(launch.id);
      }
      expect((await trainer.post(`/api/exercises/${exerciseId}/reset`)).statusCode).toBe(409);
      const listed = (await trainer.get('/api/exercises'))
        .json()
        .exercises.find((e: { id: number }) => e.id === exerciseId);
      expect(listed.launch).toMatchObject({ id: launch.id, status: 'running' });

      const done = await until(
        'the exercise run to end',
        async () => {
          const r = (await trainer.get(`/api/exercises/${exerciseId}`)).json();
          return r.launch.status === 'running' ? null : r;
        },
        RUN_DEADLINE_MS,
      );
      expect(done.launch.error).toBeNull();
      expect(done.launch).toMatchObject({ id: launch.id, status: 'finished', exitCode: 0 });
      expect(done.launch.finishedAt).not.toBeNull();
      expect(done.launch.crawls).toHaveLength(scenario.range.epochs.length * scenario.sites.length);
      const crawl = done.launch.crawls[0];
      expect(crawl.source).toBe('ironbazaar');
      expect(crawl.summary.pages).toBeGreaterThan(0);
      expect(crawl.summary.listings).toBeGreaterThan(0);
      // It really crawled into the exercise's own workspace, and the exercise clock started.
      const listings = await t.db.query('select count(*)::int as n from listings where workspace_id = $1', [
        workspaceId,
      ]);
      expect(listings.rows[0].n).toBe(crawl.summary.listings);
      expect(done.status).toBe('running');
      expect(done.startedAt).not.toBeNull();

      const log = readFileSync(path.join(dataDir, 'exercises', `${exerciseId}.log`), 'utf8');
      expect(log).toContain(`--- launch ${launch.id} of exercise ${exerciseId} by trainer1`);
      expect(log).toContain(`"exercise":${exerciseId}`);
      const served = await trainer.get(`/api/exercises/${exerciseId}/log`);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toMatch(/^text\/plain/);
      expect(served.body).toContain(`--- launch ${launch.id}`);
      expect((await trainee.get(`/api/exercises/${exerciseId}/log`)).statusCode).toBe(403);

      const audit = await t.db.query<{ actor_name: string; workspace_id: number; after: { launch: number } }>(
        `select actor_name, workspace_id::int as workspace_id, after from audit_log
          where action = 'exercise.start' and entity_id = $1`,
        [String(exerciseId)],
      );
      expect(audit.rows).toHaveLength(1);
      expect(audit.rows[0]).toMatchObject({
        actor_name: 'trainer1',
        workspace_id: workspaceId,
        after: { launch: launch.id },
      });

      // Once it has ended it may be started again (a recrawl); that one is audited too.
      const { rows } = await t.db.query(
        "select count(*)::int as n from exercise_launches where status = 'running'",
      );
      expect(rows[0].n).toBe(0);
    },
  );

  it('lets exactly one of many concurrent starts through, and shows a failed child with its exit code and log tail', async () => {
    const { exercise } = await newExercise();
    failedExerciseId = exercise.id;
    // This child cannot reach its database: it fails fast, as a misconfigured server's would.
    const env = { ...process.env, DATABASE_URL: 'postgres://darkwatch@127.0.0.1:1/nothing-listens-here' };
    const attempts = await Promise.allSettled(
      [1, 2, 3, 4].map(() => launchExercise(t.db, exercise.id, { actor: SYSTEM_ACTOR, env, dataDir })),
    );
    const ok = attempts.filter((a) => a.status === 'fulfilled');
    const refused = attempts.filter((a) => a.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(3);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LaunchConflict);
    const id = (ok[0] as PromiseFulfilledResult<{ id: number }>).value.id;

    const failed = await until(
      'the failing child to be recorded',
      async () => {
        const r = (await trainer.get(`/api/exercises/${exercise.id}`)).json();
        return r.launch.status === 'running' ? null : r.launch;
      },
      60_000,
    );
    expect(failed).toMatchObject({ id, status: 'failed' });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.exitCode).toEqual(expect.any(Number));
    expect(failed.error).toBe(`exit code ${failed.exitCode}`);
    expect(failed.logTail).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|reach|connect/i);
    expect(failed.crawls).toBeNull();
    const audits = await t.db.query(
      `select 1 from audit_log where action = 'exercise.start' and entity_id = $1`,
      [String(exercise.id)],
    );
    expect(audits.rows).toHaveLength(1);
  });

  it(
    'keeps the run going when the server that started it is killed, and the next server settles it from the log',
    { timeout: RUN_DEADLINE_MS + 60_000 },
    async () => {
      const { exercise } = await newExercise();
      // A real `darkwatch serve` in its own process, with this test's environment.
      const server = spawn(process.execPath, [DARKWATCH_BIN, 'serve', '--port', '0'], {
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      server.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      server.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
      let childPid = 0;
      try {
        const base = await until(
          'the server to listen',
          async () => /web app at (http:\/\/[^\s/]+)\//.exec(out)?.[1],
          60_000,
        );
        const loginRes = await fetch(`${base}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'trainer1', password: PASSWORD }),
        });
        expect(loginRes.status).toBe(200);
        const cookie = /dw_session=[^;]+/.exec(loginRes.headers.get('set-cookie') ?? '')![0];
        const { csrfToken } = (await loginRes.json()) as { csrfToken: string };
        const started = await fetch(`${base}/api/exercises/${exercise.id}/start`, {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrfToken },
        });
        expect(started.status).toBe(202);
        const { launch } = (await started.json()) as { launch: { id: number; pid: number } };
        childPid = launch.pid;
        // The server dies hard (a crash, an OOM kill); its child is in a process group of its own.
        server.kill('SIGKILL');
        await new Promise((r) =>
          server.exitCode !== null || server.signalCode !== null ? r(null) : server.once('exit', r),
        );
        expect(launchProcessAlive(childPid, exercise.id)).toBe(true);
        // Nobody saw the exit: whichever server looks next settles it from the pid and the log.
        const done = await until(
          'the orphaned run to be settled',
          async () => {
            const r = (await trainer.get(`/api/exercises/${exercise.id}`)).json();
            return r.launch.status === 'running' ? null : r.launch;
          },
          RUN_DEADLINE_MS,
        );
        expect(done).toMatchObject({ id: launch.id, status: 'finished', exitCode: null, error: null });
        expect(done.crawls).toHaveLength(scenario.range.epochs.length * scenario.sites.length);
        expect(done.crawls[0].summary.listings).toBeGreaterThan(0);
      } finally {
        // A run still going is left to finish; the teardown waits for every launch to end.
        server.kill('SIGKILL');
      }
    },
  );

  it('settles a launch whose server went away: dead pid → finished from the summary in its log, or failed without one', async () => {
    const host = os.hostname();
    const dir = path.join(dataDir, 'orphans');
    mkdirSync(dir, { recursive: true });
    const orphan = async (logText: string, pid: number | null, startedAgoMs = 0) => {
      const { exercise } = await newExercise();
      const logPath = path.join(dir, `${exercise.id}.log`);
      writeFileSync(logPath, 'output of an earlier launch\n' + logText.replaceAll('ID', String(exercise.id)));
      const { rows } = await t.db.query<{ id: number }>(
        `insert into exercise_launches (exercise_id, host, pid, log_path, log_offset, started_at)
         values ($1, $2, $3, $4, $5, now() - make_interval(secs => $6)) returning id::int as id`,
        [exercise.id, host, pid, logPath, 'output of an earlier launch\n'.length, startedAgoMs / 1000],
      );
      return { launchId: rows[0]!.id, exerciseId: exercise.id };
    };
    const summary =
      '{"level":40,"msg":"noise"}\n{"exercise":ID,"crawls":[{"epoch":0,"source":"ironbazaar","summary":{"pages":5,"listings":3}}]}\n';
    const finished = await orphan(summary, await deadPid());
    const crashed = await orphan('{"level":50,"msg":"out of memory"}\nFATAL heap\n', await deadPid());
    // A live process that is not this exercise's child (a reused pid): dead for our purposes.
    const reused = await orphan('', process.pid);
    // The server died between recording the launch and spawning the child.
    const neverSpawned = await orphan('', null, 10 * 60_000);
    const justRecorded = await orphan('', null, 0);
    // A live orphan that really is `darkwatch exercise start ID`: left running.
    const { exercise: liveEx } = await newExercise();
    const live = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 60000)', 'exercise', 'start', String(liveEx.id)],
      {
        stdio: 'ignore',
      },
    );
    try {
      await until(
        'the live stand-in to be up',
        async () => (live.pid && launchProcessAlive(live.pid, liveEx.id) ? true : null),
        10_000,
      );
      const liveLog = path.join(dir, `${liveEx.id}.log`);
      writeFileSync(liveLog, '');
      const liveRow = await t.db.query<{ id: number }>(
        `insert into exercise_launches (exercise_id, host, pid, log_path) values ($1, $2, $3, $4) returning id::int as id`,
        [liveEx.id, host, live.pid, liveLog],
      );
      // Another host's launch is not ours to judge.
      const { exercise: otherEx } = await newExercise();
      const other = await t.db.query<{ id: number }>(
        `insert into exercise_launches (exercise_id, host, pid, log_path) values ($1, 'another-host.invalid', $2, '/nonexistent') returning id::int as id`,
        [otherEx.id, await deadPid()],
      );

      expect(await settleLaunches(t.db)).toBe(4);
      expect(await getLaunch(t.db, finished.launchId)).toMatchObject({
        status: 'finished',
        exitCode: null,
        crawls: [{ epoch: 0, source: 'ironbazaar', summary: { pages: 5, listings: 3 } }],
      });
      const c = (await getLaunch(t.db, crashed.launchId))!;
      expect(c).toMatchObject({ status: 'failed', exitCode: null, crawls: null });
      expect(c.error).toMatch(/no server was watching/);
      expect(c.logTail).toContain('FATAL heap');
      expect(c.logTail).not.toContain('earlier launch');
      expect((await getLaunch(t.db, reused.launchId))!.status).toBe('failed');
      expect((await getLaunch(t.db, neverSpawned.launchId))!).toMatchObject({
        status: 'failed',
        error: 'the server stopped before the exercise process started',
      });
      expect((await getLaunch(t.db, justRecorded.launchId))!.status).toBe('running');
      expect((await getLaunch(t.db, liveRow.rows[0]!.id))!.status).toBe('running');
      expect((await getLaunch(t.db, other.rows[0]!.id))!.status).toBe('running');
      // The page shows the settled state (the read itself settles).
      const page = (await trainer.get(`/api/exercises/${finished.exerciseId}`)).json();
      expect(page.launch).toMatchObject({ status: 'finished', crawls: [{ source: 'ironbazaar' }] });

      live.kill('SIGKILL');
      await new Promise((r) => live.once('exit', r));
      expect(await settleLaunches(t.db)).toBe(1);
      expect((await getLaunch(t.db, liveRow.rows[0]!.id))!.status).toBe('failed');
    } finally {
      live.kill('SIGKILL');
      // Rows this test made up must not hold up the teardown's wait for running launches.
      await t.db.query(
        `update exercise_launches set status = 'failed', finished_at = now() where status = 'running'`,
      );
    }
  });
  it('shows the run on the trainer page: finished with its crawls, failed with its log, running with Start disabled', async () => {
    const web = await buildServer({ db: t.db });
    await web.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
      await page.goto(`${base}/login`);
      await page.fill('input[name=username]', 'trainer1');
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/trainer/), page.click('button')]);
      const state = page.locator('#launch-state');

      await page.goto(`${base}/trainer?exercise=${exerciseId}`);
      await expect.poll(() => state.textContent(), { timeout: POLL_MS }).toMatch(/^Finished .* by trainer1/);
      expect(await page.locator('#launch-crawls tbody tr').count()).toBe(scenario.range.epochs.length);
      expect(
        Number(await page.locator('#launch-crawls tbody td.pages').first().textContent()),
      ).toBeGreaterThan(0);
      expect(await page.locator('#start').textContent()).toBe('Start again (recrawl)');
      expect(await page.locator('#start').isEnabled()).toBe(true);
      expect(await page.locator(`#exercises tr[data-id="${exerciseId}"] td.run`).textContent()).toBe(
        'finished',
      );

      await page.goto(`${base}/trainer?exercise=${failedExerciseId}`);
      await expect
        .poll(() => state.textContent(), { timeout: POLL_MS })
        .toMatch(/^Failed .*\(exit code \d+\)/);
      expect(await page.locator('#launch-log-box').getAttribute('open')).not.toBeNull();
      expect((await page.locator('#launch-log').textContent())!.length).toBeGreaterThan(0);

      // A start that the server refuses (another server started it meanwhile) leaves the page
      // showing the run that is going, with Start disabled.
      const { exercise } = await newExercise();
      await page.goto(`${base}/trainer?exercise=${exercise.id}`);
      await expect.poll(() => state.textContent(), { timeout: POLL_MS }).toMatch(/^Not started/);
      expect(await page.locator('#start').isEnabled()).toBe(true);
      await t.db.query(
        `insert into exercise_launches (exercise_id, host, log_path) values ($1, $2, '/nonexistent')`,
        [exercise.id, os.hostname()],
      );
      const refused = page.waitForResponse((r) => r.url() === `${base}/api/exercises/${exercise.id}/start`, {
        timeout: POLL_MS,
      });
      await page.click('#start');
      expect((await refused).status()).toBe(409);
      await expect.poll(() => state.textContent(), { timeout: POLL_MS }).toMatch(/^Running since/);
      expect(await page.locator('#start').isDisabled()).toBe(true);
      await expect
        .poll(() => page.locator('#toast').textContent(), { timeout: POLL_MS })
        .toMatch(/already running/);
    } finally {
      await browser.close();
      await web.close();
      await t.db.query(
        `update exercise_launches set status = 'failed', finished_at = now() where status = 'running'`,
      );
    }
  }, 120_000);
});
