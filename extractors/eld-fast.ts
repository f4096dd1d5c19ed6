// eld's detect(), same algorithm and same n-gram database, built to stay cheap when the pipeline around
// it has evicted the CPU caches between two calls.
//
// eld scores a text by summing, for every distinct n-gram of its first ~380 UTF-8 bytes (4 bytes,
// stride 3, word edges marked with a space), the per-language weights stored for that n-gram. eld
// itself builds each n-gram as a concatenated string, looks it up in a 105,000-key object and walks
// the weights as object keys. Here nothing is allocated per n-gram:
// - one scan over the text, with a per-character table read off eld's own regex, does eld's
//   separator replace, trim and toLowerCase (a text holding a capital sigma, whose lower case
//   depends on its neighbours, or a letter whose lower case is two characters, is cleaned by the
//   same scan into a string that toLowerCase() then lower-cases whole, as eld does);
// - characters are UTF-8 encoded straight into symbol codes (eld's byte dictionary maps bytes to
//   characters; a symbol is the index of that character), so an n-gram of ≤ 6 symbols is a number;
// - the database is loaded once into one open-addressing hash table over those numbers, each slot
//   holding its key and up to four (language, weight) pairs inline, longer lists in one shared
//   array — a lookup usually touches one cache line, two for the few n-grams with many languages;
//   a per-call set of 4 KiB drops repeated n-grams before they are looked up.
// The cut-offs, the scoring and the reliability rule (including its comparison of the best score with
// the runner-up's *index*, kept so results stay identical) are eld's. tests/extractors/language.test.ts
// and language-cleaning.test.ts check that both read the same n-grams, score them the same and give
// the same verdict — on the corpus, the range's pages, every BMP character and random text.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

export interface EldData {
  languages: Record<number, string>;
  ngrams: Record<string, Record<number, number>>;
}

export interface EldVerdict {
  /** ISO 639-1 code, '' when no language scored. */
  language: string;
  reliable: boolean;
}

export interface FastEld {
  detect(text: string): EldVerdict;
  /**
   * eld's `detect(text).getScores()`: every language with a positive score, scaled to 0–1, best
   * first. For tests and diagnostics — a cleaning or n-gram slip that leaves the verdict alone
   * still shows here.
   */
  scores(text: string): Record<string, number>;
  /** The distinct n-grams eld would look up for `text`, as eld's strings. For tests and diagnostics. */
  ngrams(text: string): string[];
}

/** eld subtracts this from every stored weight to keep its database small. */
const BASE_NGRAM_SCORE = 53;
/** eld's scale for turning raw scores into 0–1 scores. */
const SCALE = 25;
const RELIABLE_RATIO = 0.75;
/** eld reads this many characters of its input. */
const MAX_CHARS = 1000;
/** eld stops at the first space after this many bytes… */
const CUT_AFTER = 350;
/** …and after any character once past this many. */
const ENFORCE_CUT_AFTER = 380;
/** eld reads at most this many bytes of a word when cutting n-grams. */
const MAX_WORD_BYTES = 70;

/** More bytes than a text can yield (380 + one 4-byte character): bounds the per-call buffers. */
const MAX_BYTES = ENFORCE_CUT_AFTER + 8;

// Per BMP code unit: what eld's cleaning makes of it, in one 128 KiB table (one lookup per character).
/** A separator: runs of these become one space. */
const SEPARATOR = 0xffff;
/** ' ` ’ — separators too, but the lookbehind in eld's regex keeps them at the end of a run. */
const APOSTROPHE = 0xfffe;
/** A letter whose lower case the table cannot give (Σ depends on context; İ becomes two characters). */
const NO_TABLE_LOWER = 0;
// Anything else is a letter and the value is its lower case.

// A (language, weight + base) pair is packed in 16 bits as language << 9 | weight: eld's weights + base
// are 59–260 and its languages 60; loading checks both fit.
const WEIGHT_BITS = 9;
const WEIGHT_MASK = (1 << WEIGHT_BITS) - 1;
/** (language, weight) pairs kept in the slot itself; longer lists go to the shared overflow array. */
const INLINE_PAIRS = 4;
/** Int32s per hash-table slot: key low, key high | pair count << 16, two ints of inline pairs. */
const SLOT = 4;

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

/**
 * The cleaning table, read off eld's own separator regex: `[^letters]+(?<![\x27\x60\u2019])`. A
 * character is a letter if the regex does not match it followed by '!', and an apostrophe (a
 * separator the lookbehind keeps at a run's end) if it is no letter and the regex does not match it alone.
 * Surrogates are separators: eld's letter class is BMP-only, so every astral or lone one is.
 */
function buildCharTable(separators: RegExp): Uint16Array {
  const at = new RegExp(separators.source, separators.flags.replace('g', '') + 'y');
  const matches = (s: string): boolean => {
    at.lastIndex = 0;
    return at.test(s);
  };
  const table = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c < 0xe000) {
      table[c] = SEPARATOR;
      continue;
    }
    const ch = String.fromCharCode(c);
    if (matches(ch + '!')) {
      table[c] = matches(ch) ? SEPARATOR : APOSTROPHE;
      continue;
    }
    const lower = ch.toLowerCase();
    // Σ lower-cases to σ or ς depending on the letters around it, which one table entry cannot say.
    const code = lower.length === 1 && c !== 0x03a3 ? lower.charCodeAt(0) : NO_TABLE_LOWER;
    table[c] = code === SEPARATOR || code === APOSTROPHE ? NO_TABLE_LOWER : code;
  }
  return table;
}

/**
 * Symbols: eld writes an ASCII byte as itself and any other byte as `dictionary[byte]`; a symbol is
 * the 1-based index of that character, so an n-gram string and its symbol sequence say the same
 * thing (bytes the dictionary maps to the same character give the same symbol, as they give the
 * same string in eld) and 0 can mean "no symbol".
 */
function buildSymbols(dictionary: string[]): {
  symbolOfByte: Uint8Array;
  symbolOfCode: Uint8Array;
  charOfSymbol: string[];
} {
  // Indexed by the character's code: reading the database's 105,000 keys goes through this table.
  const symbolOfCode = new Uint8Array(0x10000);
  const symbolOfByte = new Uint8Array(256);
  const charOfSymbol = [''];
  let symbols = 0;
  for (let b = 0; b < 256; b++) {
    const ch = b < 0x80 ? String.fromCharCode(b) : dictionary[b];
    if (ch?.length !== 1) throw new Error(`eld's byte dictionary: entry for byte ${b} is not one character`);
    const code = ch.charCodeAt(0);
    if (symbolOfCode[code] === 0) {
      if (symbols === 255) throw new Error("eld's byte dictionary: more than 255 characters");
      symbolOfCode[code] = ++symbols;
      charOfSymbol.push(ch);
    }
    symbolOfByte[b] = symbolOfCode[code]!;
  }
  return { symbolOfByte, symbolOfCode, charOfSymbol };
}

/** Hash of an n-gram key (low: symbols 0–3, high: symbols 4–5). */
function slotOf(lo: number, hi: number, mask: number): number {
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h & mask;
}

interface NgramTable {
  /** SLOT Int32s per slot; an empty slot has key low 0 (an n-gram's first symbol is never 0). */
  slots: Int32Array;
  mask: number;
  /** Pair lists longer than INLINE_PAIRS, the slot holding their offset here. */
  overflow: Uint16Array;
}

/** eld's database as one hash table: n-gram (as symbols) → packed (language, weight + base) pairs. */
function buildNgramTable(
  ngrams: EldData['ngrams'],
  languageCount: number,
  symbolOfCode: Uint8Array,
): NgramTable {
  if (languageCount > 1 << (16 - WEIGHT_BITS))
    throw new Error(`eld: ${languageCount} languages, at most 128 fit`);
  const keys = Object.keys(ngrams);
  let capacity = 1;
  while (capacity < keys.length * 2) capacity *= 2; // load ≤ 0.5: probes stay in one or two cache lines
  const mask = capacity - 1;
  const slots = new Int32Array(capacity * SLOT);
  const overflow: number[] = [];
  const pairs: number[] = [];
  for (const key of keys) {
    // A key longer than 6 characters, or with a character no byte maps to, can never be produced.
    if (key.length > 6) continue;
    let lo = 0;
    let hi = 0;
    let known = true;
    for (let i = 0; i < key.length; i++) {
      const s = symbolOfCode[key.charCodeAt(i)]!;
      if (s === 0) known = false;
      else if (i < 4) lo |= s << (8 * i);
      else hi |= s << (8 * (i - 4));
    }
    if (!known) continue;
    const entry = ngrams[key]!;
    pairs.length = 0;
    // (Object.keys beats probing each language index: these objects keep their few keys sparse.)
    for (const lang of Object.keys(entry)) {
      const language = Number(lang);
      const weight = entry[language]! + BASE_NGRAM_SCORE;
      if (!(language >= 0 && language < languageCount && weight >= 0 && weight <= WEIGHT_MASK))
        throw new Error(
          `eld n-gram ${JSON.stringify(key)}: language ${lang} or weight ${weight} out of range`,
        );
      pairs.push((language << WEIGHT_BITS) | weight);
    }
    let at = slotOf(lo, hi, mask);
    while (slots[at * SLOT] !== 0) at = (at + 1) & mask;
    const base = at * SLOT;
    slots[base] = lo;
    slots[base + 1] = hi | (pairs.length << 16);
    if (pairs.length <= INLINE_PAIRS) {
      for (let i = 0; i < pairs.length; i++) slots[base + 2 + (i >> 1)]! |= pairs[i]! << (16 * (i & 1));
    } else {
      slots[base + 2] = overflow.length;
      overflow.push(...pairs);
    }
  }
  return { slots, mask, overflow: Uint16Array.from(overflow) };
}

/**
 * eld's n-gram database, read from its module file and evaluated on its own instead of imported. An
 * imported module's exports live as long as the process, and these are ≈ 60 MiB of objects needed only
 * while the table above is built; evaluated, they are collected after the load, and every major
 * collection in an extract worker has that much less to mark. The file is one
 * `export const ngramsData = {…};` literal of plain data (the same code the import would run, from
 * the same installed package); if a release of eld ever lays it out otherwise, it is imported.
 */
export async function loadNgramsData(file: string): Promise<EldData> {
  const text = await readFile(file, 'utf8');
  const head = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?export const ngramsData\s*=\s*\{/.exec(text);
  const body = text.trimEnd();
  if (head && body.endsWith('};'))
    return vm.runInNewContext(`(${body.slice(head[0].length - 1, -1)})`, Object.create(null) as object, {
      filename: file,
    }) as EldData;
  return ((await import(pathToFileURL(file).href)) as { ngramsData: EldData }).ngramsData;
}

export async function loadFastEld(): Promise<FastEld> {
  const src = eldSourceDir();
  const load = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(path.join(src, file)).href)) as T;
  const [ngramsData, { dictionary }, { separators }, { avgScore }] = await Promise.all([
    loadNgramsData(path.join(src, 'ngrams', 'medium.js')),
    load<{ dictionary: string[] }>('dictionary.js'),
    load<{ separators: RegExp }>('regexPatterns.js'),
    load<{ avgScore: Record<string, number> }>('avgScore.js'),
  ]);
  const { symbolOfByte, symbolOfCode, charOfSymbol } = buildSymbols(dictionary);
  const languageCount = Math.max(...Object.keys(ngramsData.languages).map(Number)) + 1;
  return new Detector(
    buildCharTable(separators),
    symbolOfByte,
    charOfSymbol,
    buildNgramTable(ngramsData.ngrams, languageCount, symbolOfCode),
    { ...ngramsData.languages }, // a copy: nothing of the evaluated database outlives the load
    languageCount,
    avgScore,
  );
}

/** At most this many n-grams per call (each takes ≥ 2 of the ≤ 384 bytes read, its space included). */
const MAX_NGRAMS = MAX_BYTES;
/** Slots of the per-call set of n-grams seen (load ≤ 0.4): 4 KiB, cleared per call. */
const SEEN_SLOTS = 512;

/** Per-call state lives in preallocated buffers: a call allocates only its verdict. */
class Detector implements FastEld {
  private readonly rawScores: Int32Array;
  private readonly spaceSymbol: number;
  /** The cleaned text, when it has to go through toLowerCase() as a string. */
  private readonly cleanText = new Uint16Array(MAX_CHARS);
  /** Symbols of the word being read. */
  private readonly word = new Uint8Array(MAX_BYTES);
  private wordLength = 0;
  private bytes = 0;
  /** This call's distinct n-grams, as key words (low: symbols 0–3, high: symbols 4–5). */
  private readonly ngramLow = new Int32Array(MAX_NGRAMS);
  private readonly ngramHigh = new Int32Array(MAX_NGRAMS);
  private ngramCount = 0;
  /** Open-addressing set of the same keys (low, high per slot; low 0 = empty) to drop repeats. */
  private readonly seen = new Int32Array(SEEN_SLOTS * 2);
  /**
   * eld cuts a word's n-grams at 70 bytes but takes its last one from byte 66 to the word's end, so a
   * word longer than 71 bytes yields an n-gram longer than 6 symbols: never in the database, but it
   * still counts towards the number of distinct n-grams the reliability rule divides by.
   */
  private readonly longNgrams = new Set<string>();

  constructor(
    private readonly chars: Uint16Array,
    private readonly symbolOfByte: Uint8Array,
    private readonly charOfSymbol: string[],
    private readonly table: NgramTable,
    private readonly languages: Record<number, string>,
    private readonly languageCount: number,
    private readonly avgScore: Record<string, number>,
  ) {
    this.rawScores = new Int32Array(this.languageCount);
    this.spaceSymbol = symbolOfByte[32]!;
  }

  detect(input: string): EldVerdict {
    return this.verdict(this.score(input));
  }

  scores(input: string): Record<string, number> {
    const n = this.score(input);
    const scaled: Array<[number, number]> = [];
    for (let i = 0; i < this.languageCount; i++) {
      const raw = this.rawScores[i]!;
      if (raw > 0) scaled.push([i, raw / n / (raw / n + SCALE)]);
    }
    scaled.sort((a, b) => b[1] - a[1]);
    return Object.fromEntries(scaled.map(([i, s]) => [this.languages[i] ?? '', s]));
  }

  ngrams(input: string): string[] {
    this.score(input);
    const symbols = (codes: number[]): string => codes.map((s) => this.charOfSymbol[s]).join('');
    const out: string[] = [];
    for (let k = 0; k < this.ngramCount; k++) {
      const lo = this.ngramLow[k]!;
      const hi = this.ngramHigh[k]!;
      const codes = [lo & 255, (lo >>> 8) & 255, (lo >>> 16) & 255, lo >>> 24, hi & 255, hi >>> 8];
      out.push(symbols(codes.filter((s) => s !== 0)));
    }
    // Long n-grams are kept without the trailing space every one of them has.
    for (const long of this.longNgrams) out.push(symbols([...long].map((c) => c.charCodeAt(0))) + ' ');
    return out;
  }

  /** Fills rawScores with eld's raw per-language scores; returns the number of distinct n-grams. */
  private score(input: string): number {
    this.reset();
    if (this.readClean(input, false) < 0) {
      // A letter the table cannot lower-case: clean the text into a string, lower-case it whole as eld
      // does (so Σ sees its neighbours), and encode that.
      this.reset();
      const length = this.readClean(input, true);
      const codes = this.cleanText.subarray(0, length) as unknown as number[];
      const clean = String.fromCharCode.apply(null, codes).toLowerCase();
      for (let i = 0; i < clean.length; i++) {
        let c = clean.charCodeAt(i);
        // eld's strToUtf8Bytes reads a high surrogate's partner unchecked (NaN & 0x3ff is 0). Cleaning
        // leaves none (they are separators), so this only keeps the port faithful.
        if (c >= 0xd800 && c < 0xe000) c = 0x10000 + (((c & 0x3ff) << 10) | (clean.charCodeAt(++i) & 0x3ff));
        if (!this.put(c)) break;
      }
    }
    if (this.wordLength > 0) this.endWord();
    return this.lookUp();
  }

  private reset(): void {
    this.wordLength = 0;
    this.bytes = 0;
    this.ngramCount = 0;
    this.seen.fill(0);
    if (this.longNgrams.size > 0) this.longNgrams.clear();
  }

  /**
   * eld's `text.substring(0, 1000).replace(separators, ' ').trim()`: a run of separators becomes one
   * space followed by the apostrophes after the run's last other separator (the regex's lookbehind
   * backs off them); a run of apostrophes only is kept whole; trim() drops a leading space and a
   * trailing one. Each character is lower-cased from the table and handed to put() as it comes,
   * until put() says eld stops reading — then the result is 0. A letter the table cannot
   * lower-case stops it with -1. With `collect`, characters are not lower-cased but gathered in
   * cleanText instead, and the result is their number.
   */
  private readClean(input: string, collect: boolean): number {
    const chars = this.chars;
    const out = this.cleanText;
    let n = 0;
    const end = Math.min(input.length, MAX_CHARS);
    let started = false; // something was written: a run's space is no longer leading
    let inRun = false;
    let runHasSeparator = false;
    let apostrophesFrom = -1; // start of the run's apostrophes after its last other separator
    for (let i = 0; i <= end; i++) {
      const c = i < end ? input.charCodeAt(i) : -1;
      const t = c >= 0 ? chars[c]! : NO_TABLE_LOWER;
      if (t === SEPARATOR) {
        inRun = true;
        runHasSeparator = true;
        apostrophesFrom = -1;
        continue;
      }
      if (t === APOSTROPHE) {
        if (!inRun) {
          inRun = true;
          runHasSeparator = false;
        }
        if (apostrophesFrom < 0) apostrophesFrom = i;
        continue;
      }
      // A letter, or the end of the text: the run before it, if any, is written first — at the end,
      // only if apostrophes follow its space (trim() would drop it otherwise).
      if (inRun && (c >= 0 || apostrophesFrom >= 0)) {
        inRun = false;
        if (runHasSeparator && started) {
          if (collect) out[n++] = 32;
          else if (!this.put(32)) return 0;
        }
        if (apostrophesFrom >= 0) {
          for (let k = apostrophesFrom; k < i; k++) {
            // Apostrophes are their own lower case.
            if (collect) out[n++] = input.charCodeAt(k);
            else if (!this.put(input.charCodeAt(k))) return 0;
          }
          apostrophesFrom = -1;
          started = true;
        }
      }
      if (c < 0) break;
      if (collect) out[n++] = c;
      else if (t === NO_TABLE_LOWER) return -1;
      else if (!this.put(t)) return 0;
      started = true;
    }
    return n;
  }

  /**
   * eld's strToUtf8Bytes for one character (a code point): spaces end words, other characters are
   * UTF-8 encoded into symbols. Returns false once eld would stop reading.
   */
  private put(c: number): boolean {
    const sym = this.symbolOfByte;
    const word = this.word;
    if (c < 0x80) {
      if (c === 32) {
        if (this.wordLength > 0) this.endWord();
        if (this.bytes > CUT_AFTER) return false;
      } else word[this.wordLength++] = sym[c]!;
      this.bytes++;
    } else if (c < 0x800) {
      word[this.wordLength++] = sym[0xc0 | (c >> 6)]!;
      word[this.wordLength++] = sym[0x80 | (c & 0x3f)]!;
      this.bytes += 2;
    } else if (c < 0x10000) {
      word[this.wordLength++] = sym[0xe0 | (c >> 12)]!;
      word[this.wordLength++] = sym[0x80 | ((c >> 6) & 0x3f)]!;
      word[this.wordLength++] = sym[0x80 | (c & 0x3f)]!;
      this.bytes += 3;
    } else {
      word[this.wordLength++] = sym[0xf0 | (c >> 18)]!;
      word[this.wordLength++] = sym[0x80 | ((c >> 12) & 0x3f)]!;
      word[this.wordLength++] = sym[0x80 | ((c >> 6) & 0x3f)]!;
      word[this.wordLength++] = sym[0x80 | (c & 0x3f)]!;
      this.bytes += 4;
    }
    return this.bytes <= ENFORCE_CUT_AFTER;
  }

  /** eld's getByteNgrams for the word just read: 4 symbols, stride 3, edges marked with a space. */
  private endWord(): void {
    const length = this.wordLength;
    const len = Math.min(length, MAX_WORD_BYTES);
    let j = 0;
    for (; j + 4 < len; j += 3) this.ngram(j === 0, j, j + 4, false);
    // The last n-gram runs to the word's end — past byte 70 too, as eld's substring does.
    this.ngram(j === 0, len !== 3 ? Math.max(len - 4, 0) : 0, length, true);
    this.wordLength = 0;
  }

  /** Records word[from, to), with the edge spaces asked for, unless this call has seen it already. */
  private ngram(leadingSpace: boolean, from: number, to: number, trailingSpace: boolean): void {
    const word = this.word;
    const space = this.spaceSymbol;
    const size = (leadingSpace ? 1 : 0) + (to - from) + (trailingSpace ? 1 : 0);
    if (size > 6) {
      let s = '';
      for (let i = from; i < to; i++) s += String.fromCharCode(word[i]!);
      // Always a word's last n-gram (trailing space, left out here) of a word of 5+ bytes (no leading one).
      this.longNgrams.add(s);
      return;
    }
    // Symbol k of the n-gram goes to bits 8k…8k+7 of low (k < 4) or high (k ≥ 4), as in the table.
    let lo = 0;
    let hi = 0;
    let shift = 0;
    if (leadingSpace) {
      lo = space;
      shift = 8;
    }
    for (let i = from; i < to; i++, shift += 8) {
      if (shift < 32) lo |= word[i]! << shift;
      else hi |= word[i]! << (shift - 32);
    }
    if (trailingSpace) {
      if (shift < 32) lo |= space << shift;
      else hi |= space << (shift - 32);
    }
    const seen = this.seen;
    let at = (Math.imul(lo ^ Math.imul(hi, 0x85ebca77), 0x9e3779b1) >>> 23) << 1; // 9 bits: 512 slots
    for (;;) {
      const stored = seen[at]!;
      if (stored === 0) break;
      if (stored === lo && seen[at + 1] === hi) return;
      at = (at + 2) & (SEEN_SLOTS * 2 - 1);
    }
    seen[at] = lo;
    seen[at + 1] = hi;
    this.ngramLow[this.ngramCount] = lo;
    this.ngramHigh[this.ngramCount++] = hi;
  }

  /** eld's calculateScores over this call's distinct n-grams; returns their number. */
  private lookUp(): number {
    const { slots, mask, overflow } = this.table;
    const scores = this.rawScores;
    scores.fill(0);
    const wrap = (mask + 1) * SLOT - 1;
    for (let k = 0; k < this.ngramCount; k++) {
      const lo = this.ngramLow[k]!;
      const hi = this.ngramHigh[k]!;
      for (let at = slotOf(lo, hi, mask) * SLOT; slots[at] !== 0; at = (at + SLOT) & wrap) {
        const highAndCount = slots[at + 1]!;
        if (slots[at] !== lo || (highAndCount & 0xffff) !== hi) continue;
        const count = highAndCount >>> 16;
        if (count <= INLINE_PAIRS) {
          for (let i = 0; i < count; i++) {
            const p = (slots[at + 2 + (i >> 1)]! >>> (16 * (i & 1))) & 0xffff;
            scores[p >>> WEIGHT_BITS]! += p & WEIGHT_MASK;
          }
        } else {
          for (let i = slots[at + 2]!, e = i + count; i < e; i++) {
            const p = overflow[i]!;
            scores[p >>> WEIGHT_BITS]! += p & WEIGHT_MASK;
          }
        }
        break;
      }
    }
    return this.ngramCount + this.longNgrams.size;
  }

  /** eld's getMaxLang, orderAndScale and isReliable over the scores of `n` n-grams. */
  private verdict(n: number): EldVerdict {
    const scores = this.rawScores;
    // eld's getMaxLang: the first language with the highest positive score.
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < this.languageCount; i++)
      if (scores[i]! > 0 && scores[i]! > bestScore) {
        bestScore = scores[i]!;
        best = i;
      }
    if (best < 0) return { language: '', reliable: false };
    const language = this.languages[best] ?? '';
    if (n < 3) return { language, reliable: false };
    // eld's orderAndScale + isReliable: the best 0–1 score, and the runner-up in a stable sort.
    let second = -1;
    let secondScore = -Infinity;
    let top = -1;
    let topScore = -Infinity;
    for (let i = 0; i < this.languageCount; i++) {
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
      (this.avgScore[language] ?? 0) * RELIABLE_RATIO > topScore || 0.01 > Math.abs(topScore - next)
    );
    return { language, reliable };
  }
}
