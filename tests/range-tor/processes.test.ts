// Process hygiene with real tor processes (network disabled, so they start in milliseconds):
// stop() by PID, stale-PID cleanup of a dir a crashed run left behind, and the guards that keep
// cleanup from killing anything that is not our tor (PID reuse, garbage pid files).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTorInstalled } from '../../range/tor/install.js';
import {
  cleanupStaleTor,
  findTorProcessesIn,
  isOurTor,
  PID_FILE,
  rssBytes,
  spawnTor,
  stopTorProcesses,
} from '../../range/tor/processes.js';

const { tor } = ensureTorInstalled();
const root = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-torproc-'));
const strays: number[] = [];
afterAll(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A minimal offline tor config inside `dir`. */
function offlineTorrc(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = path.join(dir, 'torrc');
  writeFileSync(
    file,
    [
      `DataDirectory ${dir}`,
      'DisableNetwork 1',
      'SocksPort 0',
      'GeoIPFile /dev/null',
      'GeoIPv6File /dev/null',
      '',
    ].join('\n'),
  );
  return file;
}

/** A tor nobody in this process tracks, like one whose parent was SIGKILLed. */
function orphanTor(stateDir: string, name: string): number {
  const child = spawn(tor, ['--defaults-torrc', '/dev/null', '-f', offlineTorrc(path.join(stateDir, name))], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  strays.push(child.pid!);
  return child.pid!;
}

// Generous: starting and stopping tor takes seconds on a loaded machine; only a failure waits it out.
async function waitFor(cond: () => boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return cond();
}

describe('tor process lifecycle', () => {
  it('spawns tor in its own process group, records the PID, and stop() kills it by PID', async () => {
    const stateDir = path.join(root, 'live');
    const pids: number[] = [];
    const procs = ['a', 'b'].map((n) =>
      spawnTor({
        torPath: tor,
        torrcPath: offlineTorrc(path.join(stateDir, n)),
        defaultsTorrcPath: '/dev/null',
        name: n,
        stateDir,
        outputPath: path.join(stateDir, n, 'output.log'),
        pids,
      }),
    );
    expect(JSON.parse(readFileSync(path.join(stateDir, PID_FILE), 'utf8')).pids).toEqual(pids);
    expect(await waitFor(() => pids.every((p) => isOurTor(p, stateDir)))).toBe(true);
    expect(findTorProcessesIn(stateDir).sort()).toEqual([...pids].sort());
    for (const pid of pids) {
      const pgid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
      expect(pgid).toBe(pid);
    }
    expect(await waitFor(() => rssBytes(pids).every((b) => b > 1024 * 1024))).toBe(true);
    await stopTorProcesses(procs, stateDir);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(path.join(stateDir, PID_FILE))).toBe(false);
    expect(rssBytes(pids)).toEqual([0, 0]);
  }, 20_000);

  it('cleans up tor processes a crashed run left behind in the data dir', async () => {
    const stateDir = path.join(root, 'stale');
    const pids = [orphanTor(stateDir, 'x'), orphanTor(stateDir, 'y')];
    expect(await waitFor(() => pids.every((p) => isOurTor(p, stateDir)))).toBe(true);
    writeFileSync(path.join(stateDir, PID_FILE), JSON.stringify({ owner: 999999, pids }));
    expect((await cleanupStaleTor(stateDir)).sort()).toEqual([...pids].sort());
    expect(await waitFor(() => !pids.some(alive))).toBe(true);
    expect(existsSync(path.join(stateDir, PID_FILE))).toBe(false);
  }, 20_000);

  it('never kills a reused PID: only tor running from this data dir is touched', async () => {
    const stateDir = path.join(root, 'guard');
    mkdirSync(stateDir, { recursive: true });
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    strays.push(sleeper.pid!);
    const elsewhere = orphanTor(path.join(root, 'other-dir'), 'z'); // tor, but not ours
    expect(await waitFor(() => isOurTor(elsewhere, path.join(root, 'other-dir')))).toBe(true);
    writeFileSync(
      path.join(stateDir, PID_FILE),
      JSON.stringify({ pids: [sleeper.pid, elsewhere, process.pid, 1, -5, 0, 'x', 1.5, null] }),
    );
    expect(await cleanupStaleTor(stateDir)).toEqual([]);
    expect(alive(sleeper.pid!)).toBe(true);
    expect(alive(elsewhere)).toBe(true);
    expect(isOurTor(elsewhere, stateDir)).toBe(false);
    sleeper.kill('SIGKILL');
    process.kill(elsewhere, 'SIGKILL');
  }, 20_000);

  it('shrugs off missing, garbage and hostile pid files', async () => {
    const stateDir = path.join(root, 'garbage');
    mkdirSync(stateDir, { recursive: true });
    expect(await cleanupStaleTor(stateDir)).toEqual([]);
    for (const content of [
      '',
      'not json',
      '{"pids": "1 2 3"}',
      '[1,2]',
      '\u0000\u0001\u00ff',
      '{"pids":' + '['.repeat(5000),
    ]) {
      writeFileSync(path.join(stateDir, PID_FILE), content);
      expect(await cleanupStaleTor(stateDir)).toEqual([]);
    }
    expect(alive(process.pid)).toBe(true);
  });
});

// Concurrent: the SIGKILL case waits on tor's own ~15 s poll, the others overlap with it.
describe.concurrent('tor never outlives its parent', () => {
  const fixture = path.join(import.meta.dirname, 'fixtures', 'orphaning-parent.ts');

  async function startParent(stateDir: string, mode: 'wait' | 'exit') {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture, stateDir, mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    strays.push(parent.pid!);
    const torPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      parent.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    strays.push(torPid);
    if (!(await waitFor(() => isOurTor(torPid, stateDir)))) throw new Error(`tor ${torPid} did not start`);
    return { parent, torPid };
  }

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`kills tor when the parent gets ${sig}`, async ({ expect }) => {
      const stateDir = path.join(root, `parent-${sig}`);
      const { parent, torPid } = await startParent(stateDir, 'wait');
      const exited = new Promise<NodeJS.Signals | null>((r) => parent.once('exit', (_c, s) => r(s)));
      parent.kill(sig);
      expect(await exited).toBe(sig); // the parent still dies of the signal, as it would without us
      expect(await waitFor(() => !alive(torPid))).toBe(true);
    }, 60_000);
  }

  it('kills tor when the parent exits normally', async ({ expect }) => {
    const stateDir = path.join(root, 'parent-exit');
    const { parent, torPid } = await startParent(stateDir, 'exit');
    const exited = new Promise<number | null>((r) => parent.once('exit', (c) => r(c)));
    parent.stdin!.write('exit\n');
    expect(await exited).toBe(3);
    expect(await waitFor(() => !alive(torPid))).toBe(true);
  }, 60_000);

  it('tor exits on its own when the parent is SIGKILLed (__OwningControllerProcess)', async ({ expect }) => {
    const stateDir = path.join(root, 'parent-kill');
    const { parent, torPid } = await startParent(stateDir, 'wait');
    parent.kill('SIGKILL');
    expect(await waitFor(() => !alive(torPid), 50_000)).toBe(true);
  }, 75_000);
});
