import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedListing } from '../../core/types.js';
import { withTransaction } from '../../store/db.js';
import {
  entityPivot,
  entitySites,
  listingHistory,
  markUnseenListingsRemoved,
  recordEntityMention,
  upsertListing,
  upsertPost,
  upsertVendor,
} from '../../store/records.js';
import { makeSource, opWorkspaceId } from '../helpers/fixtures.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';

function listing(over: Partial<ExtractedListing> = {}): ExtractedListing & { url: string } {
  return {
    title: 'Glock 19 gen5',
    description: 'clean, with two magazines',
    price: { amount: 0.02, currency: 'BTC' },
    priceEur: 1200,
    vendor: 'IronBalkan',
    category: 'Weapons > Pistols',
    classification: { label: 'firearms', confidence: 0.97 },
    shipsFrom: 'RS',
    shipsTo: ['EU'],
    url: 'http://market.onion/listing/1',
    ...over,
  } as ExtractedListing & { url: string };
}

describe('records store', () => {
  let t: TestDatabase;
  let ws: number;
  beforeAll(async () => {
    t = await freshDatabase();
    ws = await opWorkspaceId(t.db);
  });
  afterAll(() => t.drop());

  it('versions a listing when price or title change, not when it is merely seen again', async () => {
    const src = await makeSource(t.db, 'records-a');
    const at = (s: string) => new Date(s);
    const base = { workspaceId: ws, sourceId: src.id, vendorId: null, language: 'en', snapshotId: null };
    const first = await withTransaction(t.db, (tx) =>
      upsertListing(tx, { ...base, listing: listing(), seenAt: at('2026-11-01T00:00:00Z') }),
    );
    expect(first).toMatchObject({ isNew: true, version: 1, changed: [] });
    const same = await withTransaction(t.db, (tx) =>
      upsertListing(tx, { ...base, listing: listing(), seenAt: at('2026-11-02T00:00:00Z') }),
    );
    expect(same).toMatchObject({ isNew: false, version: 1, changed: [], relisted: false });
    const cheaper = await withTransaction(t.db, (tx) =>
      upsertListing(tx, {
        ...base,
        listing: listing({ price: { amount: 0.01, currency: 'BTC' }, priceEur: 600 }),
        seenAt: at('2026-11-03T00:00:00Z'),
      }),
    );
    expect(cheaper).toMatchObject({ version: 2, changed: ['price'], previousPriceEur: 1200, priceEur: 600 });
    const history = await listingHistory(t.db, first.listingId);
    expect(history.map((h) => [h.version, h.priceEur, h.available])).toEqual([
      [1, 1200, true],
      [2, 600, true],
    ]);
  });

  it('marks unseen listings removed after a full crawl and detects the relisting', async () => {
    const src = await makeSource(t.db, 'records-b');
    const base = { workspaceId: ws, sourceId: src.id, vendorId: null, language: 'en', snapshotId: null };
    const old = await withTransaction(t.db, (tx) =>
      upsertListing(tx, {
        ...base,
        listing: listing({ url: 'http://m.onion/l/old' }),
        seenAt: new Date('2026-10-01T00:00:00Z'),
      }),
    );
    await withTransaction(t.db, (tx) =>
      upsertListing(tx, {
        ...base,
        listing: listing({ url: 'http://m.onion/l/fresh' }),
        seenAt: new Date('2026-11-05T00:00:00Z'),
      }),
    );
    const removed = await withTransaction(t.db, (tx) =>
      markUnseenListingsRemoved(tx, src.id, new Date('2026-11-04T00:00:00Z')),
    );
    expect(removed).toBe(1);
    const back = await withTransaction(t.db, (tx) =>
      upsertListing(tx, {
        ...base,
        listing: listing({ url: 'http://m.onion/l/old' }),
        seenAt: new Date('2026-11-06T00:00:00Z'),
      }),
    );
    expect(back).toMatchObject({ listingId: old.listingId, relisted: true, version: 3 });
    const history = await listingHistory(t.db, old.listingId);
    expect(history.map((h) => h.available)).toEqual([true, false, true]);
  });

  it('links one PGP key across two sites and pivots on it', async () => {
    const a = await makeSource(t.db, 'pivot-a');
    const b = await makeSource(t.db, 'pivot-b');
    const fpr = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
    const seenAt = new Date();
    for (const src of [a, b]) {
      const vendor = await upsertVendor(t.db, {
        workspaceId: ws,
        sourceId: src.id,
        name: 'DocMaster',
        pgpFingerprint: fpr,
        seenAt,
      });
      const l = await withTransaction(t.db, (tx) =>
        upsertListing(tx, {
          workspaceId: ws,
          sourceId: src.id,
          vendorId: vendor.id,
          language: 'en',
          snapshotId: null,
          seenAt,
          listing: listing({
            url: `http://${src.name}.onion/p/1`,
            title: 'EU passport',
            vendor: 'DocMaster',
          }),
        }),
      );
      await recordEntityMention(t.db, {
        workspaceId: ws,
        sourceId: src.id,
        entity: { type: 'pgp', value: fpr },
        target: { listingId: l.listingId },
        snapshotId: null,
        seenAt,
      });
      await recordEntityMention(t.db, {
        workspaceId: ws,
        sourceId: src.id,
        entity: { type: 'pgp', value: fpr },
        target: { listingId: l.listingId },
        snapshotId: null,
        seenAt,
      });
    }
    expect(await entitySites(t.db, ws, 'pgp', fpr)).toEqual([a.id, b.id].sort((x, y) => x - y));
    const pivot = await entityPivot(t.db, ws, 'pgp', fpr);
    expect(pivot!.mentions).toHaveLength(2);
    expect(new Set(pivot!.mentions.map((m) => m.sourceName))).toEqual(new Set(['pivot-a', 'pivot-b']));
    expect(await entityPivot(t.db, ws, 'pgp', 'F'.repeat(40))).toBeNull();
  });

  it('refuses a mention that points at nothing or at two things', async () => {
    const src = await makeSource(t.db, 'mention-check');
    const post = await upsertPost(t.db, {
      workspaceId: ws,
      sourceId: src.id,
      threadUrl: 'http://f.onion/t/1',
      position: 0,
      snapshotId: null,
      seenAt: new Date(),
      post: { threadTitle: 'hello', author: 'x', postedAt: 'not a date', body: 'body' },
    });
    expect(post.isNew).toBe(true);
    const e = await t.db.query<{ id: number }>(
      `insert into entities (workspace_id, type, value) values ($1, 'email', 'a@b.c') returning id`,
      [ws],
    );
    await expect(
      t.db.query('insert into entity_mentions (entity_id, source_id) values ($1, $2)', [
        e.rows[0]!.id,
        src.id,
      ]),
    ).rejects.toThrow(/check constraint/);
    await expect(
      t.db.query(`insert into entities (workspace_id, type, value) values ($1, 'ssn', 'x')`, [ws]),
    ).rejects.toThrow(/check constraint/);
  });
});
