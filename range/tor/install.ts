// Finding (and, where we may, installing) Debian's tor package: `tor` and `tor-gencert`.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

export interface TorBinaries {
  tor: string;
  torGencert: string;
}

const FALLBACK_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** First executable called `name` in `dirs` (by default PATH, then the usual system dirs: Debian puts tor in /usr/sbin). */
export function findExecutable(name: string, dirs = defaultSearchDirs()): string | null {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function defaultSearchDirs(): string[] {
  return [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...FALLBACK_DIRS];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findTorBinaries(dirs: string[], env: NodeJS.ProcessEnv): TorBinaries | null {
  // TOR_PATH / TOR_GENCERT_PATH override the search, but only when they point at executables.
  const pick = (override: string | undefined, name: string) =>
    override && isExecutable(override) ? override : findExecutable(name, dirs);
  const tor = pick(env.TOR_PATH, 'tor');
  const torGencert = pick(env.TOR_GENCERT_PATH, 'tor-gencert');
  return tor && torGencert ? { tor, torGencert } : null;
}

export interface EnsureTorOptions {
  log?: (message: string) => void;
  /** Where to look for the binaries (default: PATH and the system dirs). */
  searchDirs?: string[];
  /** Whether we may install with apt-get (default: running as root on Debian/Ubuntu). */
  canInstall?: boolean;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
const isDebianLike = (): boolean => existsSync('/etc/debian_version') && findExecutable('apt-get') !== null;

/**
 * Returns the paths of `tor` and `tor-gencert`. When they are missing and we are root on Debian,
 * installs the `tor` package with apt-get (both binaries come from it); otherwise throws a
 * UserError saying what to install.
 */
export function ensureTorInstalled(opts: EnsureTorOptions = {}): TorBinaries {
  const log = opts.log ?? (() => {});
  const dirs = opts.searchDirs ?? defaultSearchDirs();
  const found = findTorBinaries(dirs, process.env);
  if (found) return found;
  if (!(opts.canInstall ?? (isRoot() && isDebianLike()))) {
    throw new UserError(
      'tor is not installed: install the Debian/Ubuntu package "tor" (it provides tor and tor-gencert), ' +
        'e.g. `sudo apt-get install -y tor`, or set TOR_PATH and TOR_GENCERT_PATH',
    );
  }
  log('tor is missing; running apt-get install -y tor');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (args: string[]) =>
    spawnSync('apt-get', args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
  let result = aptGet(['install', '-y', '--no-install-recommends', 'tor']);
  if (result.status !== 0) {
    // Usually stale package lists on a fresh machine: refresh once and retry.
    aptGet(['update']);
    result = aptGet(['install', '-y', '--no-install-recommends', 'tor']);
  }
  const installed = findTorBinaries(dirs, process.env);
  if (result.status !== 0 || !installed) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new UserError(
      `could not install tor with apt-get (exit ${result.status ?? result.signal}): ${tail || 'no output'}; ` +
        'install the Debian package "tor" by hand',
    );
  }
  return installed;
}
