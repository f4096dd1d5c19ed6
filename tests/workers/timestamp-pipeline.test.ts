// Captures get an RFC 3161 token from the configured authority before they are stored, through the
// real pipeline (range → SOCKS gateway → workers → PostgreSQL); a TSA that is down loses nothing.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WARCParser } from 'warcio';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startRange, type RunningRange } from '../../range/range.js';
import { getBlob, getTsaToken, listRunSnapshots, sha256Hex } from '../../store/evidence.js';
import { addSource } from '../../store/sources.js';
import { exportRunWarc, verifyWarcAgainstStore } from '../../store/warc-export.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import type { PageExtractor } from '../../workers/extract.js';
import { runState } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';
import { startLocalTsa, type LocalTsa } from './local-tsa.js';

const noExtraction: PageExtractor = () => ({
  pageType: 'other',
  site: null,
  listings: [],
  posts: [],
  entities: [],
  language: null,
});

describe('RFC 3161 timestamps on captures', () => {
  let range: RunningRange;
  let t: TestDatabase;
  let tsa: LocalTsa;
  beforeAll(async () => {
    [range, t, tsa] = await Promise.all([
      startRange({ seed: 6, size: 60 }),
      freshDatabase(),
      startLocalTsa(),
    ]);
  });
  afterAll(async () => {
    await range?.stop();
    await t?.drop();
    await tsa?.stop();
  });

  async function crawl(name: string, tsaUrl: string, logs: string[]): Promise<number> {
    const redis = testRedis(`tsa-${name}`);
    const sink = new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) });
    const pipeline: RunningPipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: redis.url,
      prefix: redis.prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: '/usr/bin/chromium',
      concurrency: 4,
      extract: noExtraction,
      extractorVersion: 'test',
      log: pino({ level: 'warn' }, sink),
      tsaUrl,
    });
    try {
      const site = range.sites.find((s) => s.name === 'stashbin')!;
      const ws = await operationalWorkspace(t.db);
      const source = await addSource(t.db, ws.id, {
        name,
        kind: 'paste',
        urls: [site.url],
        fetchMode: 'http',
        policy: { requestsPerMinute: 60_000, concurrency: 4, pageBudget: 8, maxDepth: 2 },
      });
      const run = await startCrawlRun(
        { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
        source,
        'manual',
      );
      const deadline = Date.now() + 60_000; // a few seconds alone; room for a loaded CI machine
      while (!(await runState(pipeline.db, pipeline.queues, run.id)).settled) {
        if (Date.now() > deadline) throw new Error('crawl did not settle');
        await new Promise((r) => setTimeout(r, 200));
      }
      return run.id;
    } finally {
      await pipeline.close();
    }
  }

  it('stores a token per capture that openssl verifies against the stored sha256', async () => {
    const runId = await crawl('stamped', tsa.url, []);
    const snaps = await listRunSnapshots(t.db, runId);
    expect(snaps.length).toBeGreaterThanOrEqual(3);
    expect(tsa.requests).toBeGreaterThanOrEqual(snaps.length);
    for (const s of snaps) {
      expect(s.hasTsaToken).toBe(true);
      // The token covers the hash of the exact stored bytes.
      const bytes = (await getBlob(t.db, s.contentSha256))!;
      expect(sha256Hex(bytes)).toBe(s.contentSha256);
      const v = await tsa.verify((await getTsaToken(t.db, s.id))!, s.contentSha256);
      expect(v.output).toContain('Verification: OK');
    }
    // …and not any other capture's hash.
    const other = await tsa.verify((await getTsaToken(t.db, snaps[0]!.id))!, snaps[1]!.contentSha256);
    expect(other.ok).toBe(false);

    // The WARC verifier checks the stored tokens cover the stored hashes too.
    const ws = await operationalWorkspace(t.db);
    const file = path.join(tsa.dir, 'stamped.warc');
    await exportRunWarc(t.db, ws.id, runId, file);
    expect(await verifyWarcAgainstStore(t.db, ws.id, file)).toMatchObject({
      ok: true,
      timestamped: snaps.length,
      problems: [],
    });

    // The export carries each token as a resource record tied to its response; openssl verifies the
    // token as read back from the WARC against the capture's sha256.
    const tokens = new Map<string, { bytes: Buffer; stamped: string | null; refers: string | null }>();
    const responses = new Map<string, string>();
    for await (const r of new WARCParser(createReadStream(file), { keepHeadersCase: true })) {
      const payload = Buffer.from(await r.readFully(false));
      const id = r.warcHeader('WARC-Darkwatch-Capture-Id');
      if (r.warcType === 'response' && id) responses.set(r.warcHeader('WARC-Record-ID')!, id);
      if (r.warcHeader('WARC-Darkwatch-Kind') === 'rfc3161-timestamp-token' && id)
        tokens.set(id, {
          bytes: payload,
          stamped: r.warcHeader('WARC-Darkwatch-Timestamped-Sha256') ?? null,
          refers: r.warcHeader('WARC-Refers-To') ?? null,
        });
    }
    expect(tokens.size).toBe(snaps.length);
    for (const s of snaps) {
      const tk = tokens.get(String(s.id))!;
      expect(tk.bytes.equals((await getTsaToken(t.db, s.id))!)).toBe(true);
      expect(tk.stamped).toBe(s.contentSha256);
      expect(responses.get(tk.refers!)).toBe(String(s.id));
    }
    const first = snaps[0]!;
    expect((await tsa.verify(tokens.get(String(first.id))!.bytes, first.contentSha256)).output).toContain(
      'Verification: OK',
    );

    // A token record changed in the file no longer matches the stored token.
    const raw = readFileSync(file);
    const at = raw.indexOf(tokens.get(String(first.id))!.bytes) + 40;
    raw[at] = raw[at]! ^ 1;
    const bad = path.join(tsa.dir, 'stamped-bad.warc');
    writeFileSync(bad, raw);
    const v = await verifyWarcAgainstStore(t.db, ws.id, bad);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.problem)).toContainEqual(
      expect.stringMatching(/^rfc3161-timestamp-token sha256 [0-9a-f]{64} differs from stored/),
    );
  });

  it('stores every capture without a token, and warns, when the authority is down', async () => {
    const logs: string[] = [];
    const runId = await crawl('unstamped', 'http://127.0.0.1:9/tsa', logs);
    const snaps = await listRunSnapshots(t.db, runId);
    expect(snaps.length).toBeGreaterThanOrEqual(3);
    const { rows } = await t.db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from crawl_urls where run_id = $1 group by status',
      [runId],
    );
    expect(rows).toEqual([{ status: 'fetched', n: snaps.length }]);
    for (const s of snaps) expect(s.hasTsaToken).toBe(false);
    const warnings = logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'capture stored without RFC 3161 timestamp');
    expect(warnings).toHaveLength(snaps.length);
    expect(warnings[0].err).toMatch(/^timestamping authority unreachable/);
  });
});
