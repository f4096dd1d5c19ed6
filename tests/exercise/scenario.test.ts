// Scenario files, target selection and scoring: the pure parts of exercises.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';
import { scenarioTruths } from '../../range/exercises/run.js';
import {
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  MAX_SCENARIO_BYTES,
} from '../../range/exercises/scenario.js';
import { scoreTrainee } from '../../range/exercises/score.js';
import { selectTargets, listingKey } from '../../range/exercises/targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => path.join(here, 'fixtures', name);
const SCENARIOS = path.join(here, '..', '..', 'range', 'scenarios');
const REGION = ['AL', 'BA', 'BG', 'GR', 'HU', 'MD', 'ME', 'MK', 'RO', 'RS', 'TR', 'XK'];

function problemsOf(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario files', () => {
  it('ships at least three scenarios of rising difficulty, each planting targets', () => {
    const files = readdirSync(SCENARIOS)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    const loaded = files.map((f) => loadScenarioFile(path.join(SCENARIOS, f)));
    expect(loaded.map((s) => s.difficulty)).toEqual(
      [...loaded.map((s) => s.difficulty)].sort((a, b) => a - b),
    );
    expect(new Set(loaded.map((s) => s.difficulty)).size).toBe(loaded.length);
    for (const s of loaded) expect(selectTargets(s, scenarioTruths(s)).length, s.name).toBeGreaterThan(0);
  });

  it('names an unknown field by line and column', () => {
    const e = problemsOf(() => loadScenarioFile(fixture('unknown-field.yaml')));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ line: 7, column: 3 });
    expect(e.problems[0]!.message).toContain('"sizee"');
    expect(e.message).toContain('unknown-field.yaml:7:3');
  });

  it('says the seed is required, where', () => {
    const e = problemsOf(() => loadScenarioFile(fixture('missing-seed.yaml')));
    expect(e.problems.map((p) => p.message)).toEqual(['range.seed is required']);
    expect(e.problems[0]!.line).toBe(6);
  });

  it('refuses an alias bomb quickly without expanding it', () => {
    const started = Date.now();
    const e = problemsOf(() => loadScenarioFile(fixture('alias-bomb.yaml')));
    expect(e.message).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(15_000); // expanding it would exhaust memory instead
  });

  it('refuses malformed, duplicate-key, binary, non-mapping and huge input with a clear error', () => {
    expect(problemsOf(() => parseScenario('name: [unclosed\n')).problems[0]!.line).toBeGreaterThanOrEqual(1);
    expect(problemsOf(() => parseScenario('name: a\nname: b\n')).message).toMatch(/unique|duplicate/i);
    expect(problemsOf(() => parseScenario('x\0y')).message).toContain('binary');
    expect(problemsOf(() => parseScenario('- a\n- b\n')).message).toContain('mapping');
    expect(problemsOf(() => parseScenario('a: ' + 'x'.repeat(MAX_SCENARIO_BYTES))).message).toContain(
      'larger than',
    );
    const bad = readFileSync(fixture('small-handguns.yaml'), 'utf8').replace(
      'sites: [ironbazaar]',
      "sites: [ironbazaar, 'x; drop table users']",
    );
    expect(problemsOf(() => parseScenario(bad)).problems[0]).toMatchObject({ line: 9 });
    const wrongType = readFileSync(fixture('small-handguns.yaml'), 'utf8').replace('seed: 7', 'seed: seven');
    expect(problemsOf(() => parseScenario(wrongType)).message).toContain('range.seed');
  });
});

describe('planted targets', () => {
  it('selects exactly the truth listings the filter describes', () => {
    const s = loadScenarioFile(fixture('small-handguns.yaml'));
    const truth = buildTruth(generateWorld({ seed: 7, size: 150 }), 0);
    const expected = truth.listings
      .filter((l) => l.site === 'ironbazaar' && l.subcategory === 'pistols' && REGION.includes(l.shipsFrom))
      .map((l) => listingKey(l.url))
      .sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(selectTargets(s, [truth]).map((t) => t.key)).toEqual(expected);
  });

  it('links vendors by a PGP key shared across the scenario sites', () => {
    const s = loadScenarioFile(path.join(SCENARIOS, '02-passport-vendor-pgp.yaml'));
    const [truth] = scenarioTruths(s);
    const targets = selectTargets(s, [truth!]);
    for (const t of targets) {
      const v = truth!.vendors.find((x) => `vendor:${x.id}` === t.key)!;
      expect(v.pgpFingerprint).not.toBeNull();
      expect(v.sites).toEqual(expect.arrayContaining(['ironbazaar', 'nocturne']));
      expect(truth!.listings.some((l) => l.vendorId === v.id && l.subcategory === 'passports')).toBe(true);
    }
    const others = truth!.vendors.filter(
      (v) =>
        v.pgpFingerprint &&
        v.sites.includes('ironbazaar') &&
        v.sites.includes('nocturne') &&
        truth!.listings.some((l) => l.vendorId === v.id && l.subcategory === 'passports'),
    );
    expect(targets.length).toBe(others.length);
  });

  it('finds relistings only among listings that appeared after a takedown', () => {
    const s = loadScenarioFile(path.join(SCENARIOS, '03-relisting-after-takedown.yaml'));
    const truths = scenarioTruths(s);
    const targets = selectTargets(s, truths);
    const final = truths[truths.length - 1]!;
    for (const t of targets) {
      const l = final.listings.find((x) => listingKey(x.url) === t.key)!;
      expect(l.firstEpoch).toBeGreaterThan(0);
      // Not visible at the first crawl: it is new.
      expect(truths[0]!.listings.some((x) => x.id === l.id)).toBe(false);
    }
  });
});

describe('scoring', () => {
  const targets = ['a', 'b', 'c', 'd'].map((k) => ({
    key: k,
    kind: 'listing' as const,
    category: null,
    label: k,
    matchKeys: [`listing:${k}`],
  }));
  const start = new Date('2026-01-01T00:00:00Z');
  const esc = (alertId: number, key: string, sec: number) => ({
    alertId,
    at: new Date(start.getTime() + sec * 1000),
    keys: [key],
    title: key,
  });

  it('computes precision, recall, first hit and missed targets', () => {
    const s = scoreTrainee(
      't',
      targets,
      [esc(3, 'listing:zz', 5), esc(1, 'listing:b', 30), esc(2, 'listing:a', 60), esc(4, 'listing:a', 90)],
      start,
    );
    expect(s).toMatchObject({
      escalated: 4,
      correct: 3,
      precision: 0.75,
      recall: 0.5,
      timeToFirstHitSeconds: 30,
    });
    expect(s.missedTargets).toEqual(['c', 'd']);
    expect(s.wrongAlerts).toEqual([3]);
  });

  it('gives no precision to a trainee who escalated nothing', () => {
    expect(scoreTrainee('t', targets, [], start)).toMatchObject({
      precision: null,
      recall: 0,
      timeToFirstHitSeconds: null,
    });
  });
});
