import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normaliseText, unleet } from '../../../extractors/classifier/normalise.js';
import { featurize, tokenize } from '../../../extractors/classifier/features.js';
import { WordTokenizer } from '../../../extractors/classifier/natural.js';

describe('normaliseText', () => {
  it('folds diacritics of the region', () => {
    expect(normaliseText('Pușcă Puşcă ëgjë ğüç ışık Đorđe žuti čćš őű')).toBe(
      'pusca pusca egje guc isik djordje zuti ccs ou',
    );
  });

  it('transliterates Cyrillic (Serbian, Macedonian, Bulgarian) and Greek to Latin', () => {
    expect(normaliseText('ПИШТОЉ Пиштол ѓ ќ ѕ Пистолет щ')).toBe('pistolj pistol gj kj dz pistolet sht');
    expect(normaliseText('ΠΙΣΤΌΛΙ κοκαΐνη διαβατήριο Θεσσαλονίκη')).toBe(
      'pistoli kokaini diavatirio thessaloniki',
    );
    // Serbian Latin and Cyrillic spellings meet.
    expect(normaliseText('пасош')).toBe(normaliseText('pasoš'));
    expect(normaliseText('ђ')).toBe(normaliseText('đ'));
  });

  it('strips zero-width characters and folds full-width forms (NFKC)', () => {
    expect(normaliseText('co\u200bca\u200dine ｇｌｏｃｋ')).toBe('cocaine glock');
  });

  it('reads $ and @ as letters inside words but leaves prices alone', () => {
    expect(normaliseText('pa$$port m@karov $450 @vendor 450$')).toBe('passport makarov $450 avendor 450$');
  });

  it('joins separator obfuscation', () => {
    expect(normaliseText('c.o.c.a.i.n.e g-l-o-c-k m*d*m*a')).toBe('cocaine glock mdma');
    expect(normaliseText('g l o c k 19')).toBe('glock 19');
    // ordinary one-letter words are kept apart
    expect(normaliseText('a e i')).toBe('a e i');
  });
});

describe('unleet', () => {
  it('decodes leet digits between letters or ending a word', () => {
    expect(unleet('gl0ck')).toBe('glock');
    expect(unleet('c0ca1ne')).toBe('cocaine');
    expect(unleet('h3r01n')).toBe('heroin');
    expect(unleet('mdm4')).toBe('mdma');
    expect(unleet('x4n4x')).toBe('xanax');
    expect(unleet('gl0ck19')).toBe('glock19');
  });

  it('keeps model numbers and quantities', () => {
    for (const t of ['ak47', 'glock19', '5mg', '250mg', '9mm', '1911', 'm70']) expect(unleet(t)).toBeNull();
  });
});

describe('tokenize', () => {
  it('keeps words with ș ț ë ğ ј and Greek letters whole (natural’s WordTokenizer splits them)', () => {
    const text = 'pușcă țeavă ëgjë ağır пиштољ πιστόλι';
    expect(tokenize(text)).toEqual(['pusca', 'teava', 'egje', 'agir', 'pistolj', 'pistoli']);
    // The stock tokenizer loses these words: the reason for the \p{L}\p{N} tokenizer.
    const stock = new WordTokenizer().tokenize(text);
    expect(stock).not.toContain('pușcă');
    expect(stock).not.toContain('πιστόλι');
  });

  it('emits the decoded spelling after a leet token', () => {
    expect(tokenize('gl0ck 17')).toEqual(['gl0ck', 'glock', '17']);
  });

  it('never throws and yields only letter/digit tokens, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        for (const tok of tokenize(s)) expect(tok).toMatch(/^[\p{L}\p{N}]+$/u);
        const norm = normaliseText(s);
        // No letter of the region's Cyrillic and Greek alphabets survives (rarer letters of other
        // Cyrillic/Greek alphabets, e.g. Bashkir ҋ, pass through unchanged).
        expect(norm).not.toMatch(/[а-яёђјљњћџѓќѕіїєґα-ωάέήίόύώϊϋΐΰ]/u);
        expect(norm).not.toMatch(/\p{M}/u);
      }),
      { numRuns: 300 },
    );
  });

  it('bounds the features of a huge text', () => {
    const huge = 'glock pistol '.repeat(200_000);
    const feats = featurize(huge, huge);
    expect(feats.length).toBeLessThan(5000);
    // Only the capped prefixes are read (work is bounded without timing it).
    expect(feats).toEqual(featurize(huge.slice(0, 500), huge.slice(0, 4000)));
  });
});
