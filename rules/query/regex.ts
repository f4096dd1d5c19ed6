// User regular expressions: RE2 syntax, compiled by re2js (linear time, no backtracking — a
// JavaScript RegExp never sees a user pattern). Besides compiling we need two facts re2js does
// not publish: whether the pattern can match the empty string (rejected: it would fire on
// everything) and which literal strings any match must contain (so the rule can be indexed by
// the Aho–Corasick prefilter instead of running on every record). A small conservative reader
// of RE2 syntax computes both; anything it does not understand counts as "no literal".
import { RE2JS, RE2JSException } from 're2js';
import { QueryError } from '../errors.js';

export const MAX_REGEX_PROGRAM = 20_000;

type RNode =
  | { t: 'lit'; ch: string }
  | { t: 'any' }
  | { t: 'empty' }
  | { t: 'cat'; items: RNode[] }
  | { t: 'alt'; items: RNode[] }
  | { t: 'rep'; min: number; item: RNode };

export interface CompiledRegex {
  re: RE2JS;
  /** Any match contains at least one of these (lower-case) strings; null = cannot tell. */
  literals: string[] | null;
}

/** Compile a query regex; `offset` is where it starts in the query, for error positions. */
export function compileRegex(pattern: string, offset: number): CompiledRegex {
  let re: RE2JS;
  try {
    // Matching runs on normalised (lower-case) text, so case never matters.
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    const msg = e instanceof RE2JSException ? e.message : String(e);
    throw new QueryError(
      `invalid regular expression: ${msg}`,
      offset,
      'regexes use RE2 syntax (no lookahead, no backreferences)',
    );
  }
  if (re.programSize() > MAX_REGEX_PROGRAM)
    throw new QueryError(
      `regular expression is too large (program size ${re.programSize()})`,
      offset,
      'simplify the repetition counts',
    );
  let tree: RNode | null = null;
  try {
    tree = new Reader(pattern).read();
  } catch {
    tree = null;
  }
  const empty = tree ? nullable(tree) : re.test('') || re.test(' ') || re.test('a');
  if (empty)
    throw new QueryError(
      'regular expression can match the empty string, so it would fire on every listing',
      offset,
      'require at least one character, e.g. use + instead of *',
    );
  const lits = tree ? required(tree) : null;
  return { re, literals: lits && lits.every((l) => l.length > 0) ? lits : null };
}

function nullable(n: RNode): boolean {
  switch (n.t) {
    case 'lit':
    case 'any':
      return false;
    case 'empty':
      return true;
    case 'cat':
      return n.items.every(nullable);
    case 'alt':
      return n.items.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.item);
  }
}

const score = (set: string[]) => Math.min(...set.map((s) => s.length));

/** A set of strings one of which every match contains, or null. */
function required(n: RNode): string[] | null {
  switch (n.t) {
    case 'lit':
      return [n.ch];
    case 'any':
    case 'empty':
      return null;
    case 'rep':
      return n.min >= 1 ? required(n.item) : null;
    case 'alt': {
      const out: string[] = [];
      for (const c of n.items) {
        const r = required(c);
        if (!r) return null;
        out.push(...r);
      }
      return [...new Set(out)];
    }
    case 'cat': {
      let best: string[] | null = null;
      let run = '';
      const consider = (set: string[] | null) => {
        if (set && (!best || score(set) > score(best))) best = set;
      };
      for (const item of n.items) {
        if (item.t === 'lit') {
          run += item.ch;
          continue;
        }
        if (run) consider([run]);
        run = '';
        // Zero-width assertions do not break a literal run's adjacency… but be conservative.
        consider(required(item));
      }
      if (run) consider([run]);
      return best;
    }
  }
}

const ASSERT_ESCAPES = new Set(['b', 'B', 'A', 'z']);
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'p', 'P', 'C']);

/** Literal characters we trust to appear as themselves in lower-cased normalised text. */
function literal(ch: string): RNode {
  const lower = ch.toLowerCase();
  return /^[a-z0-9 ]$/.test(lower) ? { t: 'lit', ch: lower } : { t: 'any' };
}

class Reader {
  private i = 0;
  constructor(private readonly p: string) {}

  read(): RNode {
    const n = this.alt();
    if (this.i !== this.p.length) throw new Error('trailing');
    return n;
  }

  private alt(): RNode {
    const items = [this.cat()];
    while (this.p[this.i] === '|') {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private cat(): RNode {
    const items: RNode[] = [];
    while (this.i < this.p.length && this.p[this.i] !== '|' && this.p[this.i] !== ')') {
      let atom = this.atom();
      atom = this.repeat(atom);
      items.push(atom);
    }
    return { t: 'cat', items };
  }

  private repeat(atom: RNode): RNode {
    for (;;) {
      const c = this.p[this.i];
      let min: number | null = null;
      if (c === '*' || c === '?') min = 0;
      else if (c === '+') min = 1;
      else if (c === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(this.p.slice(this.i));
        if (!m) return atom; // a literal "{" in RE2; the atom loop reads it
        min = Number(m[1]);
        this.i += m[0].length - 1;
      }
      if (min === null) return atom;
      this.i++;
      if (this.p[this.i] === '?') this.i++;
      atom = { t: 'rep', min, item: atom };
    }
  }

  private atom(): RNode {
    const c = this.p[this.i]!;
    if (c === '(') {
      this.i++;
      if (this.p[this.i] === '?') {
        // (?i) flags, (?i:…) flag groups, (?P<name>…) / (?<name>…) named groups.
        const flags = /^\?[a-zA-Z-]*\)/.exec(this.p.slice(this.i));
        if (flags) {
          this.i += flags[0].length;
          return { t: 'empty' };
        }
        const m = /^\?(P?<[A-Za-z0-9_]+>|[a-zA-Z-]*:)/.exec(this.p.slice(this.i));
        if (!m) throw new Error('group');
        this.i += m[0].length;
      }
      const inner = this.alt();
      if (this.p[this.i] !== ')') throw new Error('paren');
      this.i++;
      return inner;
    }
    if (c === '[') {
      this.skipClass();
      return { t: 'any' };
    }
    if (c === '.') {
      this.i++;
      return { t: 'any' };
    }
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'empty' };
    }
    if (c === '\\') {
      const e = this.p[this.i + 1];
      if (e === undefined) throw new Error('escape');
      if (e === 'Q') {
        const end = this.p.indexOf('\\E', this.i + 2);
        const text = this.p.slice(this.i + 2, end < 0 ? this.p.length : end);
        this.i = end < 0 ? this.p.length : end + 2;
        return text.length === 0 ? { t: 'empty' } : { t: 'cat', items: [...text].map(literal) };
      }
      this.i += 2;
      if (ASSERT_ESCAPES.has(e)) return { t: 'empty' };
      if (CLASS_ESCAPES.has(e)) {
        if ((e === 'p' || e === 'P') && this.p[this.i] === '{') {
          const close = this.p.indexOf('}', this.i);
          if (close < 0) throw new Error('class');
          this.i = close + 1;
        } else if (e === 'p' || e === 'P') this.i++;
        return { t: 'any' };
      }
      if (/[a-zA-Z0-9]/.test(e)) {
        // \x41, \x{41}, \n, \t, octal …: a real character, but not worth decoding.
        if (e === 'x') {
          const m = /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{2})/.exec(this.p.slice(this.i));
          if (m) this.i += m[0].length;
        }
        return { t: 'any' };
      }
      return literal(e);
    }
    if (c === '*' || c === '+' || c === '?') throw new Error('repeat');
    const cp = this.p.codePointAt(this.i)!;
    const ch = String.fromCodePoint(cp);
    this.i += ch.length;
    return literal(ch);
  }

  private skipClass(): void {
    this.i++; // [
    if (this.p[this.i] === '^') this.i++;
    if (this.p[this.i] === ']') this.i++;
    while (this.i < this.p.length && this.p[this.i] !== ']') {
      if (this.p[this.i] === '\\') this.i += 2;
      else if (this.p.startsWith('[:', this.i)) {
        const close = this.p.indexOf(':]', this.i + 2);
        if (close < 0) throw new Error('class');
        this.i = close + 2;
      } else this.i++;
    }
    if (this.p[this.i] !== ']') throw new Error('class');
    this.i++;
  }
}
