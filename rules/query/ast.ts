// The text-query syntax tree. Leaves carry their field scope; `at` is the leaf's source range in
// the query string (for error messages and nothing else — equality ignores it).

export const QUERY_FIELDS = ['title', 'description'] as const;
export type QueryField = (typeof QUERY_FIELDS)[number];

export interface Span {
  start: number;
  end: number;
}

interface LeafBase {
  /** null: the rule's default fields. */
  field: QueryField | null;
  at?: Span;
}

/** A word (or words, "ak-47" → ak 47 adjacent) that must occur as whole tokens. */
export interface TermNode extends LeafBase {
  type: 'term';
  text: string;
}
/** `kalash*`: a token starting with text. */
export interface PrefixNode extends LeafBase {
  type: 'prefix';
  text: string;
}
/** `glok~1`: a token within `distance` edits (insert, delete, substitute, swap). */
export interface FuzzyNode extends LeafBase {
  type: 'fuzzy';
  text: string;
  distance: number;
}
/** `"cz 75"` (adjacent, in order) or `"glock 19"~3` (in order, ≤ 3 tokens in between in total). */
export interface PhraseNode extends LeafBase {
  type: 'phrase';
  text: string;
  slop: number | null;
}
/** `/gl[o0]ck\s?\d+/`: RE2 syntax, run by re2js over the normalised text. */
export interface RegexNode extends LeafBase {
  type: 'regex';
  pattern: string;
}
export interface AndNode {
  type: 'and';
  children: QueryNode[];
  at?: Span;
}
export interface OrNode {
  type: 'or';
  children: QueryNode[];
  at?: Span;
}
export interface NotNode {
  type: 'not';
  child: QueryNode;
  at?: Span;
}
/** `a NEAR/3 b`: both occur, either order, with at most `distance` tokens between them. */
export interface NearNode {
  type: 'near';
  left: QueryNode;
  right: QueryNode;
  distance: number;
  at?: Span;
}

export type LeafNode = TermNode | PrefixNode | FuzzyNode | PhraseNode | RegexNode;
export type QueryNode = LeafNode | AndNode | OrNode | NotNode | NearNode;

export function isLeaf(n: QueryNode): n is LeafNode {
  return (
    n.type === 'term' ||
    n.type === 'prefix' ||
    n.type === 'fuzzy' ||
    n.type === 'phrase' ||
    n.type === 'regex'
  );
}

/** A copy without source positions, for comparing trees. */
export function stripPositions(n: QueryNode): QueryNode {
  switch (n.type) {
    case 'and':
    case 'or':
      return { type: n.type, children: n.children.map(stripPositions) };
    case 'not':
      return { type: 'not', child: stripPositions(n.child) };
    case 'near':
      return {
        type: 'near',
        left: stripPositions(n.left),
        right: stripPositions(n.right),
        distance: n.distance,
      };
    default: {
      const copy = { ...n };
      delete copy.at;
      return copy;
    }
  }
}

/** Leaves in source order, with whether they sit under a NOT. */
export function leaves(n: QueryNode, negated = false, out: Array<{ leaf: LeafNode; negated: boolean }> = []) {
  const stack: Array<{ node: QueryNode; negated: boolean }> = [{ node: n, negated }];
  while (stack.length > 0) {
    const { node, negated: neg } = stack.pop()!;
    if (isLeaf(node)) out.push({ leaf: node, negated: neg });
    else if (node.type === 'not') stack.push({ node: node.child, negated: !neg });
    else if (node.type === 'near')
      stack.push({ node: node.right, negated: neg }, { node: node.left, negated: neg });
    else
      for (let i = node.children.length - 1; i >= 0; i--)
        stack.push({ node: node.children[i]!, negated: neg });
  }
  return out;
}
