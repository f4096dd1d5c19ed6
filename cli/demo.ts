// `darkwatch demo`: the whole loop on embedded defaults. Services, a separate demo database
// (training-range data never mixes with operational data), the training range behind its SOCKS
// gateway, pipeline workers, the web app, the range's sites as sources, the sample rules, an
// analyst login — then one crawl of every site.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import type { Config } from '../core/config.js';
import { UserError, errorMessage } from '../core/errors.js';
import { logger } from '../core/log.js';
import { startRange, type RunningRange } from '../range/range.js';
import { loadRuleFile } from '../rules/index.js';
import { SYSTEM_ACTOR } from '../store/audit.js';
import { withTransaction } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { saveRule } from '../store/rules.js';
import { addSource, getSource } from '../store/sources.js';
import { createUser, getUserByName, setPassword } from '../store/users.js';
import { operationalWorkspace } from '../store/workspaces.js';
import { servicesUp } from '../services/index.js';
import { withDatabase as urlWithDatabase } from '../services/postgres.js';
import { buildServer } from '../web/server.js';
import { startCrawlRun } from '../workers/crawl.js';
import { runState, runSummary, type RunSummary } from '../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../workers/runner.js';
import { defaultPageExtractor, EXTRACTOR_VERSION } from '../workers/page-extractor.js';

export const SAMPLE_RULES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'rules',
  'samples',
  'regional-threats.yaml',
);
export const DEMO_DATABASE = 'darkwatch_demo';

export interface DemoOptions {
  seed: number;
  host: string;
  port: number;
  /** Median Tor-like latency the range injects (ms). */
  latencyMs: number;
  concurrency: number;
  /** Progress lines go here (stderr by default). */
  progress?: (line: string) => void;
  /** Database created on the server for the demo (default darkwatch_demo; tests use their own). */
  database?: string;
}

export interface RunningDemo {
  url: string;
  login: { username: string; password: string };
  databaseUrl: string;
  range: RunningRange;
  pipeline: RunningPipeline;
  runs: Array<{ source: string; runId: number }>;
  /** Resolves when every crawl run has settled (extracted and matched). */
  crawled: Promise<RunSummary[]>;
  stop(): Promise<void>;
}

async function ensureDemoDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new UserError(`invalid demo database name "${name}"`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database ${name}`);
  } catch (err) {
    throw new UserError(`cannot create the demo database "${name}": ${errorMessage(err)}`);
  } finally {
    await client.end();
  }
  return urlWithDatabase(serverUrl, name);
}

export async function startDemo(config: Config, opts: DemoOptions): Promise<RunningDemo> {
  const say = opts.progress ?? ((line: string) => process.stderr.write(line + '\n'));
  say('services: PostgreSQL and Redis…');
  const urls = await servicesUp(config);
  const databaseUrl = await ensureDemoDatabase(urls.databaseUrl, opts.database ?? DEMO_DATABASE);
  await migrate(databaseUrl);
  const prefix = `${config.redisPrefix}demo`;

  say(`training range (seed ${opts.seed})…`);
  const range = await startRange({ seed: opts.seed, latencyMs: opts.latencyMs });
  const stops: Array<() => Promise<unknown>> = [() => range.stop()];
  try {
    const pipeline = await startPipeline({
      databaseUrl,
      redisUrl: urls.redisUrl,
      prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: config.chromiumPath,
      concurrency: opts.concurrency,
      extract: defaultPageExtractor(),
      extractorVersion: EXTRACTOR_VERSION,
      log: logger(),
    });
    stops.unshift(() => pipeline.close());
    const db = pipeline.db;

    // Sources, rules and the analyst login (idempotent: a second demo reuses them).
    const ws = await operationalWorkspace(db);
    const sources = [];
    // The phishing clone is there for mirror-list verification, not for the demo's sources.
    for (const site of range.sites.filter((s) => s.cloneOf === null)) {
      const existing = await getSource(db, ws.id, site.name);
      sources.push(
        existing ??
          (await addSource(db, ws.id, {
            name: site.name,
            kind: site.kind,
            urls: [site.url, ...site.mirrors.map((m) => `http://${m}/`)],
            // The JavaScript market only shows listing details after its scripts run.
            fetchMode: site.template === 'market-js' ? 'auto' : 'http',
            policy: {
              requestsPerMinute: 6000,
              concurrency: 4,
              pageBudget: 3000,
              maxDepth: 8,
              javascript: site.template === 'market-js',
            },
          })),
      );
    }
    const { rules, problems } = loadRuleFile(SAMPLE_RULES);
    if (problems.length)
      throw new Error(`sample rules are invalid: ${problems.map((p) => p.message).join('; ')}`);
    await withTransaction(db, async (tx) => {
      for (const def of rules) {
        await saveRule(
          tx,
          ws.id,
          {
            name: def.id,
            severity: def.severity,
            description: def.description,
            definition: def,
            sourceText: stringify(def),
          },
          null,
        );
      }
    });
    const password = randomBytes(9).toString('base64url');
    await withTransaction(db, async (tx) => {
      const existing = await getUserByName(tx, 'analyst');
      if (existing) await setPassword(tx, 'analyst', password, SYSTEM_ACTOR);
      else
        await createUser(
          tx,
          { username: 'analyst', password, role: 'analyst', displayName: 'Demo analyst' },
          SYSTEM_ACTOR,
        );
    });

    const subscriber = new Redis(urls.redisUrl, { maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    const app: FastifyInstance = await buildServer({
      db,
      subscriber,
      redis: pipeline.redis,
      redisPrefix: prefix,
      logger: false,
    });
    const address = await app.listen({ host: opts.host, port: opts.port }).catch((err: unknown) => {
      throw new UserError(`cannot listen on ${opts.host}:${opts.port}: ${errorMessage(err)}`);
    });
    stops.unshift(async () => {
      await app.close();
      subscriber.disconnect();
    });

    const frontier = pipeline.frontier;
    const runs = [];
    for (const source of sources) {
      const run = await startCrawlRun({ db, queues: pipeline.queues, frontier }, source, 'demo');
      runs.push({ source: source.name, runId: run.id });
    }
    const crawled = (async () => {
      const pending = new Set(runs.map((r) => r.runId));
      while (pending.size) {
        for (const id of [...pending])
          if ((await runState(db, pipeline.queues, id)).settled) pending.delete(id);
        await new Promise((r) => setTimeout(r, 500));
      }
      return Promise.all(runs.map((r) => runSummary(db, r.runId)));
    })();

    return {
      url: `${address}/`,
      login: { username: 'analyst', password },
      databaseUrl,
      range,
      pipeline,
      runs,
      crawled,
      async stop() {
        for (const stop of stops) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw err;
  }
}
