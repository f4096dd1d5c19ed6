// Listing classifier (SPEC §3): firearms / drugs / documents / other with a confidence in [0,1].
// The model is trained from the shipped corpus the first time it is needed (≈1 s, deterministic) and
// kept for the life of the process; there is no model artefact that could drift from the corpus.
import type { Category, Classification } from '../../core/types.js';
import { loadCorpus, type CorpusRow } from './corpus.js';
import { featurize } from './features.js';
import { LABELS, SoftmaxModel, trainSoftmax, type TrainOptions } from './model.js';

/**
 * Below this probability a target label (firearms/drugs/documents) is not asserted and the listing
 * falls back to `other`: an analyst's queue prefers a missed weak guess to a confident wrong one.
 */
export const FALLBACK_THRESHOLD = 0.45;

export interface ListingClassifier {
  classify(title: string, description: string | null): Classification;
  probabilities(title: string, description: string | null): Record<Category, number>;
  readonly model: SoftmaxModel;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}

export function createClassifier(model: SoftmaxModel, threshold = FALLBACK_THRESHOLD): ListingClassifier {
  const probabilities = (title: string, description: string | null): Record<Category, number> => {
    const p = model.probabilities(
      featurize(String(title ?? ''), description == null ? null : String(description)),
    );
    return Object.fromEntries(LABELS.map((l, i) => [l, p[i]!])) as Record<Category, number>;
  };
  return {
    model,
    probabilities,
    classify(title, description) {
      const p = probabilities(title, description);
      let best: Category = 'other';
      for (const l of LABELS) if (p[l] > p[best]) best = l;
      if (best !== 'other' && p[best] < threshold) {
        // Confidence that it is none of the target classes' best guess.
        return { label: 'other', confidence: round(1 - p[best]) };
      }
      return { label: best, confidence: round(p[best]) };
    },
  };
}

export function trainClassifier(rows: CorpusRow[], options?: TrainOptions): ListingClassifier {
  const docs = rows.map((r) => ({ features: featurize(r.title, r.description), label: r.label }));
  return createClassifier(trainSoftmax(docs, options));
}

let shared: ListingClassifier | null = null;

/** The production classifier: trained on the whole shipped corpus (train + held-out), once. */
export function defaultClassifier(): ListingClassifier {
  shared ??= trainClassifier(loadCorpus());
  return shared;
}

export function classify(title: string, description: string | null): Classification {
  return defaultClassifier().classify(title, description);
}
