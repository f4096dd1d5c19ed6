// Scoring, pure: a trainee's escalated alerts against the planted targets. An escalation is
// correct when the alert's subject carries a match key of some target; precision counts
// escalations, recall counts distinct targets hit.
import type { Target } from './targets.js';

export interface Escalation {
  alertId: number;
  /** When the trainee escalated it. */
  at: Date;
  /** Match keys of the alert's subject (see targets.ts). */
  keys: string[];
  title: string;
}

export interface TraineeScore {
  trainee: string;
  escalated: number;
  correct: number;
  /** null when nothing was escalated (no claim, no precision). */
  precision: number | null;
  recall: number;
  /** Seconds from the exercise start to the first correct escalation; null = none. */
  timeToFirstHitSeconds: number | null;
  hitTargets: string[];
  missedTargets: string[];
  wrongAlerts: number[];
}

export function scoreTrainee(
  trainee: string,
  targets: Target[],
  escalations: Escalation[],
  startedAt: Date | null,
): TraineeScore {
  const byKey = new Map<string, string[]>();
  for (const t of targets) for (const k of t.matchKeys) byKey.set(k, [...(byKey.get(k) ?? []), t.key]);
  const hit = new Set<string>();
  const wrong: number[] = [];
  let correct = 0;
  let firstHit: Date | null = null;
  for (const e of [...escalations].sort((a, b) => a.at.getTime() - b.at.getTime() || a.alertId - b.alertId)) {
    const hits = e.keys.flatMap((k) => byKey.get(k) ?? []);
    if (hits.length === 0) {
      wrong.push(e.alertId);
      continue;
    }
    correct++;
    for (const h of hits) hit.add(h);
    firstHit ??= e.at;
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    trainee,
    escalated: escalations.length,
    correct,
    precision: escalations.length ? round(correct / escalations.length) : null,
    recall: targets.length ? round(hit.size / targets.length) : 0,
    timeToFirstHitSeconds:
      firstHit && startedAt
        ? Math.max(0, Math.round((firstHit.getTime() - startedAt.getTime()) / 1000))
        : null,
    hitTargets: targets.filter((t) => hit.has(t.key)).map((t) => t.key),
    missedTargets: targets.filter((t) => !hit.has(t.key)).map((t) => t.key),
    wrongAlerts: wrong.sort((a, b) => a - b),
  };
}
