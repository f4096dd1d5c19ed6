// Rule files (YAML) → validated RuleDefinitions, or every problem with its line, column and a
// suggestion. Pure: CSV watchlists are read through a callback; rules/load-file.ts is the I/O
// shell. The YAML tree is walked node by node (never converted wholesale to JS), so positions
// survive and alias bombs cannot expand: each alias is resolved once, where it is used, and
// the number of visited nodes is capped.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type Scalar,
} from 'yaml';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../core/types.js';
import { suggest } from './distance.js';
import { QueryError, type RuleProblem } from './errors.js';
import { countrySuggestions, normaliseCountry } from './countries.js';
import { QUERY_FIELDS, type QueryField, type QueryNode } from './query/ast.js';
import { parseQuery } from './query/parser.js';
import { prepareQuery } from './leaves.js';
import {
  CHANGE_KINDS,
  type ChangeConditionSpec,
  type PriceRange,
  type RuleDefinition,
  type Watchlists,
} from './types.js';
import { CANONICAL, parseWatchlistCsv, type WatchKind } from './watchlist.js';

export const RULE_FIELDS = [
  'id',
  'name',
  'owner',
  'severity',
  'description',
  'workspace',
  'enabled',
  'query',
  'fields',
  'category',
  'minConfidence',
  'priceEur',
  'currency',
  'shipsFrom',
  'shipsTo',
  'site',
  'vendor',
  'language',
  'transliterate',
  'watchlists',
  'on',
] as const;
// `shared:` holds YAML anchors for lists that several rules reuse (&balkans [RS, BA, …]).
const TOP_FIELDS = ['rules', 'shared'];
const WATCHLIST_FIELDS = ['addresses', 'pgp', 'handles', 'vendors', 'files'];
const PRICE_FIELDS = ['min', 'max'];

export const LOADER_LIMITS = { maxNodes: 2_000_000, maxRules: 100_000, maxFlowDepth: 200 };

const LANGUAGES: Record<string, string> = {
  english: 'en',
  albanian: 'sq',
  shqip: 'sq',
  bosnian: 'bs',
  bosanski: 'bs',
  croatian: 'hr',
  hrvatski: 'hr',
  serbian: 'sr',
  srpski: 'sr',
  montenegrin: 'cnr',
  crnogorski: 'cnr',
  bulgarian: 'bg',
  greek: 'el',
  hungarian: 'hu',
  magyar: 'hu',
  macedonian: 'mk',
  romanian: 'ro',
  turkish: 'tr',
  turkce: 'tr',
  russian: 'ru',
  ukrainian: 'uk',
  german: 'de',
  italian: 'it',
  french: 'fr',
  spanish: 'es',
  dutch: 'nl',
  polish: 'pl',
};

export interface LoadOptions {
  /** Name shown in messages. */
  file: string;
  /** Reads a watchlist CSV named (relative to the rule file) in `watchlists.files`. */
  readCsv?: (path: string) => string;
}

export interface LoadResult {
  rules: RuleDefinition[];
  problems: RuleProblem[];
  /**
   * Each rule's YAML as the analyst wrote it (comments kept), by rule id, for the version history
   * and the editor: a rule file of its own (its entry under `rules:`), or the whole document when
   * the file holds one rule or the entry uses anchors defined elsewhere in it (`shared:`).
   */
  sourceTexts: Map<string, string>;
}

export function loadRules(src: string, opts: LoadOptions): LoadResult {
  return new Loader(src, opts).load();
}

class Loader {
  private readonly lines = new LineCounter();
  private doc!: Document;
  private readonly problems: RuleProblem[] = [];
  private nodes = 0;
  private readonly anchors = new Map<string, Node[]>();
  private currentRule: string | undefined;
  /** Source range of the rule entry being read, and whether it reaches outside it (aliases). */
  private entryRange: readonly [number, number] | null = null;
  private entryNeedsDocument = false;

  constructor(
    private readonly src: string,
    private readonly opts: LoadOptions,
  ) {}

  load(): LoadResult {
    const deep = flowDepthExceeded(this.src, LOADER_LIMITS.maxFlowDepth);
    if (deep !== null) {
      const before = this.src.slice(0, deep);
      const line = before.split('\n').length;
      const column = deep - before.lastIndexOf('\n');
      return {
        rules: [],
        problems: [{ message: `YAML nested deeper than ${LOADER_LIMITS.maxFlowDepth} levels`, line, column }],
        sourceTexts: new Map(),
      };
    }
    this.doc = parseDocument(this.src, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    for (const e of this.doc.errors) {
      const lp = this.lines.linePos(e.pos[0]);
      this.problems.push({ message: `YAML: ${e.message.split('\n')[0]}`, line: lp.line, column: lp.col });
    }
    if (this.problems.length > 0) return this.failed();
    // yaml's Alias.resolve searches the whole document on every call; index anchors once.
    visit(this.doc, (_key, node) => {
      const n = node as Node & { anchor?: string };
      if (n.anchor) (this.anchors.get(n.anchor) ?? this.anchors.set(n.anchor, []).get(n.anchor)!).push(n);
    });
    const root = this.doc.contents;
    if (!isMap(root)) {
      this.problem(root, 'a rule file is a mapping with a "rules:" list', 'start the file with "rules:"');
      return this.failed();
    }
    let rulesNode: Node | null = null;
    for (const pair of root.items) {
      const k = this.key(pair, TOP_FIELDS);
      if (k === 'rules') rulesNode = this.value(pair);
    }
    if (!rulesNode) {
      this.problem(root, 'missing "rules:" list');
      return this.failed();
    }
    if (!isSeq(rulesNode)) {
      this.problem(rulesNode, '"rules" must be a list of rules', 'write each rule as "- name: …"');
      return this.failed();
    }
    const rules: RuleDefinition[] = [];
    const texts = new Map<string, readonly [number, number] | null>();
    const seen = new Map<string, number>();
    for (const item of rulesNode.items) {
      if (rules.length >= LOADER_LIMITS.maxRules) {
        this.problem(item as Node, `more than ${LOADER_LIMITS.maxRules} rules in one file`);
        break;
      }
      const entry = item as Node;
      this.entryRange = entry.range ? [entry.range[0], entry.range[1]] : null;
      this.entryNeedsDocument = isAlias(entry) || this.entryRange === null;
      const rule = this.rule(this.deref(entry));
      this.entryRange = null;
      if (!rule) continue;
      texts.set(rule.id, this.entryNeedsDocument || !entry.range ? null : [entry.range[0], entry.range[1]]);
      const line = seen.get(rule.id);
      if (line !== undefined)
        this.problems.push({
          message: `duplicate rule "${rule.id}" (first defined on line ${line})`,
          line: rule.source!.line,
          column: rule.source!.column,
          suggestion: 'rule names must be unique in a file',
        });
      else seen.set(rule.id, rule.source!.line);
      rules.push(rule);
    }
    this.problems.sort((a, b) => a.line - b.line || a.column - b.column);
    if (this.problems.length > 0) return this.failed();
    const sourceTexts = new Map<string, string>();
    for (const [id, range] of texts)
      sourceTexts.set(id, rules.length === 1 || range === null ? this.src : this.standaloneEntry(range));
    return { rules, problems: this.problems, sourceTexts };
  }

  private failed(): LoadResult {
    return { rules: [], problems: this.problems, sourceTexts: new Map() };
  }

  /** A rule file with the one entry at `range` (as written, re-indented under `rules:`). */
  private standaloneEntry([start, end]: readonly [number, number]): string {
    // Lines after the first are cut at the entry's own column (the first key's); a less indented
    // line inside the entry can only be a comment or blank, and is just trimmed.
    const cut = this.lines.linePos(start).col - 1;
    const lines = this.src.slice(start, end).replace(/\n$/, '').split('\n');
    const rest = lines.slice(1).map((l) => {
      const indent = l.length - l.trimStart().length;
      return `    ${indent >= cut ? l.slice(cut) : l.trimStart()}`.replace(/^\s+$/, '');
    });
    return ['rules:', `  - ${lines[0]}`, ...rest].join('\n') + '\n';
  }

  // ---------- rule ----------

  private rule(node: Node | null): RuleDefinition | null {
    if (!isMap(node)) {
      this.problem(node, 'each rule must be a mapping of fields', 'e.g. "- name: my-rule"');
      return null;
    }
    const before = this.problems.length;
    // Name first, so that every problem of this rule can say which rule it is in.
    for (const pair of node.items) {
      const k = this.deref(pair.key as Node | null);
      const v = this.deref(pair.value as Node | null);
      if (
        isScalar(k) &&
        (k.value === 'name' || k.value === 'id') &&
        isScalar(v) &&
        v.value !== null &&
        this.currentRule === undefined
      )
        this.currentRule = String(v.value);
    }
    const fields = new Map<string, Node | null>();
    const keyNodes = new Map<string, Node>();
    for (const pair of node.items) {
      const k = this.key(pair, RULE_FIELDS);
      if (k) {
        fields.set(k, this.value(pair));
        keyNodes.set(k, pair.key as Node);
      }
    }
    const name = fields.has('name') ? this.str(fields.get('name')!, 'name') : null;
    const id = fields.has('id') ? this.str(fields.get('id')!, 'id') : null;
    this.currentRule = id ?? name ?? undefined;
    if (!name && !id) this.problem(node, 'rule has no name', 'add "name: …"');
    const pos = this.pos(node);
    const transliterate = fields.has('transliterate')
      ? this.bool(fields.get('transliterate')!, 'transliterate')
      : false;
    const def: RuleDefinition = {
      id: id ?? name ?? '',
      name: name ?? id ?? '',
      owner: this.optStr(fields, 'owner'),
      severity: fields.has('severity')
        ? (this.oneOf(fields.get('severity')!, 'severity', SEVERITIES) ?? 'medium')
        : 'medium',
      description: this.optStr(fields, 'description'),
      workspace: this.optStr(fields, 'workspace'),
      enabled: fields.has('enabled') ? this.bool(fields.get('enabled')!, 'enabled') : true,
      query: null,
      queryText: null,
      fields: fields.has('fields') ? this.queryFields(fields.get('fields')!) : [...QUERY_FIELDS],
      category: fields.has('category')
        ? (this.list(fields.get('category')!, 'category', (s, n) =>
            this.enumValue(s, n, 'category', CATEGORIES),
          ) as Category[])
        : null,
      minConfidence: fields.has('minConfidence')
        ? this.num(fields.get('minConfidence')!, 'minConfidence', 0, 1)
        : null,
      priceEur: fields.has('priceEur') ? this.price(fields.get('priceEur')!) : null,
      currency: fields.has('currency')
        ? this.list(fields.get('currency')!, 'currency', (s, n) => this.currency(s, n))
        : null,
      shipsFrom: fields.has('shipsFrom')
        ? this.list(fields.get('shipsFrom')!, 'shipsFrom', (s, n) => this.country(s, n))
        : null,
      shipsTo: fields.has('shipsTo')
        ? this.list(fields.get('shipsTo')!, 'shipsTo', (s, n) => this.country(s, n))
        : null,
      site: fields.has('site') ? this.list(fields.get('site')!, 'site', (s) => s.trim().toLowerCase()) : null,
      vendor: fields.has('vendor')
        ? this.list(fields.get('vendor')!, 'vendor', (s) => CANONICAL.vendors(s))
        : null,
      language: fields.has('language')
        ? this.list(fields.get('language')!, 'language', (s, n) => this.language(s, n))
        : null,
      transliterate,
      watchlists: fields.has('watchlists') ? this.watchlists(fields.get('watchlists')!) : null,
      on: fields.has('on') ? this.change(fields.get('on')!) : null,
      source: { file: this.opts.file, line: pos.line, column: pos.column },
    };
    if (fields.has('query')) {
      const q = this.query(fields.get('query')!, transliterate);
      if (q) {
        def.query = q.ast;
        def.queryText = q.text;
      }
    }
    if (def.minConfidence !== null && !def.category)
      this.problem(
        keyNodes.get('minConfidence')!,
        'minConfidence applies to a category',
        'add "category: …"',
      );
    if (
      this.problems.length === before &&
      !fields.has('query') &&
      !def.category &&
      !def.priceEur &&
      !def.currency &&
      !def.shipsFrom &&
      !def.shipsTo &&
      !def.site &&
      !def.vendor &&
      !def.language &&
      !def.watchlists &&
      !def.on
    )
      this.problem(
        node,
        'rule has no condition, so it would fire on every listing',
        'add a "query:" or a filter',
      );
    if (
      def.on?.kind === 'watched_vendor_new_site' &&
      !(def.watchlists && (def.watchlists.vendors.length > 0 || def.watchlists.pgp.length > 0))
    )
      this.problem(
        keyNodes.get('on')!,
        'watched_vendor_new_site needs vendors or PGP keys to watch',
        'add "watchlists: { vendors: [...] }"',
      );
    if (
      def.watchlists &&
      Object.values(def.watchlists).every((l) => l.length === 0) &&
      this.problems.length === before
    )
      this.problem(keyNodes.get('watchlists')!, 'watchlists are empty');
    this.currentRule = undefined;
    return this.problems.length > before ? null : def;
  }

  private query(node: Node | null, transliterate: boolean): { ast: QueryNode; text: string } | null {
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.problem(node, 'query must be a string', "quote it: query: '…'");
      return null;
    }
    const text = node.value;
    try {
      const ast = parseQuery(text);
      prepareQuery(ast, transliterate ? 'translit' : 'plain');
      return { ast, text };
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      const at = this.lines.linePos(this.scalarOffset(node, e.offset));
      this.problems.push({
        message: `query: ${e.message}`,
        line: at.line,
        column: at.col,
        suggestion: e.suggestion,
        rule: this.currentRule,
      });
      return null;
    }
  }

  /** Source offset of character `index` of a scalar's value (quotes, escapes, folding skipped). */
  private scalarOffset(node: Scalar, index: number): number {
    const [start, end] = node.range ?? [0, 0];
    const value = String(node.value);
    let j = start;
    for (let i = 0; i < Math.min(index, value.length); i++) {
      const c = value[i]!;
      let k = j;
      while (k < end && this.src[k] !== c) k++;
      if (k >= end) return j;
      j = k + 1;
    }
    if (index >= value.length) return Math.max(start, end - (/["']/.test(this.src[end - 1] ?? '') ? 1 : 0));
    let k = j;
    while (k < end && this.src[k] !== value[index]) k++;
    return k < end ? k : j;
  }

  // ---------- field values ----------

  private queryFields(node: Node | null): QueryField[] {
    const raw = this.list(node, 'fields', (s, n) => {
      const v = s.trim().toLowerCase();
      if (v === 'all') return 'all';
      return this.enumValue(v, n, 'fields', [...QUERY_FIELDS, 'all']);
    });
    if (!raw || raw.includes('all')) return [...QUERY_FIELDS];
    return [...new Set(raw)] as QueryField[];
  }

  private price(node: Node | null): PriceRange | null {
    if (!isMap(node)) {
      this.problem(node, 'priceEur must be a mapping like { min: 100, max: 3000 }');
      return null;
    }
    const r: PriceRange = { min: null, max: null };
    for (const pair of node.items) {
      const k = this.key(pair, PRICE_FIELDS);
      if (k === 'min' || k === 'max') r[k] = this.num(this.value(pair), `priceEur.${k}`, 0, 1e12);
    }
    if (r.min === null && r.max === null) this.problem(node, 'priceEur needs min or max');
    if (r.min !== null && r.max !== null && r.min > r.max)
      this.problem(node, `priceEur min (${r.min}) is above max (${r.max})`, 'swap them');
    return r;
  }

  private watchlists(node: Node | null): Watchlists | null {
    if (!isMap(node)) {
      this.problem(node, 'watchlists must be a mapping: addresses, pgp, handles, vendors, files');
      return null;
    }
    const w: Watchlists = { addresses: [], pgp: [], handles: [], vendors: [] };
    for (const pair of node.items) {
      const k = this.key(pair, WATCHLIST_FIELDS);
      if (!k) continue;
      const v = this.value(pair);
      if (k === 'files') {
        for (const [path, pnode] of this.listWithNodes(v, 'watchlists.files')) this.csv(path, pnode, w);
        continue;
      }
      const kind = k as WatchKind;
      const list = this.list(v, `watchlists.${k}`, (s) => CANONICAL[kind](s)) ?? [];
      w[kind].push(...list.filter((s) => s !== ''));
    }
    if (w.pgp.some((p) => !/^[0-9A-F]{16}([0-9A-F]{24})?$/.test(p)))
      this.problem(node, 'PGP entries must be 40-hex fingerprints or 16-hex key IDs');
    return w;
  }

  private csv(path: string, node: Node, w: Watchlists): void {
    if (!this.opts.readCsv) {
      this.problem(node, `cannot read watchlist file "${path}" here`);
      return;
    }
    let text: string;
    try {
      text = this.opts.readCsv(path);
    } catch (e) {
      this.problem(
        node,
        `cannot read watchlist file "${path}": ${e instanceof Error ? e.message : String(e)}`,
      );
      return;
    }
    const { entries, problems } = parseWatchlistCsv(text);
    for (const p of problems.slice(0, 20)) this.problem(node, `${path}:${p.line}: ${p.message}`);
    for (const e of entries) w[e.kind].push(e.value);
  }

  private change(node: Node | null): ChangeConditionSpec | null {
    let kindNode: Node | null = node;
    let params: Node | null = null;
    if (isMap(node)) {
      if (node.items.length !== 1) {
        this.problem(node, '"on" takes one condition', `e.g. on: { price_drop: { percent: 20 } }`);
        return null;
      }
      kindNode = node.items[0]!.key as Node;
      params = this.value(node.items[0]!);
    }
    const kind = this.oneOf(kindNode, 'on', CHANGE_KINDS);
    if (!kind) return null;
    const param = (name: string, min: number, max: number, def: number | null): number | null => {
      if (params === null || (isScalar(params) && params.value === null)) {
        if (def === null)
          this.problem(kindNode, `${kind} needs ${name}`, `write on: { ${kind}: { ${name}: N } }`);
        return def;
      }
      if (isScalar(params)) return this.num(params, `${kind}.${name}`, min, max);
      if (isMap(params)) {
        let v: number | null = def;
        for (const pair of params.items)
          if (this.key(pair, [name]) === name) v = this.num(this.value(pair), `${kind}.${name}`, min, max);
        if (v === null && def === null)
          this.problem(params, `${kind} needs ${name}`, `write on: { ${kind}: { ${name}: N } }`);
        return v;
      }
      this.problem(params, `${kind} takes { ${name}: N }`);
      return null;
    };
    switch (kind) {
      case 'price_drop': {
        const percent = param('percent', 0.01, 100, null);
        return percent === null ? null : { kind, percent };
      }
      case 'same_entity_on_sites': {
        const min = param('min', 2, 1000, 2);
        return min === null ? null : { kind, min };
      }
      default:
        if (params !== null && !(isScalar(params) && params.value === null))
          this.problem(params, `${kind} takes no parameters`);
        return { kind };
    }
  }

  private country(s: string, n: Node): string | null {
    const c = normaliseCountry(s);
    if (c) return c;
    const sug = s.trim().length > 3 ? suggest(s, countrySuggestions()) : null;
    this.problem(
      n,
      `unknown country "${s}"`,
      sug ? `did you mean "${sug}"? (ISO codes like RS, BA, AL)` : 'use ISO 3166 codes like RS, BA, AL',
    );
    return null;
  }

  private currency(s: string, n: Node): string | null {
    const c = s.trim().toUpperCase();
    if (/^[A-Z]{3,5}$/.test(c)) return c;
    this.problem(n, `"${s}" is not a currency code`, 'e.g. EUR, USD, BTC, XMR');
    return null;
  }

  private language(s: string, n: Node): string | null {
    const v = s.trim().toLowerCase();
    if (/^[a-z]{2,3}$/.test(v)) return v;
    if (LANGUAGES[v]) return LANGUAGES[v];
    const sug = suggest(v, Object.keys(LANGUAGES));
    this.problem(
      n,
      `unknown language "${s}"`,
      sug ? `did you mean "${sug}" (${LANGUAGES[sug]})?` : 'use ISO 639-1 codes like sr, sq, bg',
    );
    return null;
  }

  private enumValue<T extends string>(s: string, n: Node, field: string, allowed: readonly T[]): T | null {
    const v = s.trim().toLowerCase();
    if ((allowed as readonly string[]).includes(v)) return v as T;
    const sug = suggest(v, allowed);
    this.problem(
      n,
      `${field} "${s}" is not one of ${allowed.join(', ')}`,
      sug ? `did you mean "${sug}"?` : undefined,
    );
    return null;
  }

  // ---------- primitive readers ----------

  private key(pair: Pair, allowed: readonly string[]): string | null {
    const k = this.deref(pair.key as Node | null);
    if (
      !isScalar(k) ||
      (typeof k.value !== 'string' && typeof k.value !== 'number' && typeof k.value !== 'boolean')
    ) {
      this.problem(k, 'keys must be plain names');
      return null;
    }
    const name = String(k.value);
    if (allowed.includes(name)) return name;
    const sug = suggest(name, allowed);
    this.problem(
      k,
      `unknown field "${name}"`,
      sug ? `did you mean "${sug}"?` : `fields: ${allowed.join(', ')}`,
    );
    return null;
  }

  private value(pair: Pair): Node | null {
    return this.deref(pair.value as Node | null);
  }

  private deref(node: Node | null): Node | null {
    if (++this.nodes > LOADER_LIMITS.maxNodes) throw new TooBig();
    if (isAlias(node)) {
      // The latest definition of the anchor before the alias (anchors may be redefined).
      const at = node.range?.[0] ?? 0;
      let target: Node | null = null;
      for (const n of this.anchors.get(node.source) ?? []) if ((n.range?.[0] ?? 0) < at) target = n;
      if (!target) this.problem(node, `unknown alias *${node.source}`);
      const [from, to] = target?.range ?? [0, 0];
      if (this.entryRange && (from < this.entryRange[0] || to > this.entryRange[1]))
        this.entryNeedsDocument = true;
      return target;
    }
    return node;
  }

  private str(node: Node | null, field: string): string | null {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
      const s = String(node.value).trim();
      if (s !== '') return s;
    }
    this.problem(node, `${field} must be a non-empty string`);
    return null;
  }

  private optStr(fields: Map<string, Node | null>, field: string): string | null {
    return fields.has(field) ? this.str(fields.get(field)!, field) : null;
  }

  private bool(node: Node | null, field: string): boolean {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.problem(node, `${field} must be true or false`);
    return false;
  }

  private num(node: Node | null, field: string, min: number, max: number): number | null {
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) {
      if (node.value >= min && node.value <= max) return node.value;
      this.problem(node, `${field} must be between ${min} and ${max}`);
      return null;
    }
    this.problem(node, `${field} must be a number`);
    return null;
  }

  private oneOf<T extends string>(node: Node | null, field: string, allowed: readonly T[]): T | null {
    const s = this.str(node, field);
    return s === null ? null : this.enumValue(s, node!, field, allowed);
  }

  private listWithNodes(node: Node | null, field: string): Array<[string, Node]> {
    const items = isSeq(node) ? node.items.map((i) => this.deref(i as Node)) : [node];
    const out: Array<[string, Node]> = [];
    for (const item of items) {
      if (
        isScalar(item) &&
        (typeof item.value === 'string' || typeof item.value === 'number') &&
        String(item.value).trim() !== ''
      )
        out.push([String(item.value), item]);
      else this.problem(item, `${field} entries must be strings`);
    }
    return out;
  }

  private list<T>(node: Node | null, field: string, conv: (s: string, n: Node) => T | null): T[] | null {
    const out: T[] = [];
    for (const [s, n] of this.listWithNodes(node, field)) {
      const v = conv(s, n);
      if (v !== null) out.push(v);
    }
    return out.length > 0 ? [...new Set(out)] : null;
  }

  // ---------- positions ----------

  private pos(node: Node | null | undefined): { line: number; column: number } {
    const offset = node?.range?.[0] ?? 0;
    const lp = this.lines.linePos(offset);
    return { line: lp.line, column: lp.col };
  }

  private problem(node: Node | null | undefined, message: string, suggestion?: string): void {
    const p = this.pos(node);
    this.problems.push({ message, line: p.line, column: p.column, suggestion, rule: this.currentRule });
  }
}

class TooBig extends Error {}

/**
 * Offset where [ / { flow collections nest deeper than max, else null. The YAML parser recurses
 * per level, so `[[[[…` a hundred thousand deep must be refused before it gets there. Quoted
 * strings and comments are skipped; this is a guard, not a parser.
 */
function flowDepthExceeded(src: string, max: number): number | null {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      else if (c === '\n' && quote === "'") quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(src[i - 1]!))) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
    } else if (c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return null;
}

/** loadRules, turning a runaway document into one clear problem instead of an exception. */
export function loadRulesSafely(src: string, opts: LoadOptions): LoadResult {
  try {
    return loadRules(src, opts);
  } catch (e) {
    if (e instanceof TooBig)
      return {
        rules: [],
        sourceTexts: new Map(),
        problems: [
          {
            message: `rule file expands to more than ${LOADER_LIMITS.maxNodes} YAML nodes (alias bomb?)`,
            line: 1,
            column: 1,
          },
        ],
      };
    throw e;
  }
}

export type { Severity };
