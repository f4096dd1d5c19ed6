// Relay and authority identities. Generating them is the slow part of a start on a busy machine
// (an RSA-3072 authority identity per authority), so they are kept in `<dataDir>/keys/<nick>`
// and reused by later starts; each run copies them into a fresh node directory (consensus and
// ports are always per run). Authority certificates carry no dir-address: tor finds authorities
// by the DirAuthority lines, whose ports are chosen at each start.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TorBinaries } from './install.js';

const execFileAsync = promisify(execFile);
const CERT_MONTHS = 12;
const MIN_CERT_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface NodeIdentity {
  /** Relay identity fingerprint (40 hex). */
  fingerprint: string;
  /** Authority v3 signing identity (40 hex), authorities only. */
  v3ident?: string;
}

export interface IdentityRequest {
  nickname: string;
  /** Where generated keys are kept between runs. */
  cacheDir: string;
  authority: boolean;
  defaultsTorrc: string;
}

function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function readFingerprint(cacheDir: string): string | null {
  try {
    return (
      /^\S+ ([0-9A-F]{40})$/m.exec(readFileSync(path.join(cacheDir, 'fingerprint'), 'utf8'))?.[1] ?? null
    );
  } catch {
    return null;
  }
}

/** The v3ident of a cached authority certificate that stays valid for at least a week, else null. */
function readV3ident(cacheDir: string): string | null {
  try {
    const cert = readFileSync(path.join(cacheDir, 'keys', 'authority_certificate'), 'utf8');
    const expires = /^dir-key-expires (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/m.exec(cert)?.[1];
    if (!expires || Date.parse(`${expires.replace(' ', 'T')}Z`) - Date.now() < MIN_CERT_LIFETIME_MS)
      return null;
    return /^fingerprint ([0-9A-F]{40})$/m.exec(cert)?.[1] ?? null;
  } catch {
    return null;
  }
}

async function generateAuthorityKeys(bin: TorBinaries, cacheDir: string): Promise<void> {
  const keys = path.join(cacheDir, 'keys');
  mkdirPrivate(keys);
  const run = execFileAsync(
    bin.torGencert,
    [
      '--create-identity-key',
      '--passphrase-fd',
      '0',
      '-i',
      path.join(keys, 'authority_identity_key'),
      '-s',
      path.join(keys, 'authority_signing_key'),
      '-c',
      path.join(keys, 'authority_certificate'),
      '-m',
      String(CERT_MONTHS),
    ],
    { timeout: 120_000 },
  );
  run.child.stdin?.end(''); // empty passphrase
  await run;
}

async function generateRelayKeys(
  bin: TorBinaries,
  cacheDir: string,
  nickname: string,
  defaultsTorrc: string,
) {
  await execFileAsync(
    bin.tor,
    [
      '--defaults-torrc',
      defaultsTorrc,
      '--ignore-missing-torrc',
      '-f',
      path.join(cacheDir, 'nonexistent-torrc'),
      '--DataDirectory',
      cacheDir,
      '--ORPort',
      '1',
      '--Nickname',
      nickname,
      '--GeoIPFile',
      '/dev/null',
      '--GeoIPv6File',
      '/dev/null',
      '--list-fingerprint',
    ],
    { timeout: 120_000, env: { ...process.env, MALLOC_ARENA_MAX: '1' } },
  );
}

/** Makes sure the cache holds a complete identity for the node, generating what is missing. */
export async function provideIdentity(
  bin: TorBinaries,
  req: IdentityRequest,
): Promise<NodeIdentity & { generated: boolean }> {
  let fingerprint = readFingerprint(req.cacheDir);
  let v3ident = req.authority ? readV3ident(req.cacheDir) : undefined;
  const generated = fingerprint === null || v3ident === null;
  if (generated) {
    rmSync(req.cacheDir, { recursive: true, force: true }); // incomplete or expiring: start over
    mkdirPrivate(req.cacheDir);
    await Promise.all([
      generateRelayKeys(bin, req.cacheDir, req.nickname, req.defaultsTorrc),
      req.authority ? generateAuthorityKeys(bin, req.cacheDir) : Promise.resolve(),
    ]);
    fingerprint = readFingerprint(req.cacheDir);
    v3ident = req.authority ? readV3ident(req.cacheDir) : undefined;
    if (!fingerprint) throw new Error(`tor --list-fingerprint wrote no fingerprint in ${req.cacheDir}`);
    if (v3ident === null)
      throw new Error(`tor-gencert wrote no valid authority_certificate in ${req.cacheDir}/keys`);
  }
  return { fingerprint: fingerprint!, ...(req.authority ? { v3ident: v3ident! } : {}), generated };
}

/** Copies a cached identity's keys into a node's fresh DataDirectory. */
export function installIdentity(cacheDir: string, nodeDir: string): void {
  const keys = path.join(nodeDir, 'keys');
  cpSync(path.join(cacheDir, 'keys'), keys, { recursive: true });
  // tor insists that key material is private to its user.
  mkdirPrivate(keys);
  for (const f of readdirSync(keys))
    if (statSync(path.join(keys, f)).isFile()) chmodSync(path.join(keys, f), 0o600);
}
