// The Redis pub/sub channel that announces new alerts: the match worker publishes, each web server
// subscribes (web/live.ts). Like the queues, the channel lives under the database's own namespace
// (pipelinePrefix = `<base>:<instance key>`), so two databases sharing one Redis and one
// DARKWATCH_REDIS_PREFIX never wake each other's web servers. An exercise runs its own pipeline
// under `<base>exercise-<id>`, namespaced the same way. Here, not in web/, because workers must not
// depend on the web app.
import type { Redis } from 'ioredis';
import { namespacedPrefix } from './queues.js';

export interface AlertMessage {
  workspaceId: number;
  alertId: number;
  created: boolean;
}

/** The alerts channel of a pipeline, given its namespaced prefix (pipelinePrefix, not the base prefix). */
export function alertsChannel(keyPrefix: string): string {
  return `${keyPrefix}:alerts`;
}

/** The base Redis prefix of exercise <id>'s own pipeline (which adds the instance key like any other). */
export function exercisePrefix(basePrefix: string, exerciseId: number): string {
  return `${basePrefix}exercise-${exerciseId}`;
}

/** Glob characters of PSUBSCRIBE taken literally. */
function globLiteral(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&');
}

/**
 * Every exercise's alerts channel of one database, as a PSUBSCRIBE pattern: the channel of
 * pipelinePrefix(exercisePrefix(base, *)), with the database's instance key in it.
 */
export function exerciseAlertsPattern(basePrefix: string, instanceKey: string): string {
  return alertsChannel(namespacedPrefix(`${globLiteral(basePrefix)}exercise-*`, globLiteral(instanceKey)));
}

/** What a web server of one database listens to: its operational channel and its exercises' channels. */
export interface AlertSubscription {
  channel: string;
  pattern: string;
}

export function alertSubscription(basePrefix: string, instanceKey: string): AlertSubscription {
  return {
    channel: alertsChannel(namespacedPrefix(basePrefix, instanceKey)),
    pattern: exerciseAlertsPattern(basePrefix, instanceKey),
  };
}

/** Announce a new or updated alert on the channel of the pipeline under `keyPrefix`. */
export async function publishAlert(redis: Redis, keyPrefix: string, msg: AlertMessage): Promise<void> {
  await redis.publish(alertsChannel(keyPrefix), JSON.stringify(msg));
}

export function parseAlertMessage(text: string): AlertMessage | null {
  try {
    // Older match workers sent { type: 'alert.created', alertId, workspaceId, rule, severity }.
    const m = JSON.parse(text) as Partial<AlertMessage> & { type?: string };
    if (!Number.isSafeInteger(m.workspaceId) || !Number.isSafeInteger(m.alertId)) return null;
    return {
      workspaceId: m.workspaceId!,
      alertId: m.alertId!,
      created: m.created === true || m.type === 'alert.created',
    };
  } catch {
    return null;
  }
}
