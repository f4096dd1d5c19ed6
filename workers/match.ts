// The match stage: one job = the listings of one snapshot. Each listing is matched against the
// workspace's compiled rule set (recompiled, atomically, whenever a rule changes — no worker
// restart), with the history change/correlation conditions need, and every hit becomes an alert
// (one per rule and listing; later hits add sightings). New alerts are published on Redis for the
// web app's live queue.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Category, EntityType, MatchableListing } from '../core/types.js';
import { listingRecord, type ListingRow as StoredListingRow } from '../store/backtest.js';
import {
  compileRules,
  type CompiledRuleSet,
  type ListingHistory,
  type RuleDefinition,
  type RuleMatch,
} from '../rules/index.js';
import { recordHit } from '../store/alerts.js';
import { withTransaction, type Db, type Queryable } from '../store/db.js';
import { createDeliveries } from '../store/webhooks.js';
import { publishAlert } from './alert-channel.js';
import { enqueueDeliveries } from './notify.js';
import type { MatchJob, PipelineQueues } from './queues.js';

export interface MatchDeps {
  db: Db;
  redis: Redis;
  /** This database's namespaced Redis prefix (pipelinePrefix, not the base prefix): alerts go to alertsChannel(keyPrefix). */
  keyPrefix: string;
  rules: RuleSetCache;
  /** Where webhook deliveries of new alerts are queued (absent: no webhooks, e.g. offline matching). */
  notify?: Pick<PipelineQueues, 'notify'>;
  log: Logger;
}

interface CompiledWorkspaceRules {
  stamp: string;
  set: CompiledRuleSet;
  byId: Map<string, { ruleId: number; ruleVersionId: number; severity: RuleDefinition['severity'] }>;
}

/** Compiled rule sets per workspace, rebuilt when the enabled rules change. */
export class RuleSetCache {
  private readonly cache = new Map<number, CompiledWorkspaceRules>();

  async get(db: Queryable, workspaceId: number): Promise<CompiledWorkspaceRules> {
    const { rows } = await db.query<{ stamp: string }>(
      `select coalesce(max(r.updated_at)::text, '') || '/' || count(*) || '/' || coalesce(sum(r.current_version), 0) as stamp
         from rules r where r.workspace_id = $1 and r.enabled`,
      [workspaceId],
    );
    const stamp = rows[0]!.stamp;
    const cached = this.cache.get(workspaceId);
    if (cached && cached.stamp === stamp) return cached;
    const defs = await db.query<{ rule_id: number; rule_version_id: number; definition: RuleDefinition }>(
      `select r.id as rule_id, v.id as rule_version_id, v.definition
         from rules r join rule_versions v on v.rule_id = r.id and v.version = r.current_version
        where r.workspace_id = $1 and r.enabled order by r.id`,
      [workspaceId],
    );
    const byId = new Map<
      string,
      { ruleId: number; ruleVersionId: number; severity: RuleDefinition['severity'] }
    >();
    const definitions = defs.rows.map((row) => {
      byId.set(row.definition.id, {
        ruleId: row.rule_id,
        ruleVersionId: row.rule_version_id,
        severity: row.definition.severity,
      });
      return { ...row.definition, enabled: true };
    });
    // Compile fully before swapping in: a job never sees a half-built set.
    const compiled: CompiledWorkspaceRules = { stamp, set: compileRules(definitions), byId };
    this.cache.set(workspaceId, compiled);
    return compiled;
  }
}

type ListingRow = StoredListingRow & { source_id: number };

async function loadListing(
  db: Queryable,
  id: number,
): Promise<{ listing: MatchableListing; row: ListingRow } | null> {
  const { rows } = await db.query<ListingRow>(
    `select l.id, l.title, l.description, l.price_amount, l.price_currency, l.price_eur, l.vendor_name, l.category_path,
            l.category, l.category_confidence, l.ships_from, l.ships_to, l.url, l.language, l.source_id, s.name as site
       from listings l join sources s on s.id = l.source_id where l.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  const entities = await db.query<{ type: EntityType; value: string }>(
    `select e.type, e.value from entity_mentions m join entities e on e.id = m.entity_id where m.listing_id = $1`,
    [id],
  );
  return { row, listing: listingRecord(row, entities.rows) };
}

/** What was known before this snapshot: earlier versions, the vendor elsewhere, entity sites. */
async function loadHistory(
  db: Queryable,
  row: ListingRow,
  listing: MatchableListing,
  snapshotId: number,
): Promise<ListingHistory> {
  const versions = await db.query<{
    observed_at: Date;
    price_eur: number | null;
    title: string;
    available: boolean;
  }>(
    `select observed_at, price_eur, title, available from listing_versions
      where listing_id = $1 and snapshot_id is distinct from $2 order by version`,
    [row.id, snapshotId],
  );
  const vendorSightings = row.vendor_name
    ? await db.query<{ site: string; category: Category | null }>(
        `select s.name as site, l.category from listings l join sources s on s.id = l.source_id
          where l.vendor_name is not null and lower(l.vendor_name) = lower($1) and l.id <> $2
            and l.first_seen < (select captured_at from snapshots where id = $3)`,
        [row.vendor_name, row.id, snapshotId],
      )
    : { rows: [] };
  const entitySites: Record<string, string[]> = {};
  for (const e of listing.entities ?? []) {
    const sites = await db.query<{ site: string }>(
      `select distinct s.name as site from entity_mentions m join entities e on e.id = m.entity_id join sources s on s.id = m.source_id
        where e.type = $1 and e.value = $2 and m.snapshot_id is distinct from $3 and coalesce(m.listing_id, 0) <> $4`,
      [e.type, e.value, snapshotId, row.id],
    );
    entitySites[`${e.type}:${e.value}`] = sites.rows.map((r) => r.site);
  }
  return {
    versions: versions.rows.map((v) => ({
      seenAt: v.observed_at.toISOString(),
      priceEur: v.price_eur,
      title: v.title,
      removed: !v.available,
    })),
    vendorSightings: vendorSightings.rows,
    entitySites,
  };
}

export interface MatchOutcome {
  hits: number;
  newAlerts: number[];
}

export async function processMatchJob(deps: MatchDeps, job: MatchJob): Promise<MatchOutcome> {
  const rules = await deps.rules.get(deps.db, job.workspaceId);
  const outcome: MatchOutcome = { hits: 0, newAlerts: [] };
  for (const item of job.listings) {
    const loaded = await loadListing(deps.db, item.id);
    if (!loaded) continue;
    const history = await loadHistory(deps.db, loaded.row, loaded.listing, job.snapshotId);
    const matches: RuleMatch[] = rules.set.match(loaded.listing, history);
    for (const m of matches) {
      const rule = rules.byId.get(m.rule.id);
      if (!rule) continue;
      const result = await withTransaction(deps.db, async (tx) => {
        const hit = await recordHit(tx, {
          workspaceId: job.workspaceId,
          ruleId: rule.ruleId,
          ruleVersionId: rule.ruleVersionId,
          severity: rule.severity,
          subjectType: 'listing',
          subjectId: item.id,
          title: loaded.listing.title,
          matchedTerms: m.hits.map((h) => ({ term: h.term, field: h.field, start: h.start, end: h.end })),
          snapshotId: job.snapshotId,
          sourceId: loaded.row.source_id,
          category: loaded.row.category,
          reason: { changed: item.changed, relisted: item.relisted, isNew: item.isNew },
        });
        // Deliveries commit with the alert, so none is lost if the enqueue below fails (see requeuePendingDeliveries).
        const deliveries =
          hit?.created && deps.notify
            ? await createDeliveries(tx, job.workspaceId, hit.alertId, rule.severity)
            : [];
        return hit && { ...hit, deliveries };
      });
      if (!result) continue;
      outcome.hits++;
      if (result.created) {
        outcome.newAlerts.push(result.alertId);
        await publishAlert(deps.redis, deps.keyPrefix, {
          workspaceId: job.workspaceId,
          alertId: result.alertId,
          created: true,
        });
        if (deps.notify) await enqueueDeliveries(deps.notify, result.deliveries);
      }
    }
  }
  return outcome;
}
