// eld's detect(), same algorithm and same n-gram database, about four times cheaper per call.
// eld scores a text by summing, for every distinct 4-byte n-gram of its first ~380 UTF-8 bytes, the
// per-language weights stored for that n-gram. Its own loop walks each n-gram's weights as object
// keys (`for…in` over {"11": 40, "47": 12}), converting keys to numbers on every call; here each
// n-gram's weights are packed once, on first use, into an Int32Array of (language, weight) pairs.
// Everything else — separators, the byte dictionary, the cut-offs, the reliability rule (including
// its comparison of the best score with the runner-up's *index*, kept so results stay identical) —
// is eld's, read from eld's own modules. tests/extractors/language.test.ts checks that both give
// the same answer on the corpus, the range's pages and random text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface EldData {
  languages: Record<number, string>;
  ngrams: Record<string, Record<number, number>>;
}

export interface EldVerdict {
  /** ISO 639-1 code, '' when no language scored. */
  language: string;
  reliable: boolean;
}

/** eld subtracts this from every stored weight to keep its database small. */
const BASE_NGRAM_SCORE = 53;
/** eld's scale for turning raw scores into 0–1 scores. */
const SCALE = 25;
const RELIABLE_RATIO = 0.75;
const CUT_AFTER = 350;
const ENFORCE_CUT_AFTER = 380;

/** eld's package folder. Its internal modules are not in its `exports`, so they are imported by file URL. */
function eldSourceDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', 'eld', 'src');
    if (existsSync(path.join(candidate, 'ngrams', 'medium.js'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('eld is not installed (node_modules/eld/src/ngrams/medium.js not found)');
    dir = up;
  }
}

export interface FastEld {
  detect(text: string): EldVerdict;
}

export async function loadFastEld(): Promise<FastEld> {
  const src = eldSourceDir();
  const load = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(path.join(src, file)).href)) as T;
  const [{ ngramsData }, { dictionary }, { separators }, { avgScore }] = await Promise.all([
    load<{ ngramsData: EldData }>('ngrams/medium.js'),
    load<{ dictionary: string[] }>('dictionary.js'),
    load<{ separators: RegExp }>('regexPatterns.js'),
    load<{ avgScore: Record<string, number> }>('avgScore.js'),
  ]);
  const codes = Object.keys(ngramsData.languages).map(Number);
  const languageCount = Math.max(...codes) + 1;
  const codeOf = (i: number): string => ngramsData.languages[i] ?? '';
  // n-gram → packed (language, weight + base) pairs. Only n-grams in the database are cached, so its
  // size is bounded by the database's, whatever text comes in.
  const packed = new Map<string, Int32Array>();
  const weightsOf = (ngram: string): Int32Array | undefined => {
    let w = packed.get(ngram);
    if (w) return w;
    const entry = Object.hasOwn(ngramsData.ngrams, ngram) ? ngramsData.ngrams[ngram] : undefined;
    if (!entry) return undefined;
    const langs = Object.keys(entry);
    w = new Int32Array(langs.length * 2);
    for (let i = 0; i < langs.length; i++) {
      w[2 * i] = Number(langs[i]);
      w[2 * i + 1] = entry[langs[i] as unknown as number]! + BASE_NGRAM_SCORE;
    }
    packed.set(ngram, w);
    return w;
  };

  /** eld's strToUtf8Bytes: words as strings of byte-dictionary characters, cut near 380 bytes. */
  const byteWords = (str: string): string[] => {
    let encoded = '';
    const words: string[] = [];
    let bytes = 0;
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        if (c === 32) {
          if (encoded !== '') {
            words.push(encoded);
            encoded = '';
          }
          if (bytes > CUT_AFTER) break;
        } else encoded += str[i];
        bytes++;
      } else if (c < 0x800) {
        encoded += dictionary[0xc0 | (c >> 6)]! + dictionary[0x80 | (c & 0x3f)]!;
        bytes += 2;
      } else if (c < 0xd800 || c >= 0xe000) {
        encoded +=
          dictionary[0xe0 | (c >> 12)]! +
          dictionary[0x80 | ((c >> 6) & 0x3f)]! +
          dictionary[0x80 | (c & 0x3f)]!;
        bytes += 3;
      } else {
        i++;
        c = 0x10000 + (((c & 0x3ff) << 10) | (str.charCodeAt(i) & 0x3ff));
        encoded +=
          dictionary[0xf0 | (c >> 18)]! +
          dictionary[0x80 | ((c >> 12) & 0x3f)]! +
          dictionary[0x80 | ((c >> 6) & 0x3f)]! +
          dictionary[0x80 | (c & 0x3f)]!;
        bytes += 4;
      }
      if (bytes > ENFORCE_CUT_AFTER) break;
    }
    if (encoded !== '') words.push(encoded);
    return words;
  };

  /** eld's getByteNgrams: distinct 4-byte n-grams, stride 3, word edges marked with spaces. */
  const byteNgrams = (words: string[]): Set<string> => {
    const out = new Set<string>();
    for (const word of words) {
      const len = Math.min(word.length, 70);
      let j = 0;
      for (; j + 4 < len; j += 3) out.add((j === 0 ? ' ' : '') + word.substring(j, j + 4));
      out.add((j === 0 ? ' ' : '') + word.substring(len !== 3 ? len - 4 : 0) + ' ');
    }
    return out;
  };

  const scores = new Float64Array(languageCount);
  return {
    detect(input: string): EldVerdict {
      const text = input.substring(0, 1000).replace(separators, ' ').trim().toLowerCase();
      const ngrams = byteNgrams(byteWords(text));
      scores.fill(0);
      for (const ngram of ngrams) {
        const w = weightsOf(ngram);
        if (!w) continue;
        for (let i = 0; i < w.length; i += 2) scores[w[i]!]! += w[i + 1]!;
      }
      // eld's getMaxLang: the first language with the highest positive score.
      let best = -1;
      let bestScore = 0;
      for (let i = 0; i < languageCount; i++)
        if (scores[i]! > 0 && scores[i]! > bestScore) {
          bestScore = scores[i]!;
          best = i;
        }
      if (best < 0) return { language: '', reliable: false };
      const language = codeOf(best);
      const n = ngrams.size;
      if (n < 3) return { language, reliable: false };
      // eld's orderAndScale + isReliable: the best 0–1 score, and the runner-up in a stable sort.
      // (Scaled inline: a closure made per call costs a naming step under tsx.)
      let second = -1;
      let secondScore = -Infinity;
      let top = -1;
      let topScore = -Infinity;
      for (let i = 0; i < languageCount; i++) {
        if (!(scores[i]! > 0)) continue;
        const s = scores[i]! / n / (scores[i]! / n + SCALE);
        if (s > topScore) {
          second = top;
          secondScore = topScore;
          top = i;
          topScore = s;
        } else if (s > secondScore) {
          second = i;
          secondScore = s;
        }
      }
      // eld compares with results[1][0] — the runner-up's language index, not its score.
      const next = second >= 0 ? second : 0;
      const reliable = !(
        (avgScore[language] ?? 0) * RELIABLE_RATIO > topScore || 0.01 > Math.abs(topScore - next)
      );
      return { language, reliable };
    },
  };
}
