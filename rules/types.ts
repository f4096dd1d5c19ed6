// Types of the watch-rule subsystem. Candidates to move to core/types.ts once the store and the
// web app use them: RuleDefinition, ChangeConditionSpec, ListingHistory, RuleMatch.
import type { Category, Severity, EntityType, MatchableListing } from '../core/types.js';
import type { QueryField, QueryNode } from './query/ast.js';

export interface PriceRange {
  min: number | null;
  max: number | null;
}

/** Entity watchlists, already canonicalised (see rules/watchlist.ts). */
export interface Watchlists {
  addresses: string[];
  /** Upper-case hex fingerprints (40 hex) or long key IDs (16 hex). */
  pgp: string[];
  /** Lower-case, without a leading @. */
  handles: string[];
  /** Normalised vendor names. */
  vendors: string[];
}

export type ChangeConditionSpec =
  | { kind: 'new_vendor_in_category' }
  | { kind: 'price_drop'; percent: number }
  | { kind: 'relisted' }
  | { kind: 'same_entity_on_sites'; min: number }
  | { kind: 'watched_vendor_new_site' };

export const CHANGE_KINDS = [
  'new_vendor_in_category',
  'price_drop',
  'relisted',
  'same_entity_on_sites',
  'watched_vendor_new_site',
] as const;

/** One rule as written by an analyst, validated. */
export interface RuleDefinition {
  /** Stable key reported in hits: `id` if given, else `name`. */
  id: string;
  name: string;
  owner: string | null;
  severity: Severity;
  description: string | null;
  workspace: string | null;
  enabled: boolean;
  query: QueryNode | null;
  /** The query as written (for display and versioning). */
  queryText: string | null;
  /** Fields unscoped query terms look in. */
  fields: QueryField[];
  category: Category[] | null;
  minConfidence: number | null;
  priceEur: PriceRange | null;
  /** Upper-case currency codes. */
  currency: string[] | null;
  /** ISO 3166-1 alpha-2 codes. */
  shipsFrom: string[] | null;
  shipsTo: string[] | null;
  /** Lower-case site names. */
  site: string[] | null;
  /** Normalised vendor names. */
  vendor: string[] | null;
  /** Lower-case language codes. */
  language: string[] | null;
  transliterate: boolean;
  watchlists: Watchlists | null;
  on: ChangeConditionSpec | null;
  /** Where the rule starts in its file, when it came from one. */
  source?: { file: string; line: number; column: number };
}

/** One version of a listing as the store keeps it (oldest first in ListingHistory). */
export interface ListingVersion {
  /** ISO 8601 time of the observation. */
  seenAt: string;
  priceEur: number | null;
  title: string | null;
  /** True if at this observation the listing had disappeared from its site. */
  removed: boolean;
}

/**
 * What the store knows about a listing's past, supplied to change/correlation conditions.
 * Everything is about observations *before* the one being matched.
 */
export interface ListingHistory {
  /** Earlier versions of this same listing (same site and id), oldest first. */
  versions: ListingVersion[];
  /** Earlier sightings of this listing's vendor (by name), on any site. */
  vendorSightings: Array<{ site: string; category: Category | null }>;
  /**
   * For each entity of the listing, keyed `${type}:${value}`: the sites it was seen on before.
   */
  entitySites: Record<string, string[]>;
}

/** A change/correlation predicate; the store supplies history for the listing. */
export interface ChangeCondition {
  spec: ChangeConditionSpec;
  test(listing: MatchableListing, history: ListingHistory): boolean;
}

export type HitField = 'title' | 'description' | 'vendor' | 'entities';

/** One highlighted piece of evidence: offsets are UTF-16, in the listing's original field text. */
export interface TermHit {
  /** The query term (or watchlist entry) as the rule writes it. */
  term: string;
  field: HitField;
  start: number;
  end: number;
  /** The original text at [start, end). */
  text: string;
}

export interface RuleMatch {
  listingId: string;
  rule: RuleDefinition;
  /** Distinct terms that matched, in query order (the `terms` of `match --json`). */
  terms: string[];
  hits: TermHit[];
}

export type { EntityType };
