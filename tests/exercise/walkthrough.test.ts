// A training exercise in real Chromium, end to end, with the screenshots of docs/walkthrough.md:
// the trainer creates an exercise on the trainer page, a trainee writes a rule and watches the
// queue fill live while the exercise's own pipeline crawls its range, escalates three alerts
// (two planted targets, one not), and the trainer page then shows exactly that score. Real
// PostgreSQL, Redis, BullMQ workers, range + SOCKS gateway and Chromium.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExercise, type ExerciseRun } from '../../range/exercises/run.js';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';
import { SYSTEM_ACTOR } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { createUser } from '../../store/users.js';
import { exercisePrefix } from '../../workers/alert-channel.js';
import { buildServer } from '../../web/server.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../../workers/page-extractor.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { launchChromium } from '../helpers/chromium.js';
import { SHOTS } from '../helpers/screenshots.js';

const REGION = ['AL', 'BA', 'BG', 'GR', 'HU', 'MD', 'ME', 'MK', 'RO', 'RS', 'TR', 'XK'];
const PASSWORD = 'trainer password 123';
const RULE = `rules:
  - name: handguns-from-the-region
    severity: high
    query: '(glock OR beretta OR "cz 75" OR pistol* OR pištolj OR пиштољ) AND NOT (airsoft OR holster*)'
    shipsFrom: [AL, BA, BG, GR, HU, MD, ME, MK, RO, RS, TR, XK]
`;

describe('a training exercise in the browser', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let run: ExerciseRun | null = null;
  const redis = testRedis('walkthrough');
  const truth = buildTruth(generateWorld({ seed: 7, size: 600 }), 0);
  const targetUrls = new Set(
    truth.listings
      .filter(
        (l) =>
          ['ironbazaar', 'blackforge'].includes(l.site) &&
          l.category === 'firearms' &&
          l.subcategory === 'pistols' &&
          REGION.includes(l.shipsFrom),
      )
      .map((l) => l.url),
  );

  beforeAll(async () => {
    t = await freshDatabase();
    await withTransaction(t.db, (tx) =>
      createUser(
        tx,
        { username: 'trainer', password: PASSWORD, role: 'trainer', displayName: 'Trainer' },
        SYSTEM_ACTOR,
      ),
    );
    const cmd = new Redis(redis.url, { maxRetriesPerRequest: null });
    app = await buildServer({
      db: t.db,
      subscriber: new Redis(redis.url, { maxRetriesPerRequest: null }),
      redis: cmd,
      redisPrefix: redis.prefix,
    });
    app.addHook('onClose', async () => cmd.disconnect());
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await run?.stop();
    await browser?.close();
    await app?.close();
    await t?.drop();
  });

  /** Logs in through the form and waits for the role's home page. */
  async function logIn(username: string, password: string, home = '/'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(`${base}${home}`), page.click('button')]);
    return page;
  }

  it('trainer creates, trainee triages live, trainer sees the score', async () => {
    // 1. The trainer creates an exercise on the trainer page.
    // A trainer outside any exercise lands on the trainer page, not an empty triage queue.
    const trainer = await logIn('trainer', PASSWORD, '/trainer');
    await trainer.waitForSelector('#create-exercise option[value="01-regional-handguns"]', {
      state: 'attached',
    });
    await trainer.selectOption('#create-exercise select[name=scenario]', '01-regional-handguns');
    await trainer.fill('#create-exercise input[name=trainees]', '2');
    await trainer.click('#create-exercise button');
    await trainer.waitForSelector('#created:not([hidden]) #logins tbody tr');
    const logins = await trainer
      .locator('#logins tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    expect(logins).toHaveLength(2);
    const exerciseId = Number(await trainer.locator('#created-id').textContent());
    expect(exerciseId).toBeGreaterThan(0);
    await expect
      .poll(() => trainer.locator('#report-title').textContent(), { timeout: 20_000 })
      .toContain('Handguns shipped from the region');
    await trainer.screenshot({ path: path.join(SHOTS, 'walkthrough-trainer-create.png'), fullPage: true });
    const ws = (
      await t.db.query<{ workspace_id: number }>('select workspace_id::int from exercises where id = $1', [
        exerciseId,
      ])
    ).rows[0]!.workspace_id;

    // 2. A trainee logs in, writes a rule in their workspace, and opens the triage queue.
    const [username, password] = logins[0]!;
    const trainee = await logIn(username!, password!);
    expect((await trainee.goto(`${base}/trainer`))!.status()).toBe(403);
    await trainee.goto(`${base}/rules`);
    await trainee.fill('#yaml', RULE);
    await trainee.click('#save');
    await trainee.waitForSelector('#rules tbody tr');
    await trainee.screenshot({ path: path.join(SHOTS, 'walkthrough-trainee-rules.png') });
    await trainee.goto(`${base}/`);
    await expect.poll(() => trainee.locator('#live.on').count(), { timeout: 20_000 }).toBe(1);
    expect(await trainee.locator('#queue tbody tr').count()).toBe(0);

    // 3. `darkwatch exercise start`: the range and the exercise's own pipeline crawl into the workspace.
    run = await runExercise(t.db, exerciseId, {
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: exercisePrefix(redis.prefix, exerciseId),
      chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      concurrency: 4,
      extract: defaultPageExtractor(),
      extractorVersion: EXTRACTOR_VERSION,
      log: pino({ level: 'silent' }),
      epochTimeoutMs: 240_000,
    });
    const { rows: alerts } = await t.db.query<{ id: number; url: string }>(
      `select a.id::int, l.url from alerts a join listings l on a.subject_type = 'listing' and l.id = a.subject_id where a.workspace_id = $1`,
      [ws],
    );
    expect(alerts.length).toBeGreaterThan(3);
    // Every alert arrived in the open page live: nobody reloaded it.
    await expect
      .poll(() => trainee.locator('#queue tbody tr').count(), { timeout: 20_000 })
      .toBe(alerts.length);
    await trainee.screenshot({ path: path.join(SHOTS, 'walkthrough-trainee-queue.png') });

    // 4. The trainee escalates two planted targets and one listing that is not one.
    const hits = alerts.filter((a) => targetUrls.has(a.url));
    const miss = alerts.filter((a) => !targetUrls.has(a.url));
    expect(hits.length).toBeGreaterThanOrEqual(2);
    expect(miss.length).toBeGreaterThanOrEqual(1);
    for (const a of [hits[0]!, hits[1]!, miss[0]!]) {
      await trainee.goto(`${base}/alerts/${a.id}`);
      await trainee.waitForSelector('#escalate');
      await trainee.click('#escalate');
      await trainee.waitForSelector('a[href^="/cases/"]');
    }
    await trainee.screenshot({ path: path.join(SHOTS, 'walkthrough-trainee-alert.png'), fullPage: true });

    // 5. The trainer's page shows the score: 2 of 3 correct, 2 of N targets, the missed ones.
    await trainer.goto(`${base}/trainer?exercise=${exerciseId}`);
    const row = trainer.locator(`#scores tr[data-trainee="${username}"]`);
    await row.waitFor();
    expect(await row.locator('td.escalated').textContent()).toBe('3');
    expect(await row.locator('td.correct').textContent()).toBe('2');
    expect(await row.locator('td:nth-child(4)').textContent()).toBe('67%');
    expect(await row.locator('td:nth-child(5)').textContent()).toBe(
      `${Math.round((2 / targetUrls.size) * 100)}%`,
    );
    expect(await row.locator('td.first-hit').textContent()).toMatch(/^\d+ s$/);
    expect(await row.locator('td.missed-cell summary').textContent()).toBe(`${targetUrls.size - 2} missed`);
    const idle = trainer.locator(`#scores tr[data-trainee="${logins[1]![0]}"]`);
    expect(await idle.locator('td.escalated').textContent()).toBe('0');
    expect(await trainer.locator(`#exercises tr[data-id="${exerciseId}"] .status`).textContent()).toBe(
      'running',
    );
    expect(await trainer.locator(`#exercises tr[data-id="${exerciseId}"] .left`).textContent()).toMatch(
      /min/,
    );
    await row.locator('td.missed-cell summary').click();
    await trainer.screenshot({ path: path.join(SHOTS, 'walkthrough-trainer-scores.png'), fullPage: true });

    // 6. Reset from the page: data purged, status back to created, scores back to zero.
    await trainer.click('#reset');
    await trainer.waitForSelector('#reset-dialog[open]');
    await trainer.click('#reset-dialog button[value="reset"]');
    await expect
      .poll(() => trainer.locator(`#exercises tr[data-id="${exerciseId}"] .status`).textContent(), {
        timeout: 20_000,
      })
      .toBe('created');
    await expect.poll(() => row.locator('td.escalated').textContent(), { timeout: 20_000 }).toBe('0');
    const left = await t.db.query<{ n: number }>(
      'select count(*)::int as n from alerts where workspace_id = $1',
      [ws],
    );
    expect(left.rows[0]!.n).toBe(0);
  }, 400_000);
});
