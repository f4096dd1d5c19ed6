// I/O shell around the loader: reads a rule file (refusing huge or binary files before parsing)
// and the watchlist CSVs it names, relative to the rule file's directory.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadRulesSafely, type LoadResult } from './loader.js';
import { CSV_LIMITS } from './watchlist.js';

export const MAX_RULE_FILE_BYTES = 8 * 1024 * 1024;

function readText(path: string, maxBytes: number, what: string): string {
  const size = statSync(path).size;
  if (size > maxBytes)
    throw new Error(`${what} is ${(size / 1048576).toFixed(1)} MB; the limit is ${maxBytes / 1048576} MB`);
  const bytes = readFileSync(path);
  if (bytes.includes(0)) throw new Error(`${what} is binary (contains NUL bytes), not text`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new Error(`${what} is not valid UTF-8 text`);
  }
}

export function loadRuleFile(path: string): LoadResult {
  let src: string;
  try {
    src = readText(path, MAX_RULE_FILE_BYTES, 'rule file');
  } catch (e) {
    return {
      rules: [],
      problems: [{ message: e instanceof Error ? e.message : String(e), line: 1, column: 1 }],
      sourceTexts: new Map(),
    };
  }
  const dir = dirname(resolve(path));
  return loadRulesSafely(src, {
    file: path,
    readCsv: (p) => readText(resolve(dir, p), CSV_LIMITS.maxBytes, 'watchlist file'),
  });
}
