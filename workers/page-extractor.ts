// The extractor the pipeline runs. Bound here, in one place, so the workers do not care how
// extraction is implemented (profiles, generic extractor, classifier — see extractors/).
import type { PageExtractor } from './extract.js';

export const EXTRACTOR_VERSION = 'pending-1';

export function defaultPageExtractor(): PageExtractor {
  return () => ({ pageType: 'other', site: null, listings: [], posts: [], entities: [], language: null });
}
