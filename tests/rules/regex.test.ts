import { describe, expect, it } from 'vitest';
import { compileRegex } from '../../rules/query/regex.js';
import { QueryError } from '../../rules/errors.js';
import { compileRules, prepareListing } from '../../rules/compile.js';
import { listing, rules } from './helpers.js';

function regexError(p: string): QueryError {
  try {
    compileRegex(p, 7);
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('regex analysis', () => {
  it.each([
    ['gl[o0]ck\\s?\\d+', ['gl']],
    ['(glock|beretta) \\d+', ['glock', 'beretta']],
    ['kalash\\w+', ['kalash']],
    ['(?i)GLOCK', ['glock']],
    ['\\Qcz.75\\E', ['cz']],
    ['\\d+ rounds', [' rounds']],
    ['(?:ab)+cd', ['ab']],
    ['[gG]lock', ['lock']],
    ['\\d+', null],
    ['.+', null],
    ['(a|\\d)x?', null],
  ])('%s requires %j', (p, lits) => {
    expect(compileRegex(p, 0).literals).toEqual(lits);
  });

  it.each(['a*', 'a?', '\\b', '^', '(a|)', '(?:x*)*', 'a{0,3}', '(?i)', '[a-z]*$'])(
    'rejects %s: it can match the empty string',
    (p) => {
      const e = regexError(p);
      expect(e.message).toMatch(/empty string/);
      expect(e.offset).toBe(7);
    },
  );

  it.each([
    ['a(?=b)', /invalid regular expression/],
    ['(a', /invalid regular expression/],
    ['(a)\\1', /invalid regular expression/],
    ['[z-a]', /invalid regular expression/],
    ['((((((((((a{1000}){1000}){1000})))))))))', /invalid regular expression|too large/],
  ])('rejects %s with a clear message', (p, msg) => {
    expect(regexError(p).message).toMatch(msg);
  });

  it('rejects regexes over the length limit at parse time', () => {
    expect(() => rules({ query: '/' + 'a'.repeat(600) + '/' })).toThrow(/limit is 512/);
  });
});

describe('ReDoS attempts finish in linear time', () => {
  const hostile = ['(a+)+$', '(a|aa)+$', '(a*)*b', '(.*a){20}', '(\\w+\\s?)+$', '([a-z]+)*z$'];
  it('classic catastrophic patterns on 100 KB of "a"s, compiled and naive', () => {
    const set = compileRules(rules(...hostile.map((p) => ({ query: `/${p}/` }))));
    const text = 'a'.repeat(100_000) + '!';
    const l = prepareListing(listing({ title: text, description: text }));
    l.view(0, 0); // normalising 2 × 100 KB is not what this test measures
    l.view(0, 1);
    const t = Date.now();
    const fired = set.match(l).map((m) => m.rule.queryText);
    const naive = set.matchNaive(l).map((m) => m.rule.queryText);
    expect(Date.now() - t).toBeLessThan(20_000); // backtracking engines would never finish
    expect(fired).toEqual(['/(.*a){20}/']);
    expect(naive).toEqual(fired);
  });

  it('a long record against many regex rules', () => {
    const set = compileRules(rules(...Array.from({ length: 50 }, (_, i) => ({ query: `/(x+x+)+y${i}/` }))));
    const t = Date.now();
    expect(set.match(listing({ title: 'x'.repeat(50_000) }))).toEqual([]);
    expect(Date.now() - t).toBeLessThan(20_000); // backtracking engines would never finish
  });
});
