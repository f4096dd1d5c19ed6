// Prints a query tree back to query syntax, such that parseQuery(printQuery(ast)) equals ast
// (ignoring source positions). Operators are always explicit and groups parenthesised only
// where precedence needs it.
import type { QueryNode } from './ast.js';

export function printQuery(n: QueryNode): string {
  switch (n.type) {
    case 'term':
      return field(n.field) + n.text;
    case 'prefix':
      return field(n.field) + n.text + '*';
    case 'fuzzy':
      return field(n.field) + n.text + '~' + n.distance;
    case 'phrase':
      return (
        field(n.field) +
        '"' +
        n.text.replace(/["\\]/g, (c) => '\\' + c) +
        '"' +
        (n.slop === null ? '' : '~' + n.slop)
      );
    case 'regex':
      return field(n.field) + '/' + escapeSlashes(n.pattern) + '/';
    case 'not':
      return 'NOT ' + wrap(n.child, n.child.type === 'and' || n.child.type === 'or');
    case 'near':
      return (
        wrap(n.left, n.left.type === 'and' || n.left.type === 'or' || n.left.type === 'not') +
        ` NEAR/${n.distance} ` +
        wrap(
          n.right,
          n.right.type !== 'term' &&
            n.right.type !== 'prefix' &&
            n.right.type !== 'fuzzy' &&
            n.right.type !== 'phrase',
        )
      );
    case 'and':
      return n.children.map((c) => wrap(c, c.type === 'and' || c.type === 'or')).join(' AND ');
    case 'or':
      return n.children.map((c) => wrap(c, c.type === 'or')).join(' OR ');
  }
}

function field(f: string | null): string {
  return f ? f + ':' : '';
}

function wrap(n: QueryNode, parens: boolean): string {
  const s = printQuery(n);
  return parens ? '(' + s + ')' : s;
}

/** `/` ends a regex literal, so unescaped slashes are written `\/`; other escapes stay verbatim. */
function escapeSlashes(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\' && i + 1 < p.length) {
      out += p[i]! + p[i + 1]!;
      i++;
    } else out += p[i] === '/' ? '\\/' : p[i]!;
  }
  return out;
}
