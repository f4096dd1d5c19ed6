// `npm run eval`: train on the corpus's training split, score the held-out split (phrasings the model
// never saw), print precision/recall/F1 per class and language and the hard-negative false-positive
// rate. `--errors` also lists every misclassified held-out row.
import { loadCorpus, splitCorpus } from './corpus.js';
import { trainClassifier } from './index.js';
import { evaluate, formatReport, type Prediction } from './metrics.js';

const t0 = performance.now();
const { train, heldout } = splitCorpus(loadCorpus());
const classifier = trainClassifier(train);
const trainMs = performance.now() - t0;
const preds: Prediction[] = heldout.map((row) => ({
  row,
  predicted: classifier.classify(row.title, row.description),
}));

console.log(
  `corpus: ${train.length} training rows, ${heldout.length} held-out rows; ` +
    `${classifier.model.featureCount} features; trained in ${trainMs.toFixed(0)} ms`,
);
console.log('\n== held-out split: reserved templates and products + free-form listings ==');
console.log(formatReport(evaluate(preds)));
// Free-form listings are written whole, outside the phrase banks, and were not used for tuning.
const freeform = preds.filter((p) => p.row.group?.endsWith('/freeform'));
console.log(`\n== free-form listings only (${freeform.length} rows) ==`);
console.log(formatReport(evaluate(freeform)));

if (process.argv.includes('--errors')) {
  console.log('\n== misclassified held-out rows ==');
  for (const { row, predicted } of preds) {
    if (predicted.label !== row.label)
      console.log(
        `${row.lang} ${row.label}→${predicted.label} ${predicted.confidence} | ${row.title} | ${row.description ?? ''}`,
      );
  }
}
