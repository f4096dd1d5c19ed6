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
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TorControlClient, type StreamInfo } from '../../range/tor/control.js';
import { startPrivateTorNetwork, type PrivateTorNetwork } from '../../range/tor/network.js';
import { isValidOnionV3, onionIdentityFromSeed } from '../../range/tor/onion-keys.js';
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
const streamEvents: StreamInfo[] = [];
let onion = '';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Circuit ids that carried a successful stream to our onion for a SOCKS username (null: no auth). */
function circuitsOf(username: string | null): Set<string> {
  return new Set(
    streamEvents
      .filter((e) => e.status === 'SUCCEEDED' && e.target.startsWith(onion) && e.socksUsername === username)
      .map((e) => e.circuitId),
  );
}

async function waitForStreams(username: string | null, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const n = streamEvents.filter((e) => e.status === 'SUCCEEDED' && e.socksUsername === username).length;
    if (n >= count) return;
    await new Promise((r) => setTimeout(r, 50));
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
  tor = await startPrivateTorNetwork({
    dataDir,
    services: [{ name: 'market', secretSeed: seed, targetPort: (server.address() as AddressInfo).port }],
    log: (m) => process.stdout.write(`[tor] ${m}\n`),
  });
  onion = tor.onions.market!;
  control = await TorControlClient.connect({ port: tor.controlPort, cookiePath: tor.controlCookiePath });
  control.on('stream', (e) => streamEvents.push(e));
  await control.setEvents(['STREAM']);
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
    await waitForStreams('userA', 2);
    await waitForStreams('userB', 1);

    const circuitsA = circuitsOf('userA');
    const circuitsB = circuitsOf('userB');
    expect(circuitsA.size).toBe(1); // both userA streams rode the same circuit
    expect(circuitsB.size).toBe(1);
    expect([...circuitsA].some((c) => circuitsB.has(c))).toBe(false);

    // The control port's own view agrees: open circuits tagged with each username.
    const circuits = await control!.circuitStatus();
    const byUser = (u: string) =>
      circuits.filter((c) => c.socksUsername === u && c.status === 'BUILT').map((c) => c.id);
    expect(byUser('userA')).toContain([...circuitsA][0]);
    expect(byUser('userB')).toContain([...circuitsB][0]);
    const streams = await control!.streamStatus();
    expect(Array.isArray(streams)).toBe(true);
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
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
        '--webrtc-ip-handling-policy=disable_non_proxied_udp',
      ],
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
    await waitForStreams(null, 1);
    const circuitsBrowser = circuitsOf(null);
    expect(circuitsBrowser.size).toBeGreaterThanOrEqual(1);
    for (const c of circuitsBrowser) {
      expect(circuitsOf('userA').has(c) || circuitsOf('userB').has(c)).toBe(false);
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
