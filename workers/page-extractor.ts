// The extractor the pipeline runs. Bound here, in one place, so the workers do not care how
// extraction is implemented (site profiles, generic extractor, classifier — see extractors/).
import { classify } from '../extractors/classifier/index.js';
import { EXTRACTOR_VERSION as PAGE_EXTRACTOR_VERSION, extractPage } from '../extractors/index.js';
import type { PageExtractor } from './extract.js';

/** Recorded with every extraction, so improved extractors can re-run over stored history. */
export const EXTRACTOR_VERSION = PAGE_EXTRACTOR_VERSION;

export function defaultPageExtractor(): PageExtractor {
  return ({ html, url, profile }) => extractPage(html, url, { classify, profile });
}
