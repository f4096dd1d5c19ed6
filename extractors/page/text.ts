// Visible text of DOM nodes, iteratively (no recursion: hostile pages nest deep), with block
// elements as line breaks so "Label: value" lines stay apart, and whitespace collapsed.
import type { AnyNode, Element } from 'domhandler';

const HIDDEN = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'svg',
  'iframe',
  'object',
  'select',
]);
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
  'body',
  'html',
  'option',
  'caption',
]);

export function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

/** Elements hidden by inline style or the hidden attribute — text planted for scrapers, not readers. */
function isHiddenElement(el: Element): boolean {
  if (HIDDEN.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  const style = a.style;
  return style !== undefined && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

/** Text with line breaks between blocks; `maxChars` bounds the work on huge nodes. */
export function blockText(
  nodes: AnyNode | AnyNode[],
  maxChars = 2_000_000,
  skip?: ReadonlySet<AnyNode>,
): string {
  const parts: string[] = [];
  let size = 0;
  const stack: Array<AnyNode | 'break'> = (Array.isArray(nodes) ? nodes : [nodes]).slice().reverse();
  while (stack.length > 0 && size < maxChars) {
    const node = stack.pop()!;
    if (node === 'break') {
      parts.push('\n');
      continue;
    }
    if (node.type === 'text') {
      parts.push(node.data);
      size += node.data.length;
      continue;
    }
    if (!isElement(node) && node.type !== 'root') continue;
    if (isElement(node)) {
      if (isHiddenElement(node) || skip?.has(node)) continue;
      if (node.name === 'img' && node.attribs.alt) parts.push(` ${node.attribs.alt} `);
      if (BLOCK.has(node.name)) {
        parts.push('\n');
        stack.push('break');
      }
    }
    const children = (node as Element).children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return tidyLines(parts.join(''));
}

/** Collapse spaces inside lines, drop empty lines. */
export function tidyLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[\s\u00a0]+/g, ' ').trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

/** Text on one line. */
export function inlineText(nodes: AnyNode | AnyNode[], maxChars = 200_000): string {
  return blockText(nodes, maxChars).replace(/\n/g, ' ').trim();
}
