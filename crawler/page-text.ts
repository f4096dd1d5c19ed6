// Shared, bounded view of an HTML page for the pure page classifiers (obstacles, escalation).
import * as cheerio from 'cheerio';
import type { AnyNode, Element, Text } from 'domhandler';

/** Only the first part of a page is looked at: obstacle and shell pages are small, and hostile pages are not. */
export const MAX_HTML_INSPECTED = 512 * 1024;

export interface PageView {
  $: cheerio.CheerioAPI;
  /** Visible text of <body>, whitespace collapsed, lower-case. */
  text: string;
  title: string;
  linkCount: number;
  scriptSrcCount: number;
  inlineScriptBytes: number;
}

const SKIP = new Set(['script', 'style', 'noscript', 'template']);
export const MAX_TEXT = 200_000;

/** Text of an element without script/style/noscript/template, iterative (deep trees) and bounded. */
export function visibleText(root: AnyNode | undefined): string {
  if (!root) return '';
  const parts: string[] = [];
  let length = 0;
  const stack: AnyNode[] = [root];
  while (stack.length && length < MAX_TEXT) {
    const node = stack.pop() as AnyNode;
    if (node.type === 'text') {
      const t = (node as Text).data;
      parts.push(t);
      length += t.length;
    } else if ('children' in node && !(node.type === 'tag' && SKIP.has((node as Element).name))) {
      const kids = (node as Element).children;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as AnyNode);
    }
  }
  return parts.join(' ');
}

export function viewPage(html: string): PageView {
  const $ = cheerio.load(
    limitNesting(html.length > MAX_HTML_INSPECTED ? html.slice(0, MAX_HTML_INSPECTED) : html),
  );
  const title = $('title').first().text().trim().toLowerCase();
  let inlineScriptBytes = 0;
  $('script:not([src])').each((_i, el) => {
    inlineScriptBytes += $(el).text().length;
  });
  const scriptSrcCount = $('script[src]').length;
  const linkCount = $('a[href]').length;
  const text = visibleText($('body')[0] ?? $.root()[0])
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return { $, text, title, linkCount, scriptSrcCount, inlineScriptBytes };
}

/** Elements a flattened page keeps whatever their depth: what links, forms and classifiers read. */
const KEEP_DEEP = new Set([
  'a',
  'area',
  'base',
  'body',
  'button',
  'form',
  'head',
  'html',
  'input',
  'link',
  'meta',
  'noscript',
  'option',
  'script',
  'select',
  'style',
  'textarea',
  'title',
  'template',
  'img',
  'iframe',
]);
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
  'param',
  'keygen',
]);
/** Nesting no real page needs; deeper markup is flattened before parsing. */
export const MAX_NESTING = 256;

/**
 * HTML parsers (parse5 and htmlparser2 alike) take quadratic time on deeply nested markup: 20,000
 * unclosed `<div>`s cost seconds, a 512 KiB page of them minutes. One linear pass over the tags
 * estimates the depth and drops the opening and closing tags of ordinary elements beyond
 * `maxDepth` (their text stays; links, forms and scripts are never dropped). Pages within the limit
 * come back unchanged (the same string).
 */
export function limitNesting(html: string, maxDepth = MAX_NESTING): string {
  let depth = 0;
  let out: string[] | null = null;
  let last = 0;
  let i = html.indexOf('<');
  while (i >= 0 && i < html.length - 1) {
    const end = html.indexOf('>', i + 1);
    if (end < 0) break;
    const closing = html[i + 1] === '/';
    const m = /^[a-zA-Z][a-zA-Z0-9-]{0,31}/.exec(html.slice(i + (closing ? 2 : 1), i + 40));
    if (m) {
      const name = m[0].toLowerCase();
      let drop = false;
      if (closing) {
        drop = depth > maxDepth && !KEEP_DEEP.has(name);
        if (depth > 0 && !VOID.has(name)) depth--;
      } else if (!VOID.has(name) && html[end - 1] !== '/') {
        depth++;
        drop = depth > maxDepth && !KEEP_DEEP.has(name);
      }
      if (drop) {
        (out ??= []).push(html.slice(last, i));
        last = end + 1;
      }
    }
    // Comments, doctype, and text with a stray '<': skip to the end of the "tag", as a parser would.
    i = html.indexOf('<', end + 1);
  }
  if (!out) return html;
  out.push(html.slice(last));
  return out.join('');
}
