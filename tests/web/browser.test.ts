// Real Chromium (Debian's, through Playwright) against a real server: the hostile captured page
// must neither run nor load anything (network log + a loopback canary server that must never be
// hit), XSS payloads stay text, and an analyst's whole path works with the keyboard — log in,
// triage, open the evidence, escalate into a case, export — with screenshots for docs/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHit } from '../../store/alerts.js';
import { withTransaction } from '../../store/db.js';
import { upsertListing } from '../../store/records.js';
import { getRule } from '../../store/rules.js';
import { buildServer } from '../../web/server.js';
import { publishAlert } from '../../workers/alert-channel.js';
import { pipelinePrefix } from '../../workers/queues.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { PASSWORD, seed, XSS, type Seeded } from './seed.js';
import { launchChromium } from '../helpers/chromium.js';
import { SHOTS } from '../helpers/screenshots.js';

// How long to wait for the page to show a change (an API round trip, a Redis message). The
// expect.poll default (1 s) is too short for a loaded CI machine; a failure still fails, later.
const POLL_MS = 20_000;

describe('web app in Chromium', () => {
  let t: TestDatabase;
  let s: Seeded;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let canary: http.Server;
  const canaryHits: string[] = [];
  let pub: Redis;
  const { url: redisUrl, prefix } = testRedis('browser');

  beforeAll(async () => {
    canary = http.createServer((req, res) => {
      canaryHits.push(req.url ?? '');
      res.end('canary');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
    const canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
    t = await freshDatabase();
    s = await seed(t.db, canaryUrl);
    pub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    app = await buildServer({
      db: t.db,
      subscriber: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      redis,
      redisPrefix: prefix,
    });
    app.addHook('onClose', async () => redis.disconnect());
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    pub?.disconnect();
    await app?.close();
    await t?.drop();
    await new Promise((r) => canary?.close(r));
  });

  async function loggedIn(
    username: string,
  ): Promise<{ context: BrowserContext; page: Page; requests: string[]; dialogs: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button')]);
    return { context, page, requests, dialogs };
  }

  it('renders a hostile capture inert: nothing runs, nothing loads outside darkwatch', async () => {
    const { context, page, requests, dialogs } = await loggedIn('analyst1');
    await page.goto(`${base}/alerts/${s.alertIds[0]}`);
    const frameEl = page.locator('iframe.evidence-frame');
    await frameEl.waitFor();
    expect(await frameEl.getAttribute('sandbox')).toBe('');
    const frame = page.frameLocator('iframe.evidence-frame');
    await expect
      .poll(() => frame.locator('#h').textContent(), { timeout: POLL_MS })
      .toContain('Glock 19 Gen5 for sale');
    await expect.poll(() => frame.locator('#tail').textContent(), { timeout: POLL_MS }).toBe('price 650 EUR');
    await page.waitForTimeout(1000); // give anything that might fire a chance to
    // Screenshot blurred until revealed.
    const shot = page.locator('img.shot');
    const filter = () =>
      shot.evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { filter: string } }).getComputedStyle(el)
            .filter,
      );
    expect(await filter()).toMatch(/blur/);
    await page.screenshot({ path: path.join(SHOTS, 'alert-detail.png'), fullPage: true });
    await page.click('#reveal');
    await expect.poll(filter, { timeout: POLL_MS }).toBe('none');

    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(canaryHits).toEqual([]);
    const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requests).toContain(`${base}/evidence/${s.snapshotId}`);
    await context.close();
  }, 90_000);

  it('shows XSS payloads from titles, rule names and notes as text', async () => {
    await withTransaction(t.db, (tx) =>
      tx.query(`insert into alert_notes (alert_id, author_id, body) values ($1, $2, $3)`, [
        s.xssAlertId,
        s.users.analyst.id,
        XSS,
      ]),
    );
    const { context, page, dialogs } = await loggedIn('analyst1');
    await page.waitForSelector('#queue tbody tr');
    const titles = await page.locator('#queue tbody td:nth-child(3)').allTextContents();
    expect(titles).toContain(XSS);
    await page.goto(`${base}/alerts/${s.xssAlertId}`);
    await page.waitForSelector('#notes li');
    expect(await page.locator('#notes .note-body').first().textContent()).toBe(XSS);
    await page.goto(`${base}/rules`);
    await page.waitForSelector('#rules tbody tr');
    expect(await page.locator('#rules tbody').textContent()).toContain(XSS.slice(0, 60));
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(dialogs).toEqual([]);
    await context.close();
  }, 90_000);

  it('takes an analyst through triage by keyboard, live arrival, evidence, escalation and export', async () => {
    const { context, page } = await loggedIn('analyst2');
    await page.waitForSelector('#queue tbody tr');
    await expect.poll(() => page.locator('#live.on').count(), { timeout: POLL_MS }).toBe(1);
    const rowIds = async () =>
      page
        .locator('#queue tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => Number((tr as unknown as { dataset: { id: string } }).dataset.id)),
        );
    const currentId = async () =>
      Number(await page.locator('#queue tbody tr.current').getAttribute('data-id'));
    const ids = await rowIds();
    expect(ids.sort()).toEqual([...s.alertIds].sort());
    const order = await rowIds();

    // Live arrival: a new alert published on Redis appears without a reload.
    const newAlert = await withTransaction(t.db, async (tx) => {
      const l = await upsertListing(tx, {
        workspaceId: s.opWs,
        sourceId: s.sourceId,
        vendorId: null,
        language: 'en',
        snapshotId: null,
        seenAt: new Date(),
        listing: {
          url: 'http://alpha.onion/listing/new',
          title: 'CZ 75 fresh arrival',
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
      const rule = (await getRule(tx, s.opWs, 'handguns'))!;
      return (await recordHit(tx, {
        workspaceId: s.opWs,
        ruleId: rule.ruleId,
        ruleVersionId: rule.ruleVersionId,
        severity: 'high',
        subjectType: 'listing',
        subjectId: l.listingId,
        title: 'CZ 75 fresh arrival',
        matchedTerms: [{ term: 'cz 75', field: 'title', start: 0, end: 5 }],
        snapshotId: null,
        sourceId: s.sourceId,
        category: 'firearms',
      }))!.alertId;
    });
    await publishAlert(pub, await pipelinePrefix(t.db, prefix), {
      workspaceId: s.opWs,
      alertId: newAlert,
      created: true,
    });
    await expect.poll(async () => (await rowIds())[0], { timeout: POLL_MS }).toBe(newAlert);
    await page.screenshot({ path: path.join(SHOTS, 'triage.png') });

    // j/k move the cursor; x selects; a assigns; d dismisses with a reason key.
    await page.keyboard.press('k'); // top row
    expect(await currentId()).toBe(newAlert);
    await page.keyboard.press('j');
    expect(await currentId()).toBe(order[0]);
    await page.keyboard.press('j');
    const dismissedId = await currentId();
    await page.keyboard.press('d');
    await page.waitForSelector('#dismiss-dialog[open]');
    await page.keyboard.press('2');
    await expect
      .poll(() => page.locator(`#queue tr[data-id="${dismissedId}"] .status`).textContent(), {
        timeout: POLL_MS,
      })
      .toBe('dismissed (duplicate)');
    await page.keyboard.press('j');
    const targetId = await currentId();
    expect(targetId).toBe(order[2]);
    await page.keyboard.press('x');
    await expect.poll(() => page.locator('#selcount').textContent(), { timeout: POLL_MS }).toBe('1');
    await page.keyboard.press('a');
    await expect
      .poll(() => page.locator(`#queue tr[data-id="${targetId}"] .assignee`).textContent(), {
        timeout: POLL_MS,
      })
      .toBe('analyst2');
    const db1 = await t.db.query('select status, dismiss_reason from alerts where id = $1', [dismissedId]);
    expect(db1.rows[0]).toEqual({ status: 'dismissed', dismiss_reason: 'duplicate' });

    // Open the alert with o, look at the evidence, escalate with e.
    await page.keyboard.press('x'); // unselect
    await page.keyboard.press('o');
    await page.waitForURL(`${base}/alerts/${targetId}`);
    await page.waitForSelector('#escalate');
    await page.keyboard.press('e');
    await page.waitForSelector('a[href^="/cases/"]');
    const caseHref = (await page.locator('a[href^="/cases/"]').first().getAttribute('href'))!;
    await page.screenshot({ path: path.join(SHOTS, 'alert-escalated.png'), fullPage: true });
    const esc = await t.db.query('select status, case_id, assignee_id from alerts where id = $1', [targetId]);
    expect(esc.rows[0]).toMatchObject({ status: 'escalated', assignee_id: s.users.analyst2.id });

    // The case page, a note, and the evidence package export.
    await page.goto(`${base}${caseHref}`);
    await page.waitForSelector('#export-package');
    await page.fill('#case-note textarea', 'Vendor reuses the BTC address on beta-market.');
    await page.click('#case-note button');
    await page.waitForSelector('text=Vendor reuses the BTC address');
    await page.screenshot({ path: path.join(SHOTS, 'case.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-package')]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-e2e-'));
    try {
      const file = path.join(dir, 'case.zip');
      await download.saveAs(file);
      const listing = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n');
      expect(listing).toEqual(
        expect.arrayContaining(['manifest.json', 'case.json', 'audit.json', `alerts/${targetId}.json`]),
      );
      const manifest = JSON.parse(execFileSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' }));
      expect(manifest.alerts).toEqual([targetId]);
      expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The other main screens, for the docs.
    for (const [url, name, wait] of [
      ['/cases', 'cases', '#cases tbody tr'],
      ['/rules', 'rules', '#rules tbody tr'],
      ['/sources', 'sources', '#sources tbody tr'],
      ['/search', 'search', '#search-form'],
    ] as const) {
      await page.goto(`${base}${url}`);
      await page.waitForSelector(wait);
      if (name === 'sources') {
        // A source blocked by a CAPTCHA shows as such, and "Crawl now" queues a run.
        await t.db.query(
          `update sources set needs_human = 'captcha', needs_human_since = now() where id = $1`,
          [s.source2Id],
        );
        await page.reload();
        await page.waitForSelector('#sources td.error');
        await page
          .locator('#sources tbody tr', { hasText: 'alpha-market' })
          .locator('button', { hasText: 'Crawl now' })
          .click();
        await expect
          .poll(() => page.locator('#queues').textContent(), { timeout: POLL_MS })
          .toMatch(/crawl: [1-9]\d* waiting/);
      }
      if (name === 'rules') {
        // A second version of the rule, then its history with the diff.
        const csrf = (await page.getAttribute('meta[name="csrf-token"]', 'content'))!;
        const saved = await page.request.post(`${base}/api/rules`, {
          headers: { 'x-csrf-token': csrf },
          data: { yaml: 'rules:\n  - name: handguns\n    severity: critical\n    query: glock OR beretta\n' },
        });
        expect(saved.status()).toBe(200);
        await page.reload();
        await page.click('#rules a:text-is("handguns")');
        await page.waitForSelector('#versions ins');
        expect(await page.locator('#versions ins').first().textContent()).toMatch(/^\+ /);
        await page.waitForSelector('#problems li.ok');
      }
      if (name === 'search') {
        await page.fill('input[name=q]', 'glock');
        await page.click('#search-form button');
        await page.waitForSelector('#results table');
      }
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    }
    await context.close();
    const login = await browser.newPage();
    await login.goto(`${base}/login`);
    await login.screenshot({ path: path.join(SHOTS, 'login.png') });
    await login.close();
  }, 120_000);

  it('backtests a draft rule from the editor without saving it or creating alerts', async () => {
    const { context, page, dialogs } = await loggedIn('analyst1');
    const alertsBefore = (await t.db.query('select count(*)::int as n from alerts')).rows[0].n;
    await page.goto(`${base}/rules`);
    await page.waitForSelector('#rules tbody tr');
    await page.fill(
      '#yaml',
      'rules:\n  - name: draft-pistols\n    severity: high\n    query: glock OR beretta\n',
    );
    await page.waitForSelector('#problems li.ok');
    await page.selectOption('#bt-since', '365d');
    await page.click('#backtest');
    await page.waitForSelector('#bt-summary');
    expect(await page.locator('#bt-summary').textContent()).toMatch(
      /^Would have fired [1-9]\d* times? over \d+ listings/,
    );
    const marks = await page.locator('.bt-rule[data-rule="draft-pistols"] .bt-title mark').allTextContents();
    expect(marks.map((m) => m.toLowerCase()).sort()).toEqual(expect.arrayContaining(['beretta', 'glock']));
    // The XSS listing title in the stored data stays text here too.
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.screenshot({ path: path.join(SHOTS, 'rules-backtest.png'), fullPage: true });
    // A broken draft: the error shows, with line and column, and nothing runs.
    await page.fill('#yaml', 'rules:\n  - name: broken\n    query: "(glock OR"\n');
    await page.click('#backtest');
    await expect
      .poll(() => page.locator('#bt-summary').textContent())
      .toMatch(/Backtest failed: invalid rules/);
    await expect
      .poll(() => page.locator('#problems li').first().textContent())
      .toMatch(/^line \d+, column \d+/);
    expect((await t.db.query('select count(*)::int as n from alerts')).rows[0].n).toBe(alertsBefore);
    expect(
      (await t.db.query(`select count(*)::int as n from rules where name = 'draft-pistols'`)).rows[0].n,
    ).toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();
  }, 90_000);

  it("edits a source's crawl policy, with the server's validation errors shown in the form", async () => {
    const { context, page, dialogs } = await loggedIn('admin1');
    await page.goto(`${base}/sources`);
    const row = page.locator('#sources tbody tr', { hasText: 'beta-market' });
    await row.waitFor();
    await row.locator('button', { hasText: 'Edit…' }).click();
    await page.waitForSelector('#edit-dialog[open]');
    await page.fill('#edit-form input[name=requestsPerMinute]', '30');
    await page.fill('#edit-form input[name=recrawlIntervalSec]', '7200');
    await page.selectOption('#edit-form select[name=fetchMode]', 'browser');
    await page.fill('#edit-form textarea[name=include]', 're:(a)\\1');
    await page.click('#edit-save');
    await expect.poll(() => page.locator('#edit-error').textContent()).toMatch(/invalid include pattern/);
    expect(await page.locator('#edit-dialog[open]').count()).toBe(1);
    await page.fill('#edit-form textarea[name=include]', '/item/*\nre:^/forum/t/[0-9]+$');
    await page.screenshot({ path: path.join(SHOTS, 'sources-edit.png'), fullPage: true });
    await page.click('#edit-save');
    await expect.poll(() => page.locator('#edit-dialog[open]').count()).toBe(0);
    await expect
      .poll(() => row.locator('td.policy').textContent())
      .toMatch(/30\/min.*recrawl every 7200 s.*include 2/);
    const stored = await t.db.query<{
      fetch_mode: string;
      policy: { requestsPerMinute: number; include: string[] };
    }>('select fetch_mode, policy from sources where id = $1', [s.source2Id]);
    expect(stored.rows[0]!.fetch_mode).toBe('browser');
    expect(stored.rows[0]!.policy.requestsPerMinute).toBe(30);
    expect(stored.rows[0]!.policy.include).toEqual(['/item/*', 're:^/forum/t/[0-9]+$']);
    const audit = await t.db.query(
      `select count(*)::int as n from audit_log where action = 'source.update' and entity_id = $1`,
      [String(s.source2Id)],
    );
    expect(audit.rows[0].n).toBe(1);
    expect(dialogs).toEqual([]);
    await context.close();
  }, 90_000);

  it('lets an admin manage webhooks and an analyst add and lift a suppression', async () => {
    const admin = await loggedIn('admin1');
    let page = admin.page;
    await page.goto(`${base}/webhooks`);
    await page.waitForSelector('#add-webhook:not([hidden])');
    await page.fill('#add-webhook input[name=url]', 'https://receiver.example/darkwatch');
    await page.selectOption('#add-webhook select[name=minSeverity]', 'critical');
    await page.click('#add-webhook button');
    await page.waitForSelector('#secret:not([hidden])');
    const secret = await page.locator('#secret-value').textContent();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const row = page.locator('#webhooks tbody tr', { hasText: 'https://receiver.example/darkwatch' });
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'webhooks.png'), fullPage: true });
    await row.locator('input[type=checkbox]').uncheck();
    const hookId = Number(await row.getAttribute('data-id'));
    await expect
      .poll(
        async () =>
          (await t.db.query('select enabled from webhooks where id = $1', [hookId])).rows[0].enabled,
      )
      .toBe(false);
    // After a reload the secret is nowhere on the page.
    await page.reload();
    await page.waitForSelector('#webhooks tbody tr');
    expect(await page.content()).not.toContain(secret!);
    expect(admin.dialogs).toEqual([]);
    await admin.context.close();

    const analyst = await loggedIn('analyst1');
    page = analyst.page;
    await page.goto(`${base}/webhooks`);
    await page.waitForSelector('#webhooks tbody tr');
    expect(await page.locator('#add-webhook').isHidden()).toBe(true);
    expect(await page.locator('#webhooks tbody input[type=checkbox]').first().isDisabled()).toBe(true);
    await page.goto(`${base}/suppressions`);
    await page.waitForSelector('#add-suppression select[name=rule] option', { state: 'attached' });
    await page.selectOption('#add-suppression select[name=rule]', 'handguns');
    await page.selectOption('#add-suppression select[name=type]', 'vendor');
    await page.fill('#add-suppression input[name=value]', 'GunSmith');
    await page.fill('#add-suppression input[name=reason]', XSS);
    await page.click('#add-suppression button');
    const sRow = page.locator('#suppressions tbody tr', { hasText: 'vendor gunsmith' });
    await sRow.waitFor();
    expect(await sRow.locator('td').nth(3).textContent()).toBe(XSS);
    expect(await sRow.locator('td.state').textContent()).toBe('active');
    await page.screenshot({ path: path.join(SHOTS, 'suppressions.png'), fullPage: true });
    const supId = Number(await sRow.getAttribute('data-id'));
    await sRow.locator('button.lift').click();
    await expect.poll(() => page.locator(`#suppressions tbody tr[data-id="${supId}"]`).count()).toBe(0);
    await page.check('#show-all');
    await expect
      .poll(() => page.locator(`#suppressions tbody tr[data-id="${supId}"] td.state`).textContent())
      .toBe('ended');
    const actions = await t.db.query(
      `select action from audit_log where entity_type = 'suppression' and entity_id = $1 order by id`,
      [String(supId)],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(['suppression.add', 'suppression.lift']);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(analyst.dialogs).toEqual([]);
    await analyst.context.close();
  }, 90_000);
  it('suppresses from the alert page: rule and subject prefilled, reason and expiry from the analyst', async () => {
    const alertId = s.alertIds[1]!;
    const a = (await t.db.query('select subject_id, rule_id from alerts where id = $1', [alertId]))
      .rows[0] as { subject_id: string; rule_id: string };
    const analyst = await loggedIn('analyst1');
    const page = analyst.page;
    await page.goto(`${base}/alerts/${alertId}`);
    await page.click('#suppress');
    await page.waitForSelector('#suppress-form:not([hidden])');
    expect(await page.inputValue('#suppress-form input[name=rule]')).toBe('handguns');
    const subjects = await page.locator('#suppress-form select[name=subject] option').allTextContents();
    expect(subjects[0]).toBe(`this listing (#${a.subject_id})`);
    await page.fill('#suppress-form input[name=reason]', XSS);
    await page.fill('#suppress-form input[name=days]', '7');
    await page.click('#suppress-form button');
    await expect
      .poll(
        async () =>
          (
            await t.db.query(
              `select count(*)::int as n from suppressions where subject_type = 'listing' and subject_key = $1`,
              [String(a.subject_id)],
            )
          ).rows[0].n,
        { timeout: POLL_MS },
      )
      .toBe(1);
    const stored = (
      await t.db.query(
        `select s.rule_id, s.reason, u.username, extract(epoch from s.expires_at - s.created_at)::float8 as secs
           from suppressions s left join users u on u.id = s.owner_id
          where s.subject_type = 'listing' and s.subject_key = $1`,
        [String(a.subject_id)],
      )
    ).rows[0];
    expect(String(stored.rule_id)).toBe(String(a.rule_id));
    expect(stored.reason).toBe(XSS);
    expect(stored.username).toBe('analyst1');
    // 7 days, give or take the moments between the browser's clock reading and the insert.
    expect(Math.abs(stored.secs - 7 * 86_400)).toBeLessThan(3600);
    // The same suppression is what /suppressions lists.
    await page.goto(`${base}/suppressions`);
    await page.locator('#suppressions tbody tr', { hasText: `listing #${a.subject_id}` }).waitFor();
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(analyst.dialogs).toEqual([]);
    await analyst.context.close();

    // A trainee may not suppress, so the alert page offers no such action.
    const trainee = await loggedIn('trainee1');
    await trainee.page.goto(`${base}/alerts/${s.trainingAlertId}`);
    await trainee.page.waitForSelector('#assign-me');
    expect(await trainee.page.locator('#suppress').count()).toBe(0);
    await trainee.context.close();
  }, 90_000);
});
