// A private Tor network on loopback, built from Debian's tor package: 3 directory authorities,
// 3 relays (2 exits), one onion-service process serving every requested service as a v3 onion
// on port 80, and one client with a SocksPort and a cookie-authenticated ControlPort.
// Real Tor end to end, but nothing leaves 127.0.0.1 (the client only accepts .onion targets).
import { execFile } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTorInstalled, type TorBinaries } from './install.js';
import { onionIdentityFromSeed, onionServiceKeyFiles } from './onion-keys.js';
import { allocateLoopbackPorts } from './ports.js';
import { cleanupStaleTor, rssBytes, spawnTor, stopTorProcesses, type TorProcess } from './processes.js';
import { fetchViaSocks } from './socks-fetch.js';
import { buildTorrc, type DirAuthoritySpec, type TorNetworkPlan, type TorNodeSpec } from './torrc.js';

const execFileAsync = promisify(execFile);

export interface OnionServiceRequest {
  /** Directory-safe name: letters, digits, `-` and `_` (it names the HiddenServiceDir). */
  name: string;
  /** 32-byte ed25519 seed: the same seed always gives the same .onion address. */
  secretSeed: Buffer;
  /** Local HTTP port on 127.0.0.1 that the onion's port 80 forwards to. */
  targetPort: number;
}

export interface PrivateTorNetworkOptions {
  /** Everything tor writes goes under here (it is created; `<dataDir>/net` is wiped at start). */
  dataDir: string;
  services: OnionServiceRequest[];
  log?: (message: string) => void;
  /** Overall bound for start-up until every onion answers (default 120 s). */
  timeoutMs?: number;
}

export interface TorStartupTimings {
  /** Keys, fingerprints, torrc files. */
  prepareMs: number;
  /** From launching the processes until the client logged Bootstrapped 100%. */
  bootstrapMs: number;
  /** From launch until the service logged a stored descriptor (null without services). */
  descriptorMs: number | null;
  /** From launch until every onion answered an HTTP request through the SocksPort. */
  firstFetchMs: number;
  totalMs: number;
}

export interface PrivateTorNetwork {
  /** `socks5h://127.0.0.1:P` — the client's SocksPort (only .onion destinations are accepted). */
  socksUrl: string;
  socksPort: number;
  controlPort: number;
  controlCookiePath: string;
  /** Service name → `<56 chars>.onion`. */
  onions: Record<string, string>;
  /** Every tor process started, in start order (authorities, relays, service, client). */
  pids: number[];
  dataDir: string;
  timings: TorStartupTimings;
  /** Resident memory of all tor processes now, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const AUTHORITIES = ['auth0', 'auth1', 'auth2'];
const RELAYS: Array<{ nickname: string; role: 'relay' | 'exit' }> = [
  { nickname: 'relay0', role: 'relay' },
  { nickname: 'exit0', role: 'exit' },
  { nickname: 'exit1', role: 'exit' },
];
const BOOTSTRAPPED = /Bootstrapped 100%/;
// The service's info log when an HSDir accepted a descriptor (the HSDir answers "HS descriptor
// stored successfully." with HTTP 200).
const DESCRIPTOR_STORED =
  /Uploading hidden service descriptor: finished with status 200|HS descriptor stored successfully/;

function validateOptions(opts: PrivateTorNetworkOptions): void {
  if (typeof opts.dataDir !== 'string' || opts.dataDir.length === 0 || /[\x00-\x1f\x7f]/.test(opts.dataDir)) {
    throw new Error(`dataDir must be a path without control characters, got ${JSON.stringify(opts.dataDir)}`);
  }
  if (!Array.isArray(opts.services)) throw new Error('services must be an array');
  const names = new Set<string>();
  const seeds = new Set<string>();
  for (const s of opts.services) {
    if (typeof s?.name !== 'string' || !SERVICE_NAME.test(s.name)) {
      throw new Error(
        `service name must match ${SERVICE_NAME} (it names a directory), got ${JSON.stringify(s?.name)}`,
      );
    }
    if (names.has(s.name.toLowerCase())) throw new Error(`duplicate service name ${s.name}`);
    names.add(s.name.toLowerCase());
    if (!Buffer.isBuffer(s.secretSeed) || s.secretSeed.length !== 32) {
      throw new Error(`service ${s.name}: secretSeed must be a 32-byte Buffer`);
    }
    const seedHex = s.secretSeed.toString('hex');
    if (seeds.has(seedHex))
      throw new Error(`service ${s.name}: secretSeed is shared with another service (same onion)`);
    seeds.add(seedHex);
    if (!Number.isInteger(s.targetPort) || s.targetPort < 1 || s.targetPort > 65535) {
      throw new Error(`service ${s.name}: targetPort must be a TCP port, got ${String(s.targetPort)}`);
    }
  }
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) throw new Error('timeoutMs must be positive');
}

function mkdirPrivate(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // tor refuses group/world-readable DataDirectory and HiddenServiceDir
  return dir;
}

/** The last `maxLines` lines of a file (reads at most the final 16 KiB). */
export function tailFile(file: string, maxLines = 15): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').filter(Boolean).slice(-maxLines).join('\n');
  } catch {
    return '(no output)';
  }
}

function fileMatches(file: string, pattern: RegExp): boolean {
  try {
    return pattern.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

async function generateAuthorityKeys(bin: TorBinaries, dir: string, dirPort: number): Promise<string> {
  const keys = mkdirPrivate(path.join(dir, 'keys'));
  const child = execFileAsync(
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
      '12',
      '-a',
      `127.0.0.1:${dirPort}`,
    ],
    { timeout: 60_000 },
  );
  child.child.stdin?.end(''); // empty passphrase
  await child;
  const cert = readFileSync(path.join(keys, 'authority_certificate'), 'utf8');
  const m = /^fingerprint ([0-9A-F]{40})$/m.exec(cert);
  if (!m) throw new Error(`tor-gencert wrote no fingerprint in ${keys}/authority_certificate`);
  return m[1]!;
}

async function relayFingerprint(
  bin: TorBinaries,
  dir: string,
  nickname: string,
  defaultsTorrc: string,
): Promise<string> {
  await execFileAsync(
    bin.tor,
    [
      '--defaults-torrc',
      defaultsTorrc,
      '--ignore-missing-torrc',
      '-f',
      path.join(dir, 'nonexistent-torrc'),
      '--DataDirectory',
      dir,
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
    { timeout: 60_000, env: { ...process.env, MALLOC_ARENA_MAX: '1' } },
  );
  const m = /^\S+ ([0-9A-F]{40})$/m.exec(readFileSync(path.join(dir, 'fingerprint'), 'utf8'));
  if (!m) throw new Error(`tor --list-fingerprint wrote no fingerprint in ${dir}`);
  return m[1]!;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Builds and starts the network, and resolves once the client is bootstrapped, the service has
 * published its descriptors and every onion answers an HTTP GET through the SocksPort. On any
 * failure every tor process is stopped and the error carries the relevant log tails.
 */
export async function startPrivateTorNetwork(opts: PrivateTorNetworkOptions): Promise<PrivateTorNetwork> {
  validateOptions(opts);
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const t0 = performance.now();
  const deadline = Date.now() + timeoutMs;
  const bin = ensureTorInstalled({ log });

  const dataDir = mkdirPrivate(path.resolve(opts.dataDir));
  const stale = await cleanupStaleTor(dataDir);
  if (stale.length > 0)
    log(`killed ${stale.length} tor process(es) left behind in ${dataDir}: ${stale.join(', ')}`);
  const netDir = path.join(dataDir, 'net');
  rmSync(netDir, { recursive: true, force: true }); // keys, consensus and ports are per run
  mkdirPrivate(netDir);
  const defaultsTorrc = path.join(netDir, 'defaults-torrc');
  writeFileSync(defaultsTorrc, '# intentionally empty: no system tor configuration applies\n');

  const ports = await allocateLoopbackPorts(AUTHORITIES.length * 2 + RELAYS.length + 2);
  const nextPort = () => ports.shift()!;
  const authDirs = AUTHORITIES.map((nick) => mkdirPrivate(path.join(netDir, nick)));
  const relayDirs = RELAYS.map((r) => mkdirPrivate(path.join(netDir, r.nickname)));
  const authPorts = AUTHORITIES.map(() => ({ orPort: nextPort(), dirPort: nextPort() }));
  const relayPorts = RELAYS.map(() => nextPort());
  const socksPort = nextPort();
  const controlPort = nextPort();

  log('generating authority and relay keys');
  const [v3idents, authFingerprints, relayFingerprints] = await Promise.all([
    Promise.all(authDirs.map((dir, i) => generateAuthorityKeys(bin, dir, authPorts[i]!.dirPort))),
    Promise.all(authDirs.map((dir, i) => relayFingerprint(bin, dir, AUTHORITIES[i]!, defaultsTorrc))),
    Promise.all(relayDirs.map((dir, i) => relayFingerprint(bin, dir, RELAYS[i]!.nickname, defaultsTorrc))),
  ]);
  const authorities: DirAuthoritySpec[] = AUTHORITIES.map((nickname, i) => ({
    nickname,
    ...authPorts[i]!,
    v3ident: v3idents[i]!,
    fingerprint: authFingerprints[i]!,
  }));
  const plan: TorNetworkPlan = {
    authorities,
    exitFingerprints: RELAYS.flatMap((r, i) => (r.role === 'exit' ? [relayFingerprints[i]!] : [])),
    ownerPid: process.pid,
  };

  // Onion service keys written by us, so the addresses follow from the seeds.
  const serviceDir = path.join(netDir, 'service');
  const onions: Record<string, string> = {};
  const serviceSpecs = opts.services.map((s) => {
    const identity = onionIdentityFromSeed(s.secretSeed);
    const dir = mkdirPrivate(path.join(serviceDir, 'hs', s.name));
    for (const [file, bytes] of Object.entries(onionServiceKeyFiles(identity))) {
      writeFileSync(path.join(dir, file), bytes, { mode: 0o600 });
    }
    onions[s.name] = `${identity.address}.onion`;
    return { dir, targetPort: s.targetPort, name: s.name };
  });

  const clientDir = mkdirPrivate(path.join(netDir, 'client'));
  const nodes: TorNodeSpec[] = [
    ...authorities.map((a, i) => ({
      role: 'authority' as const,
      nickname: a.nickname,
      dataDir: authDirs[i]!,
      orPort: a.orPort,
      dirPort: a.dirPort,
    })),
    ...RELAYS.map((r, i) => ({
      role: r.role,
      nickname: r.nickname,
      dataDir: relayDirs[i]!,
      orPort: relayPorts[i]!,
    })),
    ...(serviceSpecs.length > 0
      ? [
          {
            role: 'service' as const,
            nickname: 'service',
            dataDir: mkdirPrivate(serviceDir),
            services: serviceSpecs,
          },
        ]
      : []),
    { role: 'client', nickname: 'client', dataDir: clientDir, socksPort, controlPort },
  ];
  for (const node of nodes) writeFileSync(path.join(node.dataDir, 'torrc'), buildTorrc(plan, node));
  const prepareMs = performance.now() - t0;

  log(`starting ${nodes.length} tor processes`);
  const pids: number[] = [];
  const procs: TorProcess[] = [];
  const stop = () => stopTorProcesses(procs, dataDir);
  const tLaunch = performance.now();
  const socksUrl = `socks5h://127.0.0.1:${socksPort}`;
  const clientLog = path.join(clientDir, 'notice.log');
  const rendLog = path.join(serviceDir, 'rend.log');

  const failure = (stage: string, detail = ''): Error => {
    const tails = nodes
      .filter((n) => n.role === 'client' || n.role === 'service' || stage.includes(n.nickname))
      .map((n) => {
        const out = tailFile(path.join(n.dataDir, 'output.log'), 5);
        return `--- ${n.nickname} notice.log ---\n${tailFile(path.join(n.dataDir, 'notice.log'))}\n--- ${n.nickname} stdout ---\n${out}`;
      });
    return new Error(
      `private Tor network: ${stage}${detail ? `: ${detail}` : ''} (logs in ${netDir})\n${tails.join('\n')}`,
    );
  };
  const exitedEarly = (): TorProcess | undefined => procs.find((p) => p.exitCode() !== null);

  try {
    for (const node of nodes) {
      procs.push(
        spawnTor({
          torPath: bin.tor,
          torrcPath: path.join(node.dataDir, 'torrc'),
          defaultsTorrcPath: defaultsTorrc,
          name: node.nickname,
          stateDir: dataDir,
          outputPath: path.join(node.dataDir, 'output.log'),
          pids,
        }),
      );
    }

    let bootstrapMs: number | null = null;
    let descriptorMs: number | null = serviceSpecs.length === 0 ? 0 : null;
    while (bootstrapMs === null || descriptorMs === null) {
      const dead = exitedEarly();
      if (dead) throw failure(`tor ${dead.name} exited during start-up (code ${String(dead.exitCode())})`);
      if (Date.now() > deadline) {
        throw failure(
          `not ready after ${timeoutMs} ms`,
          bootstrapMs === null
            ? 'client never logged Bootstrapped 100%'
            : 'service never stored a descriptor',
        );
      }
      if (bootstrapMs === null && fileMatches(clientLog, BOOTSTRAPPED)) {
        bootstrapMs = performance.now() - tLaunch;
        log(`client bootstrapped after ${Math.round(bootstrapMs)} ms`);
      }
      if (descriptorMs === null && fileMatches(rendLog, DESCRIPTOR_STORED)) {
        descriptorMs = performance.now() - tLaunch;
        log(`onion service descriptor stored after ${Math.round(descriptorMs)} ms`);
      }
      await sleep(250);
    }

    // tor rewrites `hostname` from the secret key we gave it: it must agree with our derivation.
    for (const s of serviceSpecs) {
      const torHostname = readFileSync(path.join(s.dir, 'hostname'), 'utf8').trim();
      if (torHostname !== onions[s.name]) {
        throw failure(
          `onion address mismatch for ${s.name}`,
          `tor says ${torHostname}, we derived ${onions[s.name]}`,
        );
      }
    }

    for (const s of serviceSpecs) {
      const url = `http://${onions[s.name]}/`;
      let lastError = 'no attempt';
      for (let attempt = 1; ; attempt++) {
        const dead = exitedEarly();
        if (dead) throw failure(`tor ${dead.name} exited during start-up (code ${String(dead.exitCode())})`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw failure(`${url} did not answer through ${socksUrl} within ${timeoutMs} ms`, lastError);
        try {
          // Its own SOCKS identity, so the probe's circuit is never shared with callers' streams.
          const proxy = `socks5h://darkwatch-readiness:probe@127.0.0.1:${socksPort}`;
          const res = await fetchViaSocks(url, proxy, {
            timeoutMs: Math.min(left, 30_000),
            maxBodyBytes: 64 * 1024,
          });
          log(`${s.name}: ${url} answered ${res.status} on attempt ${attempt} (${Math.round(res.ms)} ms)`);
          break;
        } catch (err) {
          lastError = (err as Error).message;
          await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
        }
      }
    }

    const firstFetchMs = performance.now() - tLaunch;
    const timings: TorStartupTimings = {
      prepareMs,
      bootstrapMs: bootstrapMs,
      descriptorMs: serviceSpecs.length === 0 ? null : descriptorMs,
      firstFetchMs,
      totalMs: performance.now() - t0,
    };
    log(`private Tor network ready in ${Math.round(timings.totalMs)} ms; SOCKS ${socksUrl}`);
    return {
      socksUrl,
      socksPort,
      controlPort,
      controlCookiePath: path.join(clientDir, 'control_auth_cookie'),
      onions,
      pids: [...pids],
      dataDir,
      timings,
      rssBytes: () => rssBytes(pids).reduce((a, b) => a + b, 0),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
