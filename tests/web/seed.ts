// Seed data for the web tests, written through the store functions the pipeline uses: users of
// every role, an operational and a training workspace, sources, a rule, listings with price
// history, a vendor on two sites, entities, a hostile captured page with a screenshot, alerts.
import type { Actor } from '../../store/audit.js';
import { recordHit } from '../../store/alerts.js';
import { withTransaction, type Db } from '../../store/db.js';
import { recordSnapshot } from '../../store/evidence.js';
import { recordEntityMention, upsertListing, upsertVendor } from '../../store/records.js';
import { createUser, type User } from '../../store/users.js';
import { createTrainingWorkspace } from '../../store/workspaces.js';
import type { ExtractedListing } from '../../core/types.js';
import { makeRule, makeSource, opWorkspaceId } from '../helpers/fixtures.js';

export const PASSWORD = 'correct horse battery staple';
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
export const BTC = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
export const PGP = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
export const XSS = `<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>`;

/** A captured page that tries everything; `canary` is a loopback URL that must never be hit. */
export function hostilePage(canary: string): string {
  return `<!doctype html><html><head>
<script>window.parent.__pwned = 1; fetch('${canary}/script-fetch');</script>
<link rel="stylesheet" href="${canary}/link.css"><link rel="prefetch" href="${canary}/prefetch">
<style>body { background: url(${canary}/style-bg.png) } @import url(${canary}/import.css);</style>
<meta http-equiv="refresh" content="0;url=${canary}/refresh"><base href="${canary}/base/">
</head><body onload="fetch('${canary}/onload')">
<h1 id="h">Glock 19 Gen5 for sale <img src="${canary}/pixel.gif" onerror="fetch('${canary}/onerror')"></h1>
<p>Contact via <a href="javascript:fetch('${canary}/js-url')">javascript link</a> or <a href="${canary}/out">site</a>.</p>
<div style="background-image:url('${canary}/css-attr.png')">css exfiltration</div>
<div style="background:u\\72l(${canary}/escaped.png)">escaped css</div>
<form action="${canary}/post" method="post"><input name="q" value="x"><button>go</button></form>
<iframe src="${canary}/iframe"></iframe><object data="${canary}/object"></object><embed src="${canary}/embed">
<svg><image href="${canary}/svg.png"></image><script>fetch('${canary}/svg-script')</script></svg>
<img srcset="${canary}/srcset.png 1x"><video poster="${canary}/poster.png" src="${canary}/video.mp4"></video>
<img src="data:image/png;base64,${PNG_1X1.toString('base64')}" alt="inline ok">
<p id="tail">price 650 EUR</p>
</body></html>`;
}

export interface Seeded {
  opWs: number;
  trainingWs: number;
  users: Record<'admin' | 'analyst' | 'analyst2' | 'trainer' | 'trainee', User>;
  sourceId: number;
  source2Id: number;
  trainingSourceId: number;
  listingId: number;
  snapshotId: number;
  trainingSnapshotId: number;
  alertIds: number[];
  xssAlertId: number;
  trainingAlertId: number;
  ruleName: string;
}

export function listing(
  over: Partial<ExtractedListing> & { url: string; title: string },
): ExtractedListing & { url: string } {
  return {
    description: null,
    price: null,
    priceEur: null,
    vendor: null,
    category: 'Guns > Pistols',
    classification: { label: 'firearms', confidence: 0.9 },
    shipsFrom: 'RS',
    shipsTo: ['EU'],
    ...over,
  };
}

export async function seed(db: Db, canary = 'http://127.0.0.1:9/canary'): Promise<Seeded> {
  const system: Actor = { id: null, name: 'test' };
  const opWs = await opWorkspaceId(db);
  const trainingWs = (await createTrainingWorkspace(db, 'exercise-1')).id;
  const mk = (username: string, role: User['role'], workspaceId: number | null = null) =>
    withTransaction(db, (tx) => createUser(tx, { username, password: PASSWORD, role, workspaceId }, system));
  const users = {
    admin: await mk('admin1', 'admin'),
    analyst: await mk('analyst1', 'analyst'),
    analyst2: await mk('analyst2', 'analyst'),
    trainer: await mk('trainer1', 'trainer', trainingWs),
    trainee: await mk('trainee1', 'trainee', trainingWs),
  };

  const alpha = await makeSource(db, 'alpha-market', opWs);
  const beta = await makeSource(db, 'beta-market', opWs);
  const rangeSrc = await makeSource(db, 'range-market', trainingWs);
  const rule = await makeRule(db, 'handguns', opWs);
  const xssRule = await makeRule(db, XSS.slice(0, 60), opWs);
  const trainingRule = await makeRule(db, 'trainee-rule', trainingWs);

  const page = Buffer.from(hostilePage(canary), 'utf8');
  const { snapshot } = await recordSnapshot(db, {
    workspaceId: opWs,
    sourceId: alpha.id,
    crawlRunId: null,
    url: 'http://alpha.onion/listing/1',
    finalUrl: 'http://alpha.onion/listing/1',
    statusCode: 200,
    requestHeaders: {},
    responseHeaders: { 'content-type': 'text/html' },
    body: page,
    contentType: 'text/html; charset=utf-8',
    screenshot: PNG_1X1,
    fetchMode: 'browser',
    proxyIdentity: 'socks5h://alpha-market@127.0.0.1:9050',
    capturedAt: new Date('2026-11-20T10:00:00Z'),
  });
  const { snapshot: tSnap } = await recordSnapshot(db, {
    workspaceId: trainingWs,
    sourceId: rangeSrc.id,
    crawlRunId: null,
    url: 'http://range.onion/1',
    finalUrl: 'http://range.onion/1',
    statusCode: 200,
    requestHeaders: {},
    responseHeaders: {},
    body: Buffer.from('<p>training page</p>'),
    contentType: 'text/html',
    fetchMode: 'http',
    proxyIdentity: null,
    capturedAt: new Date('2026-11-21T10:00:00Z'),
  });

  const ids = await withTransaction(db, async (tx) => {
    const vendorA = await upsertVendor(tx, {
      workspaceId: opWs,
      sourceId: alpha.id,
      name: 'GunSmith',
      pgpFingerprint: PGP,
      seenAt: new Date('2026-11-01T00:00:00Z'),
    });
    const vendorB = await upsertVendor(tx, {
      workspaceId: opWs,
      sourceId: beta.id,
      name: 'gunsmith',
      pgpFingerprint: PGP,
      seenAt: new Date('2026-11-02T00:00:00Z'),
    });
    const title = 'Glock 19 Gen5 pistol';
    const l1 = await upsertListing(tx, {
      workspaceId: opWs,
      sourceId: alpha.id,
      vendorId: vendorA.id,
      language: 'en',
      snapshotId: snapshot.id,
      seenAt: new Date('2026-11-10T00:00:00Z'),
      listing: listing({
        url: 'http://alpha.onion/listing/1',
        title,
        description: 'Brand new glock, ships from Serbia',
        price: { amount: 800, currency: 'EUR' },
        priceEur: 800,
        vendor: 'GunSmith',
      }),
    });
    await upsertListing(tx, {
      workspaceId: opWs,
      sourceId: alpha.id,
      vendorId: vendorA.id,
      language: 'en',
      snapshotId: snapshot.id,
      seenAt: new Date('2026-11-20T00:00:00Z'),
      listing: listing({
        url: 'http://alpha.onion/listing/1',
        title,
        description: 'Brand new glock, ships from Serbia',
        price: { amount: 650, currency: 'EUR' },
        priceEur: 650,
        vendor: 'GunSmith',
      }),
    });
    const l2 = await upsertListing(tx, {
      workspaceId: opWs,
      sourceId: beta.id,
      vendorId: vendorB.id,
      language: 'en',
      snapshotId: null,
      seenAt: new Date('2026-11-15T00:00:00Z'),
      listing: listing({
        url: 'http://beta.onion/item/9',
        title: 'Beretta 92FS',
        price: { amount: 0.02, currency: 'BTC' },
        priceEur: 1500,
        vendor: 'gunsmith',
      }),
    });
    const l3 = await upsertListing(tx, {
      workspaceId: opWs,
      sourceId: beta.id,
      vendorId: null,
      language: 'en',
      snapshotId: null,
      seenAt: new Date('2026-11-16T00:00:00Z'),
      listing: listing({
        url: 'http://beta.onion/item/10',
        title: XSS,
        description: `=HYPERLINK("http://x")`,
        vendor: XSS,
      }),
    });
    for (const target of [
      { listingId: l1.listingId },
      { listingId: l2.listingId },
      { vendorId: vendorA.id },
    ]) {
      await recordEntityMention(tx, {
        workspaceId: opWs,
        sourceId: 'vendorId' in target ? alpha.id : target.listingId === l1.listingId ? alpha.id : beta.id,
        entity: { type: 'btc', value: BTC },
        target,
        snapshotId: null,
        seenAt: new Date('2026-11-15T00:00:00Z'),
      });
    }
    await recordEntityMention(tx, {
      workspaceId: opWs,
      sourceId: alpha.id,
      entity: { type: 'pgp', value: PGP },
      target: { listingId: l1.listingId },
      snapshotId: null,
      seenAt: new Date('2026-11-15T00:00:00Z'),
    });
    const hit = async (
      subjectId: number,
      t: string,
      severity: 'high' | 'critical' | 'low',
      snapshotId: number | null,
      sourceId: number,
      r = rule,
    ) =>
      (await recordHit(tx, {
        workspaceId: opWs,
        ruleId: r.ruleId,
        ruleVersionId: r.ruleVersionId,
        severity,
        subjectType: 'listing',
        subjectId,
        title: t,
        matchedTerms: [
          { term: 'glock', field: 'title', start: 0, end: 5 },
          { term: 'glock', field: 'description', start: 10, end: 15 },
        ],
        snapshotId,
        sourceId,
        category: 'firearms',
      }))!.alertId;
    const a1 = await hit(l1.listingId, title, 'critical', snapshot.id, alpha.id);
    const a2 = await hit(l2.listingId, 'Beretta 92FS', 'high', null, beta.id);
    const a3 = await hit(l3.listingId, XSS, 'low', null, beta.id, xssRule);
    // A training-workspace listing and alert, which operational users may see but a trainee's
    // workspace must never leak the other way.
    const tl = await upsertListing(tx, {
      workspaceId: trainingWs,
      sourceId: rangeSrc.id,
      vendorId: null,
      language: 'en',
      snapshotId: tSnap.id,
      seenAt: new Date('2026-11-21T00:00:00Z'),
      listing: listing({ url: 'http://range.onion/1', title: 'Training glock' }),
    });
    const ta = (await recordHit(tx, {
      workspaceId: trainingWs,
      ruleId: trainingRule.ruleId,
      ruleVersionId: trainingRule.ruleVersionId,
      severity: 'medium',
      subjectType: 'listing',
      subjectId: tl.listingId,
      title: 'Training glock',
      matchedTerms: [],
      snapshotId: tSnap.id,
      sourceId: rangeSrc.id,
      category: 'firearms',
    }))!.alertId;
    return { l1: l1.listingId, a1, a2, a3, ta };
  });
  return {
    opWs,
    trainingWs,
    users,
    sourceId: alpha.id,
    source2Id: beta.id,
    trainingSourceId: rangeSrc.id,
    listingId: ids.l1,
    snapshotId: snapshot.id,
    trainingSnapshotId: tSnap.id,
    alertIds: [ids.a1, ids.a2, ids.a3],
    xssAlertId: ids.a3,
    trainingAlertId: ids.ta,
    ruleName: rule.name,
  };
}
