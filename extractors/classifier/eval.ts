// `npm run eval`: train on the corpus's training split, score the held-out split (phrasings the model
// never saw), print precision/recall/F1 per class and language and the hard-negative false-positive rate.
import { loadCorpus, splitCorpus } from './corpus.js';
import { trainClassifier } from './index.js';
import { evaluate, formatReport } from './metrics.js';

const t0 = performance.now();
const { train, heldout } = splitCorpus(loadCorpus());
const classifier = trainClassifier(train);
const trainMs = performance.now() - t0;
const report = evaluate(
  heldout.map((row) => ({ row, predicted: classifier.classify(row.title, row.description) })),
);
console.log(
  `corpus: ${train.length} training rows, ${heldout.length} held-out rows; ${classifier.model.featureCount} features; trained in ${trainMs.toFixed(0)} ms`,
);
console.log(formatReport(report));
if (process.argv.includes('--errors')) {
  for (const row of heldout) {
    const p = classifier.classify(row.title, row.description);
    if (p.label !== row.label)
      console.log(
        `${row.lang} ${row.label}→${p.label} ${p.confidence} | ${row.title} | ${row.description ?? ''}`,
      );
  }
}
