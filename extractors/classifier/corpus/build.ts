// Composes the shipped corpus (corpus/<lang>.jsonl) from the hand-written phrase banks, reproducibly.
// Run: npx tsx extractors/classifier/corpus/build.ts   (a test checks the files are up to date).
//
// The held-out split is made by phrase, not by row: the tail of every title, description and item
// list is reserved for held-out rows, so a held-out listing is worded with templates the model never
// trained on (and sometimes names a product it never saw). Splitting rows at random would put the same
// templates on both sides and measure memorisation.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Category } from '../../../core/types.js';
import { HARD_NEGATIVE_FAMILIES, type ClassBank, type LanguageBank } from './bank.js';
import type { CorpusRow } from '../corpus.js';
import { BANKS } from './banks/index.js';

const TARGET_CLASSES = ['firearms', 'drugs', 'documents'] as const;
/** Rows per (language, class) and split; `other` gets benign rows plus rows per hard-negative family. */
const COUNTS = {
  target: { train: 36, heldout: 12 },
  benign: { train: 14, heldout: 6 },
  family: { train: 3, heldout: 1 },
};

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Splits a list into the part training may use and the tail reserved for held-out rows. */
function splitList<T>(list: readonly T[], heldoutShare: number): { train: T[]; heldout: T[] } {
  if (list.length < 2) return { train: [...list], heldout: [...list] };
  const n = Math.max(1, Math.round(list.length * heldoutShare));
  return { train: list.slice(0, list.length - n), heldout: list.slice(list.length - n) };
}

const LEET: Record<string, string[]> = {
  o: ['0'],
  a: ['4', '@'],
  e: ['3'],
  i: ['1'],
  s: ['$', '5'],
  l: ['1'],
};

/** Vendor-style obfuscation of a Latin product phrase: gl0ck, c0ca1ne, pa$$port, c.o.k.e. */
function obfuscate(text: string, rnd: () => number): string {
  if (rnd() < 0.25) {
    // separator obfuscation of the first long word
    return text.replace(/\p{L}{4,}/u, (w) => w.split('').join(rnd() < 0.5 ? '.' : '-'));
  }
  let out = '';
  let changed = 0;
  for (const ch of text) {
    const subs = LEET[ch.toLowerCase()];
    if (subs && changed < 3 && rnd() < 0.35) {
      out += subs[Math.floor(rnd() * subs.length)];
      changed++;
    } else out += ch;
  }
  return out;
}

function pick<T>(list: readonly T[], rnd: () => number): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

function decorate(title: string, rnd: () => number): string {
  const r = rnd();
  if (r < 0.1) return title.toUpperCase();
  if (r < 0.15) return `★ ${title} ★`;
  if (r < 0.2) return `${title} ✅`;
  if (r < 0.25) return title.toLowerCase();
  return title;
}

interface Spec {
  lang: string;
  label: Category;
  bank: ClassBank;
  group: string;
  counts: { train: number; heldout: number };
  extras: string[];
  hardNegative?: string;
}

function compose(spec: Spec): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const seen = new Set<string>();
  for (const split of ['train', 'heldout'] as const) {
    const rnd = prng(hashSeed(`${spec.group}/${split}`));
    // Held-out rows may name any product (known or reserved); training never sees the reserved ones.
    const items = split === 'train' ? splitList(spec.bank.items, 0.25).train : spec.bank.items;
    const titles = splitList(spec.bank.titles, 0.3)[split];
    const descs = splitList(spec.bank.descs, 0.3)[split];
    const latin = !/[\u0370-\u03ff\u0400-\u04ff]/u.test(items.join(' '));
    let attempts = 0;
    let made = 0;
    while (made < spec.counts[split] && attempts < spec.counts[split] * 20) {
      attempts++;
      let item = pick(items, rnd);
      if (latin && spec.label !== 'other' && rnd() < 0.2) item = obfuscate(item, rnd);
      const title = decorate(
        pick(titles, rnd).replaceAll('{item}', () => item),
        rnd,
      );
      const parts = [pick(descs, rnd).replaceAll('{item}', () => item)];
      if (rnd() < 0.5 && descs.length > 1) parts.push(pick(descs, rnd).replaceAll('{item}', () => item));
      const extraCount = Math.floor(rnd() * 3);
      for (let k = 0; k < extraCount; k++) parts.push(pick(spec.extras, rnd));
      const description = rnd() < 0.08 ? null : [...new Set(parts)].filter(Boolean).join(' ');
      const key = `${title}\u0000${description}`;
      if (seen.has(key)) continue;
      seen.add(key);
      made++;
      const row: CorpusRow = {
        title,
        description,
        label: spec.label,
        lang: spec.lang,
        ...(spec.hardNegative ? { hardNegative: true as const, family: spec.hardNegative } : {}),
        group: spec.group,
        split,
        source: 'handwritten',
      };
      rows.push(row);
    }
  }
  return rows;
}

function scaled(
  counts: { train: number; heldout: number },
  scale: number,
): { train: number; heldout: number } {
  return { train: Math.round(counts.train * scale), heldout: Math.round(counts.heldout * scale) };
}

export function buildLanguage(bank: LanguageBank): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const extras = bank.extras;
  const scale = bank.scale ?? 1;
  for (const label of TARGET_CLASSES) {
    rows.push(
      ...compose({
        lang: bank.lang,
        label,
        bank: bank[label],
        group: `${bank.lang}/${label}`,
        counts: scaled(COUNTS.target, scale),
        extras,
      }),
    );
  }
  rows.push(
    ...compose({
      lang: bank.lang,
      label: 'other',
      bank: bank.other,
      group: `${bank.lang}/other`,
      counts: scaled(COUNTS.benign, scale),
      extras,
    }),
  );
  for (const family of HARD_NEGATIVE_FAMILIES) {
    rows.push(
      ...compose({
        lang: bank.lang,
        label: 'other',
        bank: bank.hardNegatives[family],
        group: `${bank.lang}/hn-${family}`,
        counts: COUNTS.family,
        extras,
        hardNegative: family,
      }),
    );
  }
  return rows;
}

export function buildCorpusFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const bank of BANKS) {
    const rows = buildLanguage(bank);
    files.set(`${bank.lang}.jsonl`, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return files;
}

const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let total = 0;
  for (const [name, text] of buildCorpusFiles()) {
    writeFileSync(join(CORPUS_DIR, name), text);
    const n = text.split('\n').filter(Boolean).length;
    total += n;
    console.log(`${name}: ${n} rows`);
  }
  console.log(`total: ${total} rows`);
}
