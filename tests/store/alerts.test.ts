import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertEvents,
  getAlert,
  listAlerts,
  recordHit,
  setAlertStatus,
  type Hit,
  AlertTransitionError,
} from '../../store/alerts.js';
import { SYSTEM_ACTOR, verifyAuditLog } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { saveRule } from '../../store/rules.js';
import { makeRule, makeSource, opWorkspaceId } from '../helpers/fixtures.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';

describe('alerts store', () => {
  let t: TestDatabase;
  let ws: number;
  beforeAll(async () => {
    t = await freshDatabase();
    ws = await opWorkspaceId(t.db);
  });
  afterAll(() => t.drop());

  function hit(ruleId: number, ruleVersionId: number, subjectId: number, over: Partial<Hit> = {}): Hit {
    return {
      workspaceId: ws,
      ruleId,
      ruleVersionId,
      severity: 'high',
      subjectType: 'listing',
      subjectId,
      title: 'Glock 19',
      matchedTerms: [{ term: 'glock', field: 'title', start: 0, end: 5 }],
      snapshotId: null,
      sourceId: null,
      category: 'firearms',
      ...over,
    };
  }

  it('keeps one alert per (rule, subject) under concurrent workers, counting every sighting', async () => {
    const rule = await makeRule(t.db, 'dedup-rule');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        withTransaction(t.db, (tx) => recordHit(tx, hit(rule.ruleId, rule.ruleVersionId, 4242))),
      ),
    );
    expect(results.filter((r) => r!.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r!.alertId)).size).toBe(1);
    const alert = await getAlert(t.db, ws, results[0]!.alertId);
    expect(alert!.sightings).toBe(20);
    const events = await alertEvents(t.db, alert!.id);
    expect(events.filter((e) => e.kind === 'created')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'sighting')).toHaveLength(19);
  });

  it('refuses an alert without a rule', async () => {
    await expect(
      t.db.query(
        `insert into alerts (workspace_id, rule_id, rule_version_id, subject_type, subject_id, severity, title)
                  values ($1, null, 1, 'listing', 1, 'high', 'x')`,
        [ws],
      ),
    ).rejects.toThrow(/null value/);
    await expect(
      t.db.query(
        `insert into alerts (workspace_id, rule_id, rule_version_id, subject_type, subject_id, severity, title)
                  values ($1, 999999, 999999, 'listing', 1, 'high', 'x')`,
        [ws],
      ),
    ).rejects.toThrow(/foreign key/);
  });

  it('records the rule version that fired', async () => {
    const v1 = await makeRule(t.db, 'versioned-rule');
    const { rule: v2, newVersion } = await saveRule(
      t.db,
      ws,
      {
        name: 'versioned-rule',
        severity: 'critical',
        description: null,
        definition: { query: 'glock OR beretta' },
        sourceText: 'x',
      },
      null,
    );
    expect(newVersion).toBe(true);
    expect(v2.version).toBe(2);
    const r = await withTransaction(t.db, (tx) => recordHit(tx, hit(v2.ruleId, v2.ruleVersionId, 77)));
    expect((await getAlert(t.db, ws, r!.alertId))!.ruleVersion).toBe(2);
    const unchanged = await saveRule(
      t.db,
      ws,
      {
        name: 'versioned-rule',
        severity: 'critical',
        description: null,
        definition: { query: 'glock OR beretta' },
        sourceText: 'y',
      },
      null,
    );
    expect(unchanged.newVersion).toBe(false);
    expect(v1.version).toBe(1);
  });

  it('moves through the workflow with events and a verifiable audit trail, refusing bad transitions', async () => {
    const rule = await makeRule(t.db, 'workflow-rule');
    const src = await makeSource(t.db, 'workflow-src');
    const r = await withTransaction(t.db, (tx) =>
      recordHit(tx, hit(rule.ruleId, rule.ruleVersionId, 9, { sourceId: src.id })),
    );
    const analyst = { id: null, name: 'analyst1' };
    await withTransaction(t.db, (tx) => setAlertStatus(tx, ws, r!.alertId, 'in_review', analyst));
    await expect(
      withTransaction(t.db, (tx) => setAlertStatus(tx, ws, r!.alertId, 'dismissed', analyst)),
    ).rejects.toBeInstanceOf(AlertTransitionError);
    const dismissed = await withTransaction(t.db, (tx) =>
      setAlertStatus(tx, ws, r!.alertId, 'dismissed', analyst, { reason: 'false_positive' }),
    );
    expect(dismissed).toMatchObject({ status: 'dismissed', dismissReason: 'false_positive' });
    await expect(
      withTransaction(t.db, (tx) => setAlertStatus(tx, ws, r!.alertId, 'escalated', SYSTEM_ACTOR)),
    ).rejects.toThrow(/cannot move/);
    const kinds = (await alertEvents(t.db, r!.alertId)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'status', 'status']);
    const audit = await t.db.query(
      `select action, actor_name from audit_log where entity_type = 'alert' and entity_id = $1 order by id`,
      [String(r!.alertId)],
    );
    expect(audit.rows).toEqual([
      { action: 'alert.set_status', actor_name: 'analyst1' },
      { action: 'alert.set_status', actor_name: 'analyst1' },
    ]);
    expect((await verifyAuditLog(t.db)).ok).toBe(true);
    const queue = await listAlerts(t.db, ws, { status: ['dismissed'], sourceId: src.id });
    expect(queue.map((a) => a.id)).toEqual([r!.alertId]);
  });

  it('does not alert on a suppressed (rule, subject) pair', async () => {
    const rule = await makeRule(t.db, 'suppressed-rule');
    await t.db.query(
      `insert into suppressions (workspace_id, rule_id, subject_type, subject_key, reason) values ($1, $2, 'listing', '31', 'known test shop')`,
      [ws, rule.ruleId],
    );
    expect(
      await withTransaction(t.db, (tx) => recordHit(tx, hit(rule.ruleId, rule.ruleVersionId, 31))),
    ).toBeNull();
    expect(
      await withTransaction(t.db, (tx) => recordHit(tx, hit(rule.ruleId, rule.ruleVersionId, 32))),
    ).not.toBeNull();
  });

  it('treats filter values as data, never as SQL', async () => {
    const rows = await listAlerts(t.db, ws, { rule: "x' or '1'='1", category: "'; drop table alerts; --" });
    expect(rows).toEqual([]);
    const { rows: still } = await t.db.query(`select count(*)::int as n from alerts`);
    expect(still[0].n).toBeGreaterThan(0);
  });
});
