// Exercise scenarios: YAML files a trainer writes (range/scenarios/*.yaml). Parsing is strict —
// an unknown field is a typo that would silently change the exercise — and every problem names
// its line and column. Alias bombs and oversized files are refused before they are expanded.
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { z } from 'zod';
import { SUBCATEGORIES } from '../generate/catalog.js';
import { OBSTACLES } from '../obstacles.js';
import { SITE_DEFS } from '../sites/registry.js';

export const MAX_SCENARIO_BYTES = 256 * 1024;
/** Aliases a scenario may use (YAML anchors are handy for region lists; bombs are not). */
export const MAX_ALIAS_COUNT = 50;

const SITE_NAMES = SITE_DEFS.map((d) => d.name) as [string, ...string[]];
const ALL_SUBCATEGORIES = Object.values(SUBCATEGORIES).flat() as [string, ...string[]];
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as BA');

/** Which listings of the ground truth are planted targets. All given conditions must hold. */
const listingFilter = z
  .object({
    category: z.enum(['firearms', 'drugs', 'documents', 'other']).optional(),
    subcategory: z.union([z.enum(ALL_SUBCATEGORIES), z.array(z.enum(ALL_SUBCATEGORIES)).min(1)]).optional(),
    shipsFrom: z.array(country).min(1).optional(),
    /** A listing of a vendor whose earlier listing (same site, same subcategory) was taken down, at another price. */
    relistedWithChangedPrice: z.literal(true).optional(),
  })
  .strict();

/** Which vendors of the ground truth are planted targets. */
const vendorFilter = z
  .object({
    /** The same PGP key on two or more of the scenario's sites. */
    sharedPgpAcrossSites: z.literal(true).optional(),
    /** The vendor sells at least one listing of this kind on those sites. */
    sells: listingFilter.omit({ relistedWithChangedPrice: true }).optional(),
  })
  .strict();

const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-"'),
    title: z.string().min(1).max(200),
    difficulty: z.number().int().min(1).max(5),
    briefing: z.string().min(1).max(20_000),
    range: z
      .object({
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1),
        size: z.number().int().min(20).max(5000).optional(),
        obstacles: z.array(z.enum(OBSTACLES as unknown as [string, ...string[]])).optional(),
        latencyMs: z.number().int().min(0).max(60_000).optional(),
        /** Range-clock epochs crawled in order (a recrawl after a takedown needs two). */
        epochs: z.array(z.number().int().min(0).max(50)).min(1).max(5).optional(),
      })
      .strict(),
    sites: z.array(z.enum(SITE_NAMES)).min(1),
    targets: z.union([
      z.object({ listings: listingFilter }).strict(),
      z.object({ vendors: vendorFilter }).strict(),
    ]),
    timeLimitMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    scoring: z
      .object({
        /** Pass marks shown in the trainer's report. */
        passingRecall: z.number().min(0).max(1).optional(),
        passingPrecision: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema> & { range: { epochs: number[] } };
export type ListingFilter = z.infer<typeof listingFilter>;
export type VendorFilter = z.infer<typeof vendorFilter>;

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Array<{ line: number; column: number; message: string }>,
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  }
}

function nodeOffset(doc: Document, path: ReadonlyArray<PropertyKey>, key?: string): number {
  const node = doc.getIn(path as unknown[], true) as unknown;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    const k = pair?.key as { range?: [number, number] } | undefined;
    if (k?.range) return k.range[0];
  }
  const range = (node as { range?: [number, number] } | undefined)?.range;
  if (range) return range[0];
  // The path's last part is missing: point at its parent.
  return path.length ? nodeOffset(doc, path.slice(0, -1)) : 0;
}

/** Parse and check one scenario; throws ScenarioError with every problem found. */
export function parseScenario(text: string, file = 'scenario'): Scenario {
  const lines = new LineCounter();
  const at = (offset: number) => lines.linePos(offset);
  const fail = (items: Array<{ offset: number; message: string }>): never => {
    throw new ScenarioError(
      file,
      items.map((i) => {
        const p = at(i.offset);
        return { line: p.line, column: p.col, message: i.message };
      }),
    );
  };
  if (Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES)
    fail([{ offset: 0, message: `scenario is larger than ${MAX_SCENARIO_BYTES} bytes` }]);
  if (text.includes('\0'))
    fail([{ offset: 0, message: 'scenario is binary (contains NUL bytes), not YAML' }]);
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length)
    fail(doc.errors.map((e) => ({ offset: e.pos[0], message: e.message.split('\n')[0]! })));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    fail([
      {
        offset: 0,
        message: `YAML aliases expand too much (alias bomb?): ${e instanceof Error ? e.message : String(e)}`,
      },
    ]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    fail([{ offset: 0, message: 'a scenario is a YAML mapping (name, briefing, range, sites, targets, …)' }]);
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((issue) => {
        const where = issue.path.length ? issue.path.join('.') : '(top level)';
        if (issue.code === 'unrecognized_keys') {
          return {
            offset: nodeOffset(doc, issue.path, issue.keys[0]),
            message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${where}`,
          };
        }
        if (issue.code === 'invalid_type' && issue.input === undefined) {
          return { offset: nodeOffset(doc, issue.path), message: `${where} is required` };
        }
        return { offset: nodeOffset(doc, issue.path), message: `${where}: ${issue.message}` };
      }),
    );
  }
  const s = parsed.data!;
  return { ...s, range: { ...s.range, epochs: s.range.epochs ?? [0] } };
}

export function loadScenarioFile(path: string): Scenario {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ScenarioError(path, [{ line: 1, column: 1, message: 'no such scenario file' }]);
  }
  if (size > MAX_SCENARIO_BYTES)
    throw new ScenarioError(path, [
      { line: 1, column: 1, message: `scenario is larger than ${MAX_SCENARIO_BYTES} bytes` },
    ]);
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ScenarioError(path, [{ line: 1, column: 1, message: 'scenario is not valid UTF-8 text' }]);
  }
  return parseScenario(text, path);
}
