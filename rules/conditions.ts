// Change and correlation conditions: predicates over a listing and what the store knows about
// its past (ListingHistory). Pure; the match worker fetches history only for listings whose
// other conditions already passed (CompiledRuleSet.matchDetailed reports those).
import type { MatchableListing } from '../core/types.js';
import type { ChangeCondition, ChangeConditionSpec, ListingHistory, Watchlists } from './types.js';
import {
  canonicalAddress,
  canonicalHandle,
  canonicalPgp,
  canonicalVendor,
  watchKindOfEntity,
} from './watchlist.js';

/** Key of an entity in ListingHistory.entitySites. */
export function entityKey(type: string, value: string): string {
  return `${type}:${value}`;
}

function site(l: MatchableListing): string | null {
  return l.site ? l.site.trim().toLowerCase() : null;
}

export function createChangeCondition(spec: ChangeConditionSpec, watch: Watchlists | null): ChangeCondition {
  switch (spec.kind) {
    case 'new_vendor_in_category':
      return {
        spec,
        // The vendor's first appearance in this category anywhere we have seen it.
        test(l, h) {
          const cat = l.classification?.label ?? null;
          if (!l.vendor || !cat) return false;
          return !h.vendorSightings.some((s) => s.category === cat);
        },
      };
    case 'price_drop':
      return {
        spec,
        // Against the most recent earlier price: a drop of at least `percent` %.
        test(l, h) {
          if (l.priceEur === null || l.priceEur === undefined) return false;
          for (let i = h.versions.length - 1; i >= 0; i--) {
            const p = h.versions[i]!.priceEur;
            if (p === null || p <= 0) continue;
            return l.priceEur <= p * (1 - spec.percent / 100) + 1e-9;
          }
          return false;
        },
      };
    case 'relisted':
      return {
        spec,
        // Seen now, and the latest earlier observation found it removed.
        test(_l, h) {
          const last = h.versions[h.versions.length - 1];
          return last !== undefined && last.removed;
        },
      };
    case 'same_entity_on_sites':
      return {
        spec,
        test(l, h) {
          const here = site(l);
          for (const e of l.entities ?? []) {
            if (e.type === 'phone' || e.type === 'onion') continue;
            const sites = new Set(
              (h.entitySites[entityKey(e.type, e.value)] ?? []).map((s) => s.trim().toLowerCase()),
            );
            if (here) sites.add(here);
            if (sites.size >= spec.min) return true;
          }
          return false;
        },
      };
    case 'watched_vendor_new_site':
      return {
        spec,
        // A watched vendor (by name or PGP key) on a site it was never seen on before.
        test(l, h) {
          const here = site(l);
          if (!here || !watch || !isWatchedVendor(l, watch)) return false;
          return !h.vendorSightings.some((s) => s.site.trim().toLowerCase() === here);
        },
      };
  }
}

export function isWatchedVendor(l: MatchableListing, w: Watchlists): boolean {
  if (l.vendor && w.vendors.includes(canonicalVendor(l.vendor))) return true;
  return (l.entities ?? []).some((e) => e.type === 'pgp' && pgpMatches(canonicalPgp(e.value), w.pgp));
}

export function pgpMatches(fingerprint: string, list: readonly string[]): boolean {
  return list.some((p) => p === fingerprint || (p.length === 16 && fingerprint.endsWith(p)));
}

/** Canonical form of an extracted entity for watchlist comparison, with its list. */
export function canonicalEntity(type: Parameters<typeof watchKindOfEntity>[0], value: string) {
  const kind = watchKindOfEntity(type);
  if (kind === 'addresses') return { kind, value: canonicalAddress(value) };
  if (kind === 'pgp') return { kind, value: canonicalPgp(value) };
  if (kind === 'handles') return { kind, value: canonicalHandle(value) };
  return null;
}

export type { ListingHistory };
