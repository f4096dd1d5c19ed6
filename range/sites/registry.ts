// The fixed cast of range sites. Names and kinds never change; addresses derive from the seed.
import type { SourceKind } from '../../core/types.js';
import { deriveSiteKey, type SiteKey } from '../onion.js';

export const SITE_TEMPLATES = ['market-tables', 'market-js', 'forum', 'shop', 'paste'] as const;
export type SiteTemplate = (typeof SITE_TEMPLATES)[number];

export interface SiteDef {
  name: string;
  kind: SourceKind;
  template: SiteTemplate;
  /** Extra addresses serving the same site. */
  mirrorCount: number;
  /** Set for a phishing clone: the site it imitates. */
  cloneOf?: string;
  title: string;
}

export const SITE_DEFS: readonly SiteDef[] = [
  { name: 'ironbazaar', kind: 'market', template: 'market-tables', mirrorCount: 2, title: 'Iron Bazaar' },
  { name: 'nocturne', kind: 'market', template: 'market-js', mirrorCount: 1, title: 'Nocturne Market' },
  { name: 'balkanboard', kind: 'forum', template: 'forum', mirrorCount: 0, title: 'Balkan Board' },
  { name: 'blackforge', kind: 'shop', template: 'shop', mirrorCount: 0, title: 'BlackForge Armory' },
  { name: 'stashbin', kind: 'paste', template: 'paste', mirrorCount: 0, title: 'StashBin' },
  {
    name: 'ironbazaar-clone',
    kind: 'market',
    template: 'market-tables',
    mirrorCount: 1,
    cloneOf: 'ironbazaar',
    title: 'Iron Bazaar',
  },
];

export interface SiteAddresses {
  onion: string;
  /** Mirror addresses, not including `onion`. */
  mirrors: string[];
}

/** Key label of a site's primary address (index 0) and of its mirrors (1..mirrorCount). */
export function siteKeyLabel(def: SiteDef, index: number): string {
  return index === 0 ? def.name : `${def.name}#mirror${index}`;
}

/**
 * ed25519 keys of every address of a site, primary first — what a real onion service needs
 * (range/tor/ writes them as hs_ed25519_secret_key files).
 */
export function siteKeys(seed: number, def: SiteDef): SiteKey[] {
  return Array.from({ length: def.mirrorCount + 1 }, (_, i) => deriveSiteKey(seed, siteKeyLabel(def, i)));
}

export function siteAddresses(seed: number, def: SiteDef): SiteAddresses {
  const [primary, ...mirrors] = siteKeys(seed, def);
  return { onion: primary!.onion, mirrors: mirrors.map((k) => k.onion) };
}
