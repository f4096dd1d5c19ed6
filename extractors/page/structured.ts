// Structured data a page may carry: JSON-LD (schema.org Product/Offer, ItemList, forum postings,
// profiles) and microdata Products. Where present it is the most reliable source; where absent or
// malformed it is simply empty.
import type { CheerioAPI } from 'cheerio';

export interface StructuredListing {
  title: string | null;
  description: string | null;
  price: string | null;
  currency: string | null;
  vendor: string | null;
  category: string | null;
  url: string | null;
  shipsFrom: string | null;
  shipsTo: string[] | null;
}

export interface StructuredPost {
  threadTitle: string | null;
  author: string | null;
  postedAt: string | null;
  body: string | null;
}

export interface StructuredData {
  listings: StructuredListing[];
  itemList: boolean;
  posts: StructuredPost[];
  profileName: string | null;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const MAX_SCRIPT_CHARS = 1_000_000;
const MAX_SCRIPTS = 20;
const MAX_NODES = 2000;

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number') return String(v);
  if (isObj(v)) return str(v.name) ?? str(v['@value']);
  if (Array.isArray(v)) return v.length > 0 ? str(v[0]) : null;
  return null;
}

function types(o: Obj): string[] {
  const t = o['@type'];
  const list = Array.isArray(t) ? t : [t];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.replace(/^.*[/#]/, ''));
}

/** Every object in a JSON-LD document, breadth-first, bounded. */
function flatten(root: Json): Obj[] {
  const out: Obj[] = [];
  const queue: Json[] = [root];
  while (queue.length > 0 && out.length < MAX_NODES) {
    const v = queue.shift()!;
    if (Array.isArray(v)) queue.push(...v.slice(0, MAX_NODES));
    else if (isObj(v)) {
      out.push(v);
      for (const k of ['@graph', 'itemListElement', 'item', 'mainEntity', 'hasPart', 'comment', 'offers'])
        if (v[k] !== undefined) queue.push(v[k]!);
    }
  }
  return out;
}

function places(v: Json | undefined): string[] | null {
  if (v === undefined || v === null) return null;
  const list = Array.isArray(v) ? v : [v];
  const out = list
    .map((x) => str(isObj(x) ? (x.addressCountry ?? x.name ?? null) : x))
    .filter((x): x is string => !!x);
  return out.length > 0 ? out : null;
}

function productOf(o: Obj): StructuredListing {
  const offer = (Array.isArray(o.offers) ? o.offers[0] : o.offers) as Json | undefined;
  const off: Obj = isObj(offer) ? offer : {};
  const shipping = isObj(off.shippingDetails) ? off.shippingDetails : {};
  return {
    title: str(o.name),
    description: str(o.description),
    price: str(off.price ?? off.lowPrice ?? null),
    currency: str(off.priceCurrency ?? null),
    vendor: str(off.seller ?? o.brand ?? null),
    category: str(o.category ?? null),
    url: str(o.url ?? off.url ?? null),
    shipsFrom: places(shipping.shippingOrigin ?? off.availableAtOrFrom)?.[0] ?? null,
    shipsTo: places(shipping.shippingDestination ?? off.eligibleRegion ?? off.areaServed),
  };
}

export function readJsonLd($: CheerioAPI): StructuredData {
  const result: StructuredData = { listings: [], itemList: false, posts: [], profileName: null };
  const scripts = $('script[type="application/ld+json"]').slice(0, MAX_SCRIPTS);
  scripts.each((_, el) => {
    const text = $(el).text();
    if (text.length > MAX_SCRIPT_CHARS) return;
    let doc: Json;
    try {
      doc = JSON.parse(text) as Json;
    } catch {
      return; // malformed JSON-LD is common; the page still has HTML
    }
    let threadTitle: string | null = null;
    for (const o of flatten(doc)) {
      const t = types(o);
      if (t.includes('Product')) result.listings.push(productOf(o));
      else if (t.includes('ItemList') || t.includes('OfferCatalog')) result.itemList = true;
      else if (
        t.some((x) =>
          ['DiscussionForumPosting', 'SocialMediaPosting', 'Comment', 'Answer', 'Question'].includes(x),
        )
      ) {
        threadTitle ??= str(o.headline ?? o.name ?? null);
        const body = str(o.articleBody ?? o.text ?? null);
        if (body)
          result.posts.push({
            threadTitle,
            author: str(o.author ?? null),
            postedAt: str(o.datePublished ?? o.dateCreated ?? null),
            body,
          });
      } else if (t.includes('ProfilePage') || t.includes('Person') || t.includes('Organization')) {
        result.profileName ??= str(o.name ?? (isObj(o.mainEntity) ? o.mainEntity.name : null) ?? null);
      }
    }
  });
  return result;
}

/** Microdata Products (itemscope itemtype=…/Product). */
export function readMicrodata($: CheerioAPI): StructuredListing[] {
  const out: StructuredListing[] = [];
  $('[itemscope][itemtype*="Product" i]')
    .slice(0, 200)
    .each((_, el) => {
      const scope = $(el);
      const prop = (name: string): string | null => {
        const p = scope.find(`[itemprop="${name}"]`).first();
        if (p.length === 0) return null;
        const v = p.attr('content') ?? p.attr('href') ?? p.text();
        return v.replace(/\s+/g, ' ').trim() || null;
      };
      out.push({
        title: prop('name'),
        description: prop('description'),
        price: prop('price'),
        currency: prop('priceCurrency'),
        vendor: prop('seller') ?? prop('brand'),
        category: prop('category'),
        url: prop('url'),
        shipsFrom: null,
        shipsTo: null,
      });
    });
  return out;
}
