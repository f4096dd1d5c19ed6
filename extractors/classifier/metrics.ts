// Evaluation metrics of the classifier on labelled rows: per-class precision/recall/F1, macro-F1,
// per-language breakdown, hard-negative false-positive rate per family, and calibration error.
import { CATEGORIES, type Category, type Classification } from '../../core/types.js';
import type { CorpusRow } from './corpus.js';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvalReport {
  rows: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<Category, ClassScores>;
  perLanguage: Record<string, { rows: number; accuracy: number; macroF1: number }>;
  hardNegatives: {
    rows: number;
    falsePositiveRate: number;
    perFamily: Record<string, { rows: number; fpr: number }>;
  };
  /** Expected calibration error of the confidence (10 bins). */
  ece: number;
}

export interface Prediction {
  row: CorpusRow;
  predicted: Classification;
}

function scores(preds: Prediction[]): {
  accuracy: number;
  macroF1: number;
  perClass: Record<Category, ClassScores>;
} {
  const perClass = {} as Record<Category, ClassScores>;
  for (const c of CATEGORIES) {
    const tp = preds.filter((p) => p.row.label === c && p.predicted.label === c).length;
    const fp = preds.filter((p) => p.row.label !== c && p.predicted.label === c).length;
    const fn = preds.filter((p) => p.row.label === c && p.predicted.label !== c).length;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, support: tp + fn };
  }
  const present = CATEGORIES.filter((c) => perClass[c].support > 0);
  const macroF1 = present.reduce((s, c) => s + perClass[c].f1, 0) / Math.max(1, present.length);
  const accuracy = preds.filter((p) => p.row.label === p.predicted.label).length / Math.max(1, preds.length);
  return { accuracy, macroF1, perClass };
}

function expectedCalibrationError(preds: Prediction[], bins = 10): number {
  let total = 0;
  for (let b = 0; b < bins; b++) {
    const inBin = preds.filter((p) => {
      const c = p.predicted.confidence;
      return c >= b / bins && (c < (b + 1) / bins || (b === bins - 1 && c <= 1));
    });
    if (!inBin.length) continue;
    const acc = inBin.filter((p) => p.row.label === p.predicted.label).length / inBin.length;
    const conf = inBin.reduce((s, p) => s + p.predicted.confidence, 0) / inBin.length;
    total += (inBin.length / preds.length) * Math.abs(acc - conf);
  }
  return total;
}

export function evaluate(preds: Prediction[]): EvalReport {
  const overall = scores(preds);
  const perLanguage: EvalReport['perLanguage'] = {};
  for (const lang of [...new Set(preds.map((p) => p.row.lang))].sort()) {
    const sub = preds.filter((p) => p.row.lang === lang);
    const s = scores(sub);
    perLanguage[lang] = { rows: sub.length, accuracy: s.accuracy, macroF1: s.macroF1 };
  }
  const hn = preds.filter((p) => p.row.hardNegative);
  const perFamily: Record<string, { rows: number; fpr: number }> = {};
  for (const fam of [...new Set(hn.map((p) => p.row.family ?? '?'))].sort()) {
    const sub = hn.filter((p) => (p.row.family ?? '?') === fam);
    perFamily[fam] = {
      rows: sub.length,
      fpr: sub.filter((p) => p.predicted.label !== 'other').length / sub.length,
    };
  }
  return {
    rows: preds.length,
    ...overall,
    perLanguage,
    hardNegatives: {
      rows: hn.length,
      falsePositiveRate: hn.length ? hn.filter((p) => p.predicted.label !== 'other').length / hn.length : 0,
      perFamily,
    },
    ece: expectedCalibrationError(preds),
  };
}

const pct = (n: number): string => (n * 100).toFixed(1).padStart(6);

/** Plain-text tables (also pasted into docs/classifier.md). */
export function formatReport(r: EvalReport): string {
  const lines: string[] = [];
  lines.push(
    `rows ${r.rows}   accuracy ${pct(r.accuracy)} %   macro-F1 ${pct(r.macroF1)} %   ECE ${r.ece.toFixed(3)}`,
  );
  lines.push('', 'class       precision  recall      F1  support');
  for (const c of CATEGORIES) {
    const s = r.perClass[c];
    lines.push(
      `${c.padEnd(10)} ${pct(s.precision)} % ${pct(s.recall)} % ${pct(s.f1)} % ${String(s.support).padStart(8)}`,
    );
  }
  lines.push('', 'language   rows  accuracy  macro-F1');
  for (const [lang, s] of Object.entries(r.perLanguage)) {
    lines.push(`${lang.padEnd(8)} ${String(s.rows).padStart(6)}  ${pct(s.accuracy)} %  ${pct(s.macroF1)} %`);
  }
  lines.push(
    '',
    `hard negatives: ${r.hardNegatives.rows} rows, false-positive rate ${pct(r.hardNegatives.falsePositiveRate)} %`,
  );
  lines.push('family          rows     FPR');
  for (const [fam, s] of Object.entries(r.hardNegatives.perFamily)) {
    lines.push(`${fam.padEnd(14)} ${String(s.rows).padStart(5)}  ${pct(s.fpr)} %`);
  }
  return lines.join('\n');
}
