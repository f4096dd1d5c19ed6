// The I/O shell of the exporters: reads alerts with the record each is about and its entities,
// all through workspace-scoped store queries, into the plain ExportAlert shape.
import { alertEvents, alertNotes, getAlert, type AlertRow } from '../../store/alerts.js';
import type { Queryable } from '../../store/db.js';
import { getListing, getPost, subjectEntities } from '../../store/search.js';
import type { ExportAlert } from './types.js';

export async function exportAlert(db: Queryable, workspaceId: number, a: AlertRow): Promise<ExportAlert> {
  let url: string | null = null;
  let vendor: string | null = null;
  let priceEur: number | null = null;
  let entities: ExportAlert['entities'] = [];
  if (a.subjectType === 'listing') {
    const l = await getListing(db, workspaceId, a.subjectId);
    if (l) {
      url = l.url;
      vendor = l.vendor;
      priceEur = l.priceEur;
      entities = await subjectEntities(db, workspaceId, { listingId: l.id });
    }
  } else if (a.subjectType === 'post') {
    const p = await getPost(db, workspaceId, a.subjectId);
    if (p) {
      url = p.threadUrl;
      vendor = p.author;
      entities = await subjectEntities(db, workspaceId, { postId: p.id });
    }
  } else if (a.subjectType === 'vendor') {
    entities = await subjectEntities(db, workspaceId, { vendorId: a.subjectId });
  }
  return {
    id: a.id,
    title: a.title,
    rule: a.ruleName,
    ruleVersion: a.ruleVersion,
    severity: a.severity,
    status: a.status,
    category: a.category,
    site: a.sourceName,
    url,
    vendor,
    priceEur,
    terms: [...new Set(a.matchedTerms.map((t) => t.term))],
    firstSeenAt: a.firstSeenAt,
    lastSeenAt: a.lastSeenAt,
    sightings: a.sightings,
    entities: entities.map((e) => ({ type: e.type, value: e.value })),
  };
}

export async function exportAlerts(
  db: Queryable,
  workspaceId: number,
  rows: AlertRow[],
): Promise<ExportAlert[]> {
  const out: ExportAlert[] = [];
  for (const a of rows) out.push(await exportAlert(db, workspaceId, a));
  return out;
}

/** Everything the package keeps about one alert: the row, the record, entities, events, notes. */
export async function alertDossier(
  db: Queryable,
  workspaceId: number,
  alertId: number,
): Promise<Record<string, unknown> | null> {
  const a = await getAlert(db, workspaceId, alertId);
  if (!a) return null;
  const subject =
    a.subjectType === 'listing'
      ? await getListing(db, workspaceId, a.subjectId)
      : a.subjectType === 'post'
        ? await getPost(db, workspaceId, a.subjectId)
        : null;
  return {
    alert: a,
    subject,
    export: await exportAlert(db, workspaceId, a),
    events: await alertEvents(db, a.id),
    notes: await alertNotes(db, workspaceId, a.id),
  };
}
