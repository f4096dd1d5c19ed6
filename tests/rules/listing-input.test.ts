import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseListing, readJsonLines, type InputLine } from '../../rules/listing-input.js';

async function lines(chunks: Array<string | Buffer>, max?: number): Promise<InputLine[]> {
  const out: InputLine[] = [];
  for await (const l of readJsonLines(Readable.from(chunks), max)) out.push(l);
  return out;
}

describe('JSON lines input', () => {
  it('splits across chunk boundaries, handles CRLF, blank lines and a missing final newline', async () => {
    expect(await lines(['{"a":', '1}\r\n\n  \n{"b"', ':2}'])).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
    ]);
  });

  it('skips an oversized line without buffering it, and keeps counting lines', async () => {
    const big = 'x'.repeat(5000);
    expect(await lines(['{"a":1}\n', big.slice(0, 2000), big.slice(2000), '\n{"b":2}\n'], 1000)).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, error: 'line is longer than 1000 bytes' },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const buf = Buffer.from('{"title":"глок"}\n');
    expect(await lines([buf.subarray(0, 12), buf.subarray(12)])).toEqual([
      { line: 1, text: '{"title":"глок"}' },
    ]);
  });
});

describe('listing objects', () => {
  it.each([
    ['not json', /not valid JSON/],
    ['[1]', /expected a JSON object/],
    ['null', /expected a JSON object/],
    ['{"title":"x"}', /"id" is missing/],
    ['{"id":"","title":"x"}', /"id" is missing/],
    ['{"id":"a","title":5}', /"title" must be a string or null/],
    ['{"id":"a","priceEur":"12"}', /"priceEur" must be a number or null/],
    ['{"id":"a","shipsTo":"RS"}', /"shipsTo" must be a list of strings or null/],
    ['{"id":"a","classification":{"label":1}}', /"classification"/],
    ['{"id":"a","entities":[{"type":"bogus","value":"x"}]}', /"entities" items/],
    ['{"id":"a","price":{"amount":"1"}}', /"price"/],
  ])('%s → %s', (text, message) => {
    expect(parseListing(text)).toMatch(message);
  });

  it('fills absent fields with null (unknown, never invented)', () => {
    expect(parseListing('{"id": 42, "title": "Glock"}')).toEqual({
      id: '42',
      site: null,
      title: 'Glock',
      description: null,
      price: null,
      priceEur: null,
      vendor: null,
      category: null,
      classification: null,
      shipsFrom: null,
      shipsTo: null,
      url: null,
      language: null,
      currency: null,
      entities: [],
    });
  });
});
