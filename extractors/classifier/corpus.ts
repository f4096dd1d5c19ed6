// The shipped labelled corpus: loading, validating and splitting corpus/*.jsonl.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, type Category } from '../../core/types.js';

export interface CorpusRow {
  title: string;
  description: string | null;
  label: Category;
  lang: string;
  hardNegative?: true;
  /** Hard-negative family (airsoft, propmoney …) when hardNegative. */
  family?: string;
  /** Phrase-bank group the row was composed from, e.g. "sq/drugs". */
  group?: string;
  /** Held-out rows use phrasings reserved from training (see corpus/build.ts). */
  split?: 'train' | 'heldout';
  source: 'handwritten';
}

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

function parseRow(line: string, where: string): CorpusRow {
  const v = JSON.parse(line) as Partial<CorpusRow>;
  if (typeof v.title !== 'string' || !(v.description === null || typeof v.description === 'string'))
    throw new Error(`${where}: title/description missing`);
  if (!CATEGORIES.includes(v.label as Category)) throw new Error(`${where}: bad label ${String(v.label)}`);
  if (typeof v.lang !== 'string') throw new Error(`${where}: lang missing`);
  return v as CorpusRow;
}

let cached: CorpusRow[] | null = null;

/** All rows of the shipped corpus, in file order (languages sorted by file name). */
export function loadCorpus(dir = CORPUS_DIR): CorpusRow[] {
  if (dir === CORPUS_DIR && cached) return cached;
  const rows: CorpusRow[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim()) rows.push(parseRow(line, `${name}:${i + 1}`));
    });
  }
  if (dir === CORPUS_DIR) cached = rows;
  return rows;
}

export function splitCorpus(rows: CorpusRow[]): { train: CorpusRow[]; heldout: CorpusRow[] } {
  return {
    train: rows.filter((r) => r.split !== 'heldout'),
    heldout: rows.filter((r) => r.split === 'heldout'),
  };
}
