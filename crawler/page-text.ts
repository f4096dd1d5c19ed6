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
  const $ = cheerio.load(html.length > MAX_HTML_INSPECTED ? html.slice(0, MAX_HTML_INSPECTED) : html);
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
