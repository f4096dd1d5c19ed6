// Benchmark of the analyst API on a large database: the triage queue's first page and an entity
// pivot, p50/p95 server time (fastify app.inject, so auth + query + JSON), with EXPLAIN showing
// the plans, against a baseline of the same requests with index scans switched off (same data,
// same run); and SSE fan-out of one Redis message to 100 clients against 1 client.
//
//   npx tsx bench/web.ts [--alerts N] [--listings M] [--iterations K]
//
// Uses DATABASE_URL / REDIS_URL when set, else starts throwaway local servers. Data is generated
// in PostgreSQL with generate_series (defaults: 200,000 alerts, 500,000 listings — the issue's
// 1M / 5M works with --alerts 1000000 --listings 5000000 given time and disk).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  dropDatabase,
  ensureDatabase,
  startLocalPostgres,
  stopProcess,
  withDatabase,
} from '../services/postgres.js';
import { startLocalRedis } from '../services/redis.js';
import { createPool, withTransaction, type Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createApiToken, createUser } from '../store/users.js';
import { publishAlert } from '../web/live.js';
import { buildServer } from '../web/server.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const ALERTS = arg('alerts', 200_000);
const LISTINGS = Math.max(arg('listings', 500_000), ALERTS);
const ITER = arg('iterations', 200);
const BASELINE_ITER = Math.max(5, Math.floor(ITER / 20));

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function fmt(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

async function seed(db: Db): Promise<void> {
  const t0 = Date.now();
  const step = async (label: string, sql: string) => {
    const s = Date.now();
    await db.query(sql);
    process.stdout.write(`  ${label}: ${((Date.now() - s) / 1000).toFixed(1)} s\n`);
  };
  await step(
    'sources, rules',
    `
    insert into sources (workspace_id, name, kind) select 1, 'site-' || g, 'market' from generate_series(1, 50) g;
    insert into rules (workspace_id, name) select 1, 'rule-' || g from generate_series(1, 20) g;
    insert into rule_versions (rule_id, version, severity, definition, source_text)
      select id, 1, (array['low','medium','high','critical'])[1 + id % 4], '{}'::jsonb, 'query: x' from rules;`,
  );
  await step(
    'vendors',
    `
    insert into vendors (workspace_id, source_id, name, name_norm, pgp_fingerprint)
      select 1, 1 + g % 50, 'vendor' || g, 'vendor' || g, case when g % 3 = 0 then upper(md5(g::text)) || '00000000' end
      from generate_series(1, 5000) g;`,
  );
  await step(
    `listings (${LISTINGS})`,
    `
    insert into listings (workspace_id, source_id, url, title, description, price_eur, vendor_id, vendor_name, category, first_seen, last_seen)
      select 1, 1 + g % 50, 'http://site' || (g % 50) || '.onion/l/' || g,
             (array['glock','beretta','cz 75','passport','cocaine','mdma','euro notes','driving licence'])[1 + g % 8] || ' offer ' || g,
             'lot ' || g || ' ships from ' || (array['RS','AL','BG','RO'])[1 + g % 4],
             (g % 3000) + 50, 1 + g % 5000, 'vendor' || (1 + g % 5000),
             (array['firearms','drugs','documents','other'])[1 + g % 4],
             now() - (g || ' minutes')::interval, now() - (g || ' seconds')::interval
      from generate_series(1, ${LISTINGS}) g;`,
  );
  await step(
    'entities + mentions',
    `
    insert into entities (workspace_id, type, value) select 1, 'btc', 'bc1q' || md5(g::text) from generate_series(1, 50000) g;
    insert into entity_mentions (entity_id, source_id, listing_id, seen_at)
      select 1 + (g * 7919) % 50000, 1 + g % 50, g, now() - (g || ' seconds')::interval from generate_series(1, ${LISTINGS} / 2) g;`,
  );
  await step(
    `alerts (${ALERTS})`,
    `
    insert into alerts (workspace_id, rule_id, rule_version_id, subject_type, subject_id, severity, status, dismiss_reason, title, source_id,
                        category, first_seen_at, last_seen_at, created_at)
      select 1, 1 + g % 20, 1 + g % 20, 'listing', g, (array['low','medium','high','critical'])[1 + sev],
             (array['new','new','new','new','new','new','in_review','in_review','dismissed','closed'])[1 + st],
             case when st = 8 then 'false_positive' end,
             'alert ' || g, 1 + src, (array['firearms','drugs','documents','other'])[1 + g % 4],
             now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
      -- status, severity and site drawn independently (hashtext), not as correlated moduli of g
      from (select g, abs(hashtext('v' || g)) % 4 as sev, abs(hashtext('t' || g)) % 10 as st, abs(hashtext('s' || g)) % 50 as src
              from generate_series(1, ${ALERTS}) g) x;`,
  );
  await step('analyze', 'analyze');
  process.stdout.write(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

type Inject = (url: string) => Promise<{ statusCode: number; body: string }>;

async function measure(inject: Inject, urls: () => string, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const url = urls();
    const t = process.hrtime.bigint();
    const res = await inject(url);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  }
  return samples;
}

async function explain(db: Db, sql: string, params: unknown[], analyze = false): Promise<string[]> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(
    `explain ${analyze ? '(analyze, buffers off) ' : ''}${sql}`,
    params,
  );
  return rows.map((r) => r['QUERY PLAN']);
}

async function sseFanOut(
  base: string,
  cookieHeader: string,
  pub: Redis,
  prefix: string,
  clients: number,
  alertId: number,
): Promise<number> {
  let received = 0;
  const reqs: http.ClientRequest[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(
            `${base}/api/alerts/stream`,
            { headers: { authorization: cookieHeader } },
            (res) => {
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                if (chunk.includes(': connected')) resolve();
                if (chunk.includes('event: alert') && ++received === clients) done();
              });
            },
          );
          req.on('error', reject);
          reqs.push(req);
        }),
    ),
  );
  const t = process.hrtime.bigint();
  await publishAlert(pub, prefix, { workspaceId: 1, alertId, created: true });
  await all;
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  for (const r of reqs) r.destroy();
  return ms;
}

async function main(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dw-bench-web-'));
  chmodSync(tmp, 0o755);
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      process.stdout.write('starting a local PostgreSQL…\n');
      const pg = await startLocalPostgres(path.join(tmp, 'pg'), tmp);
      stops.push(() => stopProcess(pg.pid));
      adminUrl = withDatabase(pg.url, 'postgres');
    }
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const r = await startLocalRedis(path.join(tmp, 'redis'));
      stops.push(() => stopProcess(r.pid, 'SIGTERM'));
      redisUrl = r.url;
    }
    const name = `dw_bench_web_${randomBytes(3).toString('hex')}`;
    await ensureDatabase(adminUrl, name);
    stops.push(() => dropDatabase(adminUrl, name));
    const url = withDatabase(adminUrl, name);
    await migrate(url);
    const db = createPool(url, 4);
    // The baseline: same data, every connection with index scans switched off.
    const slowUrl = new URL(url);
    slowUrl.searchParams.set(
      'options',
      '-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off',
    );
    const slowDb = createPool(slowUrl.toString(), 2);
    stops.push(async () => {
      await db.end();
      await slowDb.end();
    });

    process.stdout.write(`seeding ${ALERTS} alerts, ${LISTINGS} listings…\n`);
    await seed(db);
    const actor = { id: null, name: 'bench' };
    await withTransaction(db, (tx) =>
      createUser(tx, { username: 'bench', password: 'bench password 123', role: 'analyst' }, actor),
    );
    const { token } = await withTransaction(db, (tx) => createApiToken(tx, 'bench', 'bench', actor));
    const auth = { authorization: `Bearer ${token}` };

    const prefix = `dwbench:${randomBytes(3).toString('hex')}`;
    const app = await buildServer({
      db,
      subscriber: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      redisPrefix: prefix,
    });
    const slowApp = await buildServer({ db: slowDb });
    stops.push(async () => {
      await app.close();
      await slowApp.close();
    });
    const fast: Inject = (u) => app.inject({ method: 'GET', url: u, headers: auth });
    const slow: Inject = (u) => slowApp.inject({ method: 'GET', url: u, headers: auth });

    const triageUrl = () => '/api/alerts?status=new,in_review&limit=50';
    const filteredUrl = () =>
      `/api/alerts?status=new&severity=critical&site=site-${1 + Math.floor(Math.random() * 49)}&limit=50`;
    const pivotUrl = () => `/api/entities/btc/bc1q${md5Of(1 + Math.floor(Math.random() * 50000))}`;

    const cases: Array<[string, () => string]> = [
      ['triage first page (open, newest, 50)', triageUrl],
      ['triage filtered (new + critical + site)', filteredUrl],
      ['entity pivot (btc address)', pivotUrl],
    ];
    await measure(fast, triageUrl, 10); // warm-up
    process.stdout.write(
      `\nserver time per request (app.inject: auth + query + JSON), ${ITER} requests; baseline ${BASELINE_ITER} requests with index scans off\n`,
    );
    process.stdout.write(
      'request                                    p50        p95        baseline p50  baseline p95  ratio (p95)\n',
    );
    for (const [label, urls] of cases) {
      const f = await measure(fast, urls, ITER);
      const s = await measure(slow, urls, BASELINE_ITER);
      process.stdout.write(
        `${label.padEnd(42)} ${fmt(pct(f, 50)).padStart(10)} ${fmt(pct(f, 95)).padStart(10)} ${fmt(pct(s, 50)).padStart(13)} ${fmt(pct(s, 95)).padStart(13)}  ${(pct(s, 95) / pct(f, 95)).toFixed(1)}x\n`,
      );
    }

    process.stdout.write('\nEXPLAIN triage first page:\n');
    const triageSql = `select a.id from alerts a join rules r on r.id = a.rule_id join rule_versions v on v.id = a.rule_version_id
      left join users u on u.id = a.assignee_id left join sources s on s.id = a.source_id
      where a.workspace_id = $1 and a.status = any($2) order by a.last_seen_at desc, a.id desc limit 50`;
    for (const l of await explain(db, triageSql, [1, ['new', 'in_review']], true))
      process.stdout.write(`  ${l}\n`);
    process.stdout.write('EXPLAIN ANALYZE triage filtered (new + critical + site):\n');
    const filteredSql = triageSql.replace(
      'a.status = any($2)',
      `a.status = any($2) and a.severity = any($3) and a.source_id = (select s2.id from sources s2 where s2.workspace_id = $1 and s2.name = $4)`,
    );
    for (const l of await explain(db, filteredSql, [1, ['new'], ['critical'], 'site-7'], true))
      process.stdout.write(`  ${l}\n`);
    process.stdout.write('EXPLAIN pivot (entity lookup + mentions):\n');
    for (const l of await explain(
      db,
      'select id from entities where workspace_id = $1 and type = $2 and value = $3',
      [1, 'btc', `bc1q${md5Of(42)}`],
    ))
      process.stdout.write(`  ${l}\n`);
    for (const l of await explain(
      db,
      `select m.listing_id, l.title from entity_mentions m join sources s on s.id = m.source_id left join listings l on l.id = m.listing_id
        where m.entity_id = $1 order by m.seen_at desc limit 1000`,
      [42],
      true,
    ))
      process.stdout.write(`  ${l}\n`);

    // SSE fan-out: one Redis message to N open streams.
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const pub = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    stops.push(async () => pub.disconnect());
    const one: number[] = [];
    const hundred: number[] = [];
    for (let i = 0; i < 5; i++) one.push(await sseFanOut(base, auth.authorization, pub, prefix, 1, 1 + i));
    for (let i = 0; i < 5; i++)
      hundred.push(await sseFanOut(base, auth.authorization, pub, prefix, 100, 1 + i));
    process.stdout.write(
      `\nSSE fan-out (publish → every client has the event), median of 5: 1 client ${fmt(pct(one, 50))}, 100 clients ${fmt(pct(hundred, 50))} (${(pct(hundred, 50) / pct(one, 50)).toFixed(1)}x for 100x the clients)\n`,
    );
  } finally {
    for (const stop of stops.reverse())
      await stop().catch((e) => process.stderr.write(`cleanup: ${String(e)}\n`));
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Same as PostgreSQL's md5(n::text): the address of a generated entity. */
function md5Of(n: number): string {
  return createHash('md5').update(String(n)).digest('hex');
}

await main();
