// Suppressions silence (rule, listing), (rule, vendor) and (rule, entity) — the last two for every
// listing by that vendor / mentioning that entity — until they expire; adding and removing is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHit, type Hit } from '../../store/alerts.js';
import { SYSTEM_ACTOR, verifyAuditLog } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { recordEntityMention, upsertListing, upsertVendor } from '../../store/records.js';
import type { StoredRule } from '../../store/rules.js';
import {
  addSuppression,
  listSuppressions,
  parseEntitySubject,
  removeSuppression,
  SuppressionError,
  suppressionKey,
} from '../../store/suppressions.js';
import { makeSource, opWorkspaceId } from '../helpers/fixtures.js';
import { storeRules } from '../helpers/rules.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';

const PGP = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('suppressions', () => {
  let t: TestDatabase;
  let ws: number;
  let sourceId: number;
  let rules: Map<string, StoredRule>;
  let n = 0;

  beforeAll(async () => {
    t = await freshDatabase();
    ws = await opWorkspaceId(t.db);
    sourceId = (await makeSource(t.db, 'supmarket')).id;
    rules = await storeRules(
      t.db,
      ws,
      'rules:\n  - name: glock\n    query: glock\n  - name: other\n    query: beretta\n',
    );
  });
  afterAll(() => t.drop());

  /** A listing by `vendor` mentioning `pgp`. */
  async function listing(vendor: string | null, pgp: string | null): Promise<number> {
    return withTransaction(t.db, async (tx) => {
      const v = vendor
        ? await upsertVendor(tx, { workspaceId: ws, sourceId, name: vendor, seenAt: new Date() })
        : null;
      const c = await upsertListing(tx, {
        workspaceId: ws,
        sourceId,
        vendorId: v?.id ?? null,
        language: 'en',
        snapshotId: null,
        seenAt: new Date(),
        listing: {
          title: `Glock 19 #${++n}`,
          description: null,
          price: null,
          priceEur: null,
          vendor,
          category: null,
          classification: null,
          shipsFrom: null,
          shipsTo: null,
          url: `http://supmarket.onion/listing/${n}`,
        },
      });
      if (pgp) {
        await recordEntityMention(tx, {
          workspaceId: ws,
          sourceId,
          entity: { type: 'pgp', value: pgp } as never,
          target: { listingId: c.listingId },
          snapshotId: null,
          seenAt: new Date(),
        });
      }
      return c.listingId;
    });
  }

  function hit(rule: StoredRule, listingId: number): Hit {
    return {
      workspaceId: ws,
      ruleId: rule.ruleId,
      ruleVersionId: rule.ruleVersionId,
      severity: 'high',
      subjectType: 'listing',
      subjectId: listingId,
      title: 'Glock 19',
      matchedTerms: [],
      snapshotId: null,
      sourceId,
      category: null,
    };
  }
  const fire = (rule: StoredRule, id: number) => withTransaction(t.db, (tx) => recordHit(tx, hit(rule, id)));

  it('silences one listing for one rule only, with owner, reason and expiry listed and audited', async () => {
    const glock = rules.get('glock')!;
    const other = rules.get('other')!;
    const a = await listing('Iron Hand', null);
    const b = await listing('Iron Hand', null);
    const s = await withTransaction(t.db, (tx) =>
      addSuppression(
        tx,
        ws,
        {
          rule: 'glock',
          subject: { type: 'listing', listingId: a },
          reason: 'known sting listing',
          expiresAt: new Date(Date.now() + 86_400_000),
        },
        { id: null, name: 'cli:analyst' },
      ),
    );
    expect(s).toMatchObject({
      rule: 'glock',
      subjectType: 'listing',
      subjectKey: String(a),
      owner: 'cli:analyst',
      reason: 'known sting listing',
      active: true,
    });
    expect(await fire(glock, a)).toBeNull();
    expect((await fire(other, a))?.created).toBe(true);
    expect((await fire(glock, b))?.created).toBe(true);
    const audit = await t.db.query<{ action: string }>(
      `select action from audit_log where entity_type = 'suppression' and entity_id = $1`,
      [String(s.id)],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['suppression.add']);
  });

  it('a vendor suppression silences every listing by that vendor, whatever the spelling', async () => {
    const glock = rules.get('glock')!;
    const byVendor = [await listing('Balkan  Arms', null), await listing('balkan arms', null)];
    const unrelated = await listing('Someone Else', null);
    await withTransaction(t.db, (tx) =>
      addSuppression(
        tx,
        ws,
        {
          rule: 'glock',
          subject: { type: 'vendor', name: 'BALKAN ARMS' },
          reason: 'informant',
          expiresAt: null,
        },
        SYSTEM_ACTOR,
      ),
    );
    for (const id of byVendor) expect(await fire(glock, id)).toBeNull();
    expect((await fire(glock, unrelated))?.created).toBe(true);
  });

  it('an entity suppression silences listings mentioning it, and stops when removed', async () => {
    const glock = rules.get('glock')!;
    const withKey = await listing(null, PGP);
    const without = await listing(null, PGP.replace('0123', '9999'));
    const grouped = PGP.toLowerCase()
      .replace(/(.{4})/g, '$1 ')
      .trim();
    const s = await withTransaction(t.db, (tx) =>
      addSuppression(
        tx,
        ws,
        {
          rule: 'glock',
          subject: parseEntitySubject(`pgp:${grouped}`),
          reason: 'our own test key',
          expiresAt: null,
        },
        SYSTEM_ACTOR,
      ),
    );
    expect(s.subjectKey).toBe(`pgp:${PGP}`);
    expect(await fire(glock, withKey)).toBeNull();
    expect((await fire(glock, without))?.created).toBe(true);
    expect(await withTransaction(t.db, (tx) => removeSuppression(tx, ws, s.id, SYSTEM_ACTOR))).toBe(true);
    expect((await fire(glock, withKey))?.created).toBe(true);
    expect(await withTransaction(t.db, (tx) => removeSuppression(tx, ws, s.id, SYSTEM_ACTOR))).toBe(false);
  });

  it('expired suppressions no longer silence and are only listed on request', async () => {
    const glock = rules.get('glock')!;
    const id = await listing('Expiring Vendor', null);
    const s = await withTransaction(t.db, (tx) =>
      addSuppression(
        tx,
        ws,
        {
          rule: 'glock',
          subject: { type: 'listing', listingId: id },
          reason: 'temporary',
          expiresAt: new Date(Date.now() + 60_000),
        },
        SYSTEM_ACTOR,
      ),
    );
    expect(await fire(glock, id)).toBeNull();
    // Audit rows cannot be altered, but suppressions can: age this one past its expiry.
    await t.db.query(`update suppressions set expires_at = now() - interval '1 second' where id = $1`, [
      s.id,
    ]);
    expect((await fire(glock, id))?.created).toBe(true);
    expect((await listSuppressions(t.db, ws)).map((x) => x.id)).not.toContain(s.id);
    expect(
      (await listSuppressions(t.db, ws, { includeExpired: true })).find((x) => x.id === s.id)?.active,
    ).toBe(false);
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
  });

  it.each([
    [{ rule: 'nope', subject: { type: 'vendor', name: 'x' }, reason: 'r' }, /no rule named "nope"/],
    [
      { rule: 'glock', subject: { type: 'listing', listingId: 987654321 }, reason: 'r' },
      /listing 987654321 not found/,
    ],
    [{ rule: 'glock', subject: { type: 'vendor', name: '   ' }, reason: 'r' }, /vendor is empty/],
    [{ rule: 'glock', subject: { type: 'vendor', name: 'x'.repeat(201) }, reason: 'r' }, /longer than 200/],
    [{ rule: 'glock', subject: { type: 'vendor', name: 'x' }, reason: '' }, /reason is empty/],
    [{ rule: 'glock', subject: { type: 'vendor', name: 'x' }, reason: 'y'.repeat(2001) }, /longer than 2000/],
    [
      { rule: 'glock', subject: { type: 'vendor', name: 'x' }, reason: 'bell\u0007\u0000' },
      /control characters/,
    ],
    [
      {
        rule: 'glock',
        subject: { type: 'vendor', name: 'x' },
        reason: 'r',
        expiresAt: new Date(Date.now() - 1000),
      },
      /in the future/,
    ],
    [
      { rule: "glock'; drop table suppressions; --", subject: { type: 'vendor', name: 'x' }, reason: 'r' },
      /no rule named/,
    ],
  ])('refuses bad input #%#', async (input, message) => {
    const before = (await listSuppressions(t.db, ws, { includeExpired: true })).length;
    await expect(
      withTransaction(t.db, (tx) =>
        addSuppression(tx, ws, { expiresAt: null, ...input } as never, SYSTEM_ACTOR),
      ),
    ).rejects.toThrow(message);
    expect((await listSuppressions(t.db, ws, { includeExpired: true })).length).toBe(before);
  });

  it('parses entity subjects strictly', () => {
    expect(() => parseEntitySubject('pgp')).toThrow(SuppressionError);
    expect(() => parseEntitySubject('car:ABC')).toThrow(/TYPE one of/);
    expect(() => parseEntitySubject('btc:   ')).toThrow(/empty/);
    expect(suppressionKey(parseEntitySubject('BTC: bc1qxyz '))).toBe('btc:bc1qxyz');
  });
});
