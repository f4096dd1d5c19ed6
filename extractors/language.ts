// Language detection with eld (knows Albanian, Bulgarian, Croatian, Greek, Hungarian, Romanian,
// Serbian Cyrillic, Turkish…). Short or ambiguous text gets null, not a guess: a wrong language would
// mislead rule filters more than a missing one.
import { loadFastEld, type FastEld } from './eld-fast.js';

export interface LanguageOptions {
  /** Fewer letters than this → null (default 20). */
  minLetters?: number;
  /** Characters of `text` read (default LANGUAGE_SAMPLE_CHARS). */
  maxChars?: number;
}

const DEFAULT_MIN_LETTERS = 20;
/**
 * Characters read. eld itself reads at most 1,000 characters and, of those, only the words in its
 * first ~380 UTF-8 bytes once separator runs are collapsed; 500 characters hold that much for any
 * text that is mostly words, so more only costs time (tests/extractors/language.test.ts checks
 * that 500 and 1,000 agree on the corpus and on the range's pages).
 */
export const LANGUAGE_SAMPLE_CHARS = 500;
/** Text searched for letters only Macedonian or Serbian use. */
const REFINE_CHARS = 8000;

let detector: FastEld | null = null;

/**
 * Load eld's n-gram database (≈1 s once per process: eld's module, then ≈0.25 s to build eld-fast's
 * tables from it). `detectLanguage` needs it loaded.
 */
export async function loadLanguageDetector(): Promise<void> {
  if (detector) return;
  // eld's algorithm and database in compact tables (eld-fast.ts): same answers, a fraction of the cost.
  detector = await loadFastEld();
}

const letterRuns = new Map<number, RegExp>();

/** At least `n` letters in `text`; the scan stops at the n-th (\P{L}*\p{L} cannot backtrack). */
function hasLetters(text: string, n: number): boolean {
  if (n <= 0) return true;
  let re = letterRuns.get(n);
  if (!re) {
    re = new RegExp(`^(?:\\P{L}*\\p{L}){${n}}`, 'u');
    if (letterRuns.size < 64) letterRuns.set(n, re);
  }
  return re.test(text);
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
  const sample = text.slice(0, opts.maxChars ?? LANGUAGE_SAMPLE_CHARS);
  if (!hasLetters(sample, Math.min(opts.minLetters ?? DEFAULT_MIN_LETTERS, 10_000))) return null;
  const result = detector.detect(sample);
  if (!result.language || !result.reliable) return null;
  // eld's verdict rests on the first few hundred bytes; the letters that tell Macedonian and Serbian
  // apart may come later, and looking for them costs next to nothing.
  return refine(result.language, text.slice(0, REFINE_CHARS));
}
