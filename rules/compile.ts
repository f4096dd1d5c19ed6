// All rules compiled together. Every literal word of every rule (and the literal factors of
// regexes) goes into ONE Aho–Corasick automaton run over each normalised field of a record;
// an index maps each literal to the rules that *require* it (for each rule, a small set of
// literals one of which must occur for the rule to possibly match, derived from its boolean
// structure). A record is evaluated only against the rules whose required literal occurred,
// plus a short always-check list (pure NOT, regexes without literals, filter-only rules that
// have no indexable value). Per-record cost depends on the text and the number of candidate
// rules, not on the number of rules.
//
// The same compiled rules can also be evaluated naively (every rule, scanning tokens per term):
// that is the benchmark baseline and the test oracle — both paths share one evaluator.
import AhoCorasick from 'modern-ahocorasick';
import type { RE2JS } from 're2js';
import type { MatchableListing } from '../core/types.js';
import { createChangeCondition, canonicalEntity, pgpMatches } from './conditions.js';
import { normaliseCountry, WORLDWIDE } from './countries.js';
import { boundedDamerau } from './distance.js';
import { isLeaf, QUERY_FIELDS, type QueryNode, type LeafNode } from './query/ast.js';
import { printQuery } from './query/printer.js';
import { prepareLeaf } from './leaves.js';
import { buildView, originalRange, translitFromPlain, type TextView, type ViewKind } from './text.js';
import type {
  ChangeCondition,
  HitField,
  ListingHistory,
  RuleDefinition,
  RuleMatch,
  TermHit,
  Watchlists,
} from './types.js';
import { canonicalVendor } from './watchlist.js';

/** Longer fields are matched on their first MAX_FIELD_CHARS characters. */
export const MAX_FIELD_CHARS = 1_000_000;
const MAX_SPANS = 1_000;
/** text length × regex program size above which a regex hit is not located precisely. */
const REGEX_EXEC_BUDGET = 2_000_000;
const MAX_HITS_PER_TERM = 20;
const FIELDS = QUERY_FIELDS; // index 0 = title, 1 = description
const VIEW_INDEX: Record<ViewKind, number> = { plain: 0, translit: 1 };
const VIEWS: ViewKind[] = ['plain', 'translit'];

type Atom =
  | { kind: 'word'; text: string; prefix: boolean; view: number }
  | { kind: 'substr'; text: string; view: number }
  | { kind: 'fuzzy'; text: string; k: number; view: number };

interface Occ {
  field: number;
  pos: number;
  start: number;
  end: number;
}

type CExpr =
  | { k: 'words'; atoms: number[]; slop: number; mask: number; term: string; view: number }
  | { k: 'fuzzy'; atom: number; mask: number; term: string; view: number }
  | { k: 'regex'; id: number; re: RE2JS; literals: number[] | null; mask: number; term: string; view: number }
  | { k: 'and' | 'or'; c: CExpr[] }
  | { k: 'not'; c: CExpr }
  | { k: 'near'; l: CExpr; r: CExpr; d: number };

interface RawHit {
  term: string;
  field: number;
  view: number;
  start: number;
  end: number;
}

interface Span {
  field: number;
  first: number;
  last: number;
  hits: RawHit[];
}

interface CompiledRule {
  index: number;
  def: RuleDefinition;
  expr: CExpr | null;
  change: ChangeCondition | null;
  watch: { sets: Record<keyof Watchlists, Set<string>>; pgp: string[] } | null;
}

export interface MatchStats {
  records: number;
  candidates: number;
}

export interface MatchDetail {
  matches: RuleMatch[];
  /** Rules whose other conditions passed but whose change condition needs ListingHistory. */
  awaitingHistory: RuleDefinition[];
}

export class CompiledRuleSet {
  readonly rules: CompiledRule[] = [];
  readonly stats: MatchStats = { records: 0, candidates: 0 };
  private readonly atoms: Atom[] = [];
  private readonly atomIds = new Map<string, number>();
  private readonly byAtom: number[][] = [];
  private readonly byKey = new Map<string, number[]>();
  private readonly alwaysCheck: number[] = [];
  private readonly viewsUsed = new Set<number>();
  private regexCount = 0;
  private automaton!: AhoCorasick<number>;
  /** pattern index → atoms (word / substring) with that text. */
  private patternAtoms: number[][] = [];
  /** per view: deletion variant → fuzzy atoms; and the largest distance used. */
  private fuzzyIndex: Array<Map<string, number[]>> = [new Map(), new Map()];
  private fuzzyMaxK = [-1, -1];
  private readonly fuzzyCache: Array<Map<string, number[]>> = [new Map(), new Map()];
  private stamp: Uint32Array;
  private epoch = 0;

  constructor(defs: readonly RuleDefinition[]) {
    for (const def of defs) this.addRule(def);
    this.buildAutomaton();
    this.stamp = new Uint32Array(this.rules.length);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Figures for benchmarks and the `rules` CLI. */
  describe() {
    return {
      rules: this.rules.length,
      literals: this.patternAtoms.length,
      atoms: this.atoms.length,
      alwaysCheck: this.alwaysCheck.length,
      indexedByField: [...this.byKey.values()].reduce((a, l) => a + l.length, 0),
    };
  }

  match(listing: MatchableListing | PreparedListing, history?: ListingHistory): RuleMatch[] {
    return this.matchDetailed(listing, history).matches;
  }

  matchDetailed(listing: MatchableListing | PreparedListing, history?: ListingHistory): MatchDetail {
    const scan = new RecordScan(this, prepared(listing));
    const candidates = this.candidates(scan);
    this.stats.records++;
    this.stats.candidates += candidates.length;
    return this.evaluate(scan, candidates, history);
  }

  /** Baseline: every rule, terms found by scanning tokens (no automaton, no index). */
  matchNaive(listing: MatchableListing | PreparedListing, history?: ListingHistory): RuleMatch[] {
    const scan = new RecordScan(this, prepared(listing));
    scan.naive = true;
    return this.evaluate(
      scan,
      this.rules.map((r) => r.index),
      history,
    ).matches;
  }

  // ---------------------------------------------------------------- compilation

  private addRule(def: RuleDefinition): void {
    if (!def.enabled) return;
    const index = this.rules.length;
    const view = VIEW_INDEX[def.transliterate ? 'translit' : 'plain'];
    let mask = 0;
    for (const f of def.fields) mask |= 1 << FIELDS.indexOf(f);
    const expr = def.query ? this.compileExpr(def.query, view, mask) : null;
    if (expr) this.viewsUsed.add(view);
    let watch: CompiledRule['watch'] = null;
    if (def.watchlists) {
      const w = def.watchlists;
      watch = {
        sets: {
          addresses: new Set(w.addresses),
          pgp: new Set(w.pgp),
          handles: new Set(w.handles),
          vendors: new Set(w.vendors),
        },
        pgp: w.pgp,
      };
    }
    const rule: CompiledRule = {
      index,
      def,
      expr,
      watch,
      change: def.on ? createChangeCondition(def.on, def.watchlists) : null,
    };
    this.rules.push(rule);
    const req = expr ? this.required(expr) : null;
    if (req) {
      for (const a of req) (this.byAtom[a] ??= []).push(index);
      return;
    }
    const keys = fieldKeys(def);
    if (keys) for (const k of keys) push(this.byKey, k, index);
    else this.alwaysCheck.push(index);
  }

  private atom(a: Atom): number {
    const key =
      a.kind === 'fuzzy'
        ? `f|${a.view}|${a.k}|${a.text}`
        : a.kind === 'word'
          ? `w|${a.view}|${a.prefix ? 1 : 0}|${a.text}`
          : `s|${a.view}|${a.text}`;
    let id = this.atomIds.get(key);
    if (id === undefined) {
      id = this.atoms.length;
      this.atoms.push(a);
      this.atomIds.set(key, id);
    }
    return id;
  }

  private compileExpr(n: QueryNode, view: number, mask: number): CExpr {
    if (isLeaf(n)) return this.compileLeaf(n, view, mask);
    switch (n.type) {
      case 'and':
      case 'or':
        return { k: n.type, c: n.children.map((c) => this.compileExpr(c, view, mask)) };
      case 'not':
        return { k: 'not', c: this.compileExpr(n.child, view, mask) };
      case 'near':
        return {
          k: 'near',
          l: this.compileExpr(n.left, view, mask),
          r: this.compileExpr(n.right, view, mask),
          d: n.distance,
        };
    }
  }

  private compileLeaf(n: LeafNode, view: number, ruleMask: number): CExpr {
    const p = prepareLeaf(n, VIEWS[view]!);
    const mask = n.field ? 1 << FIELDS.indexOf(n.field) : ruleMask;
    // How the term is reported: phrases without quotes, everything else as written.
    const term = n.type === 'phrase' && n.slop === null ? n.text.trim() : printQuery({ ...n, field: null });
    switch (p.kind) {
      case 'words':
        return {
          k: 'words',
          atoms: p.words.map((w) => this.atom({ kind: 'word', text: w.text, prefix: w.prefix, view })),
          slop: p.slop,
          mask,
          term,
          view,
        };
      case 'fuzzy': {
        const atom = this.atom({ kind: 'fuzzy', text: p.text, k: p.distance, view });
        return { k: 'fuzzy', atom, mask, term, view };
      }
      case 'regex': {
        // Regexes always read the plain view: the translit view's phonetic skeleton (ck → k,
        // doubled letters…) would silently change what a hand-written pattern sees.
        const plain = VIEW_INDEX.plain;
        this.viewsUsed.add(plain);
        const lits =
          p.regex.literals?.map((t) => this.atom({ kind: 'substr', text: t, view: plain })) ?? null;
        return { k: 'regex', id: this.regexCount++, re: p.regex.re, literals: lits, mask, term, view: plain };
      }
    }
  }

  /** Atoms one of which must occur for e to be true; null if none can be named. */
  private required(e: CExpr): number[] | null {
    switch (e.k) {
      case 'words': {
        // Any word of a phrase is required; the longest is the most selective.
        let best = e.atoms[0]!;
        for (const a of e.atoms) if (this.atoms[a]!.text.length > this.atoms[best]!.text.length) best = a;
        return [best];
      }
      case 'fuzzy':
        return [e.atom];
      case 'regex':
        return e.literals;
      case 'not':
        return null;
      case 'or': {
        const out: number[] = [];
        for (const c of e.c) {
          const r = this.required(c);
          if (!r) return null;
          out.push(...r);
        }
        return [...new Set(out)];
      }
      case 'and':
      case 'near': {
        let best: number[] | null = null;
        for (const c of 'c' in e ? e.c : [e.l, e.r]) {
          const r = this.required(c);
          if (r && (!best || this.selectivity(r) > this.selectivity(best))) best = r;
        }
        return best;
      }
    }
  }

  /** Higher is rarer: shortest literal length, fewer alternatives, fuzzy and prefix worse. */
  private selectivity(set: number[]): number {
    let min = Infinity;
    for (const a of set) {
      const atom = this.atoms[a]!;
      const len =
        atom.text.length -
        (atom.kind === 'fuzzy' ? 2 * atom.k : 0) -
        (atom.kind === 'word' && atom.prefix ? 1 : 0);
      min = Math.min(min, len);
    }
    return min - Math.log2(set.length) / 4;
  }

  private buildAutomaton(): void {
    const byText = new Map<string, number[]>();
    this.atoms.forEach((a, id) => {
      if (a.kind === 'fuzzy') {
        const k = a.k;
        this.fuzzyMaxK[a.view] = Math.max(this.fuzzyMaxK[a.view]!, k);
        for (const v of deletions(a.text, k)) push(this.fuzzyIndex[a.view]!, v, id);
      } else push(byText, a.text, id);
    });
    this.patternAtoms = [...byText.values()];
    this.automaton = new AhoCorasick([...byText.keys()].map((pattern, i) => ({ pattern, data: i })));
  }

  // ---------------------------------------------------------------- matching

  private candidates(scan: RecordScan): number[] {
    const epoch = ++this.epoch;
    const out: number[] = [];
    const add = (rules: number[] | undefined) => {
      if (!rules) return;
      for (const r of rules)
        if (this.stamp[r] !== epoch) {
          this.stamp[r] = epoch;
          out.push(r);
        }
    };
    for (const v of this.viewsUsed) for (let f = 0; f < FIELDS.length; f++) this.scanField(scan, v, f);
    for (const a of scan.occ.keys()) add(this.byAtom[a]);
    for (const k of scan.keys()) add(this.byKey.get(k));
    add(this.alwaysCheck);
    return out;
  }

  /** Automaton (and fuzzy index) over one field in one view: fills scan.occ. */
  private scanField(scan: RecordScan, v: number, f: number): void {
    const view = scan.view(v, f);
    if (view.text.length === 0) return;
    for (const m of this.automaton.search(view.text)) {
      for (const a of this.patternAtoms[m.data!]!) {
        const atom = this.atoms[a]!;
        if (atom.view !== v || atom.kind === 'fuzzy') continue;
        let pos = -1;
        if (atom.kind === 'substr') pos = view.tokenContaining[m.start]!;
        else {
          pos = view.tokenStartingAt[m.start]!;
          if (pos < 0) continue;
          if (atom.prefix ? view.tokenContaining[m.end - 1] !== pos : view.tokenEndingAt[m.end] !== pos)
            continue;
        }
        // A prefix highlights the whole word it starts.
        const end = atom.kind === 'word' && atom.prefix ? view.tokens[pos]!.end : m.end;
        scan.addOcc(a, { field: f, pos, start: m.start, end });
      }
    }
    if (this.fuzzyMaxK[v]! >= 0)
      view.tokens.forEach((t, pos) => {
        for (const a of this.fuzzyHits(v, t.text))
          scan.addOcc(a, { field: f, pos, start: t.start, end: t.end });
      });
  }

  /**
   * Fuzzy atoms within distance of a token: SymSpell deletion candidates, verified with the
   * bounded distance. Tokens repeat a lot across listings, so answers are cached per token.
   */
  private fuzzyHits(v: number, token: string): number[] {
    const cache = this.fuzzyCache[v]!;
    let hits = cache.get(token);
    if (hits) return hits;
    hits = [];
    if (token.length <= 64) {
      const index = this.fuzzyIndex[v]!;
      const seen = new Set<number>();
      for (const d of deletions(token, this.fuzzyMaxK[v]!)) {
        const atoms = index.get(d);
        if (!atoms) continue;
        for (const a of atoms) {
          if (seen.has(a)) continue;
          seen.add(a);
          const atom = this.atoms[a] as Extract<Atom, { kind: 'fuzzy' }>;
          if (boundedDamerau(token, atom.text, atom.k) <= atom.k) hits.push(a);
        }
      }
    }
    if (cache.size >= 100_000) cache.clear();
    cache.set(token, hits);
    return hits;
  }

  private evaluate(scan: RecordScan, candidates: number[], history: ListingHistory | undefined): MatchDetail {
    const matches: RuleMatch[] = [];
    const awaitingHistory: RuleDefinition[] = [];
    candidates.sort((a, b) => a - b);
    for (const ri of candidates) {
      const rule = this.rules[ri]!;
      if (!passesFilters(rule.def, scan)) continue;
      const hits: RawHit[] = [];
      const extra: TermHit[] = [];
      if (rule.watch && !this.watchHits(rule, scan, extra)) continue;
      if (rule.expr && !this.evalBool(rule.expr, scan, hits)) continue;
      if (rule.change) {
        if (!history) {
          awaitingHistory.push(rule.def);
          continue;
        }
        if (!rule.change.test(scan.listing, history)) continue;
      }
      const termHits = [...this.toTermHits(scan, hits), ...extra];
      matches.push({
        listingId: scan.listing.id,
        rule: rule.def,
        terms: [...new Set(termHits.map((h) => h.term))],
        hits: termHits,
      });
    }
    return { matches, awaitingHistory };
  }

  private toTermHits(scan: RecordScan, hits: RawHit[]): TermHit[] {
    const out: TermHit[] = [];
    const seen = new Set<string>();
    for (const h of hits) {
      const view = scan.view(h.view, h.field);
      const r = originalRange(view, h.start, h.end);
      const key = `${h.term}|${h.field}|${r.start}|${r.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        term: h.term,
        field: FIELDS[h.field]!,
        start: r.start,
        end: r.end,
        text: view.original.slice(r.start, r.end),
      });
    }
    return out;
  }

  private watchHits(rule: CompiledRule, scan: RecordScan, out: TermHit[]): boolean {
    const w = rule.watch!;
    const l = scan.listing;
    if (l.vendor && w.sets.vendors.has(scan.vendor()))
      out.push({ term: l.vendor, field: 'vendor', start: 0, end: l.vendor.length, text: l.vendor });
    for (const e of l.entities ?? []) {
      const c = canonicalEntity(e.type, e.value);
      if (!c) continue;
      const hit = c.kind === 'pgp' ? pgpMatches(c.value, w.pgp) : w.sets[c.kind].has(c.value);
      if (hit) out.push(locate(l, e.value));
    }
    return out.length > 0;
  }

  private evalBool(e: CExpr, scan: RecordScan, out: RawHit[] | null): boolean {
    switch (e.k) {
      case 'words':
      case 'fuzzy':
      case 'near': {
        const spans = this.spans(e, scan);
        if (out) for (const s of spans.slice(0, MAX_HITS_PER_TERM)) out.push(...s.hits);
        return spans.length > 0;
      }
      case 'regex': {
        let any = false;
        for (let f = 0; f < FIELDS.length; f++) {
          if (!(e.mask & (1 << f)) || !scan.regexTest(e, f)) continue;
          any = true;
          if (!out) break;
          out.push({ term: e.term, field: f, view: e.view, ...scan.regexSpan(e, f) });
        }
        return any;
      }
      case 'not':
        return !this.evalBool(e.c, scan, null);
      case 'and': {
        const tmp: RawHit[] | null = out ? [] : null;
        for (const c of e.c) if (!this.evalBool(c, scan, tmp)) return false;
        if (out && tmp) out.push(...tmp);
        return true;
      }
      case 'or': {
        let any = false;
        for (const c of e.c) {
          if (this.evalBool(c, scan, out)) {
            any = true;
            if (!out) break;
          }
        }
        return any;
      }
    }
  }

  /** Positions where a positional expression holds, sorted by (field, first). */
  private spans(e: CExpr, scan: RecordScan): Span[] {
    switch (e.k) {
      case 'fuzzy':
        return scan
          .occurrences(e.atom)
          .filter((o) => e.mask & (1 << o.field))
          .slice(0, MAX_SPANS)
          .map((o) => ({
            field: o.field,
            first: o.pos,
            last: o.pos,
            hits: [{ term: e.term, field: o.field, view: e.view, start: o.start, end: o.end }],
          }));
      case 'words':
        return this.phraseSpans(e, scan);
      case 'or':
        return e.c
          .flatMap((c) => this.spans(c, scan))
          .sort((a, b) => a.field - b.field || a.first - b.first)
          .slice(0, MAX_SPANS);
      case 'near': {
        const L = this.spans(e.l, scan);
        if (L.length === 0) return [];
        const R = this.spans(e.r, scan);
        const out: Span[] = [];
        for (const a of L)
          for (const b of R) {
            if (a.field !== b.field) continue;
            const [x, y] = a.first <= b.first ? [a, b] : [b, a];
            if (y.first <= x.last) continue; // overlapping: the same words, not two things near each other
            if (y.first - x.last - 1 > e.d) continue;
            out.push({
              field: a.field,
              first: x.first,
              last: Math.max(x.last, y.last),
              hits: [...a.hits, ...b.hits],
            });
            if (out.length >= MAX_SPANS) return out;
          }
        return out.sort((a, b) => a.field - b.field || a.first - b.first);
      }
      default:
        return [];
    }
  }

  private phraseSpans(e: Extract<CExpr, { k: 'words' }>, scan: RecordScan): Span[] {
    const lists = e.atoms.map((a) => scan.occurrences(a));
    const out: Span[] = [];
    const n = e.atoms.length;
    for (const o0 of lists[0]!) {
      if (!(e.mask & (1 << o0.field))) continue;
      const parts = [o0];
      let prev = o0;
      for (let i = 1; i < n; i++) {
        const next = firstAfter(lists[i]!, prev.field, prev.pos);
        if (!next || next.pos - o0.pos - i > e.slop) break;
        parts.push(next);
        prev = next;
      }
      if (parts.length !== n) continue;
      const hits = parts.map((o) => ({
        term: e.term,
        field: o.field,
        view: e.view,
        start: o.start,
        end: o.end,
      }));
      if (e.slop === 0 && n > 1) {
        // An adjacent phrase highlights as one range.
        hits.splice(0, n, { term: e.term, field: o0.field, view: e.view, start: o0.start, end: prev.end });
      }
      out.push({ field: o0.field, first: o0.pos, last: prev.pos, hits });
      if (out.length >= MAX_SPANS) break;
    }
    return out;
  }

  // ---------------------------------------------------------------- used by RecordScan

  /** Naive occurrence search for one atom: scan every token of both fields. */
  naiveOccurrences(a: number, scan: RecordScan): Occ[] {
    const atom = this.atoms[a]!;
    const out: Occ[] = [];
    for (let f = 0; f < FIELDS.length; f++) {
      const view = scan.view(atom.view, f);
      view.tokens.forEach((t, pos) => {
        const hit =
          atom.kind === 'word'
            ? atom.prefix
              ? t.text.startsWith(atom.text)
              : t.text === atom.text
            : atom.kind === 'fuzzy'
              ? boundedDamerau(t.text, atom.text, atom.k) <= atom.k
              : false;
        if (hit) out.push({ field: f, pos, start: t.start, end: t.end });
      });
    }
    return out;
  }
}

/**
 * A listing with its normalised views, built lazily and kept: the views do not depend on the
 * rules, so a caller matching one listing against several rule sets (or re-matching after a
 * recompile) normalises it once.
 */
export class PreparedListing {
  private readonly views: Array<Array<TextView | undefined>> = [[], []];
  private readonly texts: string[];

  constructor(readonly listing: MatchableListing) {
    this.texts = [listing.title ?? '', listing.description ?? ''].map((t) =>
      t.length > MAX_FIELD_CHARS ? t.slice(0, MAX_FIELD_CHARS) : t,
    );
  }

  view(v: number, f: number): TextView {
    let view = this.views[v]![f];
    if (!view) {
      if (v === VIEW_INDEX.translit) view = translitFromPlain(this.view(VIEW_INDEX.plain, f)) ?? undefined;
      view ??= buildView(this.texts[f]!, VIEWS[v]!);
      this.views[v]![f] = view;
    }
    return view;
  }
}

export function prepareListing(listing: MatchableListing): PreparedListing {
  return new PreparedListing(listing);
}

/** State for matching one record against one rule set: occurrences, regex results. */
class RecordScan {
  naive = false;
  readonly occ = new Map<number, Occ[]>();
  readonly listing: MatchableListing;
  private readonly naiveCache = new Map<number, Occ[]>();
  private readonly regexTests = new Map<number, boolean>();
  private vendorCanon: string | undefined;
  private iso: { from: string | null; to: string[] } | undefined;

  constructor(
    private readonly set: CompiledRuleSet,
    private readonly prepared: PreparedListing,
  ) {
    this.listing = prepared.listing;
  }

  view(v: number, f: number): TextView {
    return this.prepared.view(v, f);
  }

  addOcc(a: number, o: Occ): void {
    const list = this.occ.get(a);
    if (list) list.push(o);
    else this.occ.set(a, [o]);
  }

  occurrences(a: number): Occ[] {
    if (!this.naive) return this.occ.get(a) ?? [];
    let list = this.naiveCache.get(a);
    if (!list) {
      list = this.set.naiveOccurrences(a, this);
      this.naiveCache.set(a, list);
    }
    return list;
  }

  /** Does the regex match field f? DFA-only (`test`), the cheap question. */
  regexTest(e: Extract<CExpr, { k: 'regex' }>, f: number): boolean {
    const key = e.id * 2 + f;
    let r = this.regexTests.get(key);
    if (r === undefined) {
      const view = this.view(e.view, f);
      r = view.text.length > 0 && e.re.test(view.text);
      this.regexTests.set(key, r);
    }
    return r;
  }

  /**
   * Where the regex matches in field f (normalised offsets), for highlighting. Finding the
   * position needs re2js's capture engine, linear but with a larger constant; past a work
   * budget the whole field is reported instead, so hostile patterns cannot stall a worker.
   */
  regexSpan(e: Extract<CExpr, { k: 'regex' }>, f: number): { start: number; end: number } {
    const view = this.view(e.view, f);
    if (view.text.length * e.re.programSize() > REGEX_EXEC_BUDGET) return { start: 0, end: view.text.length };
    const m = e.re.exec(view.text) as (string[] & { index: number }) | null;
    return m ? { start: m.index, end: m.index + m[0]!.length } : { start: 0, end: view.text.length };
  }

  vendor(): string {
    this.vendorCanon ??= this.listing.vendor ? canonicalVendor(this.listing.vendor) : '';
    return this.vendorCanon;
  }

  countries(): { from: string | null; to: string[] } {
    if (!this.iso) {
      const l = this.listing;
      this.iso = {
        from: l.shipsFrom ? (normaliseCountry(l.shipsFrom) ?? l.shipsFrom.trim().toUpperCase()) : null,
        to: (l.shipsTo ?? []).map((c) => normaliseCountry(c) ?? c.trim().toUpperCase()),
      };
    }
    return this.iso;
  }

  /** Field-index keys of this record (see fieldKeys). */
  keys(): string[] {
    const l = this.listing;
    const out: string[] = [];
    if (l.vendor) out.push('v:' + this.vendor());
    if (l.site) out.push('s:' + l.site.trim().toLowerCase());
    if (l.classification?.label) out.push('c:' + l.classification.label);
    for (const e of l.entities ?? []) {
      const c = canonicalEntity(e.type, e.value);
      if (!c) continue;
      out.push(`${c.kind}:${c.value}`);
      if (c.kind === 'pgp' && c.value.length > 16) out.push(`${c.kind}:${c.value.slice(-16)}`);
    }
    return out;
  }
}

/** Keys under which a rule without required text is indexed; null = check on every record. */
function fieldKeys(def: RuleDefinition): string[] | null {
  const w = def.watchlists;
  if (w)
    return [
      ...w.addresses.map((a) => 'addresses:' + a),
      ...w.pgp.map((p) => 'pgp:' + p),
      ...w.handles.map((h) => 'handles:' + h),
      ...w.vendors.map((v) => 'v:' + v),
    ];
  if (def.vendor) return def.vendor.map((v) => 'v:' + v);
  if (def.site) return def.site.map((s) => 's:' + s);
  if (def.category) return def.category.map((c) => 'c:' + c);
  return null;
}

function passesFilters(def: RuleDefinition, scan: RecordScan): boolean {
  const l = scan.listing;
  if (def.category) {
    const c = l.classification;
    if (!c || !def.category.includes(c.label)) return false;
    if (def.minConfidence !== null && !(c.confidence >= def.minConfidence)) return false;
  }
  if (def.priceEur) {
    const p = l.priceEur;
    if (typeof p !== 'number' || !Number.isFinite(p)) return false;
    if (def.priceEur.min !== null && p < def.priceEur.min) return false;
    if (def.priceEur.max !== null && p > def.priceEur.max) return false;
  }
  if (def.currency) {
    const c = (l.price?.currency ?? l.currency ?? '').toUpperCase();
    if (!def.currency.includes(c)) return false;
  }
  if (def.shipsFrom) {
    const from = scan.countries().from;
    if (!from || !def.shipsFrom.includes(from)) return false;
  }
  if (def.shipsTo) {
    const to = scan.countries().to;
    if (!to.some((c) => c === WORLDWIDE || def.shipsTo!.includes(c))) return false;
  }
  if (def.site && !(l.site && def.site.includes(l.site.trim().toLowerCase()))) return false;
  if (def.vendor && !(l.vendor && def.vendor.includes(scan.vendor()))) return false;
  if (def.language && !(l.language && def.language.includes(l.language.trim().toLowerCase()))) return false;
  return true;
}

/** Highlight for a watched entity: its first place in the title or description, if shown. */
function locate(l: MatchableListing, value: string): TermHit {
  const fields: Array<[HitField, string]> = [
    ['title', l.title ?? ''],
    ['description', l.description ?? ''],
  ];
  for (const [field, text] of fields) {
    let i = text.indexOf(value);
    if (i < 0) i = text.toLowerCase().indexOf(value.toLowerCase());
    if (i >= 0)
      return { term: value, field, start: i, end: i + value.length, text: text.slice(i, i + value.length) };
  }
  return { term: value, field: 'entities', start: 0, end: 0, text: value };
}

function prepared(l: MatchableListing | PreparedListing): PreparedListing {
  return l instanceof PreparedListing ? l : new PreparedListing(l);
}

function firstAfter(list: Occ[], field: number, pos: number): Occ | null {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const o = list[mid]!;
    if (o.field < field || (o.field === field && o.pos <= pos)) lo = mid + 1;
    else hi = mid;
  }
  const o = list[lo];
  return o && o.field === field ? o : null;
}

/** All strings obtained by deleting up to k characters (SymSpell candidates). */
function deletions(word: string, k: number): Set<string> {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let d = 0; d < k; d++) {
    const next: string[] = [];
    for (const w of frontier)
      for (let i = 0; i < w.length; i++) {
        const v = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(v)) {
          out.add(v);
          next.push(v);
        }
      }
    frontier = next;
  }
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

export function compileRules(defs: readonly RuleDefinition[]): CompiledRuleSet {
  return new CompiledRuleSet(defs);
}
