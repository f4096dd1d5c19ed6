// Visible text of DOM nodes, iteratively (no recursion: hostile pages nest deep), with block
// elements as line breaks so "Label: value" lines stay apart, and whitespace collapsed.
import type { AnyNode, Element, ParentNode, Text } from 'domhandler';
import { isSpace } from '../entities/scan.js';

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
  /** Put a space at every element boundary: for entity scanning, where chips rendered side by side
   * ("@handle" + "PGP fingerprint: …") must not run into one token. */
  separateInline = false,
): string {
  // Most fields are one element holding one text node ("<td class=price>€ 450</td>"): its text is
  // the answer, without the walk, the parts array and the join. (maxChars cannot cut it short: the
  // walk below only checks the bound before taking a node, and this is the first text it takes.)
  if (!Array.isArray(nodes) && maxChars > 0 && isElement(nodes) && nodes.name !== 'img') {
    const only = nodes.children.length === 1 ? nodes.children[0]! : null;
    if (only?.type === 'text' && !isHiddenElement(nodes) && !skip?.has(nodes)) return tidyLines(only.data);
  }
  const parts: string[] = [];
  let size = 0;
  for (const root of Array.isArray(nodes) ? nodes : [nodes]) {
    size = layOut(root, parts, size, maxChars, skip, separateInline);
    if (size >= maxChars) break;
  }
  return tidyLines(parts.join(''));
}

/**
 * Append the laid-out text of `root` to `parts`: a depth-first walk along the tree's own links
 * (first child, next sibling, parent), so no stack is allocated and deep nesting cannot overflow.
 * An element opens with a line break if it is a block (or a space, with `separateInline`) and closes
 * with the same; hidden and skipped elements are passed over whole. Stops, leaving the rest out, once
 * `size` (the text taken so far) reaches `maxChars`. Returns the new size.
 */
function layOut(
  root: AnyNode,
  parts: string[],
  size: number,
  maxChars: number,
  skip: ReadonlySet<AnyNode> | undefined,
  separateInline: boolean,
): number {
  let node: AnyNode = root;
  for (;;) {
    if (size >= maxChars) return size;
    // Enter `node`; descend when it has children to lay out.
    let open = false;
    if (node.type === 'text') {
      const data = (node as Text).data;
      parts.push(data);
      size += data.length;
    } else if (isElement(node)) {
      if (!isHiddenElement(node) && !skip?.has(node)) {
        if (node.name === 'img' && node.attribs.alt) parts.push(` ${node.attribs.alt} `);
        if (BLOCK.has(node.name)) parts.push('\n');
        else if (separateInline) parts.push(' ');
        open = true;
      }
    } else if (node.type === 'root') open = true;
    if (open && (node as ParentNode).children.length > 0) {
      node = (node as ParentNode).children[0]!;
      continue;
    }
    // Leave `node`, then every ancestor it was the last child of, up to the next sibling.
    for (;;) {
      if (open) {
        if (size >= maxChars) return size;
        const el = node as Element;
        if (isElement(el) && BLOCK.has(el.name)) parts.push('\n');
        else if (isElement(el) && separateInline) parts.push(' ');
      }
      if (node === root) return size;
      if (node.next) {
        node = node.next;
        break;
      }
      node = node.parent!;
      open = true; // an ancestor on the way up was entered, or we would not be under it
    }
  }
}

// Whitespace, but not U+FEFF: JavaScript's \s and trim() count the zero-width no-break space as
// space, and obfuscated titles hide it inside words — extracted text must keep it as the site wrote it.
const EDGES =
  /^[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** The EDGES characters, by code: \s without U+FEFF. */
function isSpaceCode(c: number): boolean {
  return c !== 0xfeff && isSpace(c);
}

/** String.prototype.trim without eating U+FEFF. */
export function trimSpace(text: string): string {
  // Most strings come here already trimmed; two character checks are cheaper than a regex replace.
  if (
    text.length === 0 ||
    (!isSpaceCode(text.charCodeAt(0)) && !isSpaceCode(text.charCodeAt(text.length - 1)))
  )
    return text;
  return text.replace(EDGES, '');
}

/** Collapse spaces inside lines, drop empty lines. */
export function tidyLines(text: string): string {
  // Two regex passes instead of a split/map/filter/join over every line: after SPACE_RUNS every run
  // of spaces is one ' ', so spaces next to a line break and empty lines go in one replace. Then
  // the outer spaces and breaks are cut by hand: a /[ \n]+$/ alternative would be tried at every
  // run of spaces in the text.
  // Most field texts are tidy already; one native scan that stops at the first thing to fix is
  // cheaper than two replaces that find nothing.
  if (!NEEDS_TIDYING.test(text)) return text;
  const t = text.replace(SPACE_RUNS, ' ').replace(LINE_BREAK_RUN, '\n');
  let start = 0;
  let end = t.length;
  while (start < end && (t.charCodeAt(start) === 32 || t.charCodeAt(start) === 10)) start++;
  while (end > start && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 10)) end--;
  return start === 0 && end === t.length ? t : t.slice(start, end);
}
/**
 * Runs of those spaces (not line breaks) other than a lone ' ' (which is already what a run becomes): most
 * runs in text are lone spaces, and leaving them unmatched saves a replacement for each.
 */
const SPACE_RUNS =
  /[\t\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][ \t\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*| [ \t\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const LINE_BREAK_RUN = / ?\n[ \n]*/g;
/**
 * Text tidyLines changes: a space other than ' ', two spaces in a row, a line break (kept alone,
 * but simpler to send through the full path), or a space at either end. Without any of these,
 * neither replace nor the trimming below finds anything.
 */
const NEEDS_TIDYING = /[\t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]| {2}|^ | $/;

/** Text on one line. */
export function inlineText(nodes: AnyNode | AnyNode[], maxChars = 200_000): string {
  return trimSpace(blockText(nodes, maxChars).replace(/\n/g, ' '));
}

/** All text under `node` as written (what cheerio's `.text()` gives), iteratively: no layout, no hiding. */
export function rawText(node: AnyNode): string {
  const parts: string[] = [];
  const stack: AnyNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') parts.push(n.data);
    else if (n.type !== 'comment' && 'children' in n)
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return parts.join('');
}
