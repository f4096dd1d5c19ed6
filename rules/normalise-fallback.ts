// Stand-in for extractors/normalise.ts (being written on branch `extract`), with the same
// signature: `normaliseForMatch(text, opts) => { text, map }` where map[i] is the offset in the
// original string of the character that produced text[i]. rules/text.ts imports it through one
// line, so swapping to the real normaliser is a one-line change there.

export interface NormaliseOptions {
  /** Turn Cyrillic and Greek words into Latin letters (else only look-alike letters in mixed words). */
  transliterate?: boolean;
}

export interface Normalised {
  text: string;
  /** map[i] = offset in the original text of the character that produced text[i]. */
  map: number[];
}

// Letters that Unicode decomposition leaves alone but analysts read as plain Latin.
const SPECIAL: Record<string, string> = {
  đ: 'd', ł: 'l', ø: 'o', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', ħ: 'h', þ: 'th', ð: 'd',
};

// Cyrillic and Greek letters that look like Latin ones: folded inside words that also hold
// Latin letters (a vendor writing "glоck" with a Cyrillic о), whatever the rule asks.
const HOMOGLYPHS: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ɡ: 'g', α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v',
  ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w',
};

// Transliteration for the region's Cyrillic (Serbian, Macedonian, Bulgarian, plus Russian and
// Ukrainian letters) and Greek, after accents were stripped.
const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', ђ: 'dj', е: 'e', ж: 'zh', з: 'z', и: 'i', ј: 'j', к: 'k',
  л: 'l', љ: 'lj', м: 'm', н: 'n', њ: 'nj', о: 'o', п: 'p', р: 'r', с: 's', т: 't', ћ: 'c', у: 'u',
  ф: 'f', х: 'h', ц: 'c', ч: 'ch', џ: 'dz', ш: 'sh', щ: 'sht', ъ: 'a', ь: '', ю: 'yu', я: 'ya',
  й: 'y', ё: 'e', ѓ: 'gj', ќ: 'kj', ѕ: 'dz', є: 'ye', і: 'i', ї: 'yi', ы: 'y', э: 'e',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm',
  ν: 'n', ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps',
  ω: 'o',
};

// Digits and symbols standing for letters inside words (gl0ck, c0ca1ne, c@caine).
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's' };

const FORMAT_CHAR = /^\p{Cf}$/u;
const MARKS = /\p{M}/gu;
const LETTER = /^\p{L}$/u;
const LATIN = /^[a-z]$/;
const CYRILLIC_OR_GREEK = /^[\p{Script=Cyrillic}\p{Script=Greek}]$/u;
const WORD_CHAR = /^[\p{L}\p{N}]$/u;

export function normaliseForMatch(input: string, opts: NormaliseOptions = {}): Normalised {
  // Pass 1, per code point: compatibility decomposition, accents off, lower case, zero-width
  // and other format characters dropped.
  const chars: string[] = [];
  const map: number[] = [];
  for (let i = 0; i < input.length; ) {
    const cp = input.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = input.slice(i, i + width);
    if (!FORMAT_CHAR.test(ch)) {
      let s = cp < 0x80 ? ch.toLowerCase() : ch.normalize('NFKD').replace(MARKS, '').toLowerCase();
      if (s.length === 1) s = SPECIAL[s] ?? s;
      for (const c of s) {
        chars.push(c);
        map.push(i);
      }
    }
    i += width;
  }
  // Pass 2: leetspeak — a run of digits/symbols with letters on both sides is read as letters.
  for (let i = 0; i < chars.length; i++) {
    if (LEET[chars[i]!] === undefined || i === 0 || !LETTER.test(chars[i - 1]!)) continue;
    let j = i;
    while (j < chars.length && LEET[chars[j]!] !== undefined) j++;
    if (j < chars.length && LETTER.test(chars[j]!)) for (let k = i; k < j; k++) chars[k] = LEET[chars[k]!]!;
    i = j - 1;
  }
  // Pass 3, per word: look-alike letters in mixed-script words; full transliteration on request.
  const out: string[] = [];
  const outMap: number[] = [];
  for (let i = 0; i < chars.length; ) {
    if (!WORD_CHAR.test(chars[i]!)) {
      out.push(chars[i]!);
      for (let u = 0; u < chars[i]!.length; u++) outMap.push(map[i]!);
      i++;
      continue;
    }
    let j = i;
    let latin = false;
    while (j < chars.length && WORD_CHAR.test(chars[j]!)) {
      if (LATIN.test(chars[j]!)) latin = true;
      j++;
    }
    for (let k = i; k < j; k++) {
      const c = chars[k]!;
      let s = c;
      if (CYRILLIC_OR_GREEK.test(c)) {
        if (latin && HOMOGLYPHS[c] !== undefined) s = HOMOGLYPHS[c];
        else if (opts.transliterate && TRANSLIT[c] !== undefined) s = TRANSLIT[c];
      }
      for (const d of s) {
        out.push(d);
        // One map entry per UTF-16 unit, like the text.
        for (let u = 0; u < d.length; u++) outMap.push(map[k]!);
      }
    }
    i = j;
  }
  return { text: out.join(''), map: outMap };
}
