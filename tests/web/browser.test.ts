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
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHit } from '../../store/alerts.js';
import { withTransaction } from '../../store/db.js';
import { upsertListing } from '../../store/records.js';
import { getRule } from '../../store/rules.js';
import { publishAlert } from '../../web/live.js';
import { buildServer } from '../../web/server.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { PASSWORD, seed, XSS, type Seeded } from './seed.js';

const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

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
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
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
      .poll(() => frame.locator('#h').textContent(), { timeout: 10_000 })
      .toContain('Glock 19 Gen5 for sale');
    await expect.poll(() => frame.locator('#tail').textContent()).toBe('price 650 EUR');
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
    await expect.poll(filter, { timeout: 5000 }).toBe('none');

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
    await expect.poll(() => page.locator('#live.on').count(), { timeout: 10_000 }).toBe(1);
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
    await publishAlert(pub, prefix, { workspaceId: s.opWs, alertId: newAlert, created: true });
    await expect.poll(async () => (await rowIds())[0], { timeout: 10_000 }).toBe(newAlert);
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
      .poll(() => page.locator(`#queue tr[data-id="${dismissedId}"] .status`).textContent())
      .toBe('dismissed (duplicate)');
    await page.keyboard.press('j');
    const targetId = await currentId();
    expect(targetId).toBe(order[2]);
    await page.keyboard.press('x');
    await expect.poll(() => page.locator('#selcount').textContent()).toBe('1');
    await page.keyboard.press('a');
    await expect
      .poll(() => page.locator(`#queue tr[data-id="${targetId}"] .assignee`).textContent())
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
          .poll(() => page.locator('#queues').textContent(), { timeout: 10_000 })
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
});
