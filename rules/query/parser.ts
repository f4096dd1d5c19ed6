// Hand-written lexer and recursive-descent parser for the query language (docs/rules.md).
// Precedence, loosest first: OR, AND (also implicit, by juxtaposition), NOT, NEAR/n.
// Every error carries the offset in the query string where it happened. Depth, length and
// size are capped before anything recursive runs, so hostile queries fail fast and cleanly.
import { QueryError } from '../errors.js';
import { suggest } from '../distance.js';
import { QUERY_FIELDS, type QueryField, type QueryNode, type LeafNode } from './ast.js';

export const QUERY_LIMITS = {
  maxLength: 20_000,
  maxDepth: 64,
  maxLeaves: 1_000,
  maxRegexLength: 512,
  maxFuzzyDistance: 2,
  maxProximity: 100,
};

type Tok =
  | { kind: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'eof'; start: number; end: number }
  | { kind: 'near'; distance: number; start: number; end: number }
  | { kind: 'field'; field: QueryField; start: number; end: number }
  | { kind: 'word'; text: string; start: number; end: number }
  | { kind: 'phrase'; text: string; slop: number | null; start: number; end: number }
  | { kind: 'regex'; pattern: string; start: number; end: number };

const WORD_STOP = new Set([' ', '\t', '\n', '\r', '\f', '\v', '(', ')', '"']);
const isSpace = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

function lex(q: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (isSpace(c) || /\s/u.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')') {
      toks.push({ kind: c === '(' ? 'lparen' : 'rparen', start, end: ++i });
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        text += q[i]!;
        i++;
      }
      if (i >= q.length)
        throw new QueryError('unterminated phrase: missing closing "', start, 'add a closing "');
      i++;
      let slop: number | null = null;
      if (q[i] === '~') {
        const m = /^~(\d{1,6})/.exec(q.slice(i, i + 8));
        if (!m)
          throw new QueryError(
            'a phrase can only be followed by ~N (proximity)',
            i,
            'write e.g. "glock 19"~3',
          );
        slop = Number(m[1]);
        if (slop > QUERY_LIMITS.maxProximity)
          throw new QueryError(`proximity ${slop} is more than ${QUERY_LIMITS.maxProximity}`, i);
        i += m[0].length;
      }
      toks.push({ kind: 'phrase', text, slop, start, end: i });
      continue;
    }
    if (c === '/') {
      let pattern = '';
      i++;
      while (i < q.length && q[i] !== '/') {
        if (q[i] === '\\' && i + 1 < q.length) {
          if (q[i + 1] === '/') {
            pattern += '/';
            i += 2;
            continue;
          }
          pattern += q[i]!;
          i++;
        }
        pattern += q[i]!;
        i++;
      }
      if (i >= q.length)
        throw new QueryError('unterminated regular expression: missing closing /', start, 'end it with /');
      i++;
      toks.push({ kind: 'regex', pattern, start, end: i });
      continue;
    }
    while (i < q.length && !WORD_STOP.has(q[i]!) && !/\s/u.test(q[i]!)) {
      // `title:` ends a word so that `title:"cz 75"` and `title:(a OR b)` work.
      if (q[i] === ':' && /^[A-Za-z]+$/.test(q.slice(start, i))) break;
      i++;
    }
    const word = q.slice(start, i);
    if (q[i] === ':' && /^[A-Za-z]+$/.test(word)) {
      const name = word.toLowerCase();
      if (!(QUERY_FIELDS as readonly string[]).includes(name)) {
        const s = suggest(name, QUERY_FIELDS);
        throw new QueryError(
          `unknown field "${word}"`,
          start,
          s ? `did you mean "${s}:"?` : `fields: ${QUERY_FIELDS.join(', ')}`,
        );
      }
      i++;
      if (i >= q.length || isSpace(q[i]!) || q[i] === ')')
        throw new QueryError(
          `"${word}:" must be followed directly by a term, phrase, regex or (group)`,
          start,
        );
      toks.push({ kind: 'field', field: name as QueryField, start, end: i });
      continue;
    }
    if (word === 'AND' || word === '&&') toks.push({ kind: 'and', start, end: i });
    else if (word === 'OR' || word === '||') toks.push({ kind: 'or', start, end: i });
    else if (word === 'NOT') toks.push({ kind: 'not', start, end: i });
    else if (word.startsWith('NEAR')) {
      const m = /^NEAR\/(\d{1,6})$/.exec(word);
      if (!m)
        throw new QueryError(
          `malformed proximity operator "${word}"`,
          start,
          'write NEAR/N, e.g. glock NEAR/3 19',
        );
      const distance = Number(m[1]);
      if (distance > QUERY_LIMITS.maxProximity)
        throw new QueryError(`proximity ${distance} is more than ${QUERY_LIMITS.maxProximity}`, start);
      toks.push({ kind: 'near', distance, start, end: i });
    } else if (/^(and|or|not|near(\/\d+)?)$/i.test(word)) {
      throw new QueryError(
        `"${word}" looks like an operator but operators are upper case`,
        start,
        `write ${word.toUpperCase()} for the operator, or "${word}" (quoted) to search the word`,
      );
    } else toks.push({ kind: 'word', text: word, start, end: i });
  }
  toks.push({ kind: 'eof', start: q.length, end: q.length });
  return toks;
}

export function parseQuery(q: string): QueryNode {
  if (q.length > QUERY_LIMITS.maxLength)
    throw new QueryError(`query is ${q.length} characters long; the limit is ${QUERY_LIMITS.maxLength}`, 0);
  return new Parser(q, lex(q)).parse();
}

class Parser {
  private i = 0;
  private depth = 0;
  private leafCount = 0;

  constructor(
    private readonly q: string,
    private readonly toks: Tok[],
  ) {}

  parse(): QueryNode {
    if (this.peek().kind === 'eof') throw new QueryError('empty query', 0, 'write at least one term');
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind === 'rparen')
      throw new QueryError('unbalanced ")": no "(" to close', t.start, 'remove it or add a "(" before');
    if (t.kind !== 'eof') throw new QueryError(`unexpected ${describe(t)}`, t.start);
    return node;
  }

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }

  private enter(at: number): void {
    if (++this.depth > QUERY_LIMITS.maxDepth)
      throw new QueryError(
        `query nested deeper than ${QUERY_LIMITS.maxDepth} levels`,
        at,
        'simplify the query',
      );
  }

  private parseOr(): QueryNode {
    const start = this.peek().start;
    const children = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      this.expectOperand('OR');
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children, at: this.span(start) };
  }

  private parseAnd(): QueryNode {
    const start = this.peek().start;
    const children = [this.parseNot()];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'and') {
        this.next();
        this.expectOperand('AND');
      } else if (!startsOperand(t)) break;
      children.push(this.parseNot());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children, at: this.span(start) };
  }

  private parseNot(): QueryNode {
    const t = this.peek();
    if (t.kind !== 'not') return this.parseNear();
    this.next();
    this.expectOperand('NOT');
    this.enter(t.start);
    const child = this.parseNot();
    this.depth--;
    return { type: 'not', child, at: this.span(t.start) };
  }

  private parseNear(): QueryNode {
    const start = this.peek().start;
    let left = this.parsePrimary(null);
    while (this.peek().kind === 'near') {
      const op = this.next() as Extract<Tok, { kind: 'near' }>;
      this.expectOperand(`NEAR/${op.distance}`);
      const right = this.parsePrimary(null);
      checkPositional(left, op.start);
      checkPositional(right, op.start);
      left = { type: 'near', left, right, distance: op.distance, at: this.span(start) };
    }
    return left;
  }

  private parsePrimary(field: QueryField | null): QueryNode {
    const t = this.next();
    switch (t.kind) {
      case 'lparen': {
        this.enter(t.start);
        const inner = this.parseOr();
        this.depth--;
        const close = this.next();
        if (close.kind !== 'rparen')
          throw new QueryError(
            'unbalanced "(": missing ")"',
            t.start,
            `add ")" (reached ${describe(close)})`,
          );
        return field ? scope(inner, field, t.start) : inner;
      }
      case 'field':
        if (field) throw new QueryError('field scopes cannot be nested', t.start);
        return this.parsePrimary(t.field);
      case 'word':
        return this.leaf(wordLeaf(t.text, t.start, field), t);
      case 'phrase':
        if (t.text.trim() === '') throw new QueryError('empty phrase', t.start);
        return this.leaf({ type: 'phrase', text: t.text, slop: t.slop, field, at: span(t) }, t);
      case 'regex':
        if (t.pattern === '') throw new QueryError('empty regular expression', t.start);
        if (t.pattern.length > QUERY_LIMITS.maxRegexLength)
          throw new QueryError(
            `regular expression is ${t.pattern.length} characters; the limit is ${QUERY_LIMITS.maxRegexLength}`,
            t.start,
          );
        return this.leaf({ type: 'regex', pattern: t.pattern, field, at: span(t) }, t);
      case 'eof':
        throw new QueryError('query ends where a term was expected', t.start);
      case 'rparen':
        throw new QueryError('unexpected ")": a term was expected', t.start);
      default:
        throw new QueryError(`unexpected ${describe(t)}: a term was expected`, t.start);
    }
  }

  private leaf(node: LeafNode, t: Tok): LeafNode {
    if (++this.leafCount > QUERY_LIMITS.maxLeaves)
      throw new QueryError(
        `query has more than ${QUERY_LIMITS.maxLeaves} terms`,
        t.start,
        'split it into several rules',
      );
    return node;
  }

  private expectOperand(op: string): void {
    const t = this.peek();
    if (!startsOperand(t))
      throw new QueryError(`${op} must be followed by a term, but found ${describe(t)}`, t.start);
  }

  private span(start: number): { start: number; end: number } {
    return { start, end: this.toks[this.i - 1]?.end ?? this.q.length };
  }
}

function span(t: Tok) {
  return { start: t.start, end: t.end };
}

function startsOperand(t: Tok): boolean {
  return ['word', 'phrase', 'regex', 'lparen', 'field', 'not'].includes(t.kind);
}

function describe(t: Tok): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the query';
    case 'word':
      return `"${t.text}"`;
    case 'near':
      return `NEAR/${t.distance}`;
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    default:
      return t.kind.toUpperCase();
  }
}

function wordLeaf(word: string, start: number, field: QueryField | null): LeafNode {
  const at = { start, end: start + word.length };
  const star = word.indexOf('*');
  if (star >= 0 && star !== word.length - 1)
    throw new QueryError(
      'a wildcard * is only allowed at the end of a word',
      start + star,
      'write e.g. kalash*',
    );
  if (star === word.length - 1) {
    const text = word.slice(0, -1);
    if (text.includes('~')) throw new QueryError('a word cannot be both fuzzy (~) and a prefix (*)', start);
    return { type: 'prefix', text, field, at };
  }
  const tilde = word.indexOf('~');
  if (tilde >= 0) {
    const text = word.slice(0, tilde);
    const m = /^~(\d*)$/.exec(word.slice(tilde));
    if (!m || text === '')
      throw new QueryError(`malformed fuzzy term "${word}"`, start + tilde, 'write e.g. glok~1');
    const distance = m[1] === '' ? 1 : Number(m[1]);
    if (distance > QUERY_LIMITS.maxFuzzyDistance)
      throw new QueryError(
        `fuzzy distance ${distance} is more than ${QUERY_LIMITS.maxFuzzyDistance}`,
        start + tilde,
        'use ~1 or ~2',
      );
    return { type: 'fuzzy', text, distance, field, at };
  }
  return { type: 'term', text: word, field, at };
}

/** Give every leaf under a `title:( … )` group its field. */
function scope(node: QueryNode, field: QueryField, at: number): QueryNode {
  const stack: QueryNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'and' || n.type === 'or') stack.push(...n.children);
    else if (n.type === 'not') stack.push(n.child);
    else if (n.type === 'near') stack.push(n.left, n.right);
    else if (n.field && n.field !== field)
      throw new QueryError('field scopes cannot be nested', n.at?.start ?? at);
    else n.field = field;
  }
  return node;
}

/** NEAR works on things with positions: words, prefixes, fuzzy terms, phrases, their ORs. */
function checkPositional(n: QueryNode, at: number): void {
  if (n.type === 'near') return;
  if (n.type === 'or') return n.children.forEach((c) => checkPositional(c, at));
  if (n.type === 'term' || n.type === 'prefix' || n.type === 'fuzzy' || n.type === 'phrase') return;
  const what = n.type === 'regex' ? 'a regular expression' : n.type === 'not' ? 'NOT' : 'AND';
  throw new QueryError(
    `NEAR cannot take ${what} as an operand`,
    n.at?.start ?? at,
    'use words, phrases or (a OR b)',
  );
}
