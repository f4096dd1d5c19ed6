// The fixed cast of range sites. Names and kinds never change; addresses derive from the seed.
import type { SourceKind } from '../../core/types.js';
import { deriveSiteKey } from '../onion.js';

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

export function siteAddresses(seed: number, def: SiteDef): SiteAddresses {
  const onion = deriveSiteKey(seed, def.name).onion;
  const mirrors: string[] = [];
  for (let i = 1; i <= def.mirrorCount; i++)
    mirrors.push(deriveSiteKey(seed, `${def.name}#mirror${i}`).onion);
  return { onion, mirrors };
}
