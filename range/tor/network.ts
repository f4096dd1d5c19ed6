// A private Tor network on loopback, built from Debian's tor package: 3 directory authorities,
// 3 relays (2 exits), one onion-service process serving every requested service as a v3 onion
// on port 80, and one client with a SocksPort and a cookie-authenticated ControlPort.
// Real Tor end to end, but nothing leaves 127.0.0.1 (the client only accepts .onion targets).
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
import { installIdentity, provideIdentity, type NodeIdentity } from './identities.js';
import { ensureTorInstalled, type TorBinaries } from './install.js';
import { onionIdentityFromSeed, onionServiceKeyFiles } from './onion-keys.js';
import { allocateLoopbackPorts } from './ports.js';
import { cleanupStaleTor, rssBytes, spawnTor, stopTorProcesses, type TorProcess } from './processes.js';
import { fetchViaSocks } from './socks-fetch.js';
import { buildTorrc, type DirAuthoritySpec, type TorNetworkPlan, type TorNodeSpec } from './torrc.js';

export interface OnionServiceRequest {
  /** Directory-safe name: letters, digits, `-` and `_` (it names the HiddenServiceDir). */
  name: string;
  /** 32-byte ed25519 seed: the same seed always gives the same .onion address. */
  secretSeed: Buffer;
  /** Local HTTP port on 127.0.0.1 that the onion's port 80 forwards to. */
  targetPort: number;
}

export interface PrivateTorNetworkOptions {
  /**
   * Everything tor writes goes under here. `<dataDir>/net` (node state, logs) is wiped at every
   * start; `<dataDir>/keys` keeps relay/authority identities so later starts skip key generation.
   */
  dataDir: string;
  services: OnionServiceRequest[];
  log?: (message: string) => void;
  /** Overall bound for start-up until every onion answers (default 120 s). */
  timeoutMs?: number;
  /** Picks free loopback ports (default: ask the kernel); tests use it to provoke a port race. */
  allocatePorts?: (count: number) => Promise<number[]>;
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A tor lost the race for a port we picked (someone bound it in between): worth one more try. */
class PortRaceError extends Error {}
const BIND_FAILURE = /Could not bind|Address already in use/;

interface Prepared {
  bin: TorBinaries;
  dataDir: string;
  netDir: string;
  defaultsTorrc: string;
  identities: Array<NodeIdentity & { cacheDir: string }>;
  t0: number;
  deadline: number;
  timeoutMs: number;
  log: (message: string) => void;
  allocatePorts: (count: number) => Promise<number[]>;
}

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
  const keyCache = mkdirPrivate(path.join(dataDir, 'keys'));
  const defaultsTorrc = path.join(dataDir, 'defaults-torrc');
  writeFileSync(defaultsTorrc, '# intentionally empty: no system tor configuration applies\n');

  const nodesWithKeys = [
    ...AUTHORITIES.map((nickname) => ({ nickname, authority: true })),
    ...RELAYS.map((r) => ({ nickname: r.nickname, authority: false })),
  ];
  const identities = await Promise.all(
    nodesWithKeys.map(async (n) => {
      const cacheDir = path.join(keyCache, n.nickname);
      return { cacheDir, ...(await provideIdentity(bin, { ...n, cacheDir, defaultsTorrc })) };
    }),
  );
  const generated = identities.filter((id) => id.generated).length;
  log(
    generated > 0
      ? `generated ${generated} relay/authority identities`
      : 'reusing cached relay/authority identities',
  );

  const prepared: Prepared = {
    ...{ bin, dataDir, netDir, defaultsTorrc, identities, t0, deadline, timeoutMs, log },
    allocatePorts: opts.allocatePorts ?? allocateLoopbackPorts,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(prepared, opts.services);
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= 2) throw err;
      log(`a tor port was taken by another process (${err.message.split('\n')[0]}); retrying with new ports`);
    }
  }
}

async function launch(prep: Prepared, services: OnionServiceRequest[]): Promise<PrivateTorNetwork> {
  const { bin, dataDir, netDir, identities, deadline, timeoutMs, log } = prep;
  rmSync(netDir, { recursive: true, force: true }); // node state, consensus and ports are per run
  mkdirPrivate(netDir);

  const authDirs = AUTHORITIES.map((nick) => mkdirPrivate(path.join(netDir, nick)));
  const relayDirs = RELAYS.map((r) => mkdirPrivate(path.join(netDir, r.nickname)));
  [...authDirs, ...relayDirs].forEach((dir, i) => installIdentity(identities[i]!.cacheDir, dir));

  // Onion service keys written by us, so the addresses follow from the seeds.
  const serviceDir = path.join(netDir, 'service');
  const onions: Record<string, string> = {};
  const serviceSpecs = services.map((s) => {
    const identity = onionIdentityFromSeed(s.secretSeed);
    const dir = mkdirPrivate(path.join(serviceDir, 'hs', s.name));
    for (const [file, bytes] of Object.entries(onionServiceKeyFiles(identity))) {
      writeFileSync(path.join(dir, file), bytes, { mode: 0o600 });
    }
    onions[s.name] = `${identity.address}.onion`;
    return { dir, targetPort: s.targetPort, name: s.name };
  });
  const clientDir = mkdirPrivate(path.join(netDir, 'client'));

  // Ports last, right before tor binds them, to keep the race with other processes short.
  const portCount = AUTHORITIES.length * 2 + RELAYS.length + 2;
  const ports = await prep.allocatePorts(portCount);
  if (ports.length !== portCount || new Set(ports).size !== portCount) {
    throw new Error(`port allocator must return ${portCount} distinct ports`);
  }
  const nextPort = () => ports.shift()!;
  const authorities: DirAuthoritySpec[] = AUTHORITIES.map((nickname, i) => ({
    nickname,
    orPort: nextPort(),
    dirPort: nextPort(),
    v3ident: identities[i]!.v3ident!,
    fingerprint: identities[i]!.fingerprint,
  }));
  const relayPorts = RELAYS.map(() => nextPort());
  const socksPort = nextPort();
  const controlPort = nextPort();
  const relayFingerprints = identities.slice(AUTHORITIES.length).map((id) => id.fingerprint);
  const plan: TorNetworkPlan = {
    authorities,
    exitFingerprints: RELAYS.flatMap((r, i) => (r.role === 'exit' ? [relayFingerprints[i]!] : [])),
    ownerPid: process.pid,
  };
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
  const prepareMs = performance.now() - prep.t0;

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
      .filter((n) => n.role === 'client' || n.role === 'service' || stage.includes(`tor ${n.nickname} `))
      .map(
        (n) =>
          `--- ${n.nickname} notice.log ---\n${tailFile(path.join(n.dataDir, 'notice.log'))}\n` +
          `--- ${n.nickname} stdout ---\n${tailFile(path.join(n.dataDir, 'output.log'), 5)}`,
      );
    return new Error(
      `private Tor network: ${stage}${detail ? `: ${detail}` : ''} (logs in ${netDir})\n${tails.join('\n')}`,
    );
  };
  const checkAlive = (): void => {
    const dead = procs.find((p) => p.exitCode() !== null);
    if (!dead) return;
    const err = failure(`tor ${dead.name} exited during start-up (code ${String(dead.exitCode())})`);
    const node = nodes.find((n) => n.nickname === dead.name)!;
    const output = `${tailFile(path.join(node.dataDir, 'output.log'), 40)}\n${tailFile(path.join(node.dataDir, 'notice.log'), 40)}`;
    throw BIND_FAILURE.test(output) ? new PortRaceError(err.message) : err;
  };

  try {
    for (const node of nodes) {
      procs.push(
        spawnTor({
          torPath: bin.tor,
          torrcPath: path.join(node.dataDir, 'torrc'),
          defaultsTorrcPath: prep.defaultsTorrc,
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
      checkAlive();
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
        checkAlive();
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
      bootstrapMs,
      descriptorMs: serviceSpecs.length === 0 ? null : descriptorMs,
      firstFetchMs,
      totalMs: performance.now() - prep.t0,
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
