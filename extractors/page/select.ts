// CSS selection with compiled selectors. cheerio's $(…).find(selector) parses and compiles the
// selector on every call; profiles apply the same dozen selectors to every page, and compiling once
// makes selection about five times cheaper — most of a profile's cost.
// On top, under the document, selectors whose last compound names a tag ("table.details td.price",
// "h1.title") only test that tag's elements, from a per-document tag index built in one walk,
// instead of walking the whole document once per selector (a profile reads ten fields; a page is
// tested against every profile's marker selectors).
import type { CheerioAPI } from 'cheerio';
import { compile, selectAll, selectOne } from 'css-select';
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';

type Query = ReturnType<typeof compile<AnyNode, Element>>;
interface Compiled {
  query: Query;
  /** Tag every match must have, when the selector's last compound names one. */
  tag: string | null;
  /** No combinator anywhere (not even inside :not()/:has()): a match never depends on ancestors. */
  compound: boolean;
}
const cache = new Map<string, Compiled>();
/**
 * css-select's result caching keeps, per compiled selector, a WeakSet of every ancestor a
 * descendant combinator has ruled out. Compiled selectors live here for the whole process, so that
 * set would collect the ancestors of every page ever read — weak entries the collector has to sweep
 * — to save re-walking a handful of ancestors on a small page.
 */
const OPTIONS = { cacheResults: false } as const;
const CACHE_MAX = 2000;

/**
 * The tag name the rightmost compound selector starts with, or null (a list "a, b", "*", ".x",
 * anything unusual). Scans outside quotes, brackets and parentheses for the last combinator.
 */
export function rightmostTag(selector: string): string | null {
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '\\') return null;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0) {
      if (c === ',') return null;
      if (c === ' ' || c === '>' || c === '+' || c === '~' || c === '\t' || c === '\n') start = i + 1;
    }
  }
  const m = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(selector.slice(start));
  return m ? m[0].toLowerCase() : null;
}

function compiled(selector: string): Compiled {
  let c = cache.get(selector);
  if (!c) {
    c = {
      query: compile<AnyNode, Element>(selector, OPTIONS),
      tag: rightmostTag(selector),
      compound: !/[\s>+~]/.test(selector),
    };
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(selector, c);
  }
  return c;
}

/** Elements by tag name, in document order; built once per document (extraction never mutates it). */
const tagIndexes = new WeakMap<Document, Map<string, Element[]>>();
/** Every element of the document, in document order (built with the tag index). */
const allElements = new WeakMap<Document, Element[]>();

/** Elements of `doc` named one of `names`, in document order — no selector matching, one pass. */
export function elementsNamed(doc: Document, names: ReadonlySet<string>): Element[] {
  tagIndex(doc);
  return allElements.get(doc)!.filter((el) => names.has(el.name));
}

function tagIndex(doc: Document): Map<string, Element[]> {
  let index = tagIndexes.get(doc);
  if (index) return index;
  index = new Map();
  const all: Element[] = [];
  allElements.set(doc, all);
  const stack: AnyNode[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const el = node as Element;
      let list = index.get(el.name);
      if (!list) index.set(el.name, (list = []));
      list.push(el);
      all.push(el);
    }
    const children = (node as ParentNode).children;
    if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  tagIndexes.set(doc, index);
  return index;
}

/**
 * How a compiled selector is run under `scope`:
 * - 'index': under the document, a tag-led selector tests only that tag's elements (tag index);
 * - 'compiled': the cached, context-free query walks the scope — right under the document, and
 *   under an element for a selector without combinators (it never looks at ancestors); under an
 *   element, walking the subtree is also cheaper than filtering the document's tag list by ancestry;
 * - 'scoped': css-select compiles the selector with the scope as context on each call. Under an
 *   element it makes a combinator's left side lie inside the scope (as jQuery's find does) — "div
 *   a" under a div finds no <a> whose only <div> ancestor is the scope itself — which a query
 *   compiled without the scope cannot know.
 */
function strategy(c: Compiled, scope: ParentNode): 'index' | 'compiled' | 'scoped' {
  if (scope.type === 'root') return c.tag ? 'index' : 'compiled';
  return c.compound ? 'compiled' : 'scoped';
}

/** Elements under `roots` matching `selector`, in document order. Throws on an invalid selector. */
export function select(selector: string, roots: AnyNode | AnyNode[]): Element[] {
  return selectAll(compiled(selector).query, roots) as Element[];
}

/** The first element under `roots` matching `selector` (the search stops there), or null. */
export function selectFirst(selector: string, roots: AnyNode | AnyNode[]): Element | null {
  return selectOne(compiled(selector).query, roots) as Element | null;
}

/** Descendants of `scope` (not `scope` itself) matching `selector`, in document order. */
export function selectIn(selector: string, scope: ParentNode): Element[] {
  const c = compiled(selector);
  switch (strategy(c, scope)) {
    case 'index':
      return (tagIndex(scope as Document).get(c.tag!) ?? []).filter((el) => c.query(el));
    case 'compiled':
      return select(selector, scope.children);
    case 'scoped':
      return selectAll(selector, scope.children, OPTIONS) as Element[];
  }
}

/** The first descendant of `scope` matching `selector`, or null. */
export function selectFirstIn(selector: string, scope: ParentNode): Element | null {
  const c = compiled(selector);
  switch (strategy(c, scope)) {
    case 'index': {
      const candidates = tagIndex(scope as Document).get(c.tag!);
      if (candidates) for (const el of candidates) if (c.query(el)) return el;
      return null;
    }
    case 'compiled':
      return selectFirst(selector, scope.children);
    case 'scoped':
      return selectOne(selector, scope.children, OPTIONS) as Element | null;
  }
}

/**
 * The document's body. parse5 always builds html > body, so this is two short child scans — where
 * `$('body')` would compile the selector and walk the whole document on every call.
 */
export function bodyOf(root: AnyNode): Element {
  const children = (root as Element).children ?? [];
  for (const html of children)
    if (html.type === 'tag' && html.name === 'html')
      for (const body of html.children) if (body.type === 'tag' && body.name === 'body') return body;
  const found = selectFirst('body', children);
  if (!found) throw new Error('document without a body element');
  return found;
}

/**
 * The document node of a loaded page. cheerio keeps it as `$._root`; `$.root()` would wrap it in a
 * new cheerio object, and the first object of a freshly loaded `$` (each load defines its own
 * subclass) costs as much as a tenth of the parse.
 */
export function documentOf($: CheerioAPI): Document {
  const root = ($ as unknown as { _root?: unknown })._root;
  if (root && typeof root === 'object' && (root as Document).type === 'root') return root as Document;
  return $.root().get(0)! as Document;
}
