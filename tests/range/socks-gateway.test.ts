import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { deriveSiteKey } from '../../range/onion.js';
import { SocksGateway } from '../../range/socks-gateway.js';
import { waitFor } from '../../services/ports.js';
import { domainRequest, fetchVia, GREETING_NOAUTH, rawExchange } from './helpers.js';

const ONION = deriveSiteKey(42, 'gateway-test').onion;
const OTHER_VALID_ONION = deriveSiteKey(42, 'not-in-range').onion;

let site: http.Server;
let sitePort = 0;
let gw: SocksGateway;

beforeAll(async () => {
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from the range: ${req.url}`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  sitePort = (site.address() as { port: number }).port;
  gw = new SocksGateway({
    routes: [[ONION, { host: '127.0.0.1', port: sitePort }]],
    handshakeTimeoutMs: 400,
  });
  await gw.listen();
});

afterAll(async () => {
  await gw.close();
  await new Promise<void>((r) => site.close(() => r()));
});

async function healthy(): Promise<void> {
  const res = await fetchVia(gw.url, `http://${ONION}/ping`);
  expect(res.body).toBe('hello from the range: /ping');
}

describe('SOCKS5 gateway routing', () => {
  it('routes a range onion through socks-proxy-agent (socks5h) and counts the stream', async () => {
    const before = gw.getCounters().streams;
    await healthy();
    expect(gw.getCounters().streams).toBe(before + 1);
  });

  it('accepts subdomains and upper case of a range onion', async () => {
    const res = await fetchVia(gw.url, `http://www.${ONION.toUpperCase()}/x`);
    expect(res.body).toBe('hello from the range: /x');
  });

  it('records connections per SOCKS username (circuit isolation)', async () => {
    const a = new SocksProxyAgent(`socks5h://source-a:x@127.0.0.1:${gw.port}`);
    const b = new SocksProxyAgent(`socks5h://source-b:y@127.0.0.1:${gw.port}`);
    await fetchVia(gw.url, `http://${ONION}/a1`, { agent: a });
    await fetchVia(gw.url, `http://${ONION}/a2`, { agent: a });
    await fetchVia(gw.url, `http://${ONION}/b1`, { agent: b });
    const c = gw.getCounters();
    expect(c.byUser['source-a']?.streams).toBeGreaterThanOrEqual(1);
    expect(c.byUser['source-b']?.streams).toBe(1);
    expect(c.byUser['source-b']?.destinations[`${ONION}:80`]).toBe(1);
    a.destroy();
    b.destroy();
  });

  const refusals: Array<[string, Buffer, number, string]> = [
    ['IPv4 literal', Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, 0, 80]), 0x02, 'ip_literal'],
    [
      'IPv6 literal',
      Buffer.concat([Buffer.from([5, 1, 0, 4]), Buffer.alloc(15), Buffer.from([1, 0, 80])]),
      0x02,
      'ip_literal',
    ],
    ['IP literal sent as a name', domainRequest('127.0.0.1', 80), 0x02, 'ip_literal'],
    ['clearnet name', domainRequest('example.com', 80), 0x04, 'unknown_host'],
    ['valid onion outside the range', domainRequest(OTHER_VALID_ONION, 80), 0x04, 'unknown_host'],
    [
      'onion with a bad checksum',
      domainRequest(ONION.replace(/^./, ONION[0] === 'a' ? 'b' : 'a'), 80),
      0x04,
      'unknown_host',
    ],
    ['empty name', domainRequest('', 80), 0x04, 'unknown_host'],
    ['range onion, other port', domainRequest(ONION, 443), 0x02, 'port_not_allowed'],
    ['BIND', domainRequest(ONION, 80, 0x02), 0x07, 'command_not_supported'],
    ['UDP ASSOCIATE', domainRequest(ONION, 80, 0x03), 0x07, 'command_not_supported'],
    ['unknown command', domainRequest(ONION, 80, 0x09), 0x07, 'command_not_supported'],
    [
      'unknown address type',
      Buffer.from([5, 1, 0, 7, 1, 2, 3, 4, 0, 80]),
      0x08,
      'address_type_not_supported',
    ],
  ];
  for (const [label, request, code, reason] of refusals) {
    it(`refuses ${label} with 0x0${code} and counts it`, async () => {
      const before = gw.getCounters();
      const { data, closed } = await rawExchange(gw.port, [GREETING_NOAUTH, request]);
      expect([...data.subarray(0, 2)]).toEqual([5, 0]);
      expect(data[2]).toBe(5);
      expect(data[3]).toBe(code);
      expect(closed).toBe(true);
      const after = gw.getCounters();
      expect(after.refused).toBe(before.refused + 1);
      expect(after.refusedByReason[reason as 'ip_literal']).toBe(
        before.refusedByReason[reason as 'ip_literal'] + 1,
      );
      expect(after.refusedDestinations.at(-1)?.reason).toBe(reason);
    });
  }

  it('curl-style client: the agent sees refusals as errors, not pages', async () => {
    await expect(fetchVia(gw.url, 'http://example.com/')).rejects.toThrow();
    await expect(fetchVia(gw.url.replace('socks5h', 'socks5'), 'http://127.0.0.1/')).rejects.toThrow();
  });
});

describe('SOCKS5 gateway under hostile input', () => {
  it('closes on garbage, truncated handshakes and wrong versions, and keeps serving', async () => {
    const before = gw.getCounters().protocolErrors;
    expect((await rawExchange(gw.port, [Buffer.from('GET / HTTP/1.1\r\n\r\n')])).closed).toBe(true);
    expect((await rawExchange(gw.port, [Buffer.from([5])], { endAfter: true })).closed).toBe(true);
    // Truncated greeting left hanging: the handshake timer closes it.
    expect((await rawExchange(gw.port, [Buffer.from([5, 3, 0])])).closed).toBe(true);
    // Truncated request left hanging.
    expect((await rawExchange(gw.port, [GREETING_NOAUTH, Buffer.from([5, 1, 0, 3, 60, 97])])).closed).toBe(
      true,
    );
    // Request with a wrong version byte.
    const wrongVersion = await rawExchange(gw.port, [
      GREETING_NOAUTH,
      Buffer.from([4, 1, 0, 1, 1, 1, 1, 1, 0, 80]),
    ]);
    expect(wrongVersion.data[3]).toBe(0x01);
    expect(gw.getCounters().protocolErrors).toBeGreaterThanOrEqual(before + 4);
    await healthy();
  });

  it('keeps attacker-chosen usernames as plain keys (no prototype pollution)', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const agent = new SocksProxyAgent(`socks5h://${encodeURIComponent(name)}:x@127.0.0.1:${gw.port}`);
      await fetchVia(gw.url, `http://${ONION}/u`, { agent });
      agent.destroy();
    }
    const c = gw.getCounters();
    expect(Object.hasOwn(c.byUser, '__proto__')).toBe(true);
    expect(c.byUser['constructor']?.streams).toBe(1);
    expect(c.byUser['toString']?.streams).toBe(1);
    expect(({} as Record<string, unknown>).sessions).toBeUndefined();
    expect(JSON.parse(JSON.stringify(c)).byUser.__proto__.streams).toBe(1);
  });

  it('caps the number of usernames it tracks', async () => {
    const capped = new SocksGateway({
      routes: [[ONION, { host: '127.0.0.1', port: sitePort }]],
      maxUsers: 3,
    });
    await capped.listen();
    try {
      for (let i = 0; i < 6; i++) {
        const agent = new SocksProxyAgent(`socks5h://user${i}:x@127.0.0.1:${capped.port}`);
        await fetchVia(capped.url, `http://${ONION}/`, { agent });
        agent.destroy();
      }
      const users = capped.getCounters().byUser;
      expect(Object.keys(users).length).toBe(4);
      expect(users['(other users)']?.streams).toBe(3);
    } finally {
      await capped.close();
    }
  });

  it('answers SOCKS4 in SOCKS4 ("request rejected")', async () => {
    const { data } = await rawExchange(gw.port, [Buffer.from([4, 1, 0, 80, 127, 0, 0, 1, 0])]);
    expect([...data]).toEqual([0, 0x5b, 0, 0, 0, 0, 0, 0]);
  });

  it('replies 0xFF when no offered method is acceptable, and to zero methods', async () => {
    expect([...(await rawExchange(gw.port, [Buffer.from([5, 1, 1])])).data]).toEqual([5, 0xff]);
    expect([...(await rawExchange(gw.port, [Buffer.from([5, 0])])).data]).toEqual([5, 0xff]);
  });

  it('rejects a wrong auth sub-negotiation version', async () => {
    const { data } = await rawExchange(gw.port, [Buffer.from([5, 1, 2]), Buffer.from([9, 1, 97, 1, 98])]);
    expect([...data]).toEqual([5, 2, 1, 1]);
  });

  it('survives random byte streams (property test) and still routes afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 3 }),
        async (parts) => {
          await rawExchange(
            gw.port,
            parts.map((p) => Buffer.from(p)),
            { timeoutMs: 600, endAfter: true },
          );
        },
      ),
      { numRuns: 25, seed: 7 },
    );
    await healthy();
    // The gateway sees each closed exchange a moment after the client closes it: wait, bounded.
    await waitFor('exchanges closed', async () => (gw.getCounters().active <= 1 ? true : undefined), 20_000);
  });

  it('handles a huge domain length and oversized method lists without crashing', async () => {
    const methods = Buffer.concat([Buffer.from([5, 255]), Buffer.alloc(255, 0)]);
    const hugeName = Buffer.concat([
      Buffer.from([5, 1, 0, 3, 255]),
      Buffer.alloc(255, 0x41),
      Buffer.from([0, 80]),
    ]);
    const { data } = await rawExchange(gw.port, [methods, hugeName]);
    expect(data[3]).toBe(0x04);
    await healthy();
  });
});

describe('SOCKS5 gateway auth, latency and failures', () => {
  it('checks credentials when configured', async () => {
    const strict = new SocksGateway({
      routes: [[ONION, { host: '127.0.0.1', port: sitePort }]],
      credentials: { trainer: 'secret' },
    });
    await strict.listen();
    try {
      const ok = await fetchVia(strict.url, `http://${ONION}/ok`, {
        agent: new SocksProxyAgent(`socks5h://trainer:secret@127.0.0.1:${strict.port}`),
      });
      expect(ok.body).toContain('/ok');
      const bad = await rawExchange(strict.port, [Buffer.from([5, 1, 2]), Buffer.from([1, 1, 97, 1, 98])]);
      expect([...bad.data]).toEqual([5, 2, 1, 1]);
      // No-auth is not acceptable when credentials are required.
      expect([...(await rawExchange(strict.port, [GREETING_NOAUTH])).data]).toEqual([5, 0xff]);
      expect(strict.getCounters().authFailures).toBe(2);
    } finally {
      await strict.close();
    }
  });

  it('injects log-normal latency on connect and first byte', async () => {
    const slow = new SocksGateway({
      routes: [[ONION, { host: '127.0.0.1', port: sitePort }]],
      latency: { medianMs: 120, sigma: 0.01 },
      seed: 3,
    });
    await slow.listen();
    try {
      const t0 = performance.now();
      await fetchVia(slow.url, `http://${ONION}/slow`);
      const elapsed = performance.now() - t0;
      // Two delays of ~120 ms each (connect, first byte); the upper bound only catches delays of
      // the wrong order of magnitude, with room for a loaded machine.
      expect(elapsed).toBeGreaterThan(220);
      expect(elapsed).toBeLessThan(6000);
    } finally {
      await slow.close();
    }
  });

  it('injects connection failures (TTL expired) and counts them', async () => {
    const flaky = new SocksGateway({
      routes: [[ONION, { host: '127.0.0.1', port: sitePort }]],
      failureRate: 1,
    });
    await flaky.listen();
    try {
      const { data } = await rawExchange(flaky.port, [GREETING_NOAUTH, domainRequest(ONION, 80)]);
      expect(data[3]).toBe(0x06);
      expect(flaky.getCounters().injectedFailures).toBe(1);
    } finally {
      await flaky.close();
    }
  });

  it('replies connection refused when the routed site server is down', async () => {
    const dead = new SocksGateway({ routes: [[ONION, { host: '127.0.0.1', port: 1 }]] });
    await dead.listen();
    try {
      const { data } = await rawExchange(dead.port, [GREETING_NOAUTH, domainRequest(ONION, 80)]);
      expect(data[3]).toBe(0x05);
      expect(dead.getCounters().upstreamErrors).toBe(1);
    } finally {
      await dead.close();
    }
  });
});
