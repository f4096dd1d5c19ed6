// Link extraction from a fetched HTML page with cheerio. Pure: HTML + page URL in, absolute
// normalised links out. Scope decisions happen later (scope.ts); this only finds candidates.
import * as cheerio from 'cheerio';
import { limitNesting } from './page-text.js';
import { tryNormalizeUrl } from './url.js';

export type LinkKind = 'a' | 'area' | 'next' | 'form' | 'image';

export interface ExtractedLink {
  url: string;
  kind: LinkKind;
}

export interface LinkOptions {
  /** Follow `<form method=get>` actions (search forms explode the frontier, so off by default). */
  followGetForms?: boolean;
  /** Images (`img[src]`) only when the source allows them: captured images can be abuse material. */
  allowImages?: boolean;
  /** Upper bound on links taken from one page (a hostile page can carry millions). */
  maxLinks?: number;
}

export const DEFAULT_MAX_LINKS_PER_PAGE = 5000;

/** Links of a page, deduplicated, in document order. `<base href>` is honoured when it is http(s). */
export function extractLinks(html: string, pageUrl: string, opts: LinkOptions = {}): ExtractedLink[] {
  const $ = cheerio.load(limitNesting(html));
  const maxLinks = opts.maxLinks ?? DEFAULT_MAX_LINKS_PER_PAGE;
  const baseHref = $('base[href]').first().attr('href');
  const base = (baseHref && tryNormalizeUrl(baseHref, pageUrl)) || pageUrl;
  const out: ExtractedLink[] = [];
  const seen = new Set<string>();
  const add = (raw: string | undefined, kind: LinkKind): void => {
    if (!raw || out.length >= maxLinks) return;
    const url = tryNormalizeUrl(raw, base);
    if (url === null || seen.has(url)) return;
    seen.add(url);
    out.push({ url, kind });
  };
  $('a[href]').each((_i, el) => add($(el).attr('href'), 'a'));
  $('area[href]').each((_i, el) => add($(el).attr('href'), 'area'));
  $('link[href]').each((_i, el) => {
    const rel = ($(el).attr('rel') ?? '').toLowerCase().split(/\s+/);
    if (rel.includes('next')) add($(el).attr('href'), 'next');
  });
  if (opts.followGetForms) {
    $('form').each((_i, el) => {
      const method = ($(el).attr('method') ?? 'get').toLowerCase();
      if (method === 'get') add($(el).attr('action') ?? pageUrl, 'form');
    });
  }
  if (opts.allowImages) $('img[src]').each((_i, el) => add($(el).attr('src'), 'image'));
  return out;
}
