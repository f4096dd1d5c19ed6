// System programs darkwatch relies on (redis-server, chromium, tor): find them, and on Debian as
// root install the missing ones with apt-get; anywhere else say exactly what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { childLogger } from '../core/log.js';

const log = childLogger('services');

export function findExecutable(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function canUseApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && findExecutable('apt-get') !== null;
}

function aptInstall(pkg: string): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], { env, stdio: 'ignore' })
      .status === 0;
  if (install()) return true;
  // A fresh machine often has no package lists yet.
  spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
  return install();
}

/**
 * Path of a system program, installing its Debian package when it is missing and we may.
 * @param binary program name or absolute path
 * @param debianPackage the package that ships it
 */
export function ensureSystemProgram(binary: string, debianPackage: string): string {
  const found = findExecutable(binary);
  if (found) return found;
  if (!canUseApt()) {
    throw new UserError(
      `${binary} not found: install the "${debianPackage}" package (e.g. apt-get install ${debianPackage}) or put ${binary} on PATH`,
    );
  }
  log.info({ pkg: debianPackage }, `installing ${debianPackage} with apt-get`);
  if (!aptInstall(debianPackage))
    throw new UserError(`apt-get install ${debianPackage} failed; install it by hand`);
  const installed = findExecutable(binary);
  if (!installed) throw new UserError(`${debianPackage} installed but ${binary} is still not on PATH`);
  return installed;
}
