// Once through real Tor: the range's sites served as onion services on a private Tor network on
// loopback, crawled by the pipeline through the Tor client's SocksPort. Tor's control port shows
// that two sources (one in http mode, one in browser mode) never shared a circuit.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRange, type RunningRange } from '../../range/range.js';
import {
  TorControlClient,
  recordStreamCircuits,
  type StreamCircuitRecorder,
} from '../../range/tor/control.js';
import { rangeTorSites, startRangeTor, type RangeTor } from '../../range/tor/range-tor.js';
import { addSource } from '../../store/sources.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import { freshDatabase, testRedis, type TestDatabase } from '../helpers/services.js';

describe('crawling through a private Tor network', () => {
  let range: RunningRange;
  let tor: RangeTor;
  let control: TorControlClient;
  let streams: StreamCircuitRecorder;
  let t: TestDatabase;
  let pipeline: RunningPipeline;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dw-real-tor-'));

  beforeAll(async () => {
    range = await startRange({ seed: 21, size: 120 });
    const wanted = range.sites.filter((s) => s.name === 'blackforge' || s.name === 'stashbin');
    tor = await startRangeTor({
      sites: rangeTorSites(range.seed, wanted, (onion) => range.gateway.getRoute(onion)?.port),
      dataDir,
      timeoutMs: 180_000,
    });
    control = await TorControlClient.connect({ port: tor.controlPort, cookiePath: tor.controlCookiePath });
    streams = await recordStreamCircuits(control);
    t = await freshDatabase();
    pipeline = await startPipeline({
      databaseUrl: t.url,
      redisUrl: testRedis('tor').url,
      prefix: testRedis('tor').prefix,
      proxyUrl: tor.socksUrl,
      chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      concurrency: 3,
      extract: () => ({
        pageType: 'other',
        site: null,
        listings: [],
        posts: [],
        entities: [],
        language: null,
      }),
      extractorVersion: 'test',
      log: pino({ level: 'silent' }),
    });
  }, 240_000);

  afterAll(async () => {
    await pipeline?.close();
    streams?.stop();
    control?.close();
    await tor?.stop();
    await range?.stop();
    await t?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'completes crawls in http and browser mode, each source on its own circuits',
    { timeout: 240_000 },
    async () => {
      const ws = await operationalWorkspace(t.db);
      const shop = range.sites.find((s) => s.name === 'blackforge')!;
      const paste = range.sites.find((s) => s.name === 'stashbin')!;
      const policy = { requestsPerMinute: 60_000, concurrency: 3, pageBudget: 12, maxDepth: 3 };
      const httpSource = await addSource(t.db, ws.id, {
        name: 'tor-http',
        kind: 'shop',
        urls: [shop.url],
        fetchMode: 'http',
        policy,
      });
      const browserSource = await addSource(t.db, ws.id, {
        name: 'tor-browser',
        kind: 'paste',
        urls: [paste.url],
        fetchMode: 'browser',
        policy,
      });
      const runs = [];
      for (const source of [httpSource, browserSource]) {
        runs.push(
          await startCrawlRun(
            { db: t.db, queues: pipeline.queues, frontier: pipeline.frontier },
            source,
            'manual',
          ),
        );
      }
      const deadline = Date.now() + 200_000;
      for (const run of runs) {
        for (;;) {
          const s = await runState(t.db, pipeline.queues, run.id);
          if (s.run.status !== 'queued' && s.run.status !== 'running') {
            expect(s.run.status).toBe('completed');
            expect(s.progress.fetched).toBeGreaterThan(1);
            break;
          }
          if (Date.now() > deadline)
            throw new Error(`run ${run.id} did not finish: ${JSON.stringify(s.progress)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const shots = await t.db.query<{ n: number }>(
        'select count(*)::int as n from snapshots where crawl_run_id = $1 and screenshot_sha256 is not null',
        [runs[1]!.id],
      );
      expect(shots.rows[0]!.n).toBeGreaterThan(0);

      const httpCircuits = streams.circuitsOf(`dw-${httpSource.id}`);
      const browserCircuits = streams.circuitsOf(`dw-${browserSource.id}`);
      expect(httpCircuits.size).toBeGreaterThan(0);
      expect(browserCircuits.size).toBeGreaterThan(0);
      expect([...httpCircuits].filter((c) => browserCircuits.has(c))).toEqual([]);
    },
  );
});
