// Verbatim copy of extractors/page/text.ts before the one-text-node and already-tidy fast paths
// (session 4): the oracle tests/extractors/text.test.ts compares the current helpers with.
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
  /** Put a space at every element boundary: for entity scanning, where chips rendered side by side
   * ("@handle" + "PGP fingerprint: …") must not run into one token. */
  separateInline = false,
): string {
  const parts: string[] = [];
  let size = 0;
  const stack: Array<AnyNode | 'break' | 'space'> = (Array.isArray(nodes) ? nodes : [nodes])
    .slice()
    .reverse();
  while (stack.length > 0 && size < maxChars) {
    const node = stack.pop()!;
    if (node === 'break') {
      parts.push('\n');
      continue;
    }
    if (node === 'space') {
      parts.push(' ');
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
      } else if (separateInline) {
        parts.push(' ');
        stack.push('space');
      }
    }
    const children = (node as Element).children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return tidyLines(parts.join(''));
}

// Whitespace, but not U+FEFF: JavaScript's \s and trim() count the zero-width no-break space as
// space, and obfuscated titles hide it inside words — extracted text must keep it as the site wrote it.
const EDGES =
  /^[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** String.prototype.trim without eating U+FEFF. */
export function trimSpace(text: string): string {
  return text.replace(EDGES, '');
}

/** Collapse spaces inside lines, drop empty lines. */
export function tidyLines(text: string): string {
  // Two regex passes instead of a split/map/filter/join over every line: after SPACE_RUNS every run
  // of spaces is one ' ', so spaces next to a line break and empty lines go in one replace. Then
  // the outer spaces and breaks are cut by hand: a /[ \n]+$/ alternative would be tried at every
  // run of spaces in the text.
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
