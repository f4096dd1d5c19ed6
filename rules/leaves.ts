// Turns query leaves into what the matcher looks for, in a given text view, and rejects leaves
// that cannot work (no letters, too-short prefixes, over-eager fuzzy terms, bad regexes) with
// the leaf's position. The YAML loader calls prepareQuery to report errors early; the compiler
// calls prepareLeaf to build its automaton.
import { QueryError } from './errors.js';
import { leaves, type LeafNode, type QueryNode } from './query/ast.js';
import { compileRegex, type CompiledRegex } from './query/regex.js';
import { termWords, type ViewKind } from './text.js';

export const LEAF_LIMITS = { minPrefix: 3, maxWordLength: 64, maxPhraseWords: 16 };

export interface WordPattern {
  text: string;
  prefix: boolean;
}

export type PreparedLeaf =
  | { kind: 'words'; words: WordPattern[]; slop: number }
  | { kind: 'fuzzy'; text: string; distance: number }
  | { kind: 'regex'; regex: CompiledRegex };

export function prepareQuery(ast: QueryNode, view: ViewKind): void {
  for (const { leaf } of leaves(ast)) prepareLeaf(leaf, view);
}

export function prepareLeaf(leaf: LeafNode, view: ViewKind): PreparedLeaf {
  const at = leaf.at?.start ?? 0;
  switch (leaf.type) {
    case 'term':
      return { kind: 'words', words: words(leaf.text, at, false), slop: 0 };
    case 'prefix':
      return { kind: 'words', words: words(leaf.text, at, true), slop: 0 };
    case 'phrase': {
      const out: WordPattern[] = [];
      for (const chunk of leaf.text.split(/\s+/).filter((c) => c !== '')) {
        const star = chunk.endsWith('*');
        out.push(...words(star ? chunk.slice(0, -1) : chunk, at, star));
      }
      if (out.length > LEAF_LIMITS.maxPhraseWords)
        throw new QueryError(`phrase has more than ${LEAF_LIMITS.maxPhraseWords} words`, at);
      return { kind: 'words', words: out, slop: leaf.slop ?? 0 };
    }
    case 'fuzzy': {
      const w = termWords(leaf.text, view);
      if (w.length !== 1)
        throw new QueryError(
          `fuzzy term "${leaf.text}" must be a single word`,
          at,
          'use a phrase with ~N for several words',
        );
      const min = 3 + leaf.distance;
      if (w[0]!.length < min)
        throw new QueryError(
          `fuzzy term "${leaf.text}" is too short for ~${leaf.distance}: it would match almost anything`,
          at,
          `use ~${leaf.distance} on words of ${min}+ letters`,
        );
      if (w[0]!.length > LEAF_LIMITS.maxWordLength) throw new QueryError('word is too long', at);
      return { kind: 'fuzzy', text: w[0]!, distance: leaf.distance };
    }
    case 'regex':
      return { kind: 'regex', regex: compileRegex(leaf.pattern, at) };
  }

  function words(text: string, offset: number, prefix: boolean): WordPattern[] {
    const ws = termWords(text, view);
    if (ws.length === 0)
      throw new QueryError(
        `"${text}" has no letters or digits to match`,
        offset,
        'use a /regex/ to match punctuation',
      );
    if (ws.some((w) => w.length > LEAF_LIMITS.maxWordLength))
      throw new QueryError('word is too long', offset);
    if (prefix && ws[ws.length - 1]!.length < LEAF_LIMITS.minPrefix)
      throw new QueryError(
        `prefix "${text}*" is too short`,
        offset,
        `a prefix needs at least ${LEAF_LIMITS.minPrefix} letters`,
      );
    return ws.map((w, i) => ({ text: w, prefix: prefix && i === ws.length - 1 }));
  }
}
