import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyLine, readLines, type RawLine } from '../../../extractors/classifier/jsonl.js';

async function collect(chunks: Array<string | Buffer>, max?: number): Promise<RawLine[]> {
  async function* gen() {
    for (const c of chunks) yield c;
  }
  const out: RawLine[] = [];
  for await (const l of readLines(gen(), max)) out.push(l);
  return out;
}

const fake = (title: string, description: string | null) => ({
  label: title.includes('gun') ? ('firearms' as const) : ('other' as const),
  confidence: description === null ? 0.5 : 0.9,
});

describe('readLines', () => {
  it('splits on LF and CRLF, keeps a last line without newline, numbers lines', async () => {
    const lines = await collect(['a\r\nb', '\nc']);
    expect(lines.map((l) => [l.lineNo, l.text, l.truncated])).toEqual([
      [1, 'a', false],
      [2, 'b', false],
      [3, 'c', false],
    ]);
  });

  it('reassembles a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('{"title":"пиштољ"}\n');
    const lines = await collect([bytes.subarray(0, 13), bytes.subarray(13)]);
    expect(lines[0]!.text).toBe('{"title":"пиштољ"}');
  });

  it('caps a huge line instead of buffering it, and carries on after it', async () => {
    const huge = 'x'.repeat(50_000);
    const lines = await collect([huge, huge, '\nnext\n'], 1000);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[0]!.text.length).toBe(1000);
    expect(lines[1]).toEqual({ lineNo: 2, text: 'next', truncated: false });
  });

  it('empty input gives no lines', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect([''])).toEqual([]);
  });
});

describe('classifyLine', () => {
  const line = (text: string, lineNo = 4): RawLine => ({ lineNo, text, truncated: false });

  it('classifies a listing and keeps its id', () => {
    expect(classifyLine(line('{"id":"a1","title":"gun","description":"x"}'), fake)).toEqual({
      kind: 'ok',
      output: { id: 'a1', label: 'firearms', confidence: 0.9 },
    });
    expect(classifyLine(line('{"title":"shoe"}'), fake)).toEqual({
      kind: 'ok',
      output: { label: 'other', confidence: 0.5 },
    });
  });

  it('skips blank lines', () => {
    expect(classifyLine(line('   '), fake)).toEqual({ kind: 'skip' });
  });

  it.each([
    ['not json', 'line 4: invalid JSON'],
    ['{"title":"a"', 'line 4: invalid JSON'],
    ['[1,2]', 'line 4: expected a JSON object'],
    ['null', 'line 4: expected a JSON object'],
    ['"text"', 'line 4: expected a JSON object'],
    ['{"description":"no title"}', 'line 4: "title" must be a string'],
    ['{"title":5}', 'line 4: "title" must be a string'],
    ['{"title":"a","description":{"x":1}}', 'line 4: "description" must be a string or null'],
    ['\u0000\u0001\u00ff binary', 'line 4: invalid JSON'],
  ])('%s → error', (text, message) => {
    const r = classifyLine(line(text), fake);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && r.message.startsWith(message)).toBe(true);
  });

  it('reports a truncated line by number', () => {
    const r = classifyLine({ lineNo: 9, text: '{"title":"', truncated: true }, fake);
    expect(r).toEqual({ kind: 'error', message: expect.stringMatching(/^line 9: longer than \d+ bytes/) });
  });

  it('does not let a __proto__ key pollute anything', () => {
    const r = classifyLine(line('{"title":"gun","__proto__":{"polluted":true}}'), fake);
    expect(r.kind).toBe('ok');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('darkwatch classify --json (real CLI process)', () => {
  it('classifies good lines, reports bad ones by line number, exits non-zero at the end', async () => {
    const bin = fileURLToPath(new URL('../../../bin/darkwatch.js', import.meta.url));
    const input = [
      '{"id":1,"title":"Glock 19 9mm pistol","description":"two mags and a box of ammo"}',
      'this is not json',
      '{"id":"x","title":"c0ca1ne 5g","description":null}',
      '',
      '{"title":"' + 'A'.repeat(1_000_000) + '"}',
      '{"title":"Leather passport cover","description":"RFID blocking, genuine leather"}',
      '\u0000\u0001binary',
    ].join('\n');
    const child = spawn(process.execPath, [bin, 'classify', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const out = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ id: 1, label: 'firearms' });
    expect(out[1]).toMatchObject({ id: 'x', label: 'drugs' });
    expect(out[2]).not.toHaveProperty('id');
    expect(out[3]).toMatchObject({ label: 'other' });
    for (const o of out) expect(Object.keys(o).filter((k) => k !== 'id')).toEqual(['label', 'confidence']);
    expect(stderr).toContain('line 2: invalid JSON');
    expect(stderr).toContain('line 7: invalid JSON');
    expect(stderr).toContain('2 malformed input line(s)');
    expect(code).toBe(1);
  }, 60_000);

  it('empty stdin → no output, exit 0', async () => {
    const bin = fileURLToPath(new URL('../../../bin/darkwatch.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'classify', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end('');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stdout).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
