// torrc generation: the right options per role, tor itself accepts them, and nothing a caller
// passes can inject extra config lines. Plus input validation of the network and range helpers.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { ensureTorInstalled, findExecutable } from '../../range/tor/install.js';
import { startPrivateTorNetwork } from '../../range/tor/network.js';
import { rangeTorSites, startRangeTor } from '../../range/tor/range-tor.js';
import { deriveSiteKey } from '../../range/onion.js';
import { onionIdentityFromSeed } from '../../range/tor/onion-keys.js';
import { buildTorrc, type TorNetworkPlan, type TorNodeSpec } from '../../range/tor/torrc.js';

const fp = (c: string) => c.repeat(40);
const plan: TorNetworkPlan = {
  authorities: [0, 1, 2].map((i) => ({
    nickname: `auth${i}`,
    orPort: 5000 + i,
    dirPort: 6000 + i,
    v3ident: fp(String(i + 1)),
    fingerprint: fp(String.fromCharCode(65 + i)),
  })),
  exitFingerprints: [fp('D'), fp('E')],
  ownerPid: process.pid,
};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-torrc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const node = (over: Partial<TorNodeSpec>): TorNodeSpec => ({
  role: 'relay',
  nickname: 'relay0',
  dataDir: path.join(tmp, 'n'),
  orPort: 7000,
  ...over,
});

describe('buildTorrc', () => {
  it('lists every authority and the network-wide testing options on every node', () => {
    for (const role of ['authority', 'relay', 'exit', 'client', 'service'] as const) {
      const text = buildTorrc(
        plan,
        node({
          role,
          dirPort: 6100,
          socksPort: 9050,
          controlPort: 9051,
          services: [{ dir: '/x/hs', targetPort: 8080 }],
        }),
      );
      expect(text.match(/^DirAuthority /gm)).toHaveLength(3);
      expect(text).toContain(
        `DirAuthority auth0 orport=5000 no-v2 v3ident=${fp('1')} 127.0.0.1:6000 ${fp('A')}`,
      );
      expect(text).toMatch(/^TestingTorNetwork 1$/m);
      expect(text).toContain(`TestingDirAuthVoteExit ${fp('D')},${fp('E')}`);
      expect(text).toContain(`__OwningControllerProcess ${process.pid}`);
      expect(text).toMatch(/^GeoIPFile \/dev\/null$/m);
    }
  });

  it('gives each role its own listeners and exit policy', () => {
    const exit = buildTorrc(plan, node({ role: 'exit' }));
    expect(exit).toContain('ExitPolicy accept 127.0.0.0/8:*');
    expect(exit).toMatch(/ExitPolicy reject \*:\*$/m);
    const relay = buildTorrc(plan, node({ role: 'relay' }));
    expect(relay).not.toContain('accept 127.0.0.0/8');
    expect(relay).toContain('ExitRelay 0');
    const client = buildTorrc(
      plan,
      node({ role: 'client', nickname: 'client', socksPort: 9050, controlPort: 9051 }),
    );
    expect(client).toContain('SocksPort 127.0.0.1:9050 OnionTrafficOnly IsolateSOCKSAuth');
    expect(client).toContain('ControlPort 127.0.0.1:9051');
    expect(client).toContain('CookieAuthentication 1');
    expect(client).not.toMatch(/^ORPort/m);
    const auth = buildTorrc(plan, node({ role: 'authority', dirPort: 6100 }));
    expect(auth).toContain('V3AuthoritativeDirectory 1');
    expect(auth).toContain('DirPort 127.0.0.1:6100');
    const service = buildTorrc(
      plan,
      node({
        role: 'service',
        services: [
          { dir: '/x/a', targetPort: 8080 },
          { dir: '/x/b', targetPort: 8081 },
        ],
      }),
    );
    expect(service).toContain(
      'HiddenServiceDir /x/a\nHiddenServiceVersion 3\nHiddenServicePort 80 127.0.0.1:8080',
    );
    expect(service).toContain('HiddenServicePort 80 127.0.0.1:8081');
  });

  it('is accepted by tor --verify-config for relays, exits, the client and the service', async () => {
    const { tor } = ensureTorInstalled();
    const cases: TorNodeSpec[] = [
      node({ role: 'relay' }),
      node({ role: 'exit', nickname: 'exit0' }),
      node({ role: 'client', nickname: 'client', socksPort: 9050, controlPort: 9051 }),
      node({
        role: 'service',
        nickname: 'service',
        services: [{ dir: path.join(tmp, 'hs'), targetPort: 8080 }],
      }),
    ];
    for (const [i, spec] of cases.entries()) {
      const file = path.join(tmp, `torrc${i}`);
      writeFileSync(file, buildTorrc(plan, { ...spec, dataDir: path.join(tmp, `d${i}`) }));
      const { stdout } = await promisify(execFile)(
        tor,
        ['--defaults-torrc', '/dev/null', '--verify-config', '-f', file],
        {
          timeout: 15_000,
        },
      );
      expect(stdout).toContain('Configuration was valid');
    }
  }, 30_000);

  it('refuses values that would inject config lines or are out of range', () => {
    const bad: Array<Partial<TorNodeSpec>> = [
      { dataDir: '/tmp/x\nExitPolicy accept *:*' },
      { dataDir: '' },
      { nickname: 'relay0\nSocksPort 0.0.0.0:9050' },
      { nickname: 'a'.repeat(20) },
      { orPort: 0 },
      { orPort: 65536 },
      { orPort: Number.NaN },
      { orPort: 80.5 },
      { role: 'client', socksPort: undefined, controlPort: 9051 },
      { role: 'service', services: [] },
      { role: 'service', services: [{ dir: '/x\r\nHiddenServicePort 80 10.0.0.1:80', targetPort: 80 }] },
      { role: 'service', services: [{ dir: '/x', targetPort: -1 }] },
    ];
    for (const over of bad) expect(() => buildTorrc(plan, node(over)), JSON.stringify(over)).toThrow();
    expect(() => buildTorrc({ ...plan, exitFingerprints: [] }, node({}))).toThrow(/exit/);
    expect(() => buildTorrc({ ...plan, exitFingerprints: ['d'.repeat(40)] }, node({}))).toThrow(/hex/);
    expect(() => buildTorrc({ ...plan, ownerPid: 0 }, node({}))).toThrow(/owner/);
    const evil = { ...plan.authorities[0]!, fingerprint: `${fp('A')}\nExitPolicy accept *:*` };
    expect(() => buildTorrc({ ...plan, authorities: [evil] }, node({}))).toThrow(/hex/);
  });
});

describe('startPrivateTorNetwork input validation (before anything is spawned)', () => {
  const seed = Buffer.alloc(32, 1);
  const ok = { name: 'market', secretSeed: seed, targetPort: 8080 };
  it('rejects hostile service names, seeds, ports and data dirs with a clear error', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[{ ...ok, name: '../../etc' }], /service name/],
      [[{ ...ok, name: 'a\nHiddenServicePort 80 1.2.3.4:80' }], /service name/],
      [[{ ...ok, name: '' }], /service name/],
      [[{ ...ok, name: 'x'.repeat(65) }], /service name/],
      [[{ ...ok, secretSeed: Buffer.alloc(31) }], /32-byte/],
      [[{ ...ok, secretSeed: 'not a buffer' }], /32-byte/],
      [[ok, { ...ok, name: 'mirror' }], /same onion/],
      [[ok, { ...ok, secretSeed: Buffer.alloc(32, 2) }], /duplicate service name/],
      [[{ ...ok, targetPort: 0 }], /targetPort/],
      [[{ ...ok, targetPort: 70000 }], /targetPort/],
      [[null], /service name/],
      ['nope', /array/],
    ];
    for (const [services, message] of cases) {
      await expect(
        startPrivateTorNetwork({ dataDir: path.join(tmp, 'v'), services: services as never }),
        JSON.stringify(services),
      ).rejects.toThrow(message);
    }
    await expect(startPrivateTorNetwork({ dataDir: `${tmp}/a\nb`, services: [ok] })).rejects.toThrow(
      /control characters/,
    );
  });

  it('the range helper checks announced onions and turns failures into one-line UserErrors', async () => {
    const dir = path.join(tmp, 'r');
    const cases: Array<[unknown, RegExp]> = [
      [[], /no sites/],
      [
        [
          {
            name: 'm',
            secretSeed: seed,
            port: 1,
            onion: 'duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion',
          },
        ],
        /announces .* but its key gives/,
      ],
      [[{ name: 'm', secretSeed: Buffer.alloc(3), port: 1, onion: 'x.onion' }], /exactly 32 bytes/],
      [
        [
          { name: 'm', secretSeed: seed, port: 1 },
          { name: 'm', secretSeed: seed, port: 2 },
        ],
        /duplicate site name/,
      ],
      [[{ name: '', secretSeed: seed, port: 1 }], /bad site name/],
      [[{ name: 'm', secretSeed: seed, port: 0 }], /targetPort/],
      [
        [
          { name: 'm#mirror1', secretSeed: seed, port: 1 },
          { name: 'm', secretSeed: seed, port: 1 },
        ],
        /same onion/,
      ],
    ];
    for (const [sites, message] of cases) {
      const err = await startRangeTor({ dataDir: dir, sites: sites as never }).catch((e: unknown) => e);
      expect(err, JSON.stringify(sites)).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/^range --tor: /);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('rangeTorSites', () => {
  const site = (name: string, mirrors: number) => ({
    name,
    onion: deriveSiteKey(7, name).onion,
    mirrors: Array.from({ length: mirrors }, (_, i) => deriveSiteKey(7, `${name}#mirror${i + 1}`).onion),
  });

  it('maps every primary and mirror onion to its range key and local port', () => {
    const sites = [site('market-a', 2), site('stashbin', 0)];
    const ports = new Map([...sites.flatMap((s) => [s.onion, ...s.mirrors])].map((o, i) => [o, 9000 + i]));
    const out = rangeTorSites(7, sites, (o) => ports.get(o));
    expect(out.map((s) => s.name)).toEqual(['market-a', 'market-a#mirror1', 'market-a#mirror2', 'stashbin']);
    expect(out.map((s) => s.port)).toEqual([9000, 9001, 9002, 9003]);
    for (const s of out) expect(`${onionIdentityFromSeed(s.secretSeed).address}.onion`).toBe(s.onion);
  });

  it('refuses an onion its key does not produce, and a site without a server', () => {
    const forged = { ...site('market-a', 1), mirrors: [deriveSiteKey(8, 'market-a#mirror1').onion] };
    expect(() => rangeTorSites(7, [forged], () => 1)).toThrow(/market-a#mirror1 is announced as/);
    expect(() => rangeTorSites(7, [site('market-a', 0)], () => undefined)).toThrow(/no local server/);
  });
});

describe('ensureTorInstalled', () => {
  it('finds tor and tor-gencert on this machine', () => {
    const bin = ensureTorInstalled();
    expect(path.basename(bin.tor)).toBe('tor');
    expect(path.basename(bin.torGencert)).toBe('tor-gencert');
  });

  it('says what to install when tor is missing and it may not install', () => {
    expect(findExecutable('tor', [path.join(tmp, 'nowhere')])).toBeNull();
    const saved = { tor: process.env.TOR_PATH, gencert: process.env.TOR_GENCERT_PATH };
    process.env.TOR_PATH = path.join(tmp, 'not-an-executable');
    try {
      expect(() =>
        ensureTorInstalled({ searchDirs: [path.join(tmp, 'nowhere')], canInstall: false }),
      ).toThrow(/install the Debian\/Ubuntu package "tor"/);
    } finally {
      if (saved.tor === undefined) delete process.env.TOR_PATH;
      else process.env.TOR_PATH = saved.tor;
    }
  });
});
