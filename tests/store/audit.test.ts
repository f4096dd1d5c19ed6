import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, canonicalJson, verifyAuditLog } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';

describe('audit log', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe(
      canonicalJson({ a: [{ c: 'x', d: 2 }], b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });

  it('chains entries, stays intact under concurrent writers, and detects tampering', async () => {
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        withTransaction(t.db, (tx) =>
          appendAudit(tx, {
            actor: { id: null, name: `user${i}` },
            workspaceId: 1,
            action: 'rule.save',
            entityType: 'rule',
            entityId: i,
            before: null,
            after: { name: `r${i}`, nested: { z: 1, a: [1, 2] } },
          }),
        ),
      ),
    );
    expect(await verifyAuditLog(t.db)).toEqual({ ok: true, checked: 15 });

    await expect(t.db.query(`update audit_log set actor_name = 'mallory' where id = 3`)).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.query(`delete from audit_log where id = 3`)).rejects.toThrow(/immutable/);

    // Someone with superuser rights switches the guard off and edits history: the chain shows it.
    const original = (await t.db.query('select after from audit_log where id = 5')).rows[0].after;
    await t.db.query('alter table audit_log disable trigger audit_log_immutable');
    await t.db.query(`update audit_log set after = '{"name":"forged"}' where id = 5`);
    const broken = await verifyAuditLog(t.db);
    expect(broken).toMatchObject({ ok: false, brokenAt: 5 });

    await t.db.query('update audit_log set after = $1 where id = 5', [JSON.stringify(original)]);
    expect(await verifyAuditLog(t.db)).toEqual({ ok: true, checked: 15 });
    await t.db.query(`delete from audit_log where id = 8`);
    const gap = await verifyAuditLog(t.db);
    await t.db.query('alter table audit_log enable trigger audit_log_immutable');
    expect(gap.ok).toBe(false);
    expect(gap.brokenAt).toBe(9);
  });
});
