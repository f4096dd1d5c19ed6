// The generic extractor: layouts no profile knows. It reads label/value pairs in any of the
// region's languages (tables, definition lists, "Label: value" lines, label/value div pairs), finds
// repeated blocks (card grids of listings, runs of forum posts), and uses structured data where the
// page has it. It reports what the page shows and leaves the rest null.
import type { CheerioAPI, Cheerio } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { PageType } from '../../core/types.js';
import { normalise } from '../normalise.js';
import { firstPrice } from '../price.js';
import { labelField, splitLabelLine, type LabelField } from './labels.js';
import { emptyListing, type RawListing, type RawPage, type RawPost } from './raw.js';
import { readJsonLd, readMicrodata, type StructuredListing } from './structured.js';
import { blockText, inlineText, isElement } from './text.js';
import { bodyOf, documentOf } from './select.js';
import { parsedUrl, pathOf } from './url.js';

export type Fields = Partial<Record<LabelField, string>>;

/** Labels that only a line of its own (or a colon) makes a label; alone in prose they are words. */
const NEEDS_SEPARATOR = new Set([
  'from',
  'to',
  'by',
  'item',
  'name',
  'data',
  'date',
  'shop',
  'store',
  'cost',
  'section',
]);

/** Label/value pairs from the lines of a block of text. */
export function fieldsFromLines(lines: string[]): Fields {
  const out: Fields = {};
  const set = (f: LabelField, v: string): void => {
    const value = v.trim();
    if (value && out[f] === undefined) out[f] = value;
  };
  for (let i = 0; i < lines.length && i < 5000; i++) {
    const line = lines[i]!;
    if (line.length > 300) continue;
    const colon = splitLabelLine(line);
    if (colon) {
      set(colon.field, colon.value);
      continue;
    }
    const own = labelField(line);
    if (own) {
      const next = lines[i + 1];
      if (next !== undefined && !labelField(next) && !splitLabelLine(next) && next.length <= 300) {
        set(own, next);
        i++;
      }
      continue;
    }
    // "Ships from Serbia": a multi-word label at the start of the line.
    const words = line.split(' ');
    for (let k = Math.min(4, words.length - 1); k >= 2; k--) {
      const f = labelField(words.slice(0, k).join(' '));
      if (f && !NEEDS_SEPARATOR.has(normalise(words.slice(0, k).join(' ')))) {
        set(f, words.slice(k).join(' '));
        break;
      }
    }
  }
  return out;
}

const INLINE_LABEL_TAGS = new Set([
  'span',
  'b',
  'strong',
  'label',
  'em',
  'i',
  'small',
  'div',
  'th',
  'td',
  'dt',
  'p',
  'h4',
  'h5',
  'h6',
]);

/**
 * Label/value element pairs: <span class=k>Fiyat</span><span class=v>1.500 TL</span>. Text lines miss
 * these when the page puts no space between the two.
 */
export function fieldsFromElements(root: AnyNode, skip?: ReadonlySet<AnyNode>, limit = 20_000): Fields {
  const out: Fields = {};
  const stack: AnyNode[] = [root];
  let seen = 0;
  while (stack.length > 0 && seen++ < limit) {
    const n = stack.pop()!;
    if (!isElement(n) || skip?.has(n)) continue;
    const kids = n.children;
    if (
      INLINE_LABEL_TAGS.has(n.name) &&
      kids.length > 0 &&
      kids.length <= 3 &&
      kids.every(
        (k) => k.type === 'text' || (isElement(k) && ['b', 'strong', 'span', 'i', 'em'].includes(k.name)),
      )
    ) {
      const text = inlineText(n, 200);
      const field = text.length <= 60 ? labelField(text) : null;
      if (field && out[field] === undefined) {
        let next = n.next;
        while (next && !isElement(next) && !(next.type === 'text' && next.data.trim())) next = next.next;
        const value = next
          ? isElement(next)
            ? inlineText(next, 2000)
            : (next as { data: string }).data.trim()
          : '';
        if (value && !labelField(value)) out[field] = value;
        continue;
      }
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

function fieldsOf(root: AnyNode, skip?: ReadonlySet<AnyNode>): Fields {
  const fromLines = fieldsFromLines(blockText(root, 2_000_000, skip).split('\n'));
  return { ...fieldsFromElements(root, skip), ...fromLines };
}

function classOf(el: Element): string {
  return `${el.attribs.class ?? ''} ${el.attribs.id ?? ''} ${el.attribs.itemprop ?? ''}`.toLowerCase();
}

function signature(el: Element): string {
  const cls = (el.attribs.class ?? '').split(/\s+/).filter(Boolean).sort().join('.');
  return `${el.name}.${cls}`;
}

function childElements(el: AnyNode): Element[] {
  const children = (el as Element).children ?? [];
  return children.filter(isElement);
}

/** All elements under `root`, iteratively, bounded. */
function allElements(root: AnyNode, limit = 200_000): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0 && out.length < limit) {
    const n = stack.pop()!;
    if (isElement(n)) {
      if (['script', 'style', 'head', 'template', 'svg', 'noscript'].includes(n.name)) continue;
      out.push(n);
    }
    const kids = (n as Element).children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** First descendant (document order) whose class/id/itemprop matches. */
function findByClass(root: Element, re: RegExp, limit = 2000): Element | null {
  const stack: AnyNode[] = [...root.children].reverse();
  let seen = 0;
  while (stack.length > 0 && seen++ < limit) {
    const n = stack.pop()!;
    if (!isElement(n)) continue;
    if (re.test(classOf(n))) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return null;
}

function findTag(root: Element, names: string[], limit = 2000): Element | null {
  const stack: AnyNode[] = [...root.children].reverse();
  let seen = 0;
  while (stack.length > 0 && seen++ < limit) {
    const n = stack.pop()!;
    if (!isElement(n)) continue;
    if (names.includes(n.name)) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return null;
}

function links(root: Element, limit = 200): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [...root.children].reverse();
  while (stack.length > 0 && out.length < limit) {
    const n = stack.pop()!;
    if (!isElement(n)) continue;
    if (n.name === 'a' && n.attribs.href) out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

const AUTHOR_CLASS = /\b(author|username|user-?name|poster|postauthor|post-author|member|nick|byline|user)\b/;
const DATE_CLASS = /\b(date|time|posted|timestamp|post-?date|datetime)\b/;
const BODY_CLASS = /\b(content|body|message|text|post-?body|post-?content|post-?text|entry)\b/;
const PRICE_CLASS = /\b(price|cost|amount|cena|cijena|fiyat|pret|ar)\b/;
const TITLE_CLASS = /\b(title|name|heading|product-?name|item-?name)\b/;
const DESC_CLASS = /\b(desc|description|details|summary|opis|about)\b/;
const VENDOR_CLASS = /\b(vendor|seller|merchant|shop-?name|sold-?by|dealer)\b/;
const CATEGORY_CLASS = /\b(category|categories|cat)\b/;
const VENDOR_HREF =
  /\/(vendors?|sellers?|users?|u|profile|shops?|stores?|members?|satici|prodavac|prodavci|shitesi|elado|vanzator)(\/|\?|=|$)|[?&](vendor|seller|user|u)=/i;
const THREAD_URL =
  /\/(thread|threads|topic|topics|t|viewtopic|showthread|post|posts|discussion)s?\b|[?&](t|topic|thread)=/i;
const VENDOR_URL = /\/(vendors?|sellers?|users?|u|profile|shop|store|members?)(\/|\?|$)/i;

const PROFILE_HINTS = [
  'member since',
  'joined',
  'vendor since',
  'feedback',
  'rating',
  'sales',
  'trust level',
  'registered',
  'last seen',
  'orders',
  'positive feedback',
  'anëtar që nga',
  'regjistruar',
  'član od',
  'члан од',
  'член от',
  'член од',
  'μέλος από',
  'αξιολόγηση',
  'tag óta',
  'értékelés',
  'üyelik tarihi',
  'değerlendirme',
  'membru din',
  'evaluare',
  'ocena',
  'оцена',
  'рейтинг',
  'vlerësimi',
].map((h) => normalise(h));

interface Group {
  members: Element[];
}

/** Sibling runs of ≥ `min` elements with the same tag and classes. */
function repeatedGroups(all: Element[], min: number): Group[] {
  const out: Group[] = [];
  for (const parent of all) {
    const kids = childElements(parent);
    if (kids.length < min) continue;
    const bySig = new Map<string, Element[]>();
    for (const k of kids) {
      const sig = signature(k);
      const list = bySig.get(sig);
      if (list) list.push(k);
      else bySig.set(sig, [k]);
    }
    for (const members of bySig.values()) if (members.length >= min) out.push({ members });
  }
  return out;
}

function isPriced(el: Element): boolean {
  return firstPrice(inlineText(el, 5000)) !== null;
}

/** The card grid of a listing index: the repeated group whose members carry a link and a price. */
function findCardGroup(all: Element[]): Element[] | null {
  let best: Element[] | null = null;
  for (const g of repeatedGroups(all, 2)) {
    if (['tr', 'li', 'div', 'article', 'section', 'tbody', 'a'].indexOf(g.members[0]!.name) < 0) continue;
    const priced = g.members.filter((m) => (m.name === 'a' || links(m, 1).length > 0) && isPriced(m));
    if (
      priced.length >= 2 &&
      priced.length >= g.members.length * 0.6 &&
      (!best || priced.length > best.length)
    )
      best = priced;
  }
  return best;
}

/** Forum posts: repeated blocks that each name an author. */
function findPostGroup(all: Element[], url: string): Element[] | null {
  let best: Element[] | null = null;
  const threadUrl = THREAD_URL.test(pathOf(url));
  for (const g of repeatedGroups(all, threadUrl ? 1 : 2)) {
    const withAuthor = g.members.filter(
      (m) => findByClass(m, AUTHOR_CLASS) !== null || AUTHOR_CLASS.test(classOf(m)),
    );
    if (withAuthor.length === 0 || withAuthor.length < g.members.length * 0.6) continue;
    const withBody = withAuthor.filter((m) => inlineText(m, 2000).length >= 10);
    if (withBody.length === 0) continue;
    // Cards with prices and vendor links are listings, not posts.
    if (withBody.filter(isPriced).length > withBody.length / 2) continue;
    if (!best || withBody.length > best.length) best = withBody;
  }
  return best;
}

export function resolveUrl(href: string | undefined | null, base: string): string | null {
  if (!href) return null;
  const h = href.trim();
  if (/^(javascript|data|vbscript):/i.test(h)) return null;
  // A listing's own URL is often the page's (a listing page links to itself): no second parse.
  if (h === base) return parsedUrl(base)?.href ?? null;
  try {
    return new URL(h, base).toString();
  } catch {
    return null;
  }
}

function breadcrumb($: CheerioAPI, title: string | null): string | null {
  const crumbs = $('[class*="breadcrumb" i], [id*="breadcrumb" i], nav[aria-label*="breadcrumb" i]').first();
  if (crumbs.length === 0) return null;
  let items = crumbs
    .find('li, a')
    .toArray()
    .filter(
      (el) => el.name !== 'a' || $(el).parents('li').length === 0 || $(el).closest('li').is(crumbs) === false,
    )
    .map((el) => inlineText(el))
    .filter(Boolean);
  // li contains its a: keep unique texts in order
  items = items.filter((t, i) => items.indexOf(t) === i);
  if (items.length === 0) {
    items = inlineText(crumbs.get(0)!)
      .split(/\s*[>»/›|]\s*/)
      .filter(Boolean);
  }
  items = items.filter(
    (t) =>
      !/^(home|start|index|ballina|početna|pocetna|начало|почетна|αρχική|kezdőlap|anasayfa|acasă)$/i.test(t),
  );
  if (title && items.length > 0 && normalise(items[items.length - 1]!) === normalise(title)) items.pop();
  return items.length > 0 ? items.join(' > ') : null;
}

function pageTitle($: CheerioAPI): string | null {
  const h1 = $('h1').first();
  if (h1.length > 0) {
    const t = inlineText(h1.get(0)!);
    if (t) return t;
  }
  const og = $('meta[property="og:title"]').attr('content')?.trim();
  if (og) return og;
  const title = $('title').first().text().trim();
  if (!title) return null;
  return title.split(/\s+[|–—-]\s+/)[0]!.trim() || null;
}

/** Fill a listing from a container element (a card or the page's main region). */
function listingFrom(el: Element, fields: Fields, base: string, opts: { page: boolean }): RawListing {
  const l = emptyListing();
  const titleEl = opts.page
    ? null
    : (findTag(el, ['h1', 'h2', 'h3', 'h4', 'h5']) ?? findByClass(el, TITLE_CLASS));
  const cardLinks = opts.page ? [] : el.name === 'a' ? [el] : links(el);
  const titleLink =
    titleEl && (titleEl.name === 'a' ? titleEl : (links(titleEl, 1)[0] ?? null))
      ? titleEl.name === 'a'
        ? titleEl
        : links(titleEl, 1)[0]!
      : (cardLinks
          .filter((a) => !VENDOR_HREF.test(a.attribs.href ?? ''))
          .sort((a, b) => inlineText(b).length - inlineText(a).length)[0] ?? null);
  if (!opts.page) {
    l.title =
      (titleEl ? inlineText(titleEl) : titleLink ? inlineText(titleLink) : null) || fields.title || null;
    l.url = resolveUrl(titleLink?.attribs.href ?? cardLinks[0]?.attribs.href, base);
  }
  const priceEl = findByClass(el, PRICE_CLASS);
  l.price = fields.price ?? (priceEl ? inlineText(priceEl) : null);
  if (!l.price || firstPrice(l.price) === null) {
    const p = firstPrice(inlineText(el, 20_000));
    l.price = p ? p.raw : null;
  }
  const descEl = findByClass(el, DESC_CLASS);
  l.description = fields.description ?? (descEl ? blockText(descEl) : null) ?? null;
  const vendorEl = findByClass(el, VENDOR_CLASS);
  const vendorLink = links(el).find((a) => VENDOR_HREF.test(a.attribs.href ?? '')) ?? null;
  l.vendor =
    fields.vendor ??
    (vendorLink ? inlineText(vendorLink) : null) ??
    (vendorEl ? stripLabel(inlineText(vendorEl)) : null);
  l.vendorUrl = vendorLink ? resolveUrl(vendorLink.attribs.href, base) : null;
  const catEl = opts.page ? null : findByClass(el, CATEGORY_CLASS);
  l.category = fields.category ?? (catEl ? stripLabel(inlineText(catEl)) : null);
  l.shipsFrom = fields.shipsFrom ?? null;
  l.shipsTo = fields.shipsTo ?? null;
  return l;
}

/** "Vendor: x" inside an element found by class → "x". */
function stripLabel(text: string): string | null {
  const split = splitLabelLine(text);
  const v = (split ? split.value : text).trim();
  return v || null;
}

function fromStructured(s: StructuredListing, base: string): RawListing {
  return {
    title: s.title,
    description: s.description,
    price: s.price,
    currency: s.currency,
    vendor: s.vendor,
    category: s.category,
    shipsFrom: s.shipsFrom,
    shipsTo: s.shipsTo,
    url: resolveUrl(s.url, base),
  };
}

function postFrom(el: Element, threadTitle: string | null): RawPost {
  const authorEl = AUTHOR_CLASS.test(classOf(el)) ? null : findByClass(el, AUTHOR_CLASS);
  const timeEl = findTag(el, ['time']) ?? findByClass(el, DATE_CLASS);
  const bodyEl = findByClass(el, BODY_CLASS);
  const skip = new Set<AnyNode>([authorEl, timeEl].filter((x): x is Element => x !== null));
  const author = authorEl ? stripLabel(inlineText(authorEl)) : null;
  const postedAt = timeEl ? (timeEl.attribs.datetime ?? timeEl.attribs.title ?? inlineText(timeEl)) : null;
  const body = bodyEl ? blockText(bodyEl) : blockText(el, 2_000_000, skip);
  return { threadTitle, author, postedAt, body: body || null };
}

export interface GenericOptions {
  url: string;
}

/** Extract a page with no profile. */
export function extractGeneric($: CheerioAPI, opts: GenericOptions): RawPage {
  const base = opts.url;
  // parse5 always builds html/head/body, so there is a body even for a fragment.
  const body = bodyOf(documentOf($));
  const all = allElements(body);
  const ld = readJsonLd($);
  const micro = readMicrodata($);
  const title = pageTitle($);
  const path = pathOf(base);

  // Forum threads.
  const postEls = findPostGroup(all, base);
  if (postEls || ld.posts.length > 1) {
    const posts =
      postEls?.map((el) => postFrom(el, title)) ??
      ld.posts.map((p) => ({ ...p, threadTitle: p.threadTitle ?? title }));
    return { pageType: 'forum_thread', listings: [], posts, vendorName: null, via: 'generic' };
  }

  const cards = findCardGroup(all);
  const cardSet = new Set<AnyNode>(cards ?? []);
  const pageLines = blockText(body, 2_000_000, cardSet).split('\n');
  const pageFields = fieldsOf(body, cardSet);
  // On an index page the last crumb is the page's own category; on a listing page it may be the item.
  const crumbs = breadcrumb($, null);
  const crumbsForListing = breadcrumb($, title);
  const cardListings = (cards ?? []).map((c) => {
    const l = listingFrom(c, fieldsOf(c), base, { page: false });
    l.category ??= crumbs;
    return l;
  });

  // Vendor profiles.
  const hints = pageLines.filter((line) => {
    const n = normalise(line);
    return PROFILE_HINTS.some((h) => n.startsWith(h));
  }).length;
  if (hints >= 2 || (VENDOR_URL.test(path) && hints >= 1) || (ld.profileName && !ld.listings.length)) {
    const vendorName = pageFields.vendor ?? ld.profileName ?? title;
    for (const l of cardListings) l.vendor ??= vendorName;
    return { pageType: 'vendor_profile', listings: cardListings, posts: [], vendorName, via: 'generic' };
  }

  // Structured data says what the page is when it says anything.
  const structured = ld.listings.length > 0 ? ld.listings : micro;
  if (structured.length === 1 && !ld.itemList && cardListings.length === 0) {
    const page = listingFrom(body, pageFields, base, { page: true });
    const s = fromStructured(structured[0]!, base);
    const merged = mergeListing(s, page);
    merged.url ??= base;
    merged.category ??= crumbsForListing;
    return { pageType: 'listing', listings: [merged], posts: [], vendorName: null, via: 'generic' };
  }
  if (structured.length > 1 || ld.itemList) {
    const listings = structured.length > 0 ? structured.map((s) => fromStructured(s, base)) : cardListings;
    return { pageType: 'listing_index', listings, posts: [], vendorName: null, via: 'generic' };
  }

  // A single listing: a title and a price (or listing labels) outside any card grid.
  const pagePrice = pageFields.price ?? findPriceOutside(body, cardSet);
  const listingLabels = ['shipsFrom', 'shipsTo', 'vendor'].filter(
    (f) => pageFields[f as LabelField] !== undefined,
  ).length;
  if (title && (pagePrice || listingLabels >= 2) && (cardListings.length < 3 || listingLabels >= 1)) {
    const l = listingFrom(body, { ...pageFields, price: pagePrice ?? undefined }, base, { page: true });
    // The page-level search must not pick up a card's price/description/vendor.
    if (cardSet.size > 0) {
      l.description = pageFields.description ?? descriptionOutside($, cardSet);
      l.vendor = pageFields.vendor ?? l.vendor;
    }
    l.title = title;
    l.url = base;
    l.category = pageFields.category ?? crumbsForListing;
    return { pageType: 'listing', listings: [l], posts: [], vendorName: null, via: 'generic' };
  }
  if (cardListings.length >= 2) {
    return { pageType: 'listing_index', listings: cardListings, posts: [], vendorName: null, via: 'generic' };
  }
  return { pageType: 'other', listings: [], posts: [], vendorName: null, via: 'generic' };
}

function findPriceOutside(body: Element, skip: ReadonlySet<AnyNode>): string | undefined {
  const stack: AnyNode[] = [body];
  let seen = 0;
  while (stack.length > 0 && seen++ < 50_000) {
    const n = stack.pop()!;
    if (!isElement(n) || skip.has(n)) continue;
    if (n !== body && PRICE_CLASS.test(classOf(n))) {
      const t = inlineText(n);
      if (firstPrice(t) !== null) return t;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  const p = firstPrice(blockText(body, 200_000, skip));
  return p?.raw;
}

function descriptionOutside($: CheerioAPI, skip: ReadonlySet<AnyNode>): string | null {
  const el = $('[class*="desc" i], [id*="desc" i], [itemprop="description"]')
    .toArray()
    .find(
      (e) =>
        !$(e)
          .parents()
          .toArray()
          .some((p) => skip.has(p)),
    );
  return el ? blockText(el) || null : null;
}

/** Structured values first, the page's visible values for what structured data lacks. */
function mergeListing(primary: RawListing, fallback: RawListing): RawListing {
  const out = { ...fallback };
  for (const k of Object.keys(primary) as Array<keyof RawListing>) {
    const v = primary[k];
    if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
      (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export type { PageType, Cheerio };
