// Webhooks: where a workspace's new alerts are pushed, and a record of every delivery. The secret
// is kept in clear because the notifier needs it to sign; it is shown to the user once, on creation.
import { randomBytes } from 'node:crypto';
import { SEVERITIES, type Severity } from '../core/types.js';
import { appendAudit, type Actor } from './audit.js';
import type { Queryable } from './db.js';

export interface WebhookRow {
  id: number;
  workspaceId: number;
  url: string;
  minSeverity: Severity;
  enabled: boolean;
  createdAt: Date;
}

export class WebhookUrlError extends Error {}

const MAX_URL_LENGTH = 2048;

/** Only absolute http(s) URLs without credentials: anything else is refused before it is stored. */
export function validateWebhookUrl(text: string): URL {
  if (typeof text !== 'string' || text.length === 0) throw new WebhookUrlError('webhook URL is empty');
  if (text.length > MAX_URL_LENGTH)
    throw new WebhookUrlError(`webhook URL is longer than ${MAX_URL_LENGTH} characters`);
  // Control characters and whitespace have no business in a URL the WHATWG parser would "repair".
  if (/[\s\x00-\x1f\x7f]/.test(text))
    throw new WebhookUrlError('webhook URL contains whitespace or control characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlError(`"${text.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookUrlError(`webhook URL must be http or https, not ${url.protocol.replace(':', '')}`);
  if (url.username || url.password)
    throw new WebhookUrlError('webhook URL must not carry credentials (the signature authenticates us)');
  if (!url.hostname) throw new WebhookUrlError('webhook URL has no host');
  return url;
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

const SELECT = `select id, workspace_id as "workspaceId", url, min_severity as "minSeverity", enabled, created_at as "createdAt" from webhooks`;

/** Add a webhook; returns it with its newly generated secret (the only time the secret leaves the store). */
export async function addWebhook(
  tx: Queryable,
  workspaceId: number,
  input: { url: string; minSeverity?: Severity },
  actor: Actor,
): Promise<{ webhook: WebhookRow; secret: string }> {
  const url = validateWebhookUrl(input.url).toString();
  const minSeverity = input.minSeverity ?? 'low';
  if (!isSeverity(minSeverity))
    throw new WebhookUrlError(`min severity must be one of ${SEVERITIES.join(', ')}`);
  const secret = randomBytes(32).toString('hex');
  const { rows } = await tx.query<WebhookRow>(
    `insert into webhooks (workspace_id, url, secret, min_severity) values ($1, $2, $3, $4)
     returning id, workspace_id as "workspaceId", url, min_severity as "minSeverity", enabled, created_at as "createdAt"`,
    [workspaceId, url, secret, minSeverity],
  );
  const webhook = rows[0]!;
  // The secret is never audited: the audit log is readable by more people than the receiver.
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'webhook.add',
    entityType: 'webhook',
    entityId: webhook.id,
    after: { url, minSeverity },
  });
  return { webhook, secret };
}

export async function listWebhooks(db: Queryable, workspaceId: number): Promise<WebhookRow[]> {
  const { rows } = await db.query<WebhookRow>(`${SELECT} where workspace_id = $1 order by id`, [workspaceId]);
  return rows;
}

export async function removeWebhook(
  tx: Queryable,
  workspaceId: number,
  id: number,
  actor: Actor,
): Promise<boolean> {
  const { rows } = await tx.query<{ url: string; min_severity: string }>(
    'delete from webhooks where id = $1 and workspace_id = $2 returning url, min_severity',
    [id, workspaceId],
  );
  if (!rows[0]) return false;
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: 'webhook.remove',
    entityType: 'webhook',
    entityId: id,
    before: { url: rows[0].url, minSeverity: rows[0].min_severity },
  });
  return true;
}

/**
 * Create one pending delivery per enabled webhook of the workspace whose minimum severity the
 * alert reaches. Returns the delivery ids to enqueue.
 */
export async function createDeliveries(
  tx: Queryable,
  workspaceId: number,
  alertId: number,
  severity: Severity,
  event = 'alert.created',
): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into webhook_deliveries (webhook_id, alert_id, event)
     select w.id, $2, $4 from webhooks w
      where w.workspace_id = $1 and w.enabled
        and array_position(array['low','medium','high','critical']::text[], w.min_severity)
            <= array_position(array['low','medium','high','critical']::text[], $3::text)
     returning id`,
    [workspaceId, alertId, severity, event],
  );
  return rows.map((r) => r.id);
}

export interface DeliveryContext {
  deliveryId: number;
  status: 'pending' | 'delivered' | 'failed';
  event: string;
  url: string;
  secret: string;
  alert: {
    id: number;
    rule: string;
    ruleVersion: number;
    severity: Severity;
    status: string;
    title: string;
    site: string | null;
    category: string | null;
    url: string | null;
    vendor: string | null;
    subjectType: string;
    subjectId: number;
    sightings: number;
    firstSeenAt: string;
    lastSeenAt: string;
  };
}

/** Everything a notify job needs, read fresh (the webhook may have been removed or disabled since). */
export async function deliveryContext(
  db: Queryable,
  deliveryId: number,
): Promise<(DeliveryContext & { enabled: boolean }) | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    `select d.id, d.status, d.event, w.url as hook_url, w.secret, w.enabled,
            a.id as alert_id, r.name as rule, v.version as rule_version, a.severity, a.status as alert_status, a.title,
            s.name as site, a.category, l.url as listing_url, l.vendor_name, a.subject_type, a.subject_id, a.sightings,
            a.first_seen_at, a.last_seen_at
       from webhook_deliveries d
       join webhooks w on w.id = d.webhook_id
       join alerts a on a.id = d.alert_id
       join rules r on r.id = a.rule_id
       join rule_versions v on v.id = a.rule_version_id
       left join sources s on s.id = a.source_id
       left join listings l on a.subject_type = 'listing' and l.id = a.subject_id
      where d.id = $1`,
    [deliveryId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    deliveryId: Number(r.id),
    status: r.status as DeliveryContext['status'],
    event: String(r.event),
    url: String(r.hook_url),
    secret: String(r.secret),
    enabled: Boolean(r.enabled),
    alert: {
      id: Number(r.alert_id),
      rule: String(r.rule),
      ruleVersion: Number(r.rule_version),
      severity: r.severity as Severity,
      status: String(r.alert_status),
      title: String(r.title),
      site: (r.site as string | null) ?? null,
      category: (r.category as string | null) ?? null,
      url: (r.listing_url as string | null) ?? null,
      vendor: (r.vendor_name as string | null) ?? null,
      subjectType: String(r.subject_type),
      subjectId: Number(r.subject_id),
      sightings: Number(r.sightings),
      firstSeenAt: (r.first_seen_at as Date).toISOString(),
      lastSeenAt: (r.last_seen_at as Date).toISOString(),
    },
  };
}

export async function recordAttempt(
  db: Queryable,
  deliveryId: number,
  outcome: { status: 'pending' | 'delivered' | 'failed'; attempts: number; error: string | null },
): Promise<void> {
  await db.query(
    `update webhook_deliveries set status = $2, attempts = greatest(attempts, $3), last_error = $4,
            delivered_at = case when $2 = 'delivered' then now() else delivered_at end
      where id = $1`,
    [
      deliveryId,
      outcome.status,
      outcome.attempts,
      outcome.error === null ? null : outcome.error.slice(0, 1000),
    ],
  );
}

export interface DeliveryRow {
  id: number;
  webhookId: number;
  alertId: number;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
}

export async function listDeliveries(
  db: Queryable,
  filter: { alertId?: number; webhookId?: number } = {},
): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `select id, webhook_id as "webhookId", alert_id as "alertId", event, status, attempts, last_error as "lastError",
            delivered_at as "deliveredAt"
       from webhook_deliveries where ($1::bigint is null or alert_id = $1) and ($2::bigint is null or webhook_id = $2) order by id`,
    [filter.alertId ?? null, filter.webhookId ?? null],
  );
  return rows;
}

/** Switch a webhook on or off (deliveries stop being queued for a disabled one); audited. */
export async function setWebhookEnabled(
  tx: Queryable,
  workspaceId: number,
  id: number,
  enabled: boolean,
  actor: Actor,
): Promise<WebhookRow | null> {
  const before = await tx.query<WebhookRow>(`${SELECT} where id = $1 and workspace_id = $2 for update`, [
    id,
    workspaceId,
  ]);
  const row = before.rows[0];
  if (!row) return null;
  await tx.query('update webhooks set enabled = $3 where id = $1 and workspace_id = $2', [
    id,
    workspaceId,
    enabled,
  ]);
  await appendAudit(tx, {
    actor,
    workspaceId,
    action: enabled ? 'webhook.enable' : 'webhook.disable',
    entityType: 'webhook',
    entityId: id,
    before: { url: row.url, enabled: row.enabled },
    after: { url: row.url, enabled },
  });
  return { ...row, enabled };
}

/** Delivery counts per webhook of a workspace (pending / delivered / failed) and the last error. */
export async function deliverySummary(
  db: Queryable,
  workspaceId: number,
): Promise<Map<number, { pending: number; delivered: number; failed: number; lastError: string | null }>> {
  const { rows } = await db.query<{
    id: number;
    pending: number;
    delivered: number;
    failed: number;
    last_error: string | null;
  }>(
    `select w.id,
            count(*) filter (where d.status = 'pending')::int as pending,
            count(*) filter (where d.status = 'delivered')::int as delivered,
            count(*) filter (where d.status = 'failed')::int as failed,
            (select d2.last_error from webhook_deliveries d2 where d2.webhook_id = w.id and d2.last_error is not null
              order by d2.id desc limit 1) as last_error
       from webhooks w left join webhook_deliveries d on d.webhook_id = w.id
      where w.workspace_id = $1 group by w.id`,
    [workspaceId],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { pending: r.pending, delivered: r.delivered, failed: r.failed, lastError: r.last_error },
    ]),
  );
}
