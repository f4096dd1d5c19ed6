import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, loadRulesSafely } from '../../rules/loader.js';
import { loadRuleFile } from '../../rules/load-file.js';
import { parseWatchlistCsv } from '../../rules/watchlist.js';
import { printQuery } from '../../rules/query/printer.js';
import type { RuleProblem } from '../../rules/errors.js';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'dw-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function problems(src: string): RuleProblem[] {
  const r = loadRulesSafely(src, { file: 't.yaml' });
  expect(r.rules).toEqual([]);
  return r.problems;
}

describe('rule files', () => {
  it('accepts the SPEC §7 example exactly', () => {
    const { rules, problems: p } = loadRuleFile(join(fixtures, 'spec-example.yaml'));
    expect(p).toEqual([]);
    expect(rules).toHaveLength(1);
    const r = rules[0]!;
    expect(r).toMatchObject({
      id: 'handguns-from-the-region',
      name: 'handguns-from-the-region',
      severity: 'high',
      category: ['firearms'],
      shipsFrom: ['AL', 'BA', 'BG', 'GR', 'HU', 'MD', 'ME', 'MK', 'RO', 'RS', 'TR', 'XK'],
      priceEur: { min: 100, max: 3000 },
      enabled: true,
      transliterate: false,
      fields: ['title', 'description'],
      source: { line: 2, column: 5 },
    });
    expect(printQuery(r.query!)).toBe('(glock OR beretta OR "cz 75" OR pistol*) AND NOT airsoft');
  });

  it('accepts every documented field, normalising countries, languages and watchlists (CSV relative to the file)', () => {
    const { rules, problems: p } = loadRuleFile(join(fixtures, 'full.yaml'));
    expect(p).toEqual([]);
    expect(rules.map((r) => r.id)).toEqual([
      'fw-001',
      'watched-vendors',
      'watched-vendor-new-market',
      'big-price-drops',
      'relisted-documents',
      'cross-market-keys',
      'new-gun-vendors',
    ]);
    const [fw, watched] = rules;
    expect(fw).toMatchObject({
      owner: 'analyst.petrovic',
      severity: 'critical',
      workspace: 'ops-balkans',
      minConfidence: 0.6,
      currency: ['BTC', 'XMR', 'EUR'],
      shipsFrom: ['RS', 'BA', 'ME', 'AL', 'XK'],
      shipsTo: ['DE', 'AT', 'HR'],
      site: ['market-a', 'market-b'],
      language: ['sr', 'hr', 'bs', 'en'],
      transliterate: true,
    });
    expect(watched!.watchlists).toEqual({
      addresses: ['bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'],
      pgp: ['AAAABBBBCCCCDDDDEEEEFFFF0000111122223333', '0000111122223333'],
      handles: ['ghost_guns', 'balkan_plug'],
      vendors: ['ghost dealer', 'sharp shooter'],
    });
    expect(rules[3]!.on).toEqual({ kind: 'price_drop', percent: 30 });
    expect(rules[5]!.on).toEqual({ kind: 'same_entity_on_sites', min: 2 });
    expect(rules[6]!.enabled).toBe(false);
  });

  it.each([
    [
      'rules:\n  - name: a\n    serverity: high\n    query: glock\n',
      3,
      5,
      /unknown field "serverity"/,
      'did you mean "severity"?',
    ],
    [
      'rules:\n  - name: a\n    severity: hihg\n    query: glock\n',
      3,
      15,
      /severity "hihg"/,
      'did you mean "high"?',
    ],
    [
      'rules:\n  - name: a\n    query: glock\n    category: firarms\n',
      4,
      15,
      /category "firarms"/,
      'did you mean "firearms"?',
    ],
    [
      'rules:\n  - name: a\n    query: glock\n    shipsFrom: [Montenegor]\n',
      4,
      17,
      /unknown country "Montenegor"/,
      'did you mean "montenegro"? (ISO codes like RS, BA, AL)',
    ],
    [
      'rules:\n  - name: a\n    query: glock\n    language: [serbain]\n',
      4,
      16,
      /unknown language/,
      'did you mean "serbian" (sr)?',
    ],
    [
      'rules:\n  - name: a\n    query: "(glock OR beretta"\n',
      3,
      13,
      /missing "\)"/,
      'add ")" (reached the end of the query)',
    ],
    ["rules:\n  - name: a\n    query: 'glock AND'\n", 3, 22, /AND must be followed/, undefined],
    [
      "rules:\n  - name: a\n    query: 'glock or beretta'\n",
      3,
      19,
      /upper case/,
      'write OR for the operator, or "or" (quoted) to search the word',
    ],
    [
      'rules:\n  - name: a\n    query: |\n      glock\n      AND /a*/\n',
      5,
      11,
      /empty string/,
      'require at least one character, e.g. use + instead of *',
    ],
    [
      'rules:\n  - name: a\n    query: "x \\"cz 75\\" /(/"\n',
      3,
      25,
      /invalid regular expression/,
      'regexes use RE2 syntax (no lookahead, no backreferences)',
    ],
    [
      'rules:\n  - name: a\n    query: ak*\n',
      3,
      12,
      /prefix "ak\*" is too short/,
      'a prefix needs at least 3 letters',
    ],
    ['rules:\n  - name: a\n    query: gun~2\n', 3, 12, /too short for ~2/, 'use ~2 on words of 5+ letters'],
    ['rules:\n  - name: a\n    priceEur: { min: 500, max: 100 }\n', 3, 15, /above max/, 'swap them'],
    [
      'rules:\n  - name: a\n    on: price_drop\n',
      3,
      9,
      /price_drop needs percent/,
      'write on: { price_drop: { percent: N } }',
    ],
    [
      'rules:\n  - name: a\n    on: { prce_drop: { percent: 5 } }\n',
      3,
      11,
      /on "prce_drop"/,
      'did you mean "price_drop"?',
    ],
    [
      'rules:\n  - name: a\n    on: watched_vendor_new_site\n',
      3,
      5,
      /needs vendors or PGP keys/,
      'add "watchlists: { vendors: [...] }"',
    ],
    [
      'rules:\n  - name: a\n    watchlists: { vendor: [x] }\n',
      3,
      19,
      /unknown field "vendor"/,
      'did you mean "vendors"?',
    ],
    ['rules:\n  - name: a\n    watchlists: { pgp: [nothex] }\n', 3, 17, /PGP entries/, undefined],
    [
      'rules:\n  - name: a\n    enabled: yes\n    query: x\n',
      3,
      14,
      /enabled must be true or false/,
      undefined,
    ],
    [
      'rules:\n  - name: a\n    minConfidence: 0.5\n    query: x\n',
      3,
      5,
      /minConfidence applies to a category/,
      'add "category: …"',
    ],
    ['rules:\n  - name: a\n    severity: high\n', 2, 5, /no condition/, 'add a "query:" or a filter'],
    ['rules:\n  - severity: high\n    query: x\n', 2, 5, /no name/, 'add "name: …"'],
    [
      'rules:\n  - name: a\n    query: x\n  - name: a\n    query: y\n',
      4,
      5,
      /duplicate rule "a" \(first defined on line 2\)/,
      'rule names must be unique in a file',
    ],
    ['rule:\n  - name: a\n', 1, 1, /unknown field "rule"/, 'did you mean "rules"?'],
    [
      'rules:\n  - name: a\n    query: x\n    site: *nowhere\n',
      4,
      11,
      /unknown alias \*nowhere|YAML/,
      undefined,
    ],
    ['rules:\n  - name: a\n    query: x\n    query: y\n', 4, 5, /YAML: Map keys must be unique/, undefined],
    ['rules: [\n', 2, 1, /YAML/, undefined],
    ['- just a list\n', 1, 1, /a rule file is a mapping/, 'start the file with "rules:"'],
  ])('reports %j at %i:%i', (src, line, column, message, suggestion) => {
    const p = problems(src);
    const hit = p.find((x) => message.test(x.message));
    expect(hit, JSON.stringify(p)).toBeDefined();
    expect({ line: hit!.line, column: hit!.column, suggestion: hit!.suggestion }).toEqual({
      line,
      column,
      suggestion,
    });
  });

  it('resolves anchors defined under shared:', () => {
    const r = loadRules(
      'shared:\n  balkans: &balkans [RS, BA, ME]\nrules:\n  - name: a\n    query: glock\n    shipsFrom: *balkans\n  - name: b\n    query: beretta\n    shipsTo: *balkans\n',
      { file: 't' },
    );
    expect(r.problems).toEqual([]);
    expect(r.rules.map((x) => [x.shipsFrom, x.shipsTo])).toEqual([
      [['RS', 'BA', 'ME'], null],
      [null, ['RS', 'BA', 'ME']],
    ]);
  });

  it('reports every problem of a file in one pass, in file order', () => {
    const p = problems(
      'rules:\n  - name: a\n    serverity: high\n    query: glock\n  - name: b\n    query: "(x"\n  - name: c\n    shipsFrom: [Mars]\n',
    );
    expect(p.map((x) => [x.line, x.rule])).toEqual([
      [3, 'a'],
      [6, 'b'],
      [8, 'c'],
    ]);
  });

  it('reports CSV problems with the CSV line', () => {
    const dir = mkdtempSync(join(tmp, 'csv-'));
    writeFileSync(join(dir, 'w.csv'), 'type,value\nbtc,1abc\nplanet,mars\n"unterminated,x\n');
    writeFileSync(
      join(dir, 'r.yaml'),
      'rules:\n  - name: a\n    watchlists: { files: [w.csv, missing.csv] }\n',
    );
    const { problems: p } = loadRuleFile(join(dir, 'r.yaml'));
    expect(p.map((x) => x.message)).toEqual([
      expect.stringMatching(/^w\.csv:3: unknown type "planet"/),
      expect.stringMatching(/^w\.csv:4: unterminated quoted field/),
      expect.stringMatching(/cannot read watchlist file "missing\.csv"/),
    ]);
    expect(p.every((x) => x.line === 3)).toBe(true);
  });
});

describe('hostile rule files', () => {
  it('an alias bomb (billion laughs) ends quickly with a clear error or result', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill('*' + prev)
          .join(',')}]`,
      );
    }
    const src = `x:\n  ${levels.join('\n  ')}\nrules:\n  - name: bomb\n    query: glock\n    shipsFrom: *i\n    site: *i\n`;
    const t = Date.now();
    const p = problems(src);
    expect(Date.now() - t).toBeLessThan(15_000); // expanded, it would be 10^9 nodes
    expect(p.length).toBeGreaterThan(0);
    expect(p.map((x) => x.message).join('\n')).toMatch(/entries must be strings|unknown field "x"/);
  });

  it('a list of many aliases to a big list hits the node budget instead of expanding', () => {
    const big = `[${Array(2000).fill('RS').join(',')}]`;
    const src = `rules:\n${Array.from({ length: 1200 }, (_, i) => `  - name: r${i}\n    query: glock\n    shipsFrom: ${i === 0 ? '&big ' + big : '*big'}\n`).join('')}`;
    const t = Date.now();
    const r = loadRulesSafely(src, { file: 't' });
    // ~1 s alone; generous because CI shares two cores. Without the budget this is unbounded.
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/more than 2000000 YAML nodes/)]);
  });

  it('10^5 nested flow collections are refused before the parser recurses', () => {
    const p = problems('rules: ' + '['.repeat(100_000) + ']'.repeat(100_000));
    expect(p).toEqual([{ message: 'YAML nested deeper than 200 levels', line: 1, column: 208 }]);
  });

  it('a binary file is refused', () => {
    const f = join(tmp, 'binary.yaml');
    writeFileSync(f, Buffer.from([0x72, 0x75, 0x6c, 0x65, 0x73, 0x3a, 0x00, 0xff, 0xfe, 0x01]));
    expect(loadRuleFile(f).problems).toEqual([
      { message: 'rule file is binary (contains NUL bytes), not text', line: 1, column: 1 },
    ]);
  });

  it('invalid UTF-8 is refused', () => {
    const f = join(tmp, 'latin1.yaml');
    writeFileSync(f, Buffer.from('rules:\n  - name: caf\xe9\n', 'latin1'));
    expect(loadRuleFile(f).problems[0]!.message).toBe('rule file is not valid UTF-8 text');
  });

  it('a 10 MB file is refused by size before parsing', () => {
    const f = join(tmp, 'huge.yaml');
    writeFileSync(f, 'rules:\n  - name: a\n    query: ' + 'x'.repeat(10 * 1024 * 1024) + '\n');
    const t = Date.now();
    expect(loadRuleFile(f).problems[0]!.message).toMatch(/rule file is 10\.0 MB; the limit is 8 MB/);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('a 10 MB string passed to the loader directly is parsed in bounded time with a clear error', () => {
    const t = Date.now();
    const p = problems('rules:\n  - name: a\n    query: ' + 'glock '.repeat(1_750_000) + '\n');
    expect(Date.now() - t).toBeLessThan(30_000); // ~1 s alone
    expect(p[0]!.message).toMatch(/characters long; the limit is 20000/);
  });

  it('a missing file is a problem, not a crash', () => {
    expect(loadRuleFile(join(tmp, 'nope.yaml')).problems[0]!.message).toMatch(/ENOENT/);
  });

  it('YAML tags and odd scalars are type errors, not surprises', () => {
    const p = problems('rules:\n  - name: !!binary aGVsbG8=\n    query: !!int 12\n');
    expect(p.map((x) => x.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/query must be a string/)]),
    );
  });
});

describe('watchlist CSV', () => {
  it('parses quoted fields, header, comments and CRLF', () => {
    const { entries, problems: p } = parseWatchlistCsv(
      readFileSync(join(fixtures, 'watch.csv'), 'utf8').replace(/\n/g, '\r\n'),
    );
    expect(p).toEqual([]);
    expect(entries).toEqual([
      { kind: 'addresses', value: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT' },
      { kind: 'pgp', value: '0000111122223333' },
      { kind: 'handles', value: 'balkan_plug' },
      { kind: 'vendors', value: 'sharp shooter' },
    ]);
  });

  it('refuses binary content', () => {
    expect(parseWatchlistCsv('type,value\nbtc,\u0000\u0001').problems[0]!.message).toMatch(/binary/);
  });

  it('a quoted newline keeps line numbers right', () => {
    const { problems: p } = parseWatchlistCsv('vendor,"two\nlines"\nbogus,x\n');
    expect(p).toEqual([{ line: 3, message: expect.stringMatching(/unknown type "bogus"/) }]);
  });
});

describe('loadRules is pure', () => {
  it('cannot read CSVs without a reader', () => {
    const r = loadRules('rules:\n  - name: a\n    watchlists: { files: [x.csv] }\n', { file: 't' });
    expect(r.problems.map((p) => p.message)).toEqual(['cannot read watchlist file "x.csv" here']);
  });
});

describe("each rule's source text", () => {
  /** The definition a text loads to, without its position (which moves when the text is cut out). */
  const definitionsOf = (src: string) => {
    const r = loadRules(src, { file: 't' });
    expect(r.problems).toEqual([]);
    return r.rules.map(({ source: _source, ...def }) => def);
  };

  it('is the entry as written, a rule file of its own that loads to the same rule', () => {
    const src = [
      '# analysts: keep these sorted',
      'rules:',
      '  - name: handguns   # the main one',
      '    query: |',
      '      glock',
      '        OR beretta',
      '# a comment less indented than the entry',
      '    shipsFrom: [RS, BA]',
      '  - { name: ammo,',
      '      query: "9mm", severity: high }',
      '  - name: notes',
      '    query: |+',
      '      kept trailing lines',
      '',
      '',
      '  - name: last',
      '    query: y',
      '',
    ].join('\n');
    const r = loadRules(src, { file: 't' });
    expect(r.problems).toEqual([]);
    expect([...r.sourceTexts.keys()]).toEqual(['handguns', 'ammo', 'notes', 'last']);
    expect(r.sourceTexts.get('handguns')).toBe(
      'rules:\n  - name: handguns   # the main one\n    query: |\n      glock\n        OR beretta\n    # a comment less indented than the entry\n    shipsFrom: [RS, BA]\n',
    );
    const all = definitionsOf(src);
    r.rules.forEach((rule, i) => expect(definitionsOf(r.sourceTexts.get(rule.id)!)).toEqual([all[i]]));
  });

  it('is the whole document when the entry uses anchors from elsewhere, or the file has one rule', () => {
    const shared =
      'shared:\n  balkans: &balkans [RS, BA]\nrules:\n  - name: a\n    query: glock\n    shipsFrom: *balkans\n  - name: b\n    query: x\n    shipsTo: &own [AL]\n    shipsFrom: *own\n';
    const r = loadRules(shared, { file: 't' });
    expect(r.problems).toEqual([]);
    expect(r.sourceTexts.get('a')).toBe(shared);
    // b's anchor is its own, so b stands alone.
    expect(r.sourceTexts.get('b')).toBe(
      'rules:\n  - name: b\n    query: x\n    shipsTo: &own [AL]\n    shipsFrom: *own\n',
    );
    const one = '# one rule\nrules:\n  - name: only\n    query: glock\n';
    expect(loadRules(one, { file: 't' }).sourceTexts).toEqual(new Map([['only', one]]));
  });

  it('is empty when the file has problems', () => {
    const r = loadRules('rules:\n  - name: a\n    query: glock\n  - name: b\n    query: "(x"\n', {
      file: 't',
    });
    expect(r.problems).toHaveLength(1);
    expect(r.sourceTexts.size).toBe(0);
  });
});
