// Crawl scope: which normalised URLs belong to a source's crawl, with mirrors folded onto the primary
// onion, include/exclude patterns compiled to RE2 (linear time — user patterns never reach JS RegExp),
// depth/page budgets, and trap detection. Pure; the run-level trap counters live in a TrapTracker the
// caller owns (one per crawl run).
import { RE2JS } from 're2js';
import type { CrawlPolicy } from '../core/types.js';
import { normalizeUrl, UrlError } from './url.js';

export class PatternError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

export const MAX_PATTERN_LENGTH = 1000;

export interface UrlPattern {
  source: string;
  test(url: string): boolean;
}

/** Escape a literal for RE2. */
function re2Literal(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Glob → RE2: `**` any characters, `*` anything but `/`, `?` one character but `/`. */
export function globToRe2(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += re2Literal(c);
  }
  return out;
}

/**
 * Compile one user pattern. `re:<RE2>` is a regular expression searched anywhere in the URL; anything
 * else is a glob matched against the whole path+query when it starts with `/`, else the whole URL.
 */
export function compilePattern(pattern: string): UrlPattern {
  if (typeof pattern !== 'string' || pattern.length === 0)
    throw new PatternError('empty URL pattern', String(pattern));
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternError(`URL pattern longer than ${MAX_PATTERN_LENGTH} characters`, pattern.slice(0, 80));
  if (pattern.startsWith('re:')) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern.slice(3));
    } catch (err) {
      throw new PatternError(
        `invalid RE2 pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`,
        pattern,
      );
    }
    return { source: pattern, test: (url) => re.test(url) };
  }
  const pathOnly = pattern.startsWith('/');
  const re = RE2JS.compile(globToRe2(pattern));
  return {
    source: pattern,
    test: (url) => {
      if (!pathOnly) return re.matches(url);
      const u = new URL(url);
      return re.matches(u.pathname + u.search);
    },
  };
}

export interface TrapLimits {
  maxUrlLength: number;
  maxPathSegments: number;
  /** A single path segment appearing more often than this is a loop (`/a/b/a/b/a/b`). */
  maxSegmentRepeats: number;
  maxQueryParams: number;
  /** Distinct query strings per path before further variants are dropped (faceted-search explosion). */
  maxQueryVariantsPerPath: number;
  /** Distinct dates per URL template before the calendar is considered to march forever. */
  maxDatesPerTemplate: number;
  /** Years outside [now - maxYearsBack, now + maxYearsAhead] are calendar traps outright. */
  maxYearsBack: number;
  maxYearsAhead: number;
}

export const DEFAULT_TRAP_LIMITS: TrapLimits = {
  maxUrlLength: 2048,
  maxPathSegments: 16,
  maxSegmentRepeats: 3,
  maxQueryParams: 16,
  maxQueryVariantsPerPath: 200,
  maxDatesPerTemplate: 24,
  maxYearsBack: 30,
  maxYearsAhead: 1,
};

export type TrapKind =
  'url_too_long' | 'too_deep_path' | 'repeating_segments' | 'query_explosion' | 'calendar';

// yyyy-mm-dd, yyyy/mm/dd, yyyy-mm, yyyy/mm (month/day with or without leading zero) in a path or
// query value. A separator is required so
// numeric listing ids (`/item/123405`) are never mistaken for dates.
const DATE_RE = /(?<![0-9])([1-9][0-9]{3})([-/_.])(0?[1-9]|1[0-2])(?:\2(0?[1-9]|[12][0-9]|3[01]))?(?![0-9])/g;
const YEAR_PARAM = /^(y|yr|year|jahr|annee)$/i;
const MONTH_PARAM = /^(m|mo|mon|month|monat|mois)$/i;
// Only month/day names take a bare number as a date: `start=20` is pagination, not a calendar.
const DAY_PARAM = /^(d|dd|day|tag|jour)$/i;

/** URL with dates replaced by `{date}` and the dates found, for calendar detection. */
export function dateTemplate(url: string): { template: string; years: number[]; dates: string[] } {
  const u = new URL(url);
  const years: number[] = [];
  const dates: string[] = [];
  const path = u.pathname.replace(DATE_RE, (m, y: string) => {
    years.push(Number(y));
    dates.push(m);
    return '{date}';
  });
  const params: string[] = [];
  for (const [k, v] of u.searchParams) {
    if (YEAR_PARAM.test(k) && /^\d{1,6}$/.test(v)) {
      years.push(Number(v));
      dates.push(`${k}=${v}`);
      params.push(`${k}={date}`);
      continue;
    }
    if ((MONTH_PARAM.test(k) || DAY_PARAM.test(k)) && /^\d{1,3}$/.test(v)) {
      dates.push(`${k}=${v}`);
      params.push(`${k}={date}`);
      continue;
    }
    let found = false;
    const inner = v.replace(DATE_RE, (_m, y: string) => {
      years.push(Number(y));
      found = true;
      return '{date}';
    });
    if (found) dates.push(`${k}=${v}`);
    params.push(`${k}=${inner}`);
  }
  return { template: `${u.host}${path}?${params.sort().join('&')}`, years, dates };
}

/** Traps a single URL shows on its own (no run state needed). */
export function staticTrap(
  url: string,
  limits: TrapLimits = DEFAULT_TRAP_LIMITS,
  now = new Date(),
): TrapKind | null {
  if (url.length > limits.maxUrlLength) return 'url_too_long';
  const u = new URL(url);
  const segments = u.pathname.split('/').filter(Boolean);
  if (segments.length > limits.maxPathSegments) return 'too_deep_path';
  const counts = new Map<string, number>();
  for (const s of segments) {
    const n = (counts.get(s) ?? 0) + 1;
    if (n > limits.maxSegmentRepeats) return 'repeating_segments';
    counts.set(s, n);
  }
  // A repeated run of two or more segments (a/b/a/b) is a relative-link loop even when each segment
  // repeats only twice.
  for (let len = 2; len * 2 <= segments.length; len++) {
    for (let i = 0; i + 2 * len <= segments.length; i++) {
      const a = segments.slice(i, i + len).join('/');
      const b = segments.slice(i + len, i + 2 * len).join('/');
      if (a === b) return 'repeating_segments';
    }
  }
  if ([...u.searchParams.keys()].length > limits.maxQueryParams) return 'query_explosion';
  const { years } = dateTemplate(url);
  const thisYear = now.getUTCFullYear();
  if (years.some((y) => y < thisYear - limits.maxYearsBack || y > thisYear + limits.maxYearsAhead))
    return 'calendar';
  return null;
}

/**
 * A bounded group a URL belongs to: at most `limit` distinct members per group per run. Calendar
 * pages share a group per date template (member = the dates), faceted searches a group per path
 * (member = the query). Pure, so a Redis frontier can enforce the same limits across processes.
 */
export interface TrapGroup {
  key: string;
  member: string;
  limit: number;
  trap: TrapKind;
}

export function trapGroups(url: string, limits: TrapLimits = DEFAULT_TRAP_LIMITS): TrapGroup[] {
  const u = new URL(url);
  const groups: TrapGroup[] = [];
  const { template, dates } = dateTemplate(url);
  if (dates.length > 0)
    groups.push({
      key: `cal:${template}`,
      member: dates.join('|'),
      limit: limits.maxDatesPerTemplate,
      trap: 'calendar',
    });
  if (u.search)
    groups.push({
      key: `qv:${u.host}${u.pathname}`,
      member: u.search,
      limit: limits.maxQueryVariantsPerPath,
      trap: 'query_explosion',
    });
  return groups;
}

/**
 * Run-level trap state for one process: how many dates a URL template has produced and how many
 * query variants a path has. Bounded: it only grows with admitted URLs, which the budget bounds.
 */
export class TrapTracker {
  private readonly groups = new Map<string, Set<string>>();

  constructor(
    private readonly limits: TrapLimits = DEFAULT_TRAP_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Check and, when admitted, record the URL. */
  admit(url: string): TrapKind | null {
    const st = staticTrap(url, this.limits, this.now());
    if (st) return st;
    const gs = trapGroups(url, this.limits);
    for (const g of gs) {
      const seen = this.groups.get(g.key);
      if (seen && !seen.has(g.member) && seen.size >= g.limit) return g.trap;
    }
    for (const g of gs) {
      const seen = this.groups.get(g.key) ?? new Set<string>();
      seen.add(g.member);
      this.groups.set(g.key, seen);
    }
    return null;
  }
}

export interface ScopeConfig {
  /** Base URLs of the source; the first is the primary, the rest are mirrors folded onto it. */
  baseUrls: string[];
  include: string[];
  exclude: string[];
  maxDepth: number;
  pageBudget: number;
  allowImages: boolean;
  traps?: Partial<TrapLimits>;
}

export type ScopeRejection =
  | { kind: 'invalid_url'; message: string }
  | { kind: 'off_site' }
  | { kind: 'excluded'; pattern: string }
  | { kind: 'not_included' }
  | { kind: 'too_deep' }
  | { kind: 'trap'; trap: TrapKind };

export type ScopeDecision =
  { ok: true; url: string } | { ok: false; url: string | null; why: ScopeRejection };

/** A compiled scope: answers "is this link part of the crawl, and under which canonical URL?". */
export class Scope {
  readonly primaryOrigin: string;
  readonly siteOrigins: ReadonlySet<string>;
  readonly include: UrlPattern[];
  readonly exclude: UrlPattern[];
  readonly limits: TrapLimits;

  constructor(readonly config: ScopeConfig) {
    if (config.baseUrls.length === 0) throw new PatternError('a source needs at least one base URL', '');
    const origins = config.baseUrls.map((b) => new URL(normalizeUrl(b)).origin);
    this.primaryOrigin = origins[0] as string;
    this.siteOrigins = new Set(origins);
    this.include = config.include.map(compilePattern);
    this.exclude = config.exclude.map(compilePattern);
    this.limits = { ...DEFAULT_TRAP_LIMITS, ...config.traps };
  }

  /** Add a mirror learned at run time (a verified mirrors.txt). */
  withMirror(baseUrl: string): Scope {
    return new Scope({ ...this.config, baseUrls: [...this.config.baseUrls, baseUrl] });
  }

  /** Rewrite a URL on any mirror onto the primary origin, so the site is crawled once. */
  canonicalize(url: string): string {
    const u = new URL(url);
    if (u.origin === this.primaryOrigin || !this.siteOrigins.has(u.origin)) return url;
    return this.primaryOrigin + url.slice(u.origin.length);
  }

  /** Absolute URL on a given mirror origin for a canonical URL (for failover fetches). */
  onMirror(canonicalUrl: string, mirrorOrigin: string): string {
    const u = new URL(canonicalUrl);
    return mirrorOrigin + canonicalUrl.slice(u.origin.length);
  }

  /**
   * Decide about one link found at `depth - 1`. Depth and pattern checks are pure; trap checks use
   * the run's tracker when given (seeds are checked without one).
   */
  decide(rawUrl: string, depth: number, base?: string, tracker?: TrapTracker): ScopeDecision {
    let url: string;
    try {
      url = this.canonicalize(normalizeUrl(rawUrl, base));
    } catch (err) {
      const message = err instanceof UrlError ? err.message : 'not a valid URL';
      return { ok: false, url: null, why: { kind: 'invalid_url', message } };
    }
    if (!this.siteOrigins.has(new URL(url).origin)) return { ok: false, url, why: { kind: 'off_site' } };
    if (depth > this.config.maxDepth) return { ok: false, url, why: { kind: 'too_deep' } };
    const ex = this.exclude.find((p) => p.test(url));
    if (ex) return { ok: false, url, why: { kind: 'excluded', pattern: ex.source } };
    if (this.include.length > 0 && !this.include.some((p) => p.test(url)))
      return { ok: false, url, why: { kind: 'not_included' } };
    const trap = tracker ? tracker.admit(url) : staticTrap(url, this.limits);
    if (trap) return { ok: false, url, why: { kind: 'trap', trap } };
    return { ok: true, url };
  }
}

/** The scope of a stored source (core/types.ts Source): its base URLs and crawl policy. */
export function scopeForSource(
  source: { baseUrls: string[]; policy: CrawlPolicy },
  traps?: Partial<TrapLimits>,
): Scope {
  return new Scope({
    baseUrls: source.baseUrls,
    include: source.policy.include,
    exclude: source.policy.exclude,
    maxDepth: source.policy.maxDepth,
    pageBudget: source.policy.pageBudget,
    allowImages: source.policy.allowImages,
    traps,
  });
}
