// The extraction stage's public surface.
export { extractPage, toSpecJson, EXTRACTOR_VERSION } from './page/extract.js';
export type { Classifier, ExtractOptions, PageExtraction, ExtractMeta } from './page/extract.js';
export { ExtractInputError } from './errors.js';
export { loadProfiles, parseProfile, ProfileError } from './page/profile.js';
export type { Profile } from './page/profile.js';
export {
  normaliseForMatch,
  normalise,
  transliterate,
  tokenize,
  tokenSpans,
  originalRange,
} from './normalise.js';
export { extractEntities, extractEntitiesSync } from './entities/index.js';
export { findPrices, parsePrice, toEur, loadRates } from './price.js';
export { detectLanguage, loadLanguageDetector } from './language.js';
