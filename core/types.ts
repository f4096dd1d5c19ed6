// Domain types shared by every stage of the pipeline. One place, so the crawler, extractors,
// rules, store and web app all speak about the same things with the same names.

/** Classifier labels (SPEC §3). */
export const CATEGORIES = ['firearms', 'drugs', 'documents', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SOURCE_KINDS = ['market', 'forum', 'shop', 'paste', 'clearnet'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const FETCH_MODES = ['http', 'browser', 'auto'] as const;
export type FetchMode = (typeof FETCH_MODES)[number];

export const PAGE_TYPES = ['listing', 'listing_index', 'forum_thread', 'vendor_profile', 'other'] as const;
export type PageType = (typeof PAGE_TYPES)[number];

export const ENTITY_TYPES = [
  'btc',
  'xmr',
  'eth',
  'pgp',
  'email',
  'onion',
  'telegram',
  'session',
  'wickr',
  'jabber',
  'phone',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const ALERT_STATUSES = ['new', 'in_review', 'escalated', 'dismissed', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const DISMISS_REASONS = ['false_positive', 'duplicate', 'not_relevant'] as const;
export type DismissReason = (typeof DISMISS_REASONS)[number];

export const ROLES = ['admin', 'analyst', 'trainer', 'trainee'] as const;
export type Role = (typeof ROLES)[number];

/** ISO 4217 codes plus the crypto tickers markets price in. */
export type Currency = 'BTC' | 'XMR' | 'ETH' | 'LTC' | 'USD' | 'EUR' | 'GBP' | (string & {});

export interface Price {
  amount: number;
  currency: Currency;
}

export interface Classification {
  label: Category;
  confidence: number;
}

/** A listing as extracted from one page (the `extract --json` contract, SPEC §7). */
export interface ExtractedListing {
  title: string;
  description: string | null;
  price: Price | null;
  priceEur: number | null;
  vendor: string | null;
  /** Site category path as the site shows it, e.g. "Guns > Pistols". */
  category: string | null;
  classification: Classification | null;
  /** ISO 3166-1 alpha-2 where it could be normalised, else the site's text. */
  shipsFrom: string | null;
  shipsTo: string[] | null;
  url: string | null;
}

export interface ExtractedPost {
  threadTitle: string | null;
  author: string | null;
  /** ISO 8601. */
  postedAt: string | null;
  body: string;
  position?: number | null;
}

export interface ExtractedEntity {
  type: EntityType;
  /** Canonical form: checksummed address, upper-case PGP fingerprint, lower-case e-mail/onion. */
  value: string;
}

export interface ExtractedVendor {
  name: string;
  pgpFingerprint: string | null;
  profileUrl: string | null;
}

export interface ExtractResult {
  pageType: PageType;
  site: string | null;
  listings: ExtractedListing[];
  posts: ExtractedPost[];
  entities: ExtractedEntity[];
  language: string | null;
  vendors?: ExtractedVendor[];
}

/** A listing handed to the matcher (`match --json` input, SPEC §7). */
export interface MatchableListing extends ExtractedListing {
  id: string;
  site: string | null;
  language?: string | null;
  currency?: Currency | null;
  entities?: ExtractedEntity[];
}

export interface RuleHit {
  id: string;
  rule: string;
  terms: string[];
}

export interface CrawlPolicy {
  seeds: string[];
  include: string[];
  exclude: string[];
  maxDepth: number;
  pageBudget: number;
  requestsPerMinute: number;
  concurrency: number;
  /** Seconds between scheduled recrawls; null = manual only. */
  recrawlIntervalSec: number | null;
  allowImages: boolean;
  javascript: boolean;
}

export interface SourceSession {
  cookies: Array<{ name: string; value: string; domain?: string; path?: string }>;
  /** Scripted login: form URL and field values. */
  login?: { url: string; fields: Record<string, string>; submitSelector?: string } | null;
}

export interface Source {
  id: number;
  workspaceId: number;
  name: string;
  kind: SourceKind;
  baseUrls: string[];
  fetchMode: FetchMode;
  policy: CrawlPolicy;
  session: SourceSession | null;
  extractorProfile: string | null;
  languageHints: string[];
  pgpKey: string | null;
  enabled: boolean;
}

export const DEFAULT_CRAWL_POLICY: CrawlPolicy = {
  seeds: ['/'],
  include: [],
  exclude: [],
  maxDepth: 5,
  pageBudget: 500,
  requestsPerMinute: 60,
  concurrency: 2,
  recrawlIntervalSec: null,
  allowImages: false,
  javascript: false,
};
