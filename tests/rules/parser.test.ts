import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseQuery, QUERY_LIMITS } from '../../rules/query/parser.js';
import { printQuery } from '../../rules/query/printer.js';
import { stripPositions, type QueryNode } from '../../rules/query/ast.js';
import { QueryError } from '../../rules/errors.js';

function errorOf(q: string): QueryError {
  try {
    parseQuery(q);
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error(`no error for ${q}`);
}

describe('query parser', () => {
  it('parses the SPEC query into the expected tree', () => {
    const ast = stripPositions(parseQuery('(glock OR beretta OR "cz 75" OR pistol*) AND NOT airsoft'));
    expect(ast).toEqual({
      type: 'and',
      children: [
        {
          type: 'or',
          children: [
            { type: 'term', text: 'glock', field: null },
            { type: 'term', text: 'beretta', field: null },
            { type: 'phrase', text: 'cz 75', slop: null, field: null },
            { type: 'prefix', text: 'pistol', field: null },
          ],
        },
        { type: 'not', child: { type: 'term', text: 'airsoft', field: null } },
      ],
    });
  });

  it.each([
    [
      'a b',
      {
        type: 'and',
        children: [
          { type: 'term', text: 'a', field: null },
          { type: 'term', text: 'b', field: null },
        ],
      },
    ],
    [
      'a OR b c',
      {
        type: 'or',
        children: [
          { type: 'term', text: 'a', field: null },
          {
            type: 'and',
            children: [
              { type: 'term', text: 'b', field: null },
              { type: 'term', text: 'c', field: null },
            ],
          },
        ],
      },
    ],
    [
      'NOT a b',
      {
        type: 'and',
        children: [
          { type: 'not', child: { type: 'term', text: 'a', field: null } },
          { type: 'term', text: 'b', field: null },
        ],
      },
    ],
    ['glok~1', { type: 'fuzzy', text: 'glok', distance: 1, field: null }],
    ['glok~', { type: 'fuzzy', text: 'glok', distance: 1, field: null }],
    ['"glock 19"~3', { type: 'phrase', text: 'glock 19', slop: 3, field: null }],
    [
      'glock NEAR/3 19',
      {
        type: 'near',
        left: { type: 'term', text: 'glock', field: null },
        right: { type: 'term', text: '19', field: null },
        distance: 3,
      },
    ],
    ['title:glock', { type: 'term', text: 'glock', field: 'title' }],
    ['description:"cz 75"', { type: 'phrase', text: 'cz 75', slop: null, field: 'description' }],
    ['/gl[o0]ck\\s?\\d+/', { type: 'regex', pattern: 'gl[o0]ck\\s?\\d+', field: null }],
    ['/a\\/b/', { type: 'regex', pattern: 'a/b', field: null }],
    ['"say \\"hi\\""', { type: 'phrase', text: 'say "hi"', slop: null, field: null }],
  ] as Array<[string, QueryNode]>)('%s', (q, expected) => {
    expect(stripPositions(parseQuery(q))).toEqual(expected);
  });

  it('applies a field to every leaf of a group', () => {
    expect(stripPositions(parseQuery('title:(glock OR "cz 75")'))).toEqual({
      type: 'or',
      children: [
        { type: 'term', text: 'glock', field: 'title' },
        { type: 'phrase', text: 'cz 75', slop: null, field: 'title' },
      ],
    });
  });

  it.each([
    '(glock OR beretta OR "cz 75" OR pistol*) AND NOT airsoft',
    'a OR b AND c OR NOT (d OR e)',
    '(a OR b) NEAR/2 "c d"~1 NEAR/0 e*',
    'title:/x\\/y\\d+/ description:glok~2',
    'NOT NOT a',
    '((a AND b) AND c)',
  ])('round-trips %s', (q) => {
    const ast = stripPositions(parseQuery(q));
    expect(stripPositions(parseQuery(printQuery(ast)))).toEqual(ast);
  });

  it('round-trips generated trees: parse(print(ast)) == ast', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/).filter((w) => !/^(and|or|not|near)$/.test(w));
    const field = fc.constantFrom(null, 'title' as const, 'description' as const);
    const { tree } = fc.letrec<{ tree: QueryNode; positional: QueryNode }>((tie) => ({
      positional: fc.oneof(
        fc.record({ type: fc.constant('term' as const), text: word, field }),
        fc.record({ type: fc.constant('prefix' as const), text: word, field }),
        fc.record({
          type: fc.constant('fuzzy' as const),
          text: word,
          distance: fc.integer({ min: 0, max: 2 }),
          field,
        }),
        fc.record({
          type: fc.constant('phrase' as const),
          text: fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
          slop: fc.option(fc.integer({ min: 0, max: 9 })),
          field,
        }),
      ),
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tie('positional'),
        fc.record({
          type: fc.constant('regex' as const),
          pattern: fc.constantFrom('a/b', 'x\\d+', '[ab]c/', 'p\\\\/'),
          field,
        }),
        fc.record({
          type: fc.constant('and' as const),
          children: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
        }),
        fc.record({
          type: fc.constant('or' as const),
          children: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
        }),
        fc.record({ type: fc.constant('not' as const), child: tie('tree') }),
        fc.record({
          type: fc.constant('near' as const),
          left: tie('positional'),
          right: tie('positional'),
          distance: fc.integer({ min: 0, max: 20 }),
        }),
      ),
    }));
    fc.assert(
      fc.property(tree, (ast) => {
        expect(stripPositions(parseQuery(printQuery(ast)))).toEqual(ast);
      }),
      { numRuns: 300 },
    );
  });
});

describe('query errors carry the offset of the problem', () => {
  it.each([
    ['(glock OR beretta', 0, /missing "\)"/],
    ['glock)', 5, /unbalanced "\)"/],
    ['glock OR', 8, /OR must be followed/],
    ['glock AND AND beretta', 10, /AND must be followed/],
    ['"cz 75', 0, /unterminated phrase/],
    ['a /gl[o', 2, /unterminated regular expression/],
    ['glock or beretta', 6, /operators are upper case/],
    ['titel:glock', 0, /unknown field "titel"/],
    ['kal*ash', 3, /only allowed at the end/],
    ['glok~3', 4, /more than 2/],
    ['a NEAR b', 2, /malformed proximity/],
    ['a NEAR/3 /x+/', 9, /cannot take a regular expression/],
    ['a NEAR/3 (b AND c)', 10, /cannot take AND/],
    ['', 0, /empty query/],
    ['title:(description:x)', 7 + 12, /cannot be nested/],
  ])('%s → offset %i', (q, offset, message) => {
    const e = errorOf(q);
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
  });

  it('suggests a field for a typo', () => {
    expect(errorOf('titel:glock').suggestion).toBe('did you mean "title:"?');
  });
});

describe('hostile queries fail fast with a clear error', () => {
  it('10^5 nested parentheses', () => {
    const q = '('.repeat(100_000) + 'a' + ')'.repeat(100_000);
    const t = Date.now();
    expect(errorOf(q.slice(0, QUERY_LIMITS.maxLength)).message).toMatch(/nested deeper than 64/);
    expect(errorOf(q).message).toMatch(/characters long/);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('10^4 nested parentheses within the length limit', () => {
    const q = '('.repeat(9_000) + 'a' + ')'.repeat(9_000);
    expect(errorOf(q).message).toMatch(/nested deeper/);
  });

  it('a chain of 9,000 NOTs', () => {
    expect(errorOf('NOT '.repeat(4_000) + 'a').message).toMatch(/nested deeper/);
  });

  it('a query with too many terms', () => {
    const t = Date.now();
    expect(errorOf(Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(' ')).message).toMatch(
      /more than 1000 terms/,
    );
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('a query over the length limit', () => {
    expect(errorOf('a'.repeat(QUERY_LIMITS.maxLength + 1)).message).toMatch(/limit is 20000/);
  });

  it('binary junk is an error, not a crash', () => {
    const junk = String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536));
    let outcome: unknown;
    try {
      outcome = parseQuery(junk);
    } catch (e) {
      outcome = e;
    }
    // Either it is a (strange) valid query, or a QueryError; never any other exception.
    expect(outcome instanceof QueryError || typeof outcome === 'object').toBe(true);
    if (!(outcome instanceof QueryError))
      expect(stripPositions(parseQuery(printQuery(outcome as QueryNode)))).toEqual(
        stripPositions(outcome as QueryNode),
      );
  });
});
