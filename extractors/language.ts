// Language detection with eld (knows Albanian, Bulgarian, Croatian, Greek, Hungarian, Romanian,
// Serbian Cyrillic, Turkish…). Short or ambiguous text gets null, not a guess: a wrong language would
// mislead rule filters more than a missing one.
import type { Eld } from './eld-types.js';

export interface LanguageOptions {
  /** Fewer letters than this → null (default 20). */
  minLetters?: number;
}

const DEFAULT_MIN_LETTERS = 20;
/** Enough text to decide; more only costs time. */
const MAX_CHARS = 500;

let detector: Eld | null = null;

/** Load eld's n-gram database (≈1 s, once per process). `detectLanguage` needs it loaded. */
export async function loadLanguageDetector(): Promise<void> {
  if (detector) return;
  const mod = (await import('eld/medium')) as { eld: Eld };
  detector = mod.eld;
}

function countLetters(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(/\p{L}/gu)) n++;
  return n;
}

/**
 * eld has no Macedonian model (it reads Macedonian as Serbian or Bulgarian); letters only Macedonian
 * uses settle it. Serbian-only letters settle Serbian versus Bulgarian/Russian.
 */
function refine(lang: string, text: string): string {
  if (['sr', 'bg', 'ru', 'uk'].includes(lang)) {
    if (/[ѓќѕЃЌЅ]/u.test(text)) return 'mk';
    if (/[ђћЂЋ]/u.test(text)) return 'sr';
  }
  return lang;
}

/** ISO 639-1 code of `text`'s language, or null when the text is too short or the call unreliable. */
export function detectLanguage(text: string, opts: LanguageOptions = {}): string | null {
  if (!detector) throw new Error('language detector not loaded: await loadLanguageDetector() first');
  const sample = text.slice(0, MAX_CHARS);
  if (countLetters(sample) < (opts.minLetters ?? DEFAULT_MIN_LETTERS)) return null;
  const result = detector.detect(sample);
  if (!result.language || !result.isReliable()) return null;
  return refine(result.language, sample);
}
