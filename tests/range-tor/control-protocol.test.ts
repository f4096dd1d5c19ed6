// The control-port reply parser and the client's behaviour against a misbehaving peer: bounded
// buffering, clear errors, no command injection, never a crash.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TorControlClient } from '../../range/tor/control.js';
import {
  ControlProtocolError,
  ControlReplyParser,
  getInfoValue,
  parseCircuitLine,
  parseStreamLine,
  tokenize,
} from '../../range/tor/control-protocol.js';

const CIRCUIT_STATUS =
  '250+circuit-status=\r\n' +
  '3 BUILT $AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA~relay0,$BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB~exit0 BUILD_FLAGS=IS_INTERNAL,NEED_CAPACITY PURPOSE=HS_CLIENT_REND HS_STATE=HSCR_JOINED REND_QUERY=abc TIME_CREATED=2026-11-28T10:41:00.000000 SOCKS_USERNAME="userA" SOCKS_PASSWORD="x"\r\n' +
  '4 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL\r\n' +
  '..dot-escaped line\r\n' +
  '.\r\n' +
  '250 OK\r\n';

describe('ControlReplyParser', () => {
  it('parses single-line, multi-line and data-block replies and async events', () => {
    const p = new ControlReplyParser();
    const replies = p.feed(
      Buffer.from(
        '250 OK\r\n250-version=0.4.9.11\r\n250 OK\r\n650 STREAM 5 SUCCEEDED 3 x.onion:80\r\n' +
          CIRCUIT_STATUS,
      ),
    );
    expect(replies.map((r) => r.code)).toEqual(['250', '250', '650', '250']);
    expect(replies[1]!.lines.map((l) => l.text)).toEqual(['version=0.4.9.11', 'OK']);
    const data = getInfoValue(replies[3]!, 'circuit-status').split('\n');
    expect(data).toHaveLength(3);
    expect(data[2]).toBe('.dot-escaped line');
  });

  it('gives the same replies however the bytes are split', () => {
    const whole = new ControlReplyParser().feed(Buffer.from(CIRCUIT_STATUS + '250 OK\r\n'));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: CIRCUIT_STATUS.length }), { maxLength: 10 }), (cuts) => {
        const bytes = Buffer.from(CIRCUIT_STATUS + '250 OK\r\n');
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const p = new ControlReplyParser();
        const out = [];
        let start = 0;
        for (const c of [...points, bytes.length]) {
          out.push(...p.feed(bytes.subarray(start, c)));
          start = c;
        }
        expect(out).toEqual(whole);
      }),
    );
  });

  it('rejects malformed lines, binary garbage and status changes inside a reply', () => {
    for (const bad of [
      'hello\r\n',
      '25 OK\r\n',
      '250*OK\r\n',
      '\x00\x01\x02\xff\r\n',
      '250-a\r\n251 b\r\n',
    ]) {
      expect(() => new ControlReplyParser().feed(Buffer.from(bad, 'latin1'))).toThrow(ControlProtocolError);
    }
  });

  it('bounds memory: an endless line or an endless reply is an error, not a buffer', () => {
    const p = new ControlReplyParser({ maxLineBytes: 1024 });
    expect(() => {
      for (let i = 0; i < 100; i++) p.feed(Buffer.alloc(100, 0x41));
    }).toThrow(/longer than 1024/);
    const q = new ControlReplyParser({ maxReplyBytes: 4096 });
    expect(() => {
      for (let i = 0; i < 1000; i++) q.feed(Buffer.from('250-more data\r\n'));
    }).toThrow(/larger than 4096/);
    const r = new ControlReplyParser({ maxReplyBytes: 4096 });
    expect(() => r.feed(Buffer.from('250+x=\r\n' + 'data line\r\n'.repeat(1000)))).toThrow(
      /larger than 4096/,
    );
  });
});

describe('circuit and stream lines', () => {
  it('reads ids, status, path, purpose and SOCKS credentials', () => {
    const line = new ControlReplyParser()
      .feed(Buffer.from(CIRCUIT_STATUS))[0]!
      .lines[0]!.data!.split('\n')[0]!;
    const c = parseCircuitLine(line);
    expect(c).toMatchObject({
      id: '3',
      status: 'BUILT',
      purpose: 'HS_CLIENT_REND',
      socksUsername: 'userA',
      socksPassword: 'x',
    });
    expect(c.path).toHaveLength(2);
    expect(parseCircuitLine('4 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL')).toMatchObject({
      path: [],
      socksUsername: null,
    });
    const s = parseStreamLine(
      '12 SUCCEEDED 3 abc.onion:80 SOCKS_USERNAME="we \\"quote\\" \\\\ it" CLIENT_PROTOCOL=SOCKS5',
    );
    expect(s).toMatchObject({
      id: '12',
      status: 'SUCCEEDED',
      circuitId: '3',
      target: 'abc.onion:80',
      socksUsername: 'we "quote" \\ it',
    });
  });

  it('rejects malformed lines with a clear error', () => {
    for (const bad of ['', 'x BUILT', '3', '12 SUCCEEDED', '12 SUCCEEDED abc x.onion:80', 'a b c d']) {
      expect(() => parseStreamLine(bad)).toThrow(ControlProtocolError);
    }
    expect(() => parseCircuitLine('BUILT 3')).toThrow(ControlProtocolError);
    expect(() => tokenize('3 BUILT SOCKS_USERNAME="unterminated')).toThrow(/unterminated/);
  });

  it('reports a failed GETINFO instead of inventing a value', () => {
    const [reply] = new ControlReplyParser().feed(Buffer.from('552 Unrecognized key "nope"\r\n'));
    expect(() => getInfoValue(reply!, 'nope')).toThrow(/552/);
    const [ok] = new ControlReplyParser().feed(Buffer.from('250 OK\r\n'));
    expect(() => getInfoValue(ok!, 'circuit-status')).toThrow(/no circuit-status/);
  });
});

describe('TorControlClient against a misbehaving peer', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function fakeTor(
    onLine: (line: string, socket: net.Socket) => void,
  ): Promise<{ port: number; cookie: string }> {
    const server = net.createServer((socket) => {
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        let i;
        while ((i = buf.indexOf('\r\n')) >= 0) {
          onLine(buf.slice(0, i), socket);
          buf = buf.slice(i + 2);
        }
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-ctl-'));
    const cookie = path.join(dir, 'cookie');
    writeFileSync(cookie, Buffer.alloc(32, 7));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { port: (server.address() as net.AddressInfo).port, cookie };
  }

  it('authenticates with the hex cookie, then rejects injected or malformed commands', async () => {
    const seen: string[] = [];
    const { port, cookie } = await fakeTor((line, s) => {
      seen.push(line);
      s.write(line.startsWith('GETINFO stream-status') ? '250-stream-status=\r\n250 OK\r\n' : '250 OK\r\n');
    });
    const c = await TorControlClient.connect({ port, cookiePath: cookie });
    try {
      expect(seen[0]).toBe(`AUTHENTICATE ${'07'.repeat(32)}`);
      expect(await c.streamStatus()).toEqual([]);
      await expect(c.command('GETINFO version\r\nSIGNAL HALT')).rejects.toThrow(/single line/);
      await expect(c.getInfo('version SIGNAL')).rejects.toThrow(/bad GETINFO key/);
      await expect(c.setEvents(['STREAM\r\nSIGNAL HALT'])).rejects.toThrow(/bad event name/);
      expect(seen.some((l) => l.includes('HALT'))).toBe(false);
    } finally {
      c.close();
    }
  });

  it('fails clearly on a refused cookie, a short cookie and garbage replies', async () => {
    const refusing = await fakeTor((_l, s) =>
      s.write('515 Authentication failed: Wrong length on authentication cookie.\r\n'),
    );
    await expect(
      TorControlClient.connect({ port: refusing.port, cookiePath: refusing.cookie }),
    ).rejects.toThrow(/AUTHENTICATE failed: 515/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkwatch-ctl-'));
    writeFileSync(path.join(dir, 'short'), Buffer.alloc(5));
    await expect(
      TorControlClient.connect({ port: refusing.port, cookiePath: path.join(dir, 'short') }),
    ).rejects.toThrow(/5 bytes, expected 32/);
    await expect(
      TorControlClient.connect({ port: refusing.port, cookiePath: path.join(dir, 'missing') }),
    ).rejects.toThrow(/ENOENT/);
    rmSync(dir, { recursive: true, force: true });

    const garbage = await fakeTor((line, s) => {
      if (line.startsWith('AUTHENTICATE')) s.write('250 OK\r\n');
      else s.write(Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]));
    });
    const c = await TorControlClient.connect({ port: garbage.port, cookiePath: garbage.cookie });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    await expect(c.circuitStatus()).rejects.toThrow(/malformed control line/);
    await expect(c.circuitStatus()).rejects.toThrow(/closed/);
    c.close();
  });

  it('times out a command that never gets an answer', async () => {
    const silent = await fakeTor((line, s) => {
      if (line.startsWith('AUTHENTICATE')) s.write('250 OK\r\n');
    });
    const c = await TorControlClient.connect({
      port: silent.port,
      cookiePath: silent.cookie,
      // Long enough that AUTHENTICATE's answer arrives in time on a loaded machine; getinfo never does.
      timeoutMs: 2000,
    });
    await expect(c.getInfo('version')).rejects.toThrow(/timed out/);
    c.close();
  });
});
