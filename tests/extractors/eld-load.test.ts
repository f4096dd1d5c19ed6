// eld's n-gram database is evaluated from its module file rather than imported (so it can be
// collected after the tables are built); a file laid out otherwise is imported as before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNgramsData } from '../../extractors/eld-fast.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dw-eld-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadNgramsData', () => {
  const data = { languages: { 0: 'en', 1: 'sq' }, ngrams: { ' abc ': { 0: 12, 1: 3 }, "'x y": { 1: 7 } } };

  it("reads eld's layout (licence comment, one exported literal) by evaluating the literal", async () => {
    const p = file('medium.js', `/*\nlicence\n*/\nexport const ngramsData = ${JSON.stringify(data)};\n`);
    expect(JSON.parse(JSON.stringify(await loadNgramsData(p)))).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('imports a file laid out any other way', async () => {
    const p = file('other.js', `const d = ${JSON.stringify(data)};\nexport const ngramsData = d;\n`);
    expect(JSON.parse(JSON.stringify(await loadNgramsData(p)))).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('imports, whole, a file with code after the literal (never evaluates a piece of it)', async () => {
    const p = file('trail.js', `export const ngramsData = ${JSON.stringify(data)}; globalThis.leak = 1;\n`);
    expect((await loadNgramsData(p)).languages).toEqual(data.languages);
    expect((globalThis as { leak?: number }).leak).toBe(1); // the module ran, as an import does
    delete (globalThis as { leak?: number }).leak;
  });
});
