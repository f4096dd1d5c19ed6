// The evidence viewer's second view: the capture's rendered document (for browser captures the DOM
// after the page's scripts ran) next to the bytes as served — served through the same sanitiser,
// CSP and framing rules, scoped to the workspace, each named by its own sha256; and in Chromium,
// the "As served" / "Rendered DOM" toggle on the alert page.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHit } from '../../store/alerts.js';
import { withTransaction } from '../../store/db.js';
import { recordSnapshot, type NewSnapshot } from '../../store/evidence.js';
import { upsertListing } from '../../store/records.js';
import { getRule } from '../../store/rules.js';
import { buildServer } from '../../web/server.js';
import { launchChromium } from '../helpers/chromium.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { login, type Client } from './client.js';
import { hostilePage, PASSWORD, seed, type Seeded } from './seed.js';

const POLL_MS = 20_000;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

// What a JavaScript market serves: a shell that its script fills in.
const SERVED = `<!doctype html><html><body><div id="app">Loading listing…</div>
<script>document.getElementById('app').innerHTML = '<h1 id="title">Makarov PM 9x18</h1>';</script></body></html>`;

let t: TestDatabase;
let app: FastifyInstance;
let s: Seeded;
let canary: http.Server;
const canaryHits: string[] = [];
let renderedDom: string;
let docSnapId: number;
let plainSnapId: number;
let trainingDocSnapId: number;
let docAlertId: number;
const as: Record<string, Client> = {};

function capture(
  over: Partial<NewSnapshot> & Pick<NewSnapshot, 'workspaceId' | 'sourceId' | 'url'>,
): NewSnapshot {
  return {
    crawlRunId: null,
    finalUrl: over.url,
    statusCode: 200,
    requestHeaders: {},
    responseHeaders: { 'content-type': 'text/html' },
    body: Buffer.from(SERVED),
    contentType: 'text/html; charset=utf-8',
    fetchMode: 'browser',
    proxyIdentity: null,
    capturedAt: new Date('2026-11-22T10:00:00Z'),
    ...over,
  };
}

beforeAll(async () => {
  canary = http.createServer((req, res) => {
    canaryHits.push(req.url ?? '');
    res.end('canary');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
  const canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  t = await freshDatabase();
  s = await seed(t.db, canaryUrl);
  // The DOM after scripts: the details the served shell lacks, plus everything hostile a page's
  // scripts could have written into its own DOM.
  renderedDom = hostilePage(canaryUrl).replace(
    '<p id="tail">',
    '<h2 id="rendered-only">Makarov PM 9x18 — 12 in stock, ships from MK</h2><p id="tail">',
  );
  docSnapId = (
    await recordSnapshot(
      t.db,
      capture({
        workspaceId: s.opWs,
        sourceId: s.sourceId,
        url: 'http://alpha.onion/js/1',
        document: Buffer.from(renderedDom),
      }),
    )
  ).snapshot.id;
  plainSnapId = (
    await recordSnapshot(
      t.db,
      capture({
        workspaceId: s.opWs,
        sourceId: s.sourceId,
        url: 'http://alpha.onion/plain/1',
        fetchMode: 'http',
      }),
    )
  ).snapshot.id;
  trainingDocSnapId = (
    await recordSnapshot(
      t.db,
      capture({
        workspaceId: s.trainingWs,
        sourceId: s.trainingSourceId,
        url: 'http://range.onion/js/1',
        document: Buffer.from('<h1>training rendered</h1>'),
      }),
    )
  ).snapshot.id;
  docAlertId = await withTransaction(t.db, async (tx) => {
    const l = await upsertListing(tx, {
      workspaceId: s.opWs,
      sourceId: s.sourceId,
      vendorId: null,
      language: 'en',
      snapshotId: docSnapId,
      seenAt: new Date(),
      listing: {
        url: 'http://alpha.onion/js/1',
        title: 'Makarov PM 9x18',
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
      title: 'Makarov PM 9x18',
      matchedTerms: [{ term: 'makarov', field: 'title', start: 0, end: 7 }],
      snapshotId: docSnapId,
      sourceId: s.sourceId,
      category: 'firearms',
    }))!.alertId;
  });
  app = await buildServer({ db: t.db });
  for (const u of ['analyst1', 'trainee1']) as[u] = await login(app, u);
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
  await new Promise((r) => canary?.close(r));
});

describe('rendered DOM view', () => {
  it('names the document blob by the sha256 of its own bytes in the snapshot metadata', async () => {
    const meta = (await as.analyst1!.get(`/api/snapshots/${docSnapId}`)).json();
    expect(meta.documentSha256).toBe(sha(renderedDom));
    expect(meta.contentSha256).toBe(sha(SERVED));
    expect(meta.documentSha256).not.toBe(meta.contentSha256);
  });

  it('serves the rendered document sanitised in the inert frame, with the CSP and its own sha256', async () => {
    const res = await as.analyst1!.get(`/evidence/${docSnapId}/document`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['content-security-policy']).toMatch(/sandbox/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-darkwatch-sha256']).toBe(sha(renderedDom));
    expect(res.headers['x-darkwatch-view']).toBe('rendered');
    const html = res.body
      .replace(/ data-href="[^"]*"/g, '')
      .replace('<style>img{filter:blur(24px)}</style>', '');
    expect(html).toContain('Makarov PM 9x18 — 12 in stock, ships from MK');
    expect(html).toContain('price 650 EUR');
    expect(html).not.toMatch(
      /<script|<style|<link|<meta http-equiv|<base|<form|<iframe|<object|<embed|<svg|<video|srcset|javascript:|\son\w+=/i,
    );
    expect(html).not.toContain('/canary');
    expect(res.body).toContain('img{filter:blur(24px)}');
    const revealed = await as.analyst1!.get(`/evidence/${docSnapId}/document?reveal=true`);
    expect(revealed.body).not.toContain('filter:blur');
    expect(revealed.headers['content-security-policy']).toMatch(/default-src 'none'/);

    // The served view of the same capture is the shell without the details, under the other hash.
    const served = await as.analyst1!.get(`/evidence/${docSnapId}`);
    expect(served.headers['x-darkwatch-sha256']).toBe(sha(SERVED));
    expect(served.headers['x-darkwatch-view']).toBe('served');
    expect(served.body).toContain('Loading listing');
    expect(served.body).not.toContain('12 in stock');
    expect(served.body).not.toMatch(/<script/i);
  });

  it('downloads the rendered document byte for byte under its sha256', async () => {
    const raw = await as.analyst1!.get(`/api/snapshots/${docSnapId}/document/raw`);
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-disposition']).toMatch(/^attachment;/);
    expect(raw.headers['content-disposition']).toContain(sha(renderedDom));
    expect(raw.headers['content-security-policy']).toMatch(/sandbox/);
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(sha(raw.rawPayload)).toBe(raw.headers['x-darkwatch-sha256']);
    expect(raw.rawPayload.equals(Buffer.from(renderedDom))).toBe(true);
  });

  it('404s for a capture without a rendered document', async () => {
    expect((await as.analyst1!.get(`/evidence/${plainSnapId}/document`)).statusCode).toBe(404);
    expect((await as.analyst1!.get(`/api/snapshots/${plainSnapId}/document/raw`)).statusCode).toBe(404);
    expect((await as.analyst1!.get(`/evidence/${s.snapshotId}/document`)).statusCode).toBe(404);
    expect((await as.analyst1!.get(`/evidence/${plainSnapId}`)).statusCode).toBe(200);
  });

  it("is workspace-scoped: another workspace's snapshot id is a 404 either way", async () => {
    // A trainee never sees operational evidence…
    expect((await as.trainee1!.get(`/evidence/${docSnapId}/document`)).statusCode).toBe(404);
    expect((await as.trainee1!.get(`/api/snapshots/${docSnapId}/document/raw`)).statusCode).toBe(404);
    // …and the trainee's own workspace document is there for them.
    const own = await as.trainee1!.get(`/evidence/${trainingDocSnapId}/document`);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('training rendered');
    // An analyst of the operational workspace does not reach the training capture by id.
    expect((await as.analyst1!.get(`/evidence/${trainingDocSnapId}/document`)).statusCode).toBe(404);
    expect((await as.analyst1!.get(`/api/snapshots/${trainingDocSnapId}/document/raw`)).statusCode).toBe(404);
  });

  it('refuses anonymous and malformed requests', async () => {
    // Pages send an anonymous visitor to the login form; the API answers 401.
    const anonFrame = await app.inject({ method: 'GET', url: `/evidence/${docSnapId}/document` });
    expect(anonFrame.statusCode).toBe(302);
    expect(anonFrame.body).not.toContain('Makarov');
    expect(
      (await app.inject({ method: 'GET', url: `/api/snapshots/${docSnapId}/document/raw` })).statusCode,
    ).toBe(401);
    for (const bad of ['0', '-1', '1e3', '1;drop table snapshots', '99999999999999999999', '%00'])
      expect((await as.analyst1!.get(`/evidence/${bad}/document`)).statusCode).toBeGreaterThanOrEqual(400);
    expect((await as.analyst1!.get(`/evidence/${docSnapId}/document?reveal=x`)).statusCode).toBe(400);
    // Unknown query parameters are dropped by the schema; they never unblur the images.
    expect((await as.analyst1!.get(`/evidence/${docSnapId}/document?reveal_=true`)).body).toContain(
      'filter:blur',
    );
  });

  it('lists the new routes in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toContain('/api/snapshots/{id}/document/raw');
  });
});

describe('rendered DOM toggle in Chromium', () => {
  let browser: Browser;
  let base: string;
  let web: FastifyInstance;
  beforeAll(async () => {
    web = await buildServer({ db: t.db });
    await web.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('switches the frame between the served bytes and the rendered DOM, each labelled with its sha256', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', 'analyst1');
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button')]);

    await page.goto(`${base}/alerts/${docAlertId}`);
    const frame = page.frameLocator('iframe.evidence-frame');
    await expect
      .poll(() => frame.locator('#app').textContent(), { timeout: POLL_MS })
      .toContain('Loading listing');
    await page.locator('#view-rendered').waitFor({ timeout: POLL_MS });
    expect(await page.locator('#view-served').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#view-sha256').textContent()).toBe(sha(SERVED));
    expect(await page.locator('#document-sha256').textContent()).toBe(sha(renderedDom));

    await page.click('#view-rendered');
    await expect
      .poll(() => frame.locator('#rendered-only').textContent(), { timeout: POLL_MS })
      .toContain('12 in stock');
    expect(await page.locator('#view-rendered').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#view-label').textContent()).toBe('Rendered DOM (after scripts)');
    expect(await page.locator('#view-sha256').textContent()).toBe(sha(renderedDom));
    expect(await page.locator('#download-document').getAttribute('href')).toBe(
      `/api/snapshots/${docSnapId}/document/raw`,
    );

    await page.click('#view-served');
    await expect
      .poll(() => frame.locator('#app').textContent(), { timeout: POLL_MS })
      .toContain('Loading listing');
    expect(await page.locator('#view-sha256').textContent()).toBe(sha(SERVED));

    // Nothing from the hostile DOM ran or loaded.
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(canaryHits).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([]);

    // A capture without a document: once its metadata has arrived, no toggle.
    const meta = page.waitForResponse((r) => r.url() === `${base}/api/snapshots/${s.snapshotId}`, {
      timeout: POLL_MS,
    });
    await page.goto(`${base}/alerts/${s.alertIds[0]}`);
    expect((await meta).status()).toBe(200);
    await page.locator('iframe.evidence-frame').waitFor({ timeout: POLL_MS });
    expect(await page.locator('.view-toggle').isHidden()).toBe(true);
    expect(await page.locator('#view-rendered').count()).toBe(0);
    expect(await page.locator('#download-document').count()).toBe(0);
    await context.close();
  }, 90_000);
});
