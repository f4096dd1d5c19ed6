import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBlob, putBlob, recordSnapshot, sha256Hex, type NewSnapshot } from '../../store/evidence.js';
import { createRun } from '../../store/runs.js';
import { freshDatabase, type TestDatabase } from '../helpers/services.js';
import { makeSource, opWorkspaceId } from '../helpers/fixtures.js';

describe('evidence store', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  it('stores bytes under the sha256 of exactly those bytes, once', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 0x1f, 0x8b]);
    const sha = await putBlob(t.db, bytes);
    expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await putBlob(t.db, bytes)).toBe(sha);
    expect((await getBlob(t.db, sha))!.equals(bytes)).toBe(true);
    const { rows } = await t.db.query('select count(*)::int as n from blobs where sha256 = $1', [sha]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a blob whose hash does not match its bytes (checked by the database)', async () => {
    const wrong = sha256Hex(Buffer.from('something else'));
    await expect(
      t.db.query('insert into blobs (sha256, size, content) values ($1, 3, $2)', [wrong, Buffer.from('abc')]),
    ).rejects.toThrow(/check constraint/);
  });

  it('never lets evidence be modified or deleted', async () => {
    const sha = await putBlob(t.db, Buffer.from('immutable'));
    await expect(t.db.query(`update blobs set created_at = now() where sha256 = $1`, [sha])).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.query(`delete from blobs where sha256 = $1`, [sha])).rejects.toThrow(/immutable/);
    await expect(t.db.query(`truncate blobs cascade`)).rejects.toThrow(/immutable/);
  });

  it('records a capture idempotently per run and URL, keeping exact bytes and the screenshot', async () => {
    const source = await makeSource(t.db, 'evidence-market');
    const ws = await opWorkspaceId(t.db);
    const run = await createRun(t.db, ws, source.id, 'manual');
    const body = Buffer.from('<html><body>Glock 19 — 0.01 BTC</body></html>\u0000binary tail');
    const snap: NewSnapshot = {
      workspaceId: ws,
      sourceId: source.id,
      crawlRunId: run.id,
      url: 'http://x.onion/item/1',
      finalUrl: 'http://x.onion/item/1',
      statusCode: 200,
      requestHeaders: { 'user-agent': 'test' },
      responseHeaders: { 'content-type': 'text/html' },
      body,
      contentType: 'text/html',
      screenshot: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      fetchMode: 'browser',
      proxyIdentity: 'src-1',
      capturedAt: new Date('2026-11-01T10:00:00Z'),
    };
    const first = await recordSnapshot(t.db, snap);
    const again = await recordSnapshot(t.db, {
      ...snap,
      body: Buffer.from('a retry that fetched other bytes'),
    });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.snapshot.id).toBe(first.snapshot.id);
    expect(first.snapshot.contentSha256).toBe(sha256Hex(body));
    expect(first.snapshot.contentLength).toBe(body.length);
    expect((await getBlob(t.db, first.snapshot.contentSha256))!.equals(body)).toBe(true);
    expect(first.snapshot.screenshotSha256).toBe(sha256Hex(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
    await expect(
      t.db.query('update snapshots set url = $1 where id = $2', ['x', first.snapshot.id]),
    ).rejects.toThrow(/immutable/);
  });
});
