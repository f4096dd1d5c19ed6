// WARC export of a real crawl run (range → SOCKS gateway → pipeline → PostgreSQL), verified through
// the real `darkwatch evidence` command against the stored sha256 of every capture.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startRange, type RunningRange } from '../../range/range.js';
import { listRunSnapshots, getBlob } from '../../store/evidence.js';
import { addSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import type { PageExtractor } from '../../workers/extract.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

const noExtraction: PageExtractor = () => ({
  pageType: 'other',
  site: null,
  listings: [],
  posts: [],
  entities: [],
  language: null,
});

describe('darkwatch evidence export / verify', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  let env: NodeJS.ProcessEnv;
  let runId: number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-evidence-'));

  beforeAll(async () => {
    range = await startRange({ seed: 5, size: 60 });
    t = await freshDatabase();
    const redis = testRedis('evidence');
    env = { DATABASE_URL: t.url, REDIS_URL: redis.url };
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: redis.prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: '/usr/bin/chromium',
      concurrency: 4,
      extract: noExtraction,
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
    });
    const site = range.sites.find((s) => s.name === 'blackforge')!;
    const ws = await operationalWorkspace(t.db);
    const source = await addSource(t.db, ws.id, {
      name: 'blackforge',
      kind: 'shop',
      urls: [site.url],
      fetchMode: 'http',
      policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 12, maxDepth: 3 },
    });
    const run = await startCrawlRun(
      { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
      source,
      'manual',
    );
    runId = run.id;
    const deadline = Date.now() + 60_000;
    while (!(await runState(pipeline.db, pipeline.queues, run.id)).settled) {
      if (Date.now() > deadline) throw new Error('crawl did not settle');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    await pipeline?.close();
    await range?.stop();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each CLI call starts a process (seconds of CPU, more on a loaded machine): room for several.
  it('exports a run that verifies, and a flipped byte fails verification', { timeout: 300_000 }, async () => {
    const snaps = await listRunSnapshots(t.db, runId);
    expect(snaps.length).toBeGreaterThanOrEqual(5);
    const file = path.join(dir, 'run.warc');
    const exp = await runCli(['evidence', 'export', '--run', String(runId), '--warc', file, '--json'], {
      env,
    });
    expect(exp.stderr).toBe('');
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ run: runId, captures: snaps.length });

    const ok = await runCli(['evidence', 'verify', '--warc', file], { env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      `OK: ${snaps.length} captures in ${1 + 2 * snaps.length} records match the stored sha256\n`,
    );

    // Exports never overwrite.
    const again = await runCli(['evidence', 'export', '--run', String(runId), '--warc', file], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; exports never overwrite\n$/);

    // Flip one byte inside one capture's payload.
    const body = (await getBlob(t.db, snaps[1]!.contentSha256))!;
    const warc = readFileSync(file);
    const marker = body.subarray(Math.floor(body.length / 2), Math.floor(body.length / 2) + 32);
    // Search from that capture's own record: pages of one site share template text.
    const at = warc.indexOf(marker, warc.indexOf(`WARC-Darkwatch-Capture-Id: ${snaps[1]!.id}\r\n`));
    expect(at).toBeGreaterThan(0);
    warc[at] = warc[at]! ^ 0x01;
    const bad = path.join(dir, 'tampered.warc');
    writeFileSync(bad, warc);
    const fail = await runCli(['evidence', 'verify', '--warc', bad], { env });
    expect(fail.code).toBe(2);
    expect(fail.stderr).toBe(`darkwatch: WARC verification failed: 3 problems in ${bad}\n`);
    // Block digest, payload digest, and stored sha256: all three, all about that one capture.
    const lines = fail.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.startsWith(`FAIL capture ${snaps[1]!.id} `)).toBe(true);
    expect(fail.stdout).toMatch(/payload sha256 [0-9a-f]{64} differs from stored [0-9a-f]{64}/);
  });

  it('exports gzip WARCs that verify, and damaged gzip fails', { timeout: 300_000 }, async () => {
    const file = path.join(dir, 'run.warc.gz');
    expect(
      (await runCli(['evidence', 'export', '--run', String(runId), '--warc', file, '--gzip'], { env })).code,
    ).toBe(0);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const ok = await runCli(['evidence', 'verify', '--warc', file, '--json'], { env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, problems: [], missing: [] });

    const gz = readFileSync(file);
    const mid = Math.floor(gz.length / 2);
    gz[mid] = gz[mid]! ^ 0xff;
    const bad = path.join(dir, 'tampered.warc.gz');
    writeFileSync(bad, gz);
    const fail = await runCli(['evidence', 'verify', '--warc', bad], { env });
    expect(fail.code).toBe(2);
    expect(fail.stderr).toMatch(/^darkwatch: WARC verification failed: \d+ problems? in /);
  });

  it(
    'a browser-mode run exports each screenshot as a resource record that verifies against the store',
    { timeout: 120_000 },
    async () => {
      const site = range.sites.find((s) => s.name === 'stashbin')!;
      const ws = await operationalWorkspace(t.db);
      const source = await addSource(t.db, ws.id, {
        name: 'stash-browser',
        kind: 'paste',
        urls: [site.url],
        fetchMode: 'browser',
        policy: { requestsPerMinute: 60_000, concurrency: 2, pageBudget: 3, maxDepth: 1 },
      });
      const run = await startCrawlRun(
        { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
        source,
        'manual',
      );
      const deadline = Date.now() + 100_000;
      while (!(await runState(pipeline.db, pipeline.queues, run.id)).settled) {
        if (Date.now() > deadline) throw new Error('browser crawl did not settle');
        await new Promise((r) => setTimeout(r, 200));
      }
      const snaps = await listRunSnapshots(t.db, run.id);
      expect(snaps.length).toBeGreaterThan(0);
      expect(snaps.every((s) => s.screenshotSha256)).toBe(true);
      const file = path.join(dir, 'browser.warc');
      expect(
        (await runCli(['evidence', 'export', '--run', String(run.id), '--warc', file], { env })).code,
      ).toBe(0);
      const ok = await runCli(['evidence', 'verify', '--warc', file], { env });
      expect(ok.stdout).toBe(
        `OK: ${snaps.length} captures in ${1 + 3 * snaps.length} records match the stored sha256\n`,
      );
      // The screenshot bytes in the file are exactly the stored ones.
      const warc = readFileSync(file);
      const shot = (await getBlob(t.db, snaps[0]!.screenshotSha256!))!;
      const at = warc.indexOf(shot);
      expect(at).toBeGreaterThan(0);
      const flip = at + Math.floor(shot.length / 2);
      warc[flip] = warc[flip]! ^ 0x01;
      const bad = path.join(dir, 'browser-bad.warc');
      writeFileSync(bad, warc);
      const fail = await runCli(['evidence', 'verify', '--warc', bad], { env });
      expect(fail.code).toBe(2);
      expect(fail.stdout).toMatch(
        new RegExp(
          `^FAIL capture ${snaps[0]!.id} urn:darkwatch:screenshot:\\S+: screenshot sha256 [0-9a-f]{64} differs from stored`,
          'm',
        ),
      );
    },
  );

  it('gives clear one-line errors for unknown runs and hostile input', { timeout: 300_000 }, async () => {
    const unknown = await runCli(
      ['evidence', 'export', '--run', '999999', '--warc', path.join(dir, 'x.warc')],
      { env },
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('darkwatch: no crawl run 999999\n');
    const notNumber = await runCli(
      ['evidence', 'export', '--run', '1; drop table snapshots', '--warc', path.join(dir, 'y.warc')],
      { env },
    );
    expect(notNumber.code).toBe(1);
    expect(notNumber.stderr).toMatch(/^darkwatch: --run must be a crawl run id/);

    const junk = path.join(dir, 'junk.warc');
    writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97) % 256)));
    const j = await runCli(['evidence', 'verify', '--warc', junk], { env });
    expect(j.code).not.toBe(0);
    expect(j.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const missing = await runCli(['evidence', 'verify', '--warc', path.join(dir, 'nope.warc')], { env });
    expect(missing.stderr).toBe(`darkwatch: no such file: ${path.join(dir, 'nope.warc')}\n`);
    // Nothing in the store changed.
    expect((await listRunSnapshots(t.db, runId)).length).toBeGreaterThan(0);
  });
});
