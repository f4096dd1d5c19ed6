// Finding (and, where we may, installing) Debian's tor package: `tor` and `tor-gencert`.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

export interface TorBinaries {
  tor: string;
  torGencert: string;
}

const FALLBACK_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** First executable called `name` on PATH or in the usual system dirs (Debian puts tor in /usr/sbin). */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | null {
  const dirs = [...searchPath.split(path.delimiter).filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

function findTorBinaries(): TorBinaries | null {
  const tor = process.env.TOR_PATH ?? findExecutable('tor');
  const torGencert = process.env.TOR_GENCERT_PATH ?? findExecutable('tor-gencert');
  return tor && torGencert ? { tor, torGencert } : null;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
const isDebianLike = (): boolean => existsSync('/etc/debian_version') && findExecutable('apt-get') !== null;

/**
 * Returns the paths of `tor` and `tor-gencert`. When they are missing and we are root on Debian,
 * installs the `tor` package with apt-get (both binaries come from it); otherwise throws a
 * UserError saying what to install.
 */
export function ensureTorInstalled(log: (message: string) => void = () => {}): TorBinaries {
  const found = findTorBinaries();
  if (found) return found;
  if (!isRoot() || !isDebianLike()) {
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
  const installed = findTorBinaries();
  if (result.status !== 0 || !installed) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new UserError(
      `could not install tor with apt-get (exit ${result.status ?? result.signal}): ${tail || 'no output'}; ` +
        'install the Debian package "tor" by hand',
    );
  }
  return installed;
}
