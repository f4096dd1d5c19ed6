// From bytes to a cheerio document, safely: refuse compressed and binary payloads with a clear
// message, decode the declared charset, and clamp element nesting before parsing — parse5 (and the
// recursive DOM helpers after it) go quadratic or overflow the stack on 10^5 nested elements, which a
// hostile page can send for free.
import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import { Element } from 'domhandler';
import { adapter as domhandlerAdapter } from 'parse5-htmlparser2-tree-adapter';
import { ExtractInputError } from '../errors.js';

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
/** Deeper than any real page; shallow enough for parse5 and recursive DOM helpers. */
export const MAX_DEPTH = 256;

const MAGIC: Array<[number[], string]> = [
  [[0x1f, 0x8b], 'gzip-compressed'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7z archive'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an ELF executable'],
  [[0x4d, 0x5a], 'a Windows executable'],
];

function startsWith(buf: Uint8Array, sig: number[]): boolean {
  return buf.length >= sig.length && sig.every((b, i) => buf[i] === b);
}

/** Throw a clear error when `buf` is not a text document. */
export function assertTextual(buf: Uint8Array): void {
  for (const [sig, what] of MAGIC) {
    if (startsWith(buf, sig))
      throw new ExtractInputError(`input is ${what}, not an HTML page (decompress or convert it first)`);
  }
  // UTF-16 with a BOM is text; otherwise NUL bytes and control characters mean binary.
  if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff])) return;
  const sample = buf.subarray(0, 8192);
  let control = 0;
  for (const b of sample) {
    if (b === 0) throw new ExtractInputError('input is binary (contains NUL bytes), not an HTML page');
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  if (sample.length > 0 && control / sample.length > 0.05)
    throw new ExtractInputError('input is binary (too many control bytes), not an HTML page');
}

const CHARSET_META = /<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]{1,40})/i;

/** Decode bytes: BOM, then a <meta> charset in the first 4 KB, then UTF-8, then windows-1252. */
export function decodeHtml(buf: Uint8Array): string {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return new TextDecoder('utf-8').decode(buf.subarray(3));
  if (startsWith(buf, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (startsWith(buf, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  const head = new TextDecoder('latin1').decode(buf.subarray(0, 4096));
  const declared = CHARSET_META.exec(head)?.[1]?.toLowerCase();
  if (declared && declared !== 'utf-8' && declared !== 'utf8') {
    try {
      return new TextDecoder(declared).decode(buf);
    } catch {
      // unknown label: fall through to UTF-8
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('windows-1252').decode(buf);
  }
}

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
  'param',
  'source',
  'track',
  'wbr',
  'basefont',
  'bgsound',
  'frame',
  'keygen',
  'image',
]);
const RAW_TEXT = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'plaintext',
]);
/** Elements whose end tag is optional: a new one closes the open one of the same kind. */
const SELF_CLOSING_SIBLINGS = new Set(['li', 'p', 'td', 'th', 'tr', 'option', 'dt', 'dd']);

/** True when `text` holds fewer than `n` occurrences of `ch`. */
function fewerThan(text: string, ch: string, n: number): boolean {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf(ch, at + 1);
    if (at < 0) return true;
  }
  return false;
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]{0,63})\b[^>]*>|<!--|<!\[CDATA\[/g;

/**
 * Drop start and end tags nested deeper than `maxDepth` (their text stays), in one linear pass over
 * the markup. Returns the input unchanged when it is shallow enough.
 */
export function clampNesting(html: string, maxDepth = MAX_DEPTH): string {
  // Nesting deeper than maxDepth needs more than maxDepth tags; most pages have fewer than that many
  // '<' at all, and counting them is far cheaper than tokenising the markup.
  if (fewerThan(html, '<', maxDepth + 1)) return html;
  const stack: string[] = [];
  let excess = 0; // open tags dropped and not yet closed
  let changed = false;
  let out = '';
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    if (m[0] === '<!--') {
      const end = html.indexOf('-->', m.index + 4);
      TAG.lastIndex = end < 0 ? html.length : end + 3;
      continue;
    }
    if (m[0] === '<![CDATA[') {
      const end = html.indexOf(']]>', m.index + 9);
      TAG.lastIndex = end < 0 ? html.length : end + 3;
      continue;
    }
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    if (!closing && RAW_TEXT.has(name)) {
      // toLowerCase() could shift offsets (İ is two units lower-cased), so search case-insensitively.
      const closeTag = new RegExp(`</${name}`, 'gi');
      closeTag.lastIndex = TAG.lastIndex;
      const end = closeTag.exec(html)?.index ?? -1;
      TAG.lastIndex = end < 0 ? html.length : end;
      continue;
    }
    if (VOID.has(name)) continue;
    let drop = false;
    if (!closing) {
      if (SELF_CLOSING_SIBLINGS.has(name) && stack[stack.length - 1] === name) stack.pop();
      if (stack.length >= maxDepth) {
        excess++;
        drop = true;
      } else {
        stack.push(name);
      }
    } else if (excess > 0) {
      excess--;
      drop = true;
    } else {
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at;
    }
    if (drop) {
      out += html.slice(last, m.index);
      last = TAG.lastIndex;
      changed = true;
    }
  }
  if (!changed) return html;
  return out + html.slice(last);
}

export interface LoadOptions {
  /** Largest input accepted, in bytes (default 16 MB). */
  maxBytes?: number;
}

export interface LoadedPage {
  $: CheerioAPI;
  html: string;
}

/**
 * The parse5 tree adapter cheerio uses, without the two tables it adds to every element
 * ('x-attribsNamespace', 'x-attribsPrefix'): only the serialisation of namespaced attributes in
 * SVG/MathML reads them, and extraction never serialises. Two fewer objects per element make the
 * parse about a sixth cheaper; the tree is otherwise the same — same algorithm, same nodes, same
 * attributes (tests/extractors/load.test.ts compares both trees node by node).
 */
export const EXTRACTION_TREE_ADAPTER: typeof domhandlerAdapter = {
  ...domhandlerAdapter,
  createElement(tagName, namespaceURI, attrs) {
    const attribs: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const attr of attrs) attribs[attr.name] = attr.value;
    const node = new Element(tagName, attribs, []);
    node.namespace = namespaceURI;
    return node;
  },
  // A second <html> or <body> tag lends its attributes to the first; the stock version also writes
  // them into the two tables this adapter leaves out.
  adoptAttributes(recipient, attrs) {
    for (const attr of attrs)
      if (recipient.attribs[attr.name] === undefined) recipient.attribs[attr.name] = attr.value;
  },
};

/** Decode, check and parse a page. Throws ExtractInputError for input that is not a usable page. */
export function loadPage(input: string | Uint8Array, opts: LoadOptions = {}): LoadedPage {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let html: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes)
      throw new ExtractInputError(`page is larger than the ${maxBytes}-byte limit`);
    if (input.includes('\u0000'))
      throw new ExtractInputError('input is binary (contains NUL bytes), not an HTML page');
    html = input;
  } else {
    if (input.byteLength > maxBytes)
      throw new ExtractInputError(`page is ${input.byteLength} bytes, over the ${maxBytes}-byte limit`);
    assertTextual(input);
    html = decodeHtml(input);
  }
  if (html.trim() === '') throw new ExtractInputError('page is empty');
  html = clampNesting(html);
  // cheerio hands parse5 options through, tree adapter included.
  return { $: cheerio.load(html, { treeAdapter: EXTRACTION_TREE_ADAPTER } as cheerio.CheerioOptions), html };
}
