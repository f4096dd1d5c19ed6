// RFC 3161 client against a real `openssl ts` authority, and its DER handling against hostile replies.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildTimeStampReq,
  readToken,
  TimestampError,
  tokenFromReply,
  TsaClient,
} from '../../crawler/timestamp.js';
import { startLocalTsa, type LocalTsa } from '../workers/local-tsa.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('RFC 3161 timestamps', () => {
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa?.stop();
  });

  it('builds the TimeStampReq DER openssl reads', () => {
    const req = buildTimeStampReq(sha('x'), Buffer.from('80000000000000ff', 'hex'));
    // SEQUENCE, version 1, imprint (sha256), nonce with a leading zero (high bit set), certReq TRUE.
    expect(req.toString('hex')).toBe(
      '3044020101303130' +
        '0d06096086480165030402010500' +
        '0420' +
        sha('x') +
        '0209' +
        '0080000000000000ff' +
        '0101ff',
    );
    expect(() => buildTimeStampReq('not-a-hash', Buffer.from([1]))).toThrow(TimestampError);
  });

  it('gets a token that openssl verifies for that digest and no other', async () => {
    const digest = sha('evidence bytes');
    const token = await new TsaClient(tsa.url).stamp(digest);
    const info = readToken(token);
    expect(info.sha256Hex).toBe(digest);
    expect(info.genTime).toMatch(/^\d{14}Z$/);
    expect(await tsa.verify(token, digest)).toMatchObject({ ok: true });
    expect((await tsa.verify(token, sha('other bytes'))).ok).toBe(false);
  });

  it('reports an authority that is down, answers junk, or answers too much — never throws from stampOrNull', async () => {
    const failures: string[] = [];
    const down = new TsaClient('http://127.0.0.1:9/tsa', {
      timeoutMs: 2000,
      onFailure: (e) => failures.push(e.message),
    });
    expect(await down.stampOrNull(sha('a'))).toBeNull();
    expect(failures[0]).toMatch(/^timestamping authority unreachable/);

    const replies = [
      Buffer.from('not der at all'),
      Buffer.alloc(300 * 1024, 0x30),
      Buffer.from('30053003020102', 'hex'),
    ];
    let i = 0;
    const junk = http.createServer((_req, res) => res.end(replies[i++ % replies.length]));
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', r));
    const client = new TsaClient(`http://127.0.0.1:${(junk.address() as AddressInfo).port}/`, {
      onFailure: (e) => failures.push(e.message),
    });
    for (let k = 0; k < 3; k++) expect(await client.stampOrNull(sha('b'))).toBeNull();
    await new Promise<void>((r) => junk.close(() => r()));
    expect(failures.slice(1)).toEqual([
      expect.stringMatching(/^(malformed timestamp reply|truncated DER|DER element overruns|bad DER length)/),
      'timestamp reply larger than 262144 bytes',
      'timestamping authority refused the request (PKIStatus 2)',
    ]);
  });

  it('rejects a genuine token for a different hash or nonce', async () => {
    // A reply captured from the real authority, replayed against another request.
    const digest = sha('replayed');
    const nonce = Buffer.from('0102030405060708', 'hex');
    const res = await fetch(tsa.url, { method: 'POST', body: buildTimeStampReq(digest, nonce) });
    const reply = Buffer.from(await res.arrayBuffer());
    expect(tokenFromReply(reply, digest, nonce).info.nonce).toBe(0x0102030405060708n);
    expect(() => tokenFromReply(reply, sha('something else'), nonce)).toThrow('covers a different hash');
    expect(() => tokenFromReply(reply, digest, Buffer.from('0102030405060709', 'hex'))).toThrow(
      'nonce does not match',
    );
  });

  it('never crashes on arbitrary bytes (only TimestampError)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          tokenFromReply(Buffer.from(bytes), sha('x'), Buffer.from([1]));
          return false;
        } catch (err) {
          return err instanceof TimestampError;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
