// The shipped model (extractors/classifier/model.jsonl): the softmax weights trained on the whole
// corpus, so a one-shot `darkwatch classify` / `extract` does not spend a second or more training at
// start-up. It records the sha256 of the corpus files and the feature version it was built from; a
// model that does not match the corpus on disk is ignored and the classifier trains instead, and a
// test fails until the artefact is rebuilt:  npx tsx extractors/classifier/artefact.ts
// JSON lines (a header, then one line per feature) so that git diffs stay readable and formatters
// leave it alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR, loadCorpus } from './corpus.js';
import { FEATURE_VERSION, featurize } from './features.js';
import { LABELS, SoftmaxModel, trainSoftmax } from './model.js';

export const MODEL_PATH = join(dirname(fileURLToPath(import.meta.url)), 'model.jsonl');

interface ModelHeader {
  format: 1;
  featureVersion: number;
  corpusSha256: string;
  labels: string[];
  temperature: number;
  bias: number[];
  features: number;
}
/** One line per feature: [name, weight per label …], weights rounded to 1e-4. */
type FeatureLine = [string, ...number[]];

/** sha256 over the corpus files (name + content, sorted by name). */
export function corpusHash(dir = CORPUS_DIR): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    h.update(name)
      .update('\0')
      .update(readFileSync(join(dir, name)))
      .update('\0');
  }
  return h.digest('hex');
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

export function trainProductionModel(): SoftmaxModel {
  return trainSoftmax(
    loadCorpus().map((r) => ({ features: featurize(r.title, r.description), label: r.label })),
  );
}

export function serialiseModel(model: SoftmaxModel, hash: string): string {
  const K = LABELS.length;
  const header: ModelHeader = {
    format: 1,
    featureVersion: FEATURE_VERSION,
    corpusSha256: hash,
    labels: [...LABELS],
    temperature: model.temperature,
    bias: Array.from(model.bias, round),
    features: model.vocab.size,
  };
  const lines = [JSON.stringify(header)];
  for (const [name, id] of model.vocab) {
    const line: FeatureLine = [name];
    for (let k = 0; k < K; k++) line.push(round(model.weights[id * K + k]!));
    lines.push(JSON.stringify(line));
  }
  return lines.join('\n') + '\n';
}

export function parseModel(text: string): {
  model: SoftmaxModel;
  corpusSha256: string;
  featureVersion: number;
} {
  const K = LABELS.length;
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = JSON.parse(lines[0] ?? 'null') as ModelHeader | null;
  if (
    !header ||
    header.format !== 1 ||
    header.labels.join() !== LABELS.join() ||
    header.features !== lines.length - 1
  )
    throw new Error('model.jsonl: unexpected format');
  const vocab = new Map<string, number>();
  const weights = new Float32Array(header.features * K);
  for (let i = 1; i < lines.length; i++) {
    const [name, ...w] = JSON.parse(lines[i]!) as FeatureLine;
    if (typeof name !== 'string' || w.length !== K) throw new Error(`model.jsonl: bad line ${i + 1}`);
    vocab.set(name, i - 1);
    weights.set(w, (i - 1) * K);
  }
  const model = new SoftmaxModel(vocab, weights, Float64Array.from(header.bias), header.temperature);
  return { model, corpusSha256: header.corpusSha256, featureVersion: header.featureVersion };
}

/** The shipped model if it matches the corpus and the feature code, else null. */
export function loadShippedModel(path = MODEL_PATH): SoftmaxModel | null {
  if (!existsSync(path)) return null;
  try {
    const { model, corpusSha256, featureVersion } = parseModel(readFileSync(path, 'utf8'));
    if (featureVersion !== FEATURE_VERSION || corpusSha256 !== corpusHash()) return null;
    return model;
  } catch {
    return null;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  const model = trainProductionModel();
  writeFileSync(MODEL_PATH, serialiseModel(model, corpusHash()));
  console.log(
    `${MODEL_PATH}: ${model.featureCount} features, trained in ${(performance.now() - t0).toFixed(0)} ms`,
  );
}
