// extractPage: one stored page → the SPEC §7 record (page type, listings, posts, entities, language).
import type { CheerioAPI } from 'cheerio';
import type {
  Classification,
  ExtractedEntity,
  ExtractedListing,
  ExtractedPost,
  ExtractedVendor,
  ExtractResult,
} from '../../core/types.js';
import { extractEntities } from '../entities/index.js';
import { detectLanguage, loadLanguageDetector } from '../language.js';
import {
  parseAmount,
  parsePrice,
  toEur,
  type EurValue,
  type RatesTable,
  defaultRatesTable,
} from '../price.js';
import { listingQuantity, type Quantity } from '../quantity.js';
import { countryCode, countryList } from './countries.js';
import { parseDate } from './dates.js';
import { extractGeneric, resolveUrl } from './generic.js';
import { loadPage } from './load.js';
import { parsedUrl } from './url.js';
import { chooseProfile, extractWithProfile, loadProfiles, type Profile } from './profile.js';
import type { RawListing, RawPage } from './raw.js';
import { bodyOf, documentOf, elementsNamed } from './select.js';
import { blockText, rawText, trimSpace } from './text.js';

/** Bumped whenever extraction output changes, so stored snapshots can be re-extracted. */
export const EXTRACTOR_VERSION = '1.2.0';

export type Classifier = (title: string, description: string | null) => Classification | null;
const noClassifier: Classifier = () => null;

export interface ExtractOptions {
  /** Listing classifier; default returns null (no classification). */
  classify?: Classifier;
  /** Profiles to choose from (default: extractors/profiles/). */
  profiles?: Profile[];
  /** Use this profile (a source's extractor profile) instead of choosing by host/markers. */
  profile?: string | null;
  rates?: RatesTable;
  /** Largest page accepted, in bytes (default 16 MB). */
  maxBytes?: number;
  /** ISO country codes used to read national phone numbers (a source's region). */
  regions?: string[];
}

export interface ExtractMeta {
  extractorVersion: string;
  /** Profile name, or "generic". */
  via: string;
  ratesDate: string;
  /** EUR conversion per listing (rate and date recorded with the value), same order as listings. */
  eur: Array<EurValue | null>;
  /**
   * Quantity and unit per listing (SPEC §3), same order as listings; null where none is stated.
   * Kept here because SPEC §7's listing JSON has no field for it (stored with the extraction result).
   */
  quantity: Array<Quantity | null>;
}

export interface PageExtraction extends ExtractResult {
  vendors: ExtractedVendor[];
  meta: ExtractMeta;
}

const MAX_TEXT_FIELD = 50_000;
let cachedProfiles: Profile[] | null = null;

function clip(s: string | null | undefined, max = MAX_TEXT_FIELD): string | null {
  if (s === null || s === undefined) return null;
  const t = trimSpace(s);
  return t ? t.slice(0, max) : null;
}

function siteOf(url: string): string | null {
  return parsedUrl(url)?.hostname.toLowerCase() || null;
}

const SYMBOL_CURRENCY: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '₿': 'BTC' };

function priceOf(l: RawListing): ExtractedListing['price'] {
  if (!l.price) return null;
  if (l.currency) {
    const cur = SYMBOL_CURRENCY[l.currency.trim()] ?? l.currency.trim().toUpperCase();
    const amount = parseAmount(l.price.replace(/[^\d.,\s']/g, ''), cur);
    if (amount !== null && /^[A-Z]{3,4}$/.test(cur)) return { amount, currency: cur };
  }
  return parsePrice(l.price);
}

function shipsToOf(v: RawListing['shipsTo']): string[] | null {
  if (v === null || v === undefined) return null;
  const list = Array.isArray(v) ? v.flatMap((x) => countryList(x)) : countryList(v);
  const out = list.map((x) => x.slice(0, 100)).filter(Boolean);
  return out.length > 0 ? out : null;
}

function finaliseListing(l: RawListing, base: string, classify: Classifier, rates: RatesTable) {
  const title = clip(l.title, 1000);
  if (!title) return null;
  const description = clip(l.description);
  const price = priceOf(l);
  const eur = toEur(price, rates);
  const from = clip(l.shipsFrom, 200);
  let classification: Classification | null = null;
  try {
    classification = classify(title, description);
  } catch {
    classification = null; // a failing classifier must not lose the listing
  }
  const listing: ExtractedListing = {
    title,
    description,
    price,
    priceEur: eur?.eur ?? null,
    vendor: clip(l.vendor, 200),
    category: clip(l.category, 500),
    classification,
    shipsFrom: from ? (countryCode(from) ?? from) : null,
    shipsTo: shipsToOf(l.shipsTo),
    url: resolveUrl(l.url, base),
  };
  return { listing, eur, vendorUrl: resolveUrl(l.vendorUrl ?? null, base) };
}

/** Elements whose text or href entityText reads besides the laid-out text. */
const ENTITY_CARRIERS: ReadonlySet<string> = new Set(['a', 'textarea', 'pre']);

/** The text entities are scanned in: laid-out text, interesting hrefs, textarea/pre contents. */
export function entityText($: CheerioAPI): string {
  const root = documentOf($);
  const parts: string[] = [blockText(root, 4_000_000, undefined, true)];
  // Keys and addresses sit in textareas and <pre> blocks; their text is raw, not laid out. One walk
  // collects those and the links.
  const raw: string[] = [];
  let links = 0;
  for (const el of elementsNamed(root, ENTITY_CARRIERS)) {
    if (el.name === 'a') {
      if (el.attribs.href === undefined) continue;
      if (++links > 5000) continue;
      const href = el.attribs.href ?? '';
      if (/^(mailto:|https?:\/\/(t\.me|telegram\.me)|tel:)/i.test(href) || /\.onion\b/i.test(href))
        parts.push(href.replace(/^mailto:|^tel:/i, ''));
    } else if (raw.length < 200) raw.push(rawText(el));
  }
  return parts.concat(raw).join('\n');
}

function languageSample(raw: RawPage, $: CheerioAPI): string {
  if (raw.listings.length > 0)
    return raw.listings
      .map((l) => `${l.title ?? ''}. ${l.description ?? ''}`)
      .join('\n')
      .slice(0, 4000);
  if (raw.posts.length > 0)
    return raw.posts
      .map((p) => p.body ?? '')
      .join('\n')
      .slice(0, 4000);
  return blockText(bodyOf(documentOf($)), 8000);
}

/** Extract one page. Throws ExtractInputError for input that is not an HTML page. */
export async function extractPage(
  input: string | Uint8Array,
  url: string,
  opts: ExtractOptions = {},
): Promise<PageExtraction> {
  const { $ } = loadPage(input, { maxBytes: opts.maxBytes });
  const classify = opts.classify ?? noClassifier;
  const rates = opts.rates ?? defaultRatesTable();
  const profiles = opts.profiles ?? (cachedProfiles ??= loadProfiles());
  const profile = chooseProfile($, url, profiles, opts.profile);
  const raw = (profile && extractWithProfile($, url, profile)) ?? extractGeneric($, { url });

  const listings: ExtractedListing[] = [];
  const eur: Array<EurValue | null> = [];
  const quantity: Array<Quantity | null> = [];
  const vendorUrls = new Map<string, string | null>();
  for (const l of raw.listings) {
    const f = finaliseListing(l, url, classify, rates);
    if (!f) continue;
    listings.push(f.listing);
    eur.push(f.eur);
    quantity.push(listingQuantity(f.listing.title, f.listing.description));
    if (f.listing.vendor && !vendorUrls.has(f.listing.vendor)) vendorUrls.set(f.listing.vendor, f.vendorUrl);
  }
  const posts: ExtractedPost[] = [];
  for (const p of raw.posts) {
    // Bodies are kept as extracted (a paste's trailing newline is part of it), only bounded.
    const body = p.body && p.body.trim() ? p.body.slice(0, MAX_TEXT_FIELD) : null;
    if (!body) continue;
    posts.push({
      threadTitle: clip(p.threadTitle, 1000),
      author: clip(p.author, 200),
      postedAt: parseDate(p.postedAt),
      body,
      position: posts.length + 1,
    });
  }

  const regions = [
    ...(opts.regions ?? []),
    ...listings.map((l) => l.shipsFrom).filter((c): c is string => !!c && /^[A-Z]{2}$/.test(c)),
  ];
  const entities: ExtractedEntity[] = await extractEntities(entityText($), {
    regions: [...new Set(regions)],
  });

  await loadLanguageDetector();
  const language = detectLanguage(languageSample(raw, $));

  const vendors: ExtractedVendor[] = [];
  const pgp = entities.find((e) => e.type === 'pgp')?.value ?? null;
  if (raw.pageType === 'vendor_profile' && raw.vendorName) {
    vendors.push({ name: raw.vendorName, pgpFingerprint: pgp, profileUrl: url });
  }
  for (const [name, profileUrl] of vendorUrls)
    if (!vendors.some((v) => v.name === name)) vendors.push({ name, pgpFingerprint: null, profileUrl });

  return {
    pageType: raw.pageType,
    site: siteOf(url),
    listings,
    posts,
    entities,
    language,
    vendors,
    meta: { extractorVersion: EXTRACTOR_VERSION, via: raw.via, ratesDate: rates.date, eur, quantity },
  };
}

/** The SPEC §7 `extract --json` object: exactly its fields, in its order. */
export function toSpecJson(r: ExtractResult): object {
  return {
    pageType: r.pageType,
    site: r.site,
    listings: r.listings.map((l) => ({
      title: l.title,
      description: l.description,
      price: l.price ? { amount: l.price.amount, currency: l.price.currency } : null,
      priceEur: l.priceEur,
      vendor: l.vendor,
      category: l.category,
      classification: l.classification
        ? { label: l.classification.label, confidence: l.classification.confidence }
        : null,
      shipsFrom: l.shipsFrom,
      shipsTo: l.shipsTo,
      url: l.url,
    })),
    posts: r.posts.map((p) => ({
      threadTitle: p.threadTitle,
      author: p.author,
      postedAt: p.postedAt,
      body: p.body,
    })),
    entities: r.entities.map((e) => ({ type: e.type, value: e.value })),
    language: r.language,
  };
}
