// Lifecycle of the tor processes: each runs in its own process group, every PID is remembered
// (in memory and in a pid file in the data dir), and nothing is left running — stop() kills by
// PID and waits, exit/SIGINT/SIGTERM handlers kill synchronously if the parent goes away, and a
// pid file left behind by a crashed run is cleaned up before the next start.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PID_FILE = 'tor-pids.json';

export interface TorProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** stdout+stderr of tor (config errors land here before its own log file is open). */
  outputPath: string;
  exited: Promise<void>;
  exitCode: () => number | null | 'signal';
}

const live = new Set<TorProcess>();
let handlersInstalled = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signal the process group (tor runs as its group leader) and fall back to the PID itself. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

function killAllSync(): void {
  for (const p of live) signal(p.pid, 'SIGKILL');
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  killAllSync();
  // Someone else also handles this signal (e.g. a CLI's graceful shutdown): let it decide.
  if (process.listenerCount(sig) > 1) return;
  uninstallHandlers();
  process.kill(process.pid, sig);
}
const onSigint = () => onSignal('SIGINT');
const onSigterm = () => onSignal('SIGTERM');

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', killAllSync);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
}

function writePidFile(stateDir: string, pids: number[]): void {
  writeFileSync(path.join(stateDir, PID_FILE), `${JSON.stringify({ owner: process.pid, pids })}\n`);
}

export interface SpawnTorOptions {
  torPath: string;
  torrcPath: string;
  /** Replaces the system's torrc-defaults, so only our config applies. */
  defaultsTorrcPath: string;
  name: string;
  /** Directory holding the pid file of this network. */
  stateDir: string;
  outputPath: string;
  /** Every PID spawned so far for this network (the pid file is rewritten from it). */
  pids: number[];
}

export function spawnTor(opts: SpawnTorOptions): TorProcess {
  const out = openSync(opts.outputPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.torPath, ['--defaults-torrc', opts.defaultsTorrcPath, '-f', opts.torrcPath], {
      detached: true, // own process group: a Ctrl-C to our terminal does not reach tor; we stop it
      stdio: ['ignore', out, out],
      env: { ...process.env, MALLOC_ARENA_MAX: '1' },
    });
  } finally {
    closeSync(out);
  }
  if (child.pid === undefined) throw new Error(`could not start ${opts.torPath} for ${opts.name}`);
  let code: number | null | 'signal' = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (c) => {
      code = c ?? 'signal';
      live.delete(proc); // never signal a PID that may since have been reused
      resolve();
    });
  });
  child.once('error', () => {});
  const proc: TorProcess = {
    name: opts.name,
    pid: child.pid,
    child,
    outputPath: opts.outputPath,
    exited,
    exitCode: () => code,
  };
  opts.pids.push(child.pid);
  writePidFile(opts.stateDir, opts.pids);
  live.add(proc);
  installHandlers();
  return proc;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait; resolves when every process has exited. */
export async function stopTorProcesses(procs: TorProcess[], stateDir: string, graceMs = 5000): Promise<void> {
  const running = procs.filter((p) => p.exitCode() === null);
  for (const p of running) signal(p.pid, 'SIGTERM');
  await Promise.all(
    running.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        p.exited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        signal(p.pid, 'SIGKILL');
        await p.exited;
      }
    }),
  );
  for (const p of procs) live.delete(p);
  if (live.size === 0) uninstallHandlers();
  rmSync(path.join(stateDir, PID_FILE), { force: true });
}

/** The executable name and argument list of a running PID, or null when it is gone / unreadable. */
function processCommand(pid: number): { exe: string; args: string[] } | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    let exe = args[0] ?? '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // exe link unreadable (zombie or other user): argv[0] will do
    }
    return { exe, args };
  } catch {
    return null;
  }
}

/** True when `pid` is a tor process started from a torrc inside `stateDir` (guards against PID reuse). */
export function isOurTor(pid: number, stateDir: string): boolean {
  const cmd = processCommand(pid);
  if (!cmd || path.basename(cmd.exe) !== 'tor') return false;
  const torrc = cmd.args[cmd.args.indexOf('-f') + 1] ?? '';
  const root = path.resolve(stateDir) + path.sep;
  return cmd.args.includes('-f') && path.resolve(torrc).startsWith(root);
}

/**
 * Kills tor processes listed in a pid file that a previous run left behind in `stateDir`, and
 * only those still running tor from that dir. Returns the PIDs it killed.
 */
export async function cleanupStaleTor(stateDir: string, timeoutMs = 5000): Promise<number[]> {
  let pids: unknown;
  try {
    pids = (JSON.parse(readFileSync(path.join(stateDir, PID_FILE), 'utf8')) as { pids?: unknown }).pids;
  } catch {
    return [];
  }
  if (!Array.isArray(pids)) pids = [];
  const ours = (pids as unknown[]).filter(
    (p): p is number => Number.isInteger(p) && (p as number) > 1 && isOurTor(p as number, stateDir),
  );
  for (const pid of ours) signal(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (ours.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const survivors = ours.filter((pid) => alive(pid) && isOurTor(pid, stateDir));
  if (survivors.length > 0)
    throw new Error(`stale tor processes ${survivors.join(', ')} in ${stateDir} would not die`);
  rmSync(path.join(stateDir, PID_FILE), { force: true });
  return ours;
}

/** Resident memory of each PID in bytes (0 for a PID that is gone). */
export function rssBytes(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  });
}

/** PIDs of every running tor whose torrc lies inside `stateDir` (for leak checks). */
export function findTorProcessesIn(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => isOurTor(pid, stateDir));
}
