// Integration: a real private Tor network on loopback (3 authorities, 3 relays, 1 onion service,
// 1 client), started once for this file. Proves: the onion answers through the SocksPort with
// socks-proxy-agent and with Chromium; two SOCKS usernames get different circuits (seen on the
// control port) while one username reuses its circuit; non-onion destinations are refused and
// never reach the local server; stop() leaves no tor process behind.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordStreamCircuits,
  TorControlClient,
  type StreamCircuitRecorder,
} from '../../range/tor/control.js';
import { startPrivateTorNetwork, type PrivateTorNetwork } from '../../range/tor/network.js';
import { isValidOnionV3, onionIdentityFromSeed } from '../../range/tor/onion-keys.js';
import { allocateLoopbackPorts } from '../../range/tor/ports.js';
import { findTorProcessesIn } from '../../range/tor/processes.js';
import { fetchViaSocks } from '../../range/tor/socks-fetch.js';

const PAGE =
  '<!doctype html><html><head><title>darkwatch tor range</title></head><body><h1>hidden market</h1></body></html>';
const seed = createHash('sha256').update('darkwatch tests/range-tor market').digest();

let server: http.Server;
let requestsSeen = 0;
let dataDir: string;
let tor: PrivateTorNetwork | undefined;
let control: TorControlClient | undefined;
let streams: StreamCircuitRecorder;
let onion = '';
const startupLog: string[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requestsSeen++;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-tor-'));
  const httpPort = (server.address() as AddressInfo).port;
  let allocations = 0;
  tor = await startPrivateTorNetwork({
    dataDir,
    services: [{ name: 'market', secretSeed: seed, targetPort: httpPort }],
    log: (m) => {
      startupLog.push(m);
      process.stdout.write(`[tor] ${m}\n`);
    },
    // First attempt: hand the client a SocksPort that is already taken (our HTTP server's), as if
    // another process had grabbed it; start-up must notice and retry with fresh ports.
    allocatePorts: async (n) => {
      const ports = await allocateLoopbackPorts(n);
      if (allocations++ === 0) ports[n - 2] = httpPort;
      return ports;
    },
  });
  onion = tor.onions.market!;
  control = await TorControlClient.connect({ port: tor.controlPort, cookiePath: tor.controlCookiePath });
  streams = await recordStreamCircuits(control);
}, 150_000);

afterAll(async () => {
  control?.close();
  await tor?.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('private Tor network', () => {
  it('serves the service at the onion address derived from its seed, confirmed by tor itself', () => {
    expect(tor).toBeDefined();
    expect(onion).toBe(`${onionIdentityFromSeed(seed).address}.onion`);
    expect(isValidOnionV3(onion)).toBe(true);
    const hostname = readFileSync(path.join(dataDir, 'net/service/hs/market/hostname'), 'utf8').trim();
    expect(hostname).toBe(onion);
    expect(tor!.socksUrl).toMatch(/^socks5h:\/\/127\.0\.0\.1:\d+$/);
    expect(tor!.pids).toHaveLength(8);
    expect(startupLog.some((m) => /port was taken .*retrying with new ports/.test(m))).toBe(true);
    expect(tor!.socksPort).not.toBe((server.address() as AddressInfo).port);
    expect(tor!.pids.every(alive)).toBe(true);
    process.stdout.write(
      `[tor] timings ${JSON.stringify(tor!.timings)} rss ${(tor!.rssBytes() / 1048576).toFixed(0)} MiB\n`,
    );
  });

  it('isolates SOCKS usernames on different circuits and reuses a circuit for the same username', async () => {
    const url = `http://${onion}/`;
    const socks = (user: string) => `socks5h://${user}:x@127.0.0.1:${tor!.socksPort}`;
    const before = requestsSeen;
    const a1 = await fetchViaSocks(url, socks('userA'));
    const b1 = await fetchViaSocks(url, socks('userB'));
    const a2 = await fetchViaSocks(url, socks('userA'));
    for (const r of [a1, b1, a2]) {
      expect(r.status).toBe(200);
      expect(r.body).toBe(PAGE);
    }
    expect(requestsSeen - before).toBe(3);
    expect(await streams.waitForStreams('userA', 2)).toBe(true);
    expect(await streams.waitForStreams('userB', 1)).toBe(true);

    const circuitsA = streams.circuitsOf('userA', onion);
    const circuitsB = streams.circuitsOf('userB', onion);
    expect(circuitsA.size).toBe(1); // both userA streams rode the same circuit
    expect(circuitsB.size).toBe(1);
    expect([...circuitsA].some((c) => circuitsB.has(c))).toBe(false);

    // The control port's own view agrees: open circuits tagged with each username.
    const circuits = await control!.circuitStatus();
    const byUser = (u: string) =>
      circuits.filter((c) => c.socksUsername === u && c.status === 'BUILT').map((c) => c.id);
    expect(byUser('userA')).toContain([...circuitsA][0]);
    expect(byUser('userB')).toContain([...circuitsB][0]);
    const open = await control!.streamStatus(); // parsed without error (streams closed by now)
    expect(open.every((st) => /^\d+$/.test(st.circuitId))).toBe(true);
  }, 90_000);

  it('refuses non-onion destinations: IP literals and names never leave the client', async () => {
    const before = requestsSeen;
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await expect(fetchViaSocks(local, tor!.socksUrl, { timeoutMs: 15_000 })).rejects.toThrow();
    await expect(
      fetchViaSocks('http://darkwatch-test.invalid/', tor!.socksUrl, { timeoutMs: 15_000 }),
    ).rejects.toThrow();
    await expect(fetchViaSocks('http://localhost/', tor!.socksUrl, { timeoutMs: 15_000 })).rejects.toThrow();
    expect(requestsSeen).toBe(before);
    const client = readFileSync(path.join(dataDir, 'net/client/notice.log'), 'utf8');
    expect(client).toMatch(/Refusing to connect to non-hidden-service hostname or IP address/);
  }, 60_000);

  it('renders the onion in Chromium through the SocksPort, on its own circuit', async () => {
    const browser = await launchChromium({
      proxy: { server: `socks5://127.0.0.1:${tor!.socksPort}` },
    });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`http://${onion}/`, { timeout: 60_000 });
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('darkwatch tor range');
      expect(await page.locator('h1').textContent()).toBe('hidden market');
    } finally {
      await browser.close();
    }
    expect(await streams.waitForStreams(null, 1)).toBe(true);
    const circuitsBrowser = streams.circuitsOf(null, onion);
    expect(circuitsBrowser.size).toBeGreaterThanOrEqual(1);
    expect(streams.circuitsOf('userA').size + streams.circuitsOf('userB').size).toBeGreaterThanOrEqual(2);
    for (const c of circuitsBrowser) {
      expect(streams.circuitsOf('userA').has(c) || streams.circuitsOf('userB').has(c)).toBe(false);
    }
  }, 90_000);

  it('stop() kills every tor process it started and leaves none behind', async () => {
    const pids = tor!.pids;
    control!.close();
    await tor!.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(findTorProcessesIn(dataDir)).toEqual([]);
    await expect(fetchViaSocks(`http://${onion}/`, tor!.socksUrl, { timeoutMs: 5000 })).rejects.toThrow();
  }, 30_000);
});
