// `darkwatch demo` end to end, from a clean database: the real services, the training range
// behind its SOCKS gateway, workers, extraction (Chromium for the JavaScript market) and the
// sample rules. The alerts it must raise are computed from the range's ground truth with the
// same rule engine — exact sets per text rule, and none on the hard negatives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../../core/config.js';
import type { MatchableListing } from '../../core/types.js';
import { SAMPLE_RULES, startDemo, type RunningDemo } from '../../cli/demo.js';
import { buildTruth, type TruthListing } from '../../range/truth.js';
import { generateWorld } from '../../range/generate/world.js';
import { compileRules, loadRuleFile } from '../../rules/index.js';
import { dropDatabase } from '../../services/postgres.js';
import type { RunSummary } from '../../workers/progress.js';
import { analystWalkthrough } from './walkthrough.js';
import '../setup/types.js';

const SEED = 1;

/**
 * Where the demo's alerts differ from the ground truth on seed 1, and why. Not a tolerance: the
 * test asserts the differences are exactly these (a new one, or a fixed one, fails it), so each
 * is visible to whoever changes the classifier or the extractors.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  // The classifier labels these firearms listings other / drugs (its title-led mix of the title-only
  // and whole-listing readings — extractors/classifier/index.ts — still leans the wrong way: "Top
  // quality" titles read as drugs, a Greek parts title's boilerplate description pulls it to other),
  // so the rule's `category: firearms` condition is not met.
  'handguns-from-the-region NC000485 missing': 'classifier: other (Greek Glock slide + barrel kit)',
  'rifles-and-gun-parts IB000137 missing': 'classifier: drugs (AR-15 M4 carbine | Top quality | 1 pc)',
  'rifles-and-gun-parts NC000325 missing': 'classifier: drugs (AR-15 M4 carbine | Top quality | 1 pc)',
  // Homoglyph title (Cyrillic о/а/с in "Коsоvо ID саrd") with a boilerplate description: firearms.
  'forged-identity-documents NC000388 missing': 'classifier: firearms (Коsоvо ID саrd, homoglyphs)',
};

function matchable(l: TruthListing): MatchableListing {
  return {
    id: l.id,
    site: l.site,
    title: l.title,
    description: l.description,
    price: l.price,
    priceEur: l.priceEur,
    vendor: l.vendor,
    category: l.categoryPath,
    classification: { label: l.category, confidence: 1 },
    shipsFrom: l.shipsFrom,
    shipsTo: l.shipsTo,
    url: l.url,
    language: l.language,
    currency: l.price.currency as MatchableListing['currency'],
    entities: l.entities,
  };
}

describe('darkwatch demo', () => {
  const services = inject('services');
  const database = `${services.dbPrefix}_demo`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dw-demo-'));
  let demo: RunningDemo;
  let summaries: RunSummary[];
  const timings = { firstAlertMs: -1, crawledMs: -1 };

  beforeAll(async () => {
    const config = loadConfig({
      DATABASE_URL: services.adminUrl,
      REDIS_URL: services.redisUrl,
      DARKWATCH_REDIS_PREFIX: `${services.redisPrefix}:demo`.replace(/[^A-Za-z0-9:_-]/g, '_').slice(0, 64),
      DARKWATCH_DATA_DIR: dataDir,
      CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      LOG_LEVEL: 'warn',
    });
    const started = Date.now();
    demo = await startDemo(config, {
      seed: SEED,
      host: '127.0.0.1',
      port: 0,
      latencyMs: 0,
      concurrency: 6,
      database,
      progress: () => undefined,
    });
    let done = false;
    const watcher = (async () => {
      while (!done && timings.firstAlertMs < 0) {
        const { rows } = await demo.pipeline.db.query<{ n: number }>('select count(*)::int as n from alerts');
        if (rows[0]!.n > 0) timings.firstAlertMs = Date.now() - started;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    // 85–200 s seen on shared machines; the bound only turns a hang into a clear failure.
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('demo crawl did not finish in 840 s')), 840_000).unref(),
    );
    summaries = await Promise.race([demo.crawled, timeout]);
    timings.crawledMs = Date.now() - started;
    done = true;
    await watcher;
    process.stderr.write(
      `demo figures: first alert after ${timings.firstAlertMs} ms, complete crawl after ${timings.crawledMs} ms\n`,
    );
  }, 870_000);

  afterAll(async () => {
    await demo?.stop();
    await dropDatabase(services.adminUrl, database);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('crawls every site and raises alerts quickly', () => {
    expect(summaries.length).toBe(demo.range.sites.filter((s) => s.cloneOf === null).length);
    expect(summaries.every((s) => s.pages > 0)).toBe(true);
    expect(timings.firstAlertMs).toBeGreaterThan(0);
    // Alerts stream in while the crawl goes on (4–10 s of 85–200 s seen), not at its end; relative
    // to the crawl, so a slow machine slows both.
    expect(timings.firstAlertMs).toBeLessThan(timings.crawledMs / 2);
  });

  it('raises exactly the alerts the sample rules give on the ground truth, per text rule', async () => {
    const { rules, problems } = loadRuleFile(SAMPLE_RULES);
    expect(problems).toEqual([]);
    const textRules = rules.filter((r) => !r.on);
    expect(textRules.length).toBeGreaterThanOrEqual(5);
    const set = compileRules(textRules);
    const truth = buildTruth(generateWorld({ seed: SEED, size: demo.range.world.size }), 0);
    // The demo crawls every site but the phishing clone (it is there for mirror verification).
    const crawled = new Set(truth.sites.filter((x) => x.cloneOf === null).map((x) => x.name));
    const expected = new Map<string, Set<string>>(textRules.map((r) => [r.id, new Set()]));
    for (const l of truth.listings.filter((x) => crawled.has(x.site)))
      for (const m of set.match(matchable(l))) expected.get(m.rule.id)!.add(l.url);

    const { rows } = await demo.pipeline.db.query<{ rule: string; url: string }>(
      `select r.name as rule, l.url from alerts a join rules r on r.id = a.rule_id
         join listings l on a.subject_type = 'listing' and l.id = a.subject_id`,
    );
    const actual = new Map<string, Set<string>>(textRules.map((r) => [r.id, new Set()]));
    for (const r of rows) actual.get(r.rule)?.add(r.url);

    const byUrl = new Map(truth.listings.map((l) => [l.url, l]));
    // What extraction made of a listing, next to the truth, so a difference explains itself.
    const stored = new Map(
      (
        await demo.pipeline.db.query<{
          url: string;
          category: string | null;
          ships_from: string | null;
          title: string;
        }>('select url, category, ships_from, title from listings')
      ).rows.map((r) => [r.url, r]),
    );
    const explain = (u: string) => {
      const t = byUrl.get(u);
      const x = stored.get(u);
      return (
        `${t?.site ?? '?'} "${t?.title ?? u}" — truth ${t?.category}/${t?.subcategory} from ${t?.shipsFrom}; ` +
        (x ? `extracted ${x.category} from ${x.ships_from}` : 'not extracted')
      );
    };
    const differences: string[] = [];
    const explained: string[] = [];
    for (const r of textRules) {
      const e = expected.get(r.id)!;
      const a = actual.get(r.id)!;
      for (const [u, kind] of [
        ...[...e].filter((x) => !a.has(x)).map((x) => [x, 'missing'] as const),
        ...[...a].filter((x) => !e.has(x)).map((x) => [x, 'unexpected'] as const),
      ]) {
        differences.push(`${r.id} ${byUrl.get(u)?.id ?? u} ${kind}`);
        explained.push(`${r.id}: ${kind} alert on ${explain(u)}`);
      }
    }
    const counts = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([k, v]) => [k, v.size]));
    process.stderr.write(
      `demo alerts per rule: expected from truth ${JSON.stringify(counts(expected))}, raised ${JSON.stringify(counts(actual))}\n` +
        (explained.length ? `differences:\n  ${explained.join('\n  ')}\n` : ''),
    );
    for (const [rule, urls] of expected) expect(urls.size, rule).toBeGreaterThan(0);
    // Exact: the raised alerts are the truth's alerts, except exactly the documented differences.
    expect(differences.sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
    const adjusted = new Map([...expected].map(([rule, urls]) => [rule, urls.size]));
    for (const d of differences) {
      const [rule, , kind] = d.split(' ');
      adjusted.set(rule!, adjusted.get(rule!)! + (kind === 'missing' ? -1 : 1));
    }
    expect(counts(actual)).toEqual(Object.fromEntries(adjusted));
  });

  it('raises no text-rule alert on the hard negatives (airsoft, holsters)', async () => {
    const truth = buildTruth(generateWorld({ seed: SEED, size: demo.range.world.size }), 0);
    const negatives = truth.listings.filter(
      (l) => l.subcategory === 'airsoft' || l.subcategory === 'holsters',
    );
    expect(negatives.length).toBeGreaterThan(0);
    const { rows } = await demo.pipeline.db.query<{ rule: string; url: string }>(
      `select r.name as rule, l.url from alerts a join rules r on r.id = a.rule_id
         join listings l on a.subject_type = 'listing' and l.id = a.subject_id
        where r.name <> 'same-pgp-key-on-two-markets' and l.url = any($1)`,
      [negatives.map((l) => l.url)],
    );
    expect(rows).toEqual([]);
  });

  it('correlates vendors across markets by a shared key', async () => {
    const { rows } = await demo.pipeline.db.query<{ n: number }>(
      `select count(*)::int as n from alerts a join rules r on r.id = a.rule_id where r.name = 'same-pgp-key-on-two-markets'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it("takes the analyst through the demo's alerts in Chromium (the walkthrough's screenshots)", async () => {
    const walk = await analystWalkthrough(demo.url, demo.login, demo.pipeline.db);
    const open = await demo.pipeline.db.query<{ n: number }>(
      `select count(*)::int as n from alerts where status in ('new', 'in_review')`,
    );
    expect(walk.queueRows).toBeGreaterThan(0);
    expect(walk.queueRows).toBeLessThanOrEqual(open.rows[0]!.n);
    expect(walk.frameText.length).toBeGreaterThan(0);
    expect(walk.sha256Shown).toBe(walk.sha256Stored);
    expect(walk.escalatedStatus).toBe('escalated');
    expect(walk.packageFiles).toEqual(
      expect.arrayContaining(['manifest.json', 'case.json', `alerts/${walk.alertId}.json`]),
    );
    expect(walk.manifestAlerts).toEqual([walk.alertId]);
  }, 120_000);
});
