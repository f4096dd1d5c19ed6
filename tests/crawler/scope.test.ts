import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  globToRe2,
  PatternError,
  Scope,
  staticTrap,
  TrapTracker,
  dateTemplate,
} from '../../crawler/scope.js';

const P = 'http://primary.onion';
const M = 'http://mirror.onion';

function scope(over: Partial<ConstructorParameters<typeof Scope>[0]> = {}) {
  return new Scope({
    baseUrls: [P, M],
    include: [],
    exclude: [],
    maxDepth: 3,
    pageBudget: 100,
    allowImages: false,
    ...over,
  });
}

describe('patterns', () => {
  it('globs match path+query or the whole URL', () => {
    expect(globToRe2('/a/*.html')).toBe('/a/[^/]*\\.html');
    const p = compilePattern('/listing/**');
    expect(p.test(`${P}/listing/1/2`)).toBe(true);
    expect(p.test(`${P}/vendor/1`)).toBe(false);
    expect(compilePattern('http://*.onion/forum/*').test(`${P}/forum/x`)).toBe(true);
    expect(compilePattern('/item?id=?').test(`${P}/item?id=7`)).toBe(true);
  });
  it('RE2 patterns search anywhere and are linear-time on ReDoS input', () => {
    const p = compilePattern('re:(a+)+$');
    const t0 = Date.now();
    expect(p.test(`${P}/` + 'a'.repeat(5000) + '!')).toBe(false);
    expect(Date.now() - t0).toBeLessThan(10_000); // backtracking on 5000 a's would never end
    expect(compilePattern('re:/(logout|delete)').test(`${P}/user/logout`)).toBe(true);
  });
  it('rejects invalid, empty, huge and backtracking-only patterns clearly', () => {
    expect(() => compilePattern('re:(')).toThrow(PatternError);
    expect(() => compilePattern('re:(a)\\1')).toThrow(/invalid RE2/);
    expect(() => compilePattern('re:(?=x)')).toThrow(PatternError);
    expect(() => compilePattern('')).toThrow(PatternError);
    expect(() => compilePattern('/' + 'a'.repeat(2000))).toThrow(/longer than/);
  });
});

describe('Scope', () => {
  it('folds mirrors onto the primary and keeps other sites out', () => {
    const s = scope();
    expect(s.decide(`${M}/x?b=1&a=2#f`, 1)).toEqual({ ok: true, url: `${P}/x?a=2&b=1` });
    expect(s.decide('http://other.onion/x', 1)).toMatchObject({ ok: false, why: { kind: 'off_site' } });
    expect(s.decide('javascript:void(0)', 1)).toMatchObject({ ok: false, why: { kind: 'invalid_url' } });
    expect(s.onMirror(`${P}/x?a=1`, M)).toBe(`${M}/x?a=1`);
    expect(
      scope({ baseUrls: [P] })
        .withMirror(M)
        .decide(`${M}/y`, 0),
    ).toEqual({ ok: true, url: `${P}/y` });
  });
  it('applies depth, include and exclude', () => {
    const s = scope({ include: ['/listing/**', '/'], exclude: ['re:/logout'] });
    expect(s.decide(`${P}/listing/1`, 3).ok).toBe(true);
    expect(s.decide(`${P}/listing/1`, 4)).toMatchObject({ why: { kind: 'too_deep' } });
    expect(s.decide(`${P}/forum/1`, 1)).toMatchObject({ why: { kind: 'not_included' } });
    expect(s.decide(`${P}/listing/logout`, 1)).toMatchObject({
      why: { kind: 'excluded', pattern: 're:/logout' },
    });
  });
});

describe('traps', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('static: long URLs, deep and looping paths, many params, far-off years', () => {
    expect(staticTrap(`${P}/` + 'x'.repeat(3000))).toBe('url_too_long');
    expect(staticTrap(`${P}/` + Array.from({ length: 20 }, (_, i) => `s${i}`).join('/'))).toBe(
      'too_deep_path',
    );
    expect(staticTrap(`${P}/a/b/a/b/c`)).toBe('repeating_segments');
    expect(staticTrap(`${P}/x/x/x/x`)).toBe('repeating_segments');
    expect(staticTrap(`${P}/s?` + Array.from({ length: 20 }, (_, i) => `k${i}=1`).join('&'))).toBe(
      'query_explosion',
    );
    expect(staticTrap(`${P}/calendar/2417-01`, undefined, now)).toBe('calendar');
    expect(staticTrap(`${P}/cal?year=1850&month=1`, undefined, now)).toBe('calendar');
    expect(staticTrap(`${P}/listing/2026-05-03/item`, undefined, now)).toBeNull();
    expect(staticTrap(`${P}/a/b/c`)).toBeNull();
    expect(staticTrap(`${P}/item/123405`, undefined, now)).toBeNull();
  });
  it('a calendar marching forever stops after the per-template limit', () => {
    const t = new TrapTracker(undefined, () => now);
    let admitted = 0;
    let firstTrap: string | null = null;
    for (let i = 0; i < 500 && !firstTrap; i++) {
      const d = new Date(Date.UTC(2026, 5, 1 - i));
      const trap = t.admit(`${P}/events/${d.toISOString().slice(0, 10)}`);
      if (trap) firstTrap = trap;
      else admitted++;
    }
    expect(firstTrap).toBe('calendar');
    expect(admitted).toBe(24);
    // the same dates are still admitted (revisits), other templates are independent
    expect(t.admit(`${P}/events/2026-06-01`)).toBeNull();
    expect(t.admit(`${P}/news/2026-01-01`)).toBeNull();
    expect(dateTemplate(`${P}/c?month=3&year=2026`).template).toContain('month={date}');
  });
  it('query-parameter explosion on one path is capped', () => {
    const t = new TrapTracker({
      maxUrlLength: 2048,
      maxPathSegments: 16,
      maxSegmentRepeats: 3,
      maxQueryParams: 16,
      maxQueryVariantsPerPath: 10,
      maxDatesPerTemplate: 24,
      maxYearsBack: 30,
      maxYearsAhead: 1,
    });
    const results = Array.from({ length: 15 }, (_, i) => t.admit(`${P}/search?color=${i}&size=${i * 7}`));
    expect(results.filter((r) => r === null)).toHaveLength(10);
    expect(results[14]).toBe('query_explosion');
  });
});

describe('scopeForSource', () => {
  it('builds a scope from a stored source policy', async () => {
    const { DEFAULT_CRAWL_POLICY } = await import('../../core/types.js');
    const { scopeForSource } = await import('../../crawler/scope.js');
    const s = scopeForSource({
      baseUrls: [P, M],
      policy: { ...DEFAULT_CRAWL_POLICY, exclude: ['/logout'], maxDepth: 1 },
    });
    expect(s.decide(`${M}/a`, 1)).toEqual({ ok: true, url: `${P}/a` });
    expect(s.decide(`${P}/logout`, 1).ok).toBe(false);
    expect(s.decide(`${P}/a`, 2).ok).toBe(false);
  });
});

describe('calendar shapes seen on markets and forums', () => {
  const now = () => new Date('2026-06-01T00:00:00Z');
  it('query calendars (?month=2026-01&day=N) and path calendars (/calendar/2026/1) are bounded', () => {
    const t = new TrapTracker(undefined, now);
    let admitted = 0;
    for (let m = 0; m < 60; m++) {
      const month = `${2026 - Math.floor(m / 12)}-${String(12 - (m % 12)).padStart(2, '0')}`;
      for (let d = 1; d <= 28; d++)
        if (t.admit(`${P}/events/calendar?day=${d}&month=${month}`) === null) admitted++;
      if (t.admit(`${P}/events/calendar?month=${month}`) === null) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(48);
    const f = new TrapTracker(undefined, now);
    let forum = 0;
    for (let i = 0; i < 200; i++) {
      const d = new Date(Date.UTC(2026, 0 - i, 1));
      if (f.admit(`${P}/calendar/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}`) === null) forum++;
    }
    expect(forum).toBe(24);
    // ordinary numeric paths are not dates
    expect(dateTemplate(`${P}/t/t2026`).dates).toEqual([]);
    expect(dateTemplate(`${P}/listing/1234?page=2&start=40`).dates).toEqual([]);
  });
});
