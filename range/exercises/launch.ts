// Starting an exercise from the web: the server spawns exactly what a trainer would type,
// `darkwatch exercise start ID --json`, as a detached child (its own process group, stdio straight
// to a log file, no pipes), so the run outlives a restart of the server that started it.
//
// The state lives in exercise_launches (one row per launch):
// - the guard: a partial unique index allows one `running` launch per exercise, so a second start
//   — a double click, another web server — fails on insert and is refused (LaunchConflict);
// - the outcome: the server that spawned the child records its exit (code or signal) when it sees
//   it. If that server is gone (restarted, crashed) the child keeps going, and whichever server
//   next reads the state on the same host finds the pid dead (kill 0 plus /proc/PID/cmdline, so a
//   reused pid does not count) and settles the launch from its log: the `--json` summary line
//   the command prints only after every epoch was crawled means finished; no summary means failed.
//   A launch on another host is settled by a server on that host (a pid means nothing elsewhere).
// Crawl summaries are that same summary line: one entry per crawled (epoch, source).
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../../store/audit.js';
import { appendAudit } from '../../store/audit.js';
import { withTransaction, type Db, type Queryable } from '../../store/db.js';

/** The `darkwatch` executable (runs the TypeScript CLI through tsx). */
export const DARKWATCH_BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bin',
  'darkwatch.js',
);

/** A launch whose child has not even been spawned after this long was lost with its server. */
const SPAWN_GRACE_MS = 2 * 60_000;
/** How much of the end of a log is read for the summary line and the tail. */
const LOG_READ_BYTES = 4 * 1024 * 1024;
const TAIL_LINES = 30;
const TAIL_CHARS = 6000;

export interface CrawlSummaryEntry {
  epoch: number;
  source: string;
  summary: Record<string, unknown>;
}

export interface LaunchRow {
  id: number;
  exerciseId: number;
  status: 'running' | 'finished' | 'failed';
  requestedBy: string | null;
  host: string;
  pid: number | null;
  logPath: string;
  logOffset: number;
  startedAt: Date;
  finishedAt: Date | null;
  exitCode: number | null;
  signal: string | null;
  crawls: CrawlSummaryEntry[] | null;
  error: string | null;
  logTail: string | null;
}

export class LaunchConflict extends Error {
  constructor(readonly launch: LaunchRow | null) {
    super('this exercise is already running');
  }
}

const LAUNCH_SELECT = `select l.id::int as id, l.exercise_id::int as "exerciseId", l.status, u.username as "requestedBy",
  l.host, l.pid, l.log_path as "logPath", l.log_offset::float8 as "logOffset", l.started_at as "startedAt",
  l.finished_at as "finishedAt", l.exit_code as "exitCode", l.signal, l.crawls, l.error, l.log_tail as "logTail"
  from exercise_launches l left join users u on u.id = l.requested_by`;

// ---- pure parts -------------------------------------------------------------------------------

/**
 * The summary `darkwatch exercise start ID --json` prints once every epoch is crawled (one JSON
 * line on stdout: `{"exercise": ID, "crawls": [...]}`); null when the output has none. Log lines
 * (pino JSON on stderr) and anything malformed are skipped.
 */
export function parseLaunchSummary(output: string, exerciseId: number): CrawlSummaryEntry[] | null {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{"exercise"')) continue;
    try {
      const v = JSON.parse(line) as { exercise?: unknown; crawls?: unknown };
      if (v.exercise !== exerciseId || !Array.isArray(v.crawls)) continue;
      return v.crawls.filter(
        (c): c is CrawlSummaryEntry =>
          !!c &&
          typeof c === 'object' &&
          typeof (c as CrawlSummaryEntry).epoch === 'number' &&
          typeof (c as CrawlSummaryEntry).source === 'string' &&
          !!(c as CrawlSummaryEntry).summary &&
          typeof (c as CrawlSummaryEntry).summary === 'object',
      );
    } catch {
      continue;
    }
  }
  return null;
}

/** The last lines of a log, bounded in lines and characters. */
export function tailLines(text: string, lines = TAIL_LINES, maxChars = TAIL_CHARS): string {
  const all = text.replace(/\s+$/, '').split('\n');
  const tail = all.slice(-lines).join('\n');
  return tail.length > maxChars ? tail.slice(-maxChars) : tail;
}

/** The outcome of a child from its exit (when seen) and its log. */
export function launchOutcome(
  exit: { code: number | null; signal: string | null; seen: boolean },
  summary: CrawlSummaryEntry[] | null,
): { status: 'finished' | 'failed'; error: string | null } {
  if (exit.seen) {
    if (exit.code === 0) return { status: 'finished', error: null };
    return {
      status: 'failed',
      error: exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`,
    };
  }
  return summary
    ? { status: 'finished', error: null }
    : {
        status: 'failed',
        error: 'the process ended while no server was watching it, without its final summary',
      };
}

// ---- processes and files ----------------------------------------------------------------------

/** Children this server process spawned; their exit is recorded by the exit handler, not by polling. */
const ownChildren = new Map<number, ChildProcess>();

/** Is `pid` still the `exercise start ID` process? A dead, zombie or reused pid is not. */
export function launchProcessAlive(pid: number, exerciseId: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs: kill(0) is all we can know
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf('exercise');
    return at >= 0 && argv[at + 1] === 'start' && argv[at + 2] === String(exerciseId);
  } catch {
    return false;
  }
}

/** This launch's part of the log (from its offset), at most the last LOG_READ_BYTES. */
export function readLaunchLog(logPath: string, offset: number, maxBytes = LOG_READ_BYTES): string {
  let fd: number;
  try {
    fd = openSync(logPath, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(logPath).size;
    const start = Math.max(offset, size - maxBytes);
    const len = Math.max(0, size - start);
    const buf = Buffer.alloc(len);
    let read = 0;
    while (read < len) {
      const n = readSync(fd, buf, read, len - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function logPathFor(dataDir: string, exerciseId: number): string {
  return path.join(dataDir, 'exercises', `${exerciseId}.log`);
}

// ---- database ---------------------------------------------------------------------------------

export async function getLaunch(db: Queryable, id: number): Promise<LaunchRow | null> {
  const { rows } = await db.query<LaunchRow>(`${LAUNCH_SELECT} where l.id = $1`, [id]);
  return rows[0] ?? null;
}

/** The most recent launch of each of these exercises. */
export async function latestLaunches(db: Queryable, exerciseIds: number[]): Promise<Map<number, LaunchRow>> {
  if (exerciseIds.length === 0) return new Map();
  const { rows } = await db.query<LaunchRow>(
    `select * from (${LAUNCH_SELECT} where l.exercise_id = any($1::bigint[])) x
      where x.id in (select max(id) from exercise_launches where exercise_id = any($1::bigint[]) group by exercise_id)`,
    [exerciseIds],
  );
  return new Map(rows.map((r) => [r.exerciseId, r]));
}

async function finishLaunch(
  db: Queryable,
  launch: Pick<LaunchRow, 'id' | 'exerciseId' | 'logPath' | 'logOffset'>,
  exit: { code: number | null; signal: string | null; seen: boolean },
  reason?: string,
): Promise<void> {
  const output = readLaunchLog(launch.logPath, launch.logOffset);
  const crawls = parseLaunchSummary(output, launch.exerciseId);
  const outcome = launchOutcome(exit, crawls);
  await db.query(
    `update exercise_launches set status = $2, finished_at = now(), exit_code = $3, signal = $4, crawls = $5,
            error = $6, log_tail = $7
      where id = $1 and status = 'running'`,
    [
      launch.id,
      outcome.status,
      exit.code,
      exit.signal,
      crawls ? JSON.stringify(crawls) : null,
      reason ?? outcome.error,
      outcome.status === 'failed' ? tailLines(output) : null,
    ],
  );
}

/**
 * Settle the running launches on this host whose process is gone (their server was not there to
 * see the exit). Cheap: one query, and a kill(0) per running launch.
 */
export async function settleLaunches(db: Queryable, host = os.hostname()): Promise<number> {
  const { rows } = await db.query<LaunchRow>(`${LAUNCH_SELECT} where l.status = 'running' and l.host = $1`, [
    host,
  ]);
  let settled = 0;
  for (const l of rows) {
    if (ownChildren.has(l.id)) continue;
    if (l.pid === null) {
      if (Date.now() - new Date(l.startedAt).getTime() < SPAWN_GRACE_MS) continue;
      await finishLaunch(
        db,
        l,
        { code: null, signal: null, seen: false },
        'the server stopped before the exercise process started',
      );
      settled++;
    } else if (!launchProcessAlive(l.pid, l.exerciseId)) {
      await finishLaunch(db, l, { code: null, signal: null, seen: false });
      settled++;
    }
  }
  return settled;
}

export interface LaunchOptions {
  actor: Actor;
  /** The child's environment: the server's own, so it reaches the same PostgreSQL and Redis. */
  env: NodeJS.ProcessEnv;
  /** Logs go to <dataDir>/exercises/<id>.log (appended; each launch starts at its own offset). */
  dataDir: string;
  /** Called once the launch is settled by this process (tests, logs). */
  onSettled?: (launchId: number) => void;
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === '23505';
}

/**
 * Start `darkwatch exercise start ID --json` for an exercise, unless one is running. The row and
 * the audit entry are committed before the process is spawned, so a start is never unrecorded.
 */
export async function launchExercise(db: Db, exerciseId: number, opts: LaunchOptions): Promise<LaunchRow> {
  await settleLaunches(db);
  const logPath = logPathFor(opts.dataDir, exerciseId);
  mkdirSync(path.dirname(logPath), { recursive: true, mode: 0o700 });
  const offset = existsSync(logPath) ? statSync(logPath).size : 0;
  let launchId: number;
  try {
    launchId = await withTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ id: number }>(
        `insert into exercise_launches (exercise_id, requested_by, host, log_path, log_offset)
         values ($1, $2, $3, $4, $5) returning id::int as id`,
        [exerciseId, opts.actor.id, os.hostname(), logPath, offset],
      );
      const id = rows[0]!.id;
      const ws = await tx.query<{ workspace_id: number }>(
        'select workspace_id::int as workspace_id from exercises where id = $1',
        [exerciseId],
      );
      await appendAudit(tx, {
        actor: opts.actor,
        workspaceId: ws.rows[0]?.workspace_id ?? null,
        action: 'exercise.start',
        entityType: 'exercise',
        entityId: exerciseId,
        after: { launch: id, host: os.hostname(), log: path.join('exercises', path.basename(logPath)) },
      });
      return id;
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const { rows } = await db.query<LaunchRow>(
      `${LAUNCH_SELECT} where l.exercise_id = $1 and l.status = 'running'`,
      [exerciseId],
    );
    throw new LaunchConflict(rows[0] ?? null);
  }

  let settled = false;
  const settle = (exit: { code: number | null; signal: string | null }, reason?: string) => {
    if (settled) return;
    settled = true;
    ownChildren.delete(launchId);
    finishLaunch(
      db,
      { id: launchId, exerciseId, logPath, logOffset: offset },
      { ...exit, seen: true },
      reason,
    )
      .catch(() => undefined)
      .finally(() => opts.onSettled?.(launchId));
  };
  const fd = openSync(logPath, 'a', 0o600);
  try {
    writeSync(
      fd,
      `--- launch ${launchId} of exercise ${exerciseId} by ${opts.actor.name} at ${new Date().toISOString()}\n`,
    );
    const child = spawn(
      process.execPath,
      [DARKWATCH_BIN, 'exercise', 'start', String(exerciseId), '--json'],
      {
        env: opts.env,
        // Its own process group and no pipes to us: it neither dies with the server nor blocks on it.
        detached: true,
        stdio: ['ignore', fd, fd],
      },
    );
    if (child.pid !== undefined) ownChildren.set(launchId, child);
    child.once('error', (err) => settle({ code: null, signal: null }, `could not start: ${err.message}`));
    child.once('exit', (code, signal) => settle({ code, signal }));
    child.unref();
    if (child.pid !== undefined)
      await db.query('update exercise_launches set pid = $2 where id = $1', [launchId, child.pid]);
  } catch (e) {
    settle({ code: null, signal: null }, `could not start: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    closeSync(fd);
  }
  return (await getLaunch(db, launchId))!;
}
