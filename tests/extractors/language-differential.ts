// Shared by the language tests: eld-fast (extractors/eld-fast.ts) must answer exactly as eld does.
// Three levels are compared, each stricter than the one before: the verdict (language and
// reliability), every language's score, and the set of n-grams read from the text — the last
// catches a cleaning or encoding slip on characters no n-gram of eld's database contains, which
// leaves the scores alone. eld does not export its text functions, so `eldNgrams` is a verbatim
// copy of them (eld 2.1.0, src/languageDetector.js, Apache-2.0, © Nito T.M.) over eld's own
// separator regex and byte dictionary.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { loadFastEld, type FastEld } from '../../extractors/eld-fast.js';
import type { Eld } from '../../extractors/eld-types.js';

export interface Differential {
  fast: FastEld;
  eld: Eld;
  eldNgrams(text: string): string[];
}

export async function loadDifferential(): Promise<Differential> {
  const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/eld/src');
  const load = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(path.join(src, file)).href)) as T;
  const [{ separators }, { dictionary }] = await Promise.all([
    load<{ separators: RegExp }>('regexPatterns.js'),
    load<{ dictionary: string[] }>('dictionary.js'),
  ]);
  const eld = ((await import('eld/medium')) as { eld: Eld }).eld;

  // eld's textProcessor, strToUtf8Bytes and getByteNgrams, as eld writes them.
  const strToUtf8Bytes = (str: string): string[] => {
    let encoded = '';
    const words: string[] = [];
    let countBytes = 0;
    const cutAfter = 350;
    const enforceCutAfter = 380;
    for (let ii = 0; ii < str.length; ii++) {
      let charCode = str.charCodeAt(ii);
      if (charCode < 0x80) {
        if (charCode === 32) {
          if (encoded !== '') {
            words.push(encoded);
            encoded = '';
          }
          if (countBytes > cutAfter) break;
        } else encoded += str[ii];
        countBytes++;
      } else if (charCode < 0x800) {
        encoded += dictionary[0xc0 | (charCode >> 6)]! + dictionary[0x80 | (charCode & 0x3f)]!;
        countBytes += 2;
      } else if (charCode < 0xd800 || charCode >= 0xe000) {
        encoded +=
          dictionary[0xe0 | (charCode >> 12)]! +
          dictionary[0x80 | ((charCode >> 6) & 0x3f)]! +
          dictionary[0x80 | (charCode & 0x3f)]!;
        countBytes += 3;
      } else {
        ii++;
        charCode = 0x10000 + (((charCode & 0x3ff) << 10) | (str.charCodeAt(ii) & 0x3ff));
        encoded +=
          dictionary[0xf0 | (charCode >> 18)]! +
          dictionary[0x80 | ((charCode >> 12) & 0x3f)]! +
          dictionary[0x80 | ((charCode >> 6) & 0x3f)]! +
          dictionary[0x80 | (charCode & 0x3f)]!;
        countBytes += 4;
      }
      if (countBytes > enforceCutAfter) break;
    }
    if (encoded !== '') words.push(encoded);
    return words;
  };
  const getByteNgrams = (words: string[]): Record<string, boolean> => {
    const byteNgrams: Record<string, boolean> = {};
    for (const word of words) {
      let len = word.length;
      if (len > 70) len = 70;
      let j;
      for (j = 0; j + 4 < len; j += 3) byteNgrams[(j === 0 ? ' ' : '') + word.substring(j, j + 4)] = true;
      byteNgrams[(j === 0 ? ' ' : '') + word.substring(len !== 3 ? len - 4 : 0) + ' '] = true;
    }
    return byteNgrams;
  };
  const eldNgrams = (text: string): string[] =>
    Object.keys(
      getByteNgrams(strToUtf8Bytes(text.substring(0, 1000).replace(separators, ' ').trim().toLowerCase())),
    );
  return { fast: await loadFastEld(), eld, eldNgrams };
}

/** eld-fast reads the same n-grams from `text` as eld, scores them the same and gives the same verdict. */
export function expectSameAsEld(d: Differential, text: string): void {
  const label = JSON.stringify(text.slice(0, 160));
  expect(d.fast.ngrams(text).sort(), label).toEqual(d.eldNgrams(text).sort());
  const want = d.eld.detect(text);
  expect(d.fast.scores(text), label).toEqual(want.getScores());
  expect(d.fast.detect(text), label).toEqual({
    language: want.language,
    reliable: want.language ? want.isReliable() : false,
  });
}
