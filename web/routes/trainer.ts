// The trainer page: every exercise with its status and time left, and per exercise each trainee's
// score — the very report `darkwatch exercise score` prints (range/exercises/report.ts) — plus
// what the web server can do for an exercise itself: create one from a bundled scenario, start it,
// reset it. Starting runs a range, workers and Chromium: the server does not do that in-process but
// spawns `darkwatch exercise start ID` as a detached child and tracks it (range/exercises/launch.ts),
// so the page shows running / finished (with the crawl summaries) / failed (with the log's tail).
//
// Who may: trainers and admins only, through the `exercises` permission. These routes look across
// exercises rather than into one workspace, and a trainer account usually has no workspace of its
// own, so the shared hook (web/auth.ts) authenticates, checks CSRF and the role for them but pins
// no workspace.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadConfig } from '../../core/config.js';
import { bundledScenario, scenarioNames } from '../../range/exercises/catalog.js';
import {
  launchExercise,
  LaunchConflict,
  latestLaunches,
  launchProcessAlive,
  readLaunchLog,
  settleLaunches,
  tailLines,
  type LaunchRow,
} from '../../range/exercises/launch.js';
import { exerciseReport } from '../../range/exercises/report.js';
import { scenarioTruths } from '../../range/exercises/run.js';
import { createExercise, getExercise, listExercises, resetExercise } from '../../range/exercises/store.js';
import { selectTargets } from '../../range/exercises/targets.js';
import { actorOf } from '../../store/users.js';
import { HttpError, authOf } from '../auth.js';
import type { AppContext } from '../server.js';
import { layout } from './pages.js';

const BODY = readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'trainer.html'),
  'utf8',
);

/** Seconds until the exercise's time limit runs out: null before it starts, never below 0. */
export function timeLeftSeconds(endsAt: Date | null, now = new Date()): number | null {
  if (!endsAt) return null;
  return Math.max(0, Math.floor((endsAt.getTime() - now.getTime()) / 1000));
}

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 } },
} as const;

/** A launch as the page shows it; a running one on this host carries its log's tail so far. */
export function launchView(l: LaunchRow | undefined | null) {
  if (!l) return null;
  // A pid and a log path only mean something on the host the child runs on.
  const here = l.host === os.hostname();
  const live = l.status === 'running' && here;
  let logTail = l.logTail;
  if (live && existsSync(l.logPath))
    logTail = tailLines(readLaunchLog(l.logPath, l.logOffset, 64 * 1024), 12);
  return {
    id: l.id,
    status: l.status,
    requestedBy: l.requestedBy,
    startedAt: l.startedAt,
    finishedAt: l.finishedAt,
    host: l.host,
    pid: l.pid,
    alive: live && l.pid !== null ? launchProcessAlive(l.pid, l.exerciseId) : null,
    exitCode: l.exitCode,
    signal: l.signal,
    error: l.error,
    crawls: l.crawls,
    logTail,
    log: `exercises/${l.exerciseId}.log`,
  };
}

async function reportOf(ctx: AppContext, id: number) {
  const ex = await getExercise(ctx.db, id);
  if (!ex) throw new HttpError(404, 'exercise not found');
  const sc = ex.config.scenario;
  await settleLaunches(ctx.db);
  const launch = (await latestLaunches(ctx.db, [ex.id])).get(ex.id);
  return {
    ...(await exerciseReport(ctx.db, ex.id)),
    launch: launchView(launch),
    workspaceId: ex.workspaceId,
    difficulty: sc.difficulty,
    briefing: sc.briefing,
    sites: sc.sites,
    timeLimitMinutes: sc.timeLimitMinutes,
    timeLeftSeconds: timeLeftSeconds(ex.endsAt),
    scoring: sc.scoring ?? null,
  };
}

export function registerTrainerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const config = { perm: 'exercises' as const };

  app.get('/trainer', { config }, async (req: FastifyRequest, reply: FastifyReply) => {
    return reply.type('text/html; charset=utf-8').send(
      layout({
        title: 'Exercises',
        page: 'trainer',
        auth: authOf(req),
        workspace: 'training exercises',
        body: BODY,
        script: 'trainer.js',
      }),
    );
  });

  app.get(
    '/api/scenarios',
    { config, schema: { summary: 'Bundled exercise scenarios (trainer or admin)' } },
    async () => {
      return {
        scenarios: scenarioNames().map((name) => {
          const { scenario: s } = bundledScenario(name)!;
          return {
            name,
            title: s.title,
            difficulty: s.difficulty,
            sites: s.sites,
            timeLimitMinutes: s.timeLimitMinutes,
          };
        }),
      };
    },
  );

  app.get(
    '/api/exercises',
    { config, schema: { summary: 'All exercises with status and time left (trainer or admin)' } },
    async () => {
      const now = new Date();
      await settleLaunches(db);
      const list = await listExercises(db);
      const launches = await latestLaunches(
        db,
        list.map((e) => Number(e.id)),
      );
      return {
        exercises: list.map((e) => {
          const l = launches.get(Number(e.id));
          return {
            ...e,
            timeLeftSeconds: timeLeftSeconds(e.endsAt, now),
            launch: l
              ? { id: l.id, status: l.status, startedAt: l.startedAt, finishedAt: l.finishedAt }
              : null,
          };
        }),
      };
    },
  );

  app.get(
    '/api/exercises/:id',
    {
      config,
      schema: {
        summary:
          'One exercise: per trainee precision, recall, time to first hit and missed targets (trainer or admin)',
        params: idParams,
      },
    },
    async (req) => {
      return reportOf(ctx, (req.params as { id: number }).id);
    },
  );

  app.post(
    '/api/exercises',
    {
      config,
      schema: {
        summary:
          'Create an exercise from a bundled scenario; the trainee logins are returned once (trainer or admin)',
        body: {
          type: 'object',
          required: ['scenario', 'trainees'],
          additionalProperties: false,
          properties: {
            scenario: { type: 'string', maxLength: 64 },
            trainees: { type: 'integer', minimum: 1, maximum: 200 },
          },
        },
      },
    },
    async (req) => {
      const who = authOf(req);
      const b = req.body as { scenario: string; trainees: number };
      const found = bundledScenario(b.scenario);
      if (!found) throw new HttpError(404, 'no such scenario');
      const targets = selectTargets(found.scenario, scenarioTruths(found.scenario));
      if (targets.length === 0) throw new HttpError(409, 'the scenario plants no targets');
      const { exercise, trainees } = await createExercise(
        db,
        { scenario: found.scenario, file: found.file, targets, trainees: b.trainees },
        actorOf(who.user),
      );
      return {
        exercise: exercise.id,
        workspace: exercise.workspaceId,
        scenario: found.scenario.name,
        targets: targets.length,
        trainees,
        start: `darkwatch exercise start ${exercise.id}`,
      };
    },
  );

  app.post(
    '/api/exercises/:id/start',
    {
      config,
      schema: {
        summary:
          'Start the exercise: spawn `darkwatch exercise start ID` (range, workers, one crawl per epoch); 202 with the launch, 409 while one runs (trainer or admin)',
        params: idParams,
      },
    },
    async (req, reply) => {
      const who = authOf(req);
      const id = (req.params as { id: number }).id;
      if (!(await getExercise(db, id))) throw new HttpError(404, 'exercise not found');
      try {
        // The server's own environment: the child resolves PostgreSQL, Redis, Chromium and the
        // data directory exactly as this process did (core/config.ts, services/).
        const launch = await launchExercise(db, id, {
          actor: actorOf(who.user),
          env: process.env,
          dataDir: loadConfig(process.env).dataDir,
        });
        return reply.code(202).send({ launch: launchView(launch) });
      } catch (e) {
        if (e instanceof LaunchConflict)
          return reply.code(409).send({
            error: 'this exercise is already running',
            launch: launchView(e.launch),
          });
        throw e;
      }
    },
  );

  app.get(
    '/api/exercises/:id/log',
    {
      config,
      schema: { summary: "The latest launch's log (last 1 MiB, text) (trainer or admin)", params: idParams },
    },
    async (req, reply) => {
      const id = (req.params as { id: number }).id;
      const l = (await latestLaunches(db, [id])).get(id);
      if (!l) throw new HttpError(404, 'this exercise was not started from the web');
      return reply
        .header('content-security-policy', "default-src 'none'; sandbox")
        .type('text/plain; charset=utf-8')
        .send(readLaunchLog(l.logPath, l.logOffset, 1024 * 1024));
    },
  );

  app.post(
    '/api/exercises/:id/reset',
    {
      config,
      schema: {
        summary:
          "Purge the exercise's crawled data, rules and alerts; trainees and targets stay (trainer or admin)",
        params: idParams,
      },
    },
    async (req) => {
      const who = authOf(req);
      const id = (req.params as { id: number }).id;
      if (!(await getExercise(db, id))) throw new HttpError(404, 'exercise not found');
      // Purging under a running crawl would leave half an exercise; wait for it to end.
      await settleLaunches(db);
      if ((await latestLaunches(db, [id])).get(id)?.status === 'running')
        throw new HttpError(409, 'this exercise is running; reset it once the run has ended');
      return resetExercise(db, id, actorOf(who.user));
    },
  );
}
