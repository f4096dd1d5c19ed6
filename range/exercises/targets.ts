// Planted targets of a scenario, selected from the range's ground truth by the scenario's
// declarative filter. Pure: the same scenario and truth always give the same targets.
//
// A target carries the match keys an escalated alert can carry: a listing target is hit by an
// alert on that listing (its canonical URL); a vendor target by an alert on any of its listings
// or profiles on the scenario's sites, or on its PGP key as an entity.
import type { RangeTruth, TruthListing, TruthVendor } from '../truth.js';
import type { ListingFilter, Scenario } from './scenario.js';

export interface Target {
  /** Stable id within the exercise: `listing:<url>` or `vendor:<id>`. */
  key: string;
  kind: 'listing' | 'vendor';
  category: string | null;
  /** What the trainer's report shows about it. */
  label: string;
  matchKeys: string[];
}

export const listingKey = (url: string) => `listing:${url}`;
export const vendorKey = (site: string, handle: string) => `vendor:${site}:${handle.trim().toLowerCase()}`;
export const entityKey = (type: string, value: string) =>
  `entity:${type}:${value.replace(/\s+/g, '').toLowerCase()}`;

function listingMatches(f: ListingFilter, l: TruthListing): boolean {
  if (f.category && l.category !== f.category) return false;
  if (f.subcategory) {
    const subs = Array.isArray(f.subcategory) ? f.subcategory : [f.subcategory];
    if (!subs.includes(l.subcategory)) return false;
  }
  if (f.shipsFrom && !f.shipsFrom.includes(l.shipsFrom)) return false;
  return true;
}

/**
 * Listings visible at the last epoch whose vendor had another listing on the same site, same
 * subcategory, taken down before it appeared, at a different price.
 */
function relistings(truths: RangeTruth[]): Set<string> {
  const final = truths[truths.length - 1]!;
  const seen = new Map<string, TruthListing>();
  for (const t of truths) for (const l of t.listings) seen.set(l.id, l);
  const out = new Set<string>();
  for (const l2 of final.listings) {
    const relisted = [...seen.values()].some(
      (l1) =>
        l1.id !== l2.id &&
        l1.vendorId === l2.vendorId &&
        l1.site === l2.site &&
        l1.subcategory === l2.subcategory &&
        l1.lastEpoch !== null &&
        l1.lastEpoch < l2.firstEpoch &&
        l1.priceEur !== l2.priceEur,
    );
    if (relisted) out.add(l2.id);
  }
  return out;
}

/**
 * truths: the ground truth at each crawled epoch, in order (the last one is what the trainees
 * see at the end). Targets are sorted by key.
 */
export function selectTargets(scenario: Scenario, truths: RangeTruth[]): Target[] {
  if (truths.length === 0) throw new Error('selectTargets needs the truth of at least one epoch');
  const final = truths[truths.length - 1]!;
  const sites = new Set(scenario.sites);
  const onSites = final.listings.filter((l) => sites.has(l.site));
  const targets: Target[] = [];
  if ('listings' in scenario.targets) {
    const f = scenario.targets.listings;
    const relisted = f.relistedWithChangedPrice ? relistings(truths) : null;
    for (const l of onSites) {
      if (!listingMatches(f, l)) continue;
      if (relisted && !relisted.has(l.id)) continue;
      targets.push({
        key: listingKey(l.url),
        kind: 'listing',
        category: l.category,
        label: `${l.site}: ${l.plainTitle} (${l.vendor}, ${l.priceEur} EUR, from ${l.shipsFrom})`,
        matchKeys: [listingKey(l.url)],
      });
    }
  } else {
    const f = scenario.targets.vendors;
    const vendorsOf = (v: TruthVendor) => v.sites.filter((s) => sites.has(s));
    for (const v of final.vendors) {
      const vSites = vendorsOf(v);
      if (vSites.length === 0) continue;
      if (f.sharedPgpAcrossSites && (!v.pgpFingerprint || vSites.length < 2)) continue;
      if (f.sells && !onSites.some((l) => l.vendorId === v.id && listingMatches(f.sells!, l))) continue;
      const matchKeys = vSites.map((s) => vendorKey(s, v.handles[s] ?? v.handle));
      if (v.pgpFingerprint) matchKeys.push(entityKey('pgp', v.pgpFingerprint));
      targets.push({
        key: `vendor:${v.id}`,
        kind: 'vendor',
        category: v.specialty,
        label: `${v.handle} on ${vSites.join(', ')}${v.pgpFingerprint ? ` (PGP ${v.pgpFingerprint.slice(-16)})` : ''}`,
        matchKeys,
      });
    }
  }
  return targets.sort((a, b) => a.key.localeCompare(b.key));
}
