// The parts of `natural` the classifier uses, loaded by file. Importing the package root costs
// ≈700 ms (it loads WordNet, storage back-ends, …) and its storage modules call dotenv, which prints
// banners on stdout — that would corrupt `classify --json` output. The per-file modules load in ≈10 ms.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Stemmer {
  stem(token: string): string;
}
export interface Tokenizer {
  tokenize(text: string): string[];
}
interface NGramsModule {
  bigrams(tokens: string[]): string[][];
  ngrams(tokens: string[], n: number): string[][];
}
interface RegexpTokenizerCtor {
  new (options: { pattern: RegExp; gaps?: boolean }): Tokenizer;
}

export const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js') as Stemmer;
export const NGrams = require('natural/lib/natural/ngrams/ngrams.js') as NGramsModule;
export const RegexpTokenizer = (
  require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as { RegexpTokenizer: RegexpTokenizerCtor }
).RegexpTokenizer;

/** Stock tokenizer used by natural's classifiers by default (for the comparison in bench/eval). */
export const WordTokenizer = (
  require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as { WordTokenizer: new () => Tokenizer }
).WordTokenizer;

export interface NaturalClassifier {
  addDocument(doc: string | string[], label: string): void;
  train(): void;
  classify(doc: string | string[]): string;
  getClassifications(doc: string | string[]): Array<{ label: string; value: number }>;
}
export const BayesClassifier = require('natural/lib/natural/classifiers/bayes_classifier.js') as new (
  stemmer?: Stemmer,
  smoothing?: number,
) => NaturalClassifier;
export const LogisticRegressionClassifier =
  require('natural/lib/natural/classifiers/logistic_regression_classifier.js') as new (
    stemmer?: Stemmer,
  ) => NaturalClassifier;
