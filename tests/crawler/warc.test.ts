import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { verifyWarc, writeWarc, type CaptureForWarc } from '../../crawler/warc.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-warc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(id: string, body: Uint8Array, extraHeaders: string[] = []): CaptureForWarc {
  return {
    captureId: id,
    url: `http://${'a'.repeat(56)}.onion/listing/${id}`,
    capturedAt: '2026-11-28T10:00:00.123Z',
    request: {
      method: 'GET',
      url: `http://${'a'.repeat(56)}.onion/listing/${id}?q=1`,
      headers: { 'user-agent': 'x', accept: '*/*' },
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: '1.1',
      rawHeaders: ['Content-Type', 'text/html', ...extraHeaders],
    },
    rawBytes: body,
    sha256: createHash('sha256').update(body).digest('hex'),
    proxyIdentity: 'dw-7',
  };
}

describe('WARC export and verification', () => {
  const gz = gzipSync(Buffer.from('<html>gzipped evidence</html>'));
  const bin = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));
  const caps = [
    capture('c1', Buffer.from('<html>plain</html>')),
    capture('c2', gz, [
      'Content-Encoding',
      'gzip',
      'Transfer-Encoding',
      'chunked',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]),
    capture('c3', bin),
    capture('c4', new Uint8Array(0)),
  ];
  const expected = new Map(caps.map((c) => [c.captureId, c.sha256]));

  for (const gzip of [false, true]) {
    it(`writes WARC/1.1 that verifies against stored hashes (gzip=${gzip})`, async () => {
      const file = path.join(dir, `ok-${gzip}.warc${gzip ? '.gz' : ''}`);
      expect(await writeWarc(file, caps, { gzip })).toMatchObject({ captures: 4 });
      const v = await verifyWarc(file, expected);
      expect(v.problems).toEqual([]);
      expect(v).toMatchObject({ ok: true, records: 9, responses: 4, missing: [] });
      // the payload is the exact stored bytes (still gzip-encoded), readable by a standard reader
      const types: string[] = [];
      const { createReadStream } = await import('node:fs');
      for await (const r of new WARCParser(createReadStream(file))) {
        types.push(r.warcType);
        if (r.warcHeader('WARC-Darkwatch-Capture-Id') === 'c2' && r.warcType === 'response') {
          expect(Buffer.from(await r.readFully(false)).equals(gz)).toBe(true);
          expect(r.warcHeader('WARC-Payload-Digest')).toBe(`sha256:${expected.get('c2')}`);
          expect(r.httpHeaders?.headers.get('X-Darkwatch-Original-Transfer-Encoding')).toBe('chunked');
        } else await r.readFully(false);
      }
      expect(types).toEqual([
        'warcinfo',
        'response',
        'request',
        'response',
        'request',
        'response',
        'request',
        'response',
        'request',
      ]);
    });
  }

  it('detects a flipped byte, a wrong stored hash, and missing captures', async () => {
    const file = path.join(dir, 'tamper.warc');
    await writeWarc(file, caps.slice(0, 2));
    const buf = readFileSync(file);
    const i = buf.indexOf('<html>plain');
    buf[i + 1] = 'H'.charCodeAt(0);
    writeFileSync(file, buf);
    const v = await verifyWarc(file, new Map([...expected, ['c2', 'f'.repeat(64)]]));
    expect(v.ok).toBe(false);
    const byCapture = (id: string) => v.problems.filter((p) => p.captureId === id).map((p) => p.problem);
    expect(byCapture('c1').join()).toMatch(/Payload-Digest|Block-Digest/);
    expect(byCapture('c2').join()).toMatch(/differs from stored/);
    expect(v.missing).toEqual(['c3', 'c4']);
  });

  it('refuses to export a capture whose bytes do not match its stored hash, and never overwrites', async () => {
    const bad = { ...caps[0]!, sha256: '0'.repeat(64) };
    await expect(writeWarc(path.join(dir, 'bad.warc'), [caps[1]!, bad])).rejects.toThrow(
      /does not match its bytes/,
    );
    expect(existsSync(path.join(dir, 'bad.warc'))).toBe(false);
    await expect(writeWarc(path.join(dir, 'tamper.warc'), caps)).rejects.toThrow(/EEXIST/);
  });

  it('reports garbage input instead of crashing', async () => {
    const file = path.join(dir, 'garbage.warc');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('WARC/1.1\r\nContent-Length: 999999\r\n\r\n'), Buffer.alloc(10, 7)]),
    );
    const v = await verifyWarc(file, expected);
    expect(v.ok).toBe(false);
  });
});

describe('WARC from stored snapshot fields', () => {
  it('accepts a header record instead of raw headers and fills the status text', async () => {
    const body = Buffer.from('<html>stored</html>');
    const c: CaptureForWarc = {
      ...capture('s1', body),
      response: { status: 404, headers: { 'content-type': 'text/html', 'set-cookie': ['a=1', 'b=2'] } },
    };
    const file = path.join(dir, 'snap.warc');
    await writeWarc(file, [c]);
    const text = readFileSync(file, 'latin1');
    expect(text).toContain('HTTP/1.1 404 Not Found');
    expect(text).toContain('set-cookie: a=1\r\nset-cookie: b=2');
    expect((await verifyWarc(file, new Map([['s1', c.sha256]]))).ok).toBe(true);
  });
});

describe('WARC attachments: screenshots and RFC 3161 tokens', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(300, 7),
  ]);
  const token = Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 13) % 256));
  const withAttachments = (id: string): CaptureForWarc => ({
    ...capture(id, Buffer.from(`<html>${id}</html>`)),
    screenshot: { bytes: png, sha256: sha(png) },
    timestampToken: token,
  });

  it('writes a screenshot and a token resource record per capture, tied to its response, verified against the store', async () => {
    const caps = [withAttachments('s1'), { ...capture('s2', Buffer.from('<html>s2</html>')) }];
    const file = path.join(dir, 'attachments.warc');
    await writeWarc(file, caps);
    const records: Array<{
      type: string;
      id: string | null;
      target: string | null;
      refers: string | null;
      kind: string | null;
      ct: string | null;
      payload: Uint8Array;
    }> = [];
    for await (const r of new WARCParser(createReadStream(file), { keepHeadersCase: true })) {
      records.push({
        type: r.warcType ?? '',
        id: r.warcHeader('WARC-Record-ID') ?? null,
        target: r.warcTargetURI ?? null,
        refers: r.warcHeader('WARC-Refers-To') ?? null,
        kind: r.warcHeader('WARC-Darkwatch-Kind') ?? null,
        ct: r.warcHeader('Content-Type') ?? null,
        payload: await r.readFully(false),
      });
    }
    expect(records.map((r) => r.type)).toEqual([
      'warcinfo',
      'response',
      'request',
      'resource',
      'resource',
      'response',
      'request',
    ]);
    const [shot, tst] = [records[3]!, records[4]!];
    expect(shot).toMatchObject({
      kind: 'screenshot',
      ct: 'image/png',
      refers: records[1]!.id,
      target: `urn:darkwatch:screenshot:${caps[0]!.url}`,
    });
    expect(Buffer.from(shot.payload).equals(png)).toBe(true);
    expect(tst).toMatchObject({
      kind: 'rfc3161-timestamp-token',
      ct: 'application/timestamp-token',
      refers: records[1]!.id,
    });
    expect(Buffer.from(tst.payload).equals(token)).toBe(true);

    const expected = new Map(caps.map((c) => [c.captureId, c.sha256]));
    const stored = new Map([
      ['s1', { screenshot: sha(png), 'rfc3161-timestamp-token': sha(token) }],
      ['s2', {}],
    ]);
    expect(await verifyWarc(file, expected, stored)).toMatchObject({
      ok: true,
      problems: [],
      responses: 2,
      records: 7,
    });

    // The store says s2 has a screenshot too: the file lacks it. And a different stored token hash.
    const v = await verifyWarc(
      file,
      expected,
      new Map([
        ['s1', { screenshot: sha(png), 'rfc3161-timestamp-token': 'f'.repeat(64) }],
        ['s2', { screenshot: sha(png) }],
      ]),
    );
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => `${p.captureId}: ${p.problem}`).sort()).toEqual([
      `s1: rfc3161-timestamp-token sha256 ${sha(token)} differs from stored ${'f'.repeat(64)}`,
      's2: screenshot of this capture is missing from the file',
    ]);
  });

  it('a flipped byte in a screenshot fails its digests and the stored hash; an attachment cannot point at another capture', async () => {
    const c = withAttachments('t1');
    const file = path.join(dir, 'shot-flip.warc');
    await writeWarc(file, [c, capture('t2', Buffer.from('<html>t2</html>'))]);
    const raw = readFileSync(file);
    const at = raw.indexOf(png.subarray(0, 8)) + 100;
    raw[at] = raw[at]! ^ 1;
    writeFileSync(path.join(dir, 'shot-flip-bad.warc'), raw);
    const stored = new Map([
      ['t1', { screenshot: sha(png), 'rfc3161-timestamp-token': sha(token) }],
      ['t2', {}],
    ]);
    const expected = new Map([
      ['t1', c.sha256],
      ['t2', capture('t2', Buffer.from('<html>t2</html>')).sha256],
    ]);
    const v = await verifyWarc(path.join(dir, 'shot-flip-bad.warc'), expected, stored);
    expect(v.problems.map((p) => p.problem)).toEqual([
      'WARC-Block-Digest does not match the block',
      'WARC-Payload-Digest does not match the payload',
      expect.stringMatching(/^screenshot sha256 [0-9a-f]{64} differs from stored/),
    ]);

    // Re-point the token record at t2's response.
    const text = readFileSync(file, 'latin1');
    const responseIds = [
      ...text.matchAll(/WARC-Type: response\r\n(?:[^\r\n]+\r\n)*?WARC-Record-ID: (<[^>]+>)/g),
    ].map((m) => m[1]!);
    const responseId = (i: number) =>
      responseIds[i] ??
      [...text.matchAll(/WARC-Record-ID: (<[^>]+>)\r\n(?:[^\r\n]+\r\n)*?WARC-Type: response/g)][i]![1]!;
    const moved = text.replace(`WARC-Refers-To: ${responseId(0)}`, `WARC-Refers-To: ${responseId(1)}`);
    writeFileSync(path.join(dir, 'moved.warc'), Buffer.from(moved, 'latin1'));
    const m = await verifyWarc(path.join(dir, 'moved.warc'), expected, stored);
    expect(m.problems.map((p) => `${p.captureId}: ${p.problem}`)).toContain(
      't1: attachment refers to the response of another capture',
    );
  });

  it('refuses to export a screenshot whose bytes do not match its stored hash', async () => {
    const c = { ...withAttachments('u1'), screenshot: { bytes: png, sha256: '0'.repeat(64) } };
    const file = path.join(dir, 'bad-shot.warc');
    await expect(writeWarc(file, [c])).rejects.toThrow(
      /stored screenshot sha256 0{64} does not match its bytes/,
    );
    expect(existsSync(file)).toBe(false);
  });
});
