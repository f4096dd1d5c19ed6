// Classifier benchmark: `npx tsx bench/classify.ts [--quick] [--fast-path-only]`.
//  0b. Cold caches: the same two on the range's listing pages with cheerio's parse of the page run
//     (untimed) before each classify call, as in the extraction pipeline, where the parse evicts the
//     CPU caches and the call's cost is mostly its cache misses (a warm loop hides them).
//  0. Fast path: classify() calls/s of the shipped classifier against the reference implementation
//     (extractors/classifier/reference.ts: the text pipeline and two-pass title-led mix as first
//     written) on the same model, in CPU time, interleaved rounds in the same run, as a ratio; every
//     row's result is checked to be identical first.
//  1. Throughput: listings/s of classify() against the tokenizer alone (natural's RegexpTokenizer with
//     the \p{L}\p{N} pattern on the raw text) in the same run, as a ratio.
//  2. Trainers on the same corpus split: darkwatch's sparse softmax vs natural's BayesClassifier (stock
//     tokenizer; and fed darkwatch's tokens) vs natural's LogisticRegressionClassifier (on a subsample,
//     with a time limit: it builds dense vectors over the whole vocabulary — natural #553, #287).
//     Each trainer runs in its own child process so its peak memory (max RSS) is its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadCorpus, splitCorpus, type CorpusRow } from '../extractors/classifier/corpus.js';
import {
  classify,
  defaultClassifier,
  FALLBACK_THRESHOLD,
  trainClassifier,
} from '../extractors/classifier/index.js';
import { createReferenceClassifier } from '../extractors/classifier/reference.js';
import { evaluate } from '../extractors/classifier/metrics.js';
import { tokenize } from '../extractors/classifier/features.js';
import {
  BayesClassifier,
  LogisticRegressionClassifier,
  RegexpTokenizer,
  type NaturalClassifier,
} from '../extractors/classifier/natural.js';
import { CATEGORIES, type Category } from '../core/types.js';
import * as cheerio from 'cheerio';
import { extractPage } from '../extractors/page/extract.js';
import { renderRangePages } from '../range/render.js';

const text = (r: CorpusRow): string => `${r.title} ${r.description ?? ''}`;

/** Calls/s of `fn` over `rows`, in this process's CPU time (user + system), at least `minMs` of it. */
function cpuPerSecond(rows: CorpusRow[], fn: (r: CorpusRow) => unknown, minMs: number): number {
  let n = 0;
  const t0 = process.cpuUsage();
  let us = 0;
  while (us < minMs * 1000) {
    for (const r of rows) fn(r);
    n += rows.length;
    const t = process.cpuUsage(t0);
    us = t.user + t.system;
  }
  return n / (us / 1e6);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Section 0: the shipped fast path against the two-pass reference, same model, same rows. */
function fastPathSection(rows: CorpusRow[], rounds: number): void {
  const fast = defaultClassifier();
  const ref = createReferenceClassifier(fast.model, FALLBACK_THRESHOLD);
  let differ = 0;
  for (const r of rows) {
    const a = fast.classify(r.title, r.description);
    const b = ref.classify(r.title, r.description);
    if (a.label !== b.label || a.confidence !== b.confidence) differ++;
  }
  if (differ) throw new Error(`fast path and reference disagree on ${differ} rows`);
  const refRates: number[] = [];
  const fastRates: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so a change in machine load mid-round does not favour one side.
    const timeRef = (): number => cpuPerSecond(rows, (r) => ref.classify(r.title, r.description), 400);
    const timeFast = (): number => cpuPerSecond(rows, (r) => fast.classify(r.title, r.description), 400);
    let a: number;
    let b: number;
    if (i % 2) {
      b = timeFast();
      a = timeRef();
    } else {
      a = timeRef();
      b = timeFast();
    }
    refRates.push(a);
    fastRates.push(b);
    ratios.push(b / a);
  }
  console.log(
    `fast path vs reference (classify calls/s, CPU time, ${rows.length} corpus rows, ${rounds} rounds)`,
  );
  console.log(
    `  reference (old normalise + tokenizer, two passes)  ${median(refRates).toFixed(0).padStart(8)}   baseline`,
  );
  console.log(
    `  shipped (one pass)                                 ${median(fastRates).toFixed(0).padStart(8)}   ` +
      `${median(ratios).toFixed(2)}× the reference's calls/s (per-round ratios ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); ` +
      `all ${rows.length} results identical\n`,
  );
}

/**
 * Section 0b: per-call wall time of classify() right after cheerio parses the listing's page,
 * shipped vs reference, in blocks over all listing pages that alternate, several times.
 */
async function coldSection(blocks: number): Promise<void> {
  const fast = defaultClassifier();
  const ref = createReferenceClassifier(fast.model, FALLBACK_THRESHOLD);
  const pages: Array<{ html: string; title: string; description: string | null }> = [];
  for (const p of await renderRangePages(11, 150)) {
    const found: Array<[string, string | null]> = [];
    const x = await extractPage(p.html, p.url, {
      classify: (title, description) => (found.push([title, description]), null),
    });
    if (x.pageType === 'listing' && found.length === 1)
      pages.push({ html: p.html, title: found[0]![0], description: found[0]![1] });
  }
  const contenders = { reference: ref, shipped: fast };
  const ms: Record<keyof typeof contenders, number[]> = { reference: [], shipped: [] };
  for (let b = 0; b < blocks + 2; b++) {
    const names = b % 2 ? (['shipped', 'reference'] as const) : (['reference', 'shipped'] as const);
    for (const name of names) {
      const c = contenders[name];
      for (const p of pages) {
        cheerio.load(p.html);
        const t0 = performance.now();
        c.classify(p.title, p.description);
        const t = performance.now() - t0;
        if (b >= 2) ms[name].push(t); // the first two blocks warm up
      }
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  // The slowest 2 % are preemptions and collections that would land anywhere: left out of the mean.
  const trimmed = (xs: number[]): number =>
    mean([...xs].sort((a, b) => a - b).slice(0, Math.ceil(xs.length * 0.98)));
  console.log(
    `cold caches: classify() right after cheerio parses its page (${pages.length} range listing pages, ${blocks} blocks each, wall ms per call)`,
  );
  for (const name of ['reference', 'shipped'] as const)
    console.log(
      `  ${name.padEnd(10)} median ${median(ms[name]).toFixed(4)}   trimmed mean ${trimmed(ms[name]).toFixed(4)}` +
        (name === 'shipped'
          ? `   ${(trimmed(ms.shipped) / trimmed(ms.reference)).toFixed(2)}× the reference's time`
          : ''),
    );
  console.log('');
}

function perSecond(rows: CorpusRow[], fn: (r: CorpusRow) => unknown, minMs = 1500): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (const r of rows) fn(r);
    n += rows.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

interface TrainerResult {
  name: string;
  trainRows: number;
  trainMs: number | null;
  maxRssMb: number;
  accuracy: number | null;
  macroF1: number | null;
  note?: string;
}

/** Child side: train one trainer, score it on the held-out split, print one JSON line. */
function runTrainer(name: string, limit: number): TrainerResult {
  const { train: allTrain, heldout } = splitCorpus(loadCorpus());
  // A fixed, class-balanced subsample when limited (every k-th row keeps all languages and classes).
  const step = Math.max(1, Math.floor(allTrain.length / limit));
  const train = allTrain.filter((_, i) => i % step === 0).slice(0, limit);
  const t0 = performance.now();
  let predict: (r: CorpusRow) => Category;
  if (name === 'darkwatch-softmax') {
    const c = trainClassifier(train);
    predict = (r) => c.classify(r.title, r.description).label;
  } else {
    const nat: NaturalClassifier =
      name === 'natural-lr' ? new LogisticRegressionClassifier() : new BayesClassifier();
    const input = name === 'natural-bayes+tokens' ? (r: CorpusRow) => tokenize(text(r)) : text;
    for (const r of train) nat.addDocument(input(r), r.label);
    nat.train();
    predict = (r) => nat.classify(input(r)) as Category;
  }
  const trainMs = performance.now() - t0;
  const report = evaluate(heldout.map((row) => ({ row, predicted: { label: predict(row), confidence: 1 } })));
  return {
    name,
    trainRows: train.length,
    trainMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    accuracy: report.accuracy,
    macroF1: report.macroF1,
  };
}

function spawnTrainer(name: string, limit: number, timeoutMs: number): TrainerResult {
  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, ['--import', 'tsx', self, `--child=${name}`, `--limit=${limit}`], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 20,
  });
  const line = res.stdout?.trim().split('\n').pop();
  if (res.status === 0 && line) return JSON.parse(line) as TrainerResult;
  return {
    name,
    trainRows: limit,
    trainMs: null,
    maxRssMb: NaN,
    accuracy: null,
    macroF1: null,
    note: res.error ? `did not finish in ${timeoutMs / 1000} s` : `failed: ${res.stderr?.slice(0, 200)}`,
  };
}

const childArg = process.argv.find((a) => a.startsWith('--child='));
if (childArg) {
  const limit = Number(process.argv.find((a) => a.startsWith('--limit='))?.slice(8) ?? Infinity);
  console.log(JSON.stringify(runTrainer(childArg.slice(8), limit)));
} else {
  const quick = process.argv.includes('--quick');
  const rows = loadCorpus();
  const full = splitCorpus(rows).train.length;

  const t0 = performance.now();
  defaultClassifier();
  const firstUseMs = performance.now() - t0;
  console.log(
    `corpus: ${rows.length} listings (${CATEGORIES.join('/')}), first use (load model.jsonl) ${firstUseMs.toFixed(0)} ms\n`,
  );

  // --- fast path vs reference -------------------------------------------------------------------
  fastPathSection(rows, quick ? 5 : 9);
  await coldSection(quick ? 6 : 16);
  if (process.argv.includes('--fast-path-only')) process.exit(0);

  // --- throughput -------------------------------------------------------------------------------
  const rawTokenizer = new RegexpTokenizer({ pattern: /[^\p{L}\p{N}]+/u });
  for (const r of rows.slice(0, 300)) {
    classify(r.title, r.description); // warm up
    rawTokenizer.tokenize(text(r));
  }
  const tokPerS = perSecond(rows, (r) => rawTokenizer.tokenize(text(r)));
  const normTokPerS = perSecond(rows, (r) => tokenize(text(r)));
  const clsPerS = perSecond(rows, (r) => classify(r.title, r.description));
  console.log('throughput (listings/s, one core)');
  console.log(
    `  tokenizer alone (natural RegexpTokenizer, \\p{L}\\p{N})  ${tokPerS.toFixed(0).padStart(8)}   baseline`,
  );
  console.log(
    `  normalise + tokenize                                  ${normTokPerS.toFixed(0).padStart(8)}   ${(tokPerS / normTokPerS).toFixed(1)}× the tokenizer's cost`,
  );
  console.log(
    `  classify (normalise, features, model)                 ${clsPerS.toFixed(0).padStart(8)}   ${(tokPerS / clsPerS).toFixed(1)}× the tokenizer's cost`,
  );

  // --- trainers ---------------------------------------------------------------------------------
  const lrLimit = quick ? 200 : 400;
  const trainers: Array<[string, number, number]> = [
    ['darkwatch-softmax', full, 120_000],
    ['natural-bayes', full, 300_000],
    ['natural-bayes+tokens', full, 300_000],
    ['natural-lr', lrLimit, quick ? 60_000 : 180_000],
  ];
  if (!quick) trainers.push(['natural-lr', Math.min(full, lrLimit * 2), 180_000]);
  const results = trainers.map(([name, limit, timeout]) => spawnTrainer(name, limit, timeout));
  const mine = results[0]!;
  console.log('\ntrainers (train split → held-out split; each in its own process)');
  console.log(
    '  trainer                rows   train ms   max RSS MB   accuracy   macro-F1   train time vs darkwatch',
  );
  for (const r of results) {
    const ratio = r.trainMs !== null && mine.trainMs ? `${(r.trainMs / mine.trainMs).toFixed(1)}×` : '—';
    console.log(
      `  ${r.name.padEnd(21)} ${String(r.trainRows).padStart(5)} ${r.trainMs === null ? '       —' : r.trainMs.toFixed(0).padStart(10)}` +
        ` ${Number.isNaN(r.maxRssMb) ? '           —' : r.maxRssMb.toFixed(0).padStart(12)}` +
        ` ${r.accuracy === null ? '         —' : `${(r.accuracy * 100).toFixed(1).padStart(8)} %`}` +
        ` ${r.macroF1 === null ? '         —' : `${(r.macroF1 * 100).toFixed(1).padStart(8)} %`}   ${ratio}${r.note ? `  (${r.note})` : ''}`,
    );
  }
}
