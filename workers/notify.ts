// The notify stage: one job = one webhook delivery of one alert. The body is signed with the
// webhook's secret (HMAC-SHA256 over the exact bytes sent), so a receiver can check it came from
// us and was not altered. Failures are retried by BullMQ with jittered exponential backoff, a
// bounded number of times; every attempt is recorded on the delivery row.
import { createHmac } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { Severity } from '../core/types.js';
import type { Queryable } from '../store/db.js';
import {
  createDeliveries,
  deliveryContext,
  recordAttempt,
  validateWebhookUrl,
  type DeliveryContext,
} from '../store/webhooks.js';
import { jobId, type NotifyJob, type PipelineQueues } from './queues.js';

export const SIGNATURE_HEADER = 'X-Darkwatch-Signature';
export const TIMESTAMP_HEADER = 'X-Darkwatch-Timestamp';
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body with the webhook's secret. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The JSON body for an alert event (pure; what is signed is exactly this string). */
export function webhookBody(
  ctx: Pick<DeliveryContext, 'deliveryId' | 'event' | 'alert'>,
  sentAt: Date,
): string {
  return JSON.stringify({
    event: ctx.event,
    deliveryId: ctx.deliveryId,
    sentAt: sentAt.toISOString(),
    alert: ctx.alert,
  });
}

export interface NotifyDeps {
  db: Queryable;
  log: Logger;
  timeoutMs?: number;
}

export class WebhookDeliveryError extends Error {}

/** POST once; resolves on 2xx, throws otherwise. Redirects are never followed. */
export async function postWebhook(
  url: string,
  secret: string,
  body: string,
  timeoutMs: number,
  now = new Date(),
): Promise<number> {
  validateWebhookUrl(url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'darkwatch-webhook/1',
        [SIGNATURE_HEADER]: signBody(secret, body),
        [TIMESTAMP_HEADER]: String(Math.floor(now.getTime() / 1000)),
      },
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail =
      e.name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new WebhookDeliveryError(`request failed: ${detail}`);
  }
  // The receiver's body is of no interest, and may be huge: do not read it.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return res.status;
  if (res.status >= 300 && res.status < 400)
    throw new WebhookDeliveryError(`HTTP ${res.status}: redirects are not followed`);
  throw new WebhookDeliveryError(`HTTP ${res.status}`);
}

/** Client errors other than timeouts and rate limits will not get better by retrying. */
function permanent(message: string): boolean {
  const m = /^HTTP (\d{3})/.exec(message);
  if (!m) return false;
  const status = Number(m[1]);
  return status >= 300 && status < 500 && status !== 408 && status !== 429;
}

export type NotifyOutcome = 'delivered' | 'skipped';

export async function processNotifyJob(
  deps: NotifyDeps,
  job: NotifyJob,
  attemptsMade: number,
  maxAttempts: number,
): Promise<NotifyOutcome> {
  const ctx = await deliveryContext(deps.db, job.deliveryId);
  if (!ctx || ctx.status !== 'pending') return 'skipped';
  const attempt = attemptsMade + 1;
  if (!ctx.enabled) {
    await recordAttempt(deps.db, ctx.deliveryId, {
      status: 'failed',
      attempts: attemptsMade,
      error: 'webhook disabled',
    });
    return 'skipped';
  }
  try {
    await postWebhook(
      ctx.url,
      ctx.secret,
      webhookBody(ctx, new Date()),
      deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    );
  } catch (err) {
    const message = (err as Error).message;
    const final = attempt >= maxAttempts || permanent(message) || !(err instanceof WebhookDeliveryError);
    await recordAttempt(deps.db, ctx.deliveryId, {
      status: final ? 'failed' : 'pending',
      attempts: attempt,
      error: message,
    });
    deps.log.warn({ delivery: ctx.deliveryId, attempt, err: message }, 'webhook delivery failed');
    if (final) throw new UnrecoverableError(message);
    throw err;
  }
  await recordAttempt(deps.db, ctx.deliveryId, { status: 'delivered', attempts: attempt, error: null });
  return 'delivered';
}

/** Queue delivery jobs (idempotent: the job id is the delivery id). */
export async function enqueueDeliveries(
  queues: Pick<PipelineQueues, 'notify'>,
  deliveryIds: number[],
): Promise<void> {
  if (deliveryIds.length === 0) return;
  await queues.notify.addBulk(
    deliveryIds.map((deliveryId) => ({
      name: 'webhook',
      data: { deliveryId },
      opts: { jobId: jobId.notify({ deliveryId }) },
    })),
  );
}

/** Create and queue the webhook deliveries a new alert calls for. */
export async function enqueueAlertWebhooks(
  db: Queryable,
  queues: Pick<PipelineQueues, 'notify'>,
  workspaceId: number,
  alertId: number,
  severity: Severity,
): Promise<number[]> {
  const ids = await createDeliveries(db, workspaceId, alertId, severity);
  await enqueueDeliveries(queues, ids);
  return ids;
}

/**
 * Queue every delivery still pending — those whose job was lost (a crash between the alert's commit
 * and the enqueue, or Redis data loss). Safe to run any time: a queued job is not queued twice, and
 * a job for a delivery that is no longer pending does nothing.
 */
export async function requeuePendingDeliveries(
  db: Queryable,
  queues: Pick<PipelineQueues, 'notify'>,
  batch = 1000,
): Promise<number> {
  let lastId = 0;
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ id: number }>(
      `select id from webhook_deliveries where status = 'pending' and id > $1 order by id limit $2`,
      [lastId, batch],
    );
    if (rows.length === 0) return total;
    await enqueueDeliveries(
      queues,
      rows.map((r) => Number(r.id)),
    );
    total += rows.length;
    lastId = Number(rows[rows.length - 1]!.id);
  }
}
