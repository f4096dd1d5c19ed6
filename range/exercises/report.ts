// The trainer's report: every trainee's score for one exercise.
import type { Queryable } from '../../store/db.js';
import { scoreTrainee, type TraineeScore } from './score.js';
import { exerciseTargets, requireExercise, traineeEscalations, trainees } from './store.js';

export interface ExerciseReport {
  exercise: number;
  scenario: string;
  title: string;
  status: string;
  startedAt: string | null;
  endsAt: string | null;
  targets: Array<{ key: string; kind: string; label: string }>;
  trainees: TraineeScore[];
}

export async function exerciseReport(db: Queryable, exerciseId: number): Promise<ExerciseReport> {
  const ex = await requireExercise(db, exerciseId);
  const targets = await exerciseTargets(db, ex.id);
  const people = await trainees(db, ex.workspaceId);
  const scores: TraineeScore[] = [];
  for (const t of people)
    scores.push(
      scoreTrainee(t.username, targets, await traineeEscalations(db, ex.workspaceId, t.id), ex.startedAt),
    );
  return {
    exercise: ex.id,
    scenario: ex.scenario,
    title: ex.config.scenario.title,
    status: ex.status,
    startedAt: ex.startedAt ? ex.startedAt.toISOString() : null,
    endsAt: ex.endsAt ? ex.endsAt.toISOString() : null,
    targets: targets.map((t) => ({ key: t.key, kind: t.kind, label: t.label })),
    trainees: scores,
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

export function formatReport(r: ExerciseReport): string {
  const lines = [
    `exercise ${r.exercise} — ${r.title} (${r.scenario}), ${r.status}; ${r.targets.length} planted targets`,
  ];
  const label = new Map(r.targets.map((t) => [t.key, t.label]));
  for (const t of r.trainees) {
    lines.push(
      `  ${t.trainee}: precision ${pct(t.precision)} (${t.correct}/${t.escalated} escalations correct), recall ${pct(t.recall)}` +
        `, first hit ${t.timeToFirstHitSeconds === null ? '—' : `${t.timeToFirstHitSeconds} s`}`,
    );
    for (const m of t.missedTargets) lines.push(`    missed: ${label.get(m) ?? m}`);
  }
  if (r.trainees.length === 0) lines.push('  (no trainees)');
  return lines.join('\n');
}
