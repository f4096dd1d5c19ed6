// CSS selection with compiled selectors. cheerio's $(…).find(selector) parses and compiles the
// selector on every call; profiles apply the same dozen selectors to every page, and compiling once
// makes selection about five times cheaper — most of a profile's cost.
import { compile, selectAll } from 'css-select';
import type { AnyNode, Element } from 'domhandler';

type Query = ReturnType<typeof compile<AnyNode, Element>>;
const cache = new Map<string, Query>();
const CACHE_MAX = 2000;

/** Elements under `roots` matching `selector`, in document order. Throws on an invalid selector. */
export function select(selector: string, roots: AnyNode | AnyNode[]): Element[] {
  let query = cache.get(selector);
  if (!query) {
    query = compile<AnyNode, Element>(selector);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(selector, query);
  }
  return selectAll(query, roots) as Element[];
}
