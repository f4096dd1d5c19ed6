// Ground truth of a range at one epoch: every planted listing, post (forum posts and pastes),
// vendor and entity, with its category and the URL of the page that shows it. Computed from
// the same world the sites render, so it matches the pages (tests parse pages to prove it).
import type { Category, EntityType, ExtractedEntity, SourceKind } from '../core/types.js';
import { isVisible, priceAt, priceEurAt, type Listing, type World } from './generate/world.js';
import { postPage } from './sites/forum.js';
import { SITE_DEFS } from './sites/registry.js';

export interface TruthSite {
  name: string;
  kind: SourceKind;
  template: string;
  onion: string;
  mirrors: string[];
  url: string;
  cloneOf: string | null;
  /** Fingerprint of the key that signs its /mirrors.txt (null: no signed mirror list). */
  pgpFingerprint: string | null;
}

export interface TruthListing {
  id: string;
  site: string;
  url: string;
  title: string;
  /** Title before obfuscation. */
  plainTitle: string;
  description: string;
  category: Category;
  subcategory: string;
  /** As the site shows it, e.g. "Weapons > Handguns". */
  categoryPath: string;
  price: { amount: number; currency: string };
  priceEur: number;
  /** Quantity and unit as shown, e.g. "50 rds", "10 g", "1 pc". */
  unit: string;
  vendor: string;
  vendorId: string;
  /** ISO 3166-1 alpha-2 (WW = worldwide, EU = European Union); pages show English names. */
  shipsFrom: string;
  shipsTo: string[];
  language: string;
  obfuscation: string | null;
  entities: ExtractedEntity[];
  firstEpoch: number;
  /** Last epoch at which it is listed; null = still listed for good. */
  lastEpoch: number | null;
}

export interface TruthPost {
  id: string;
  site: string;
  /** Page that shows the post (thread page or paste). */
  url: string;
  threadId: string;
  threadTitle: string;
  board: string | null;
  author: string;
  postedAt: string;
  body: string;
  position: number;
  entities: ExtractedEntity[];
  /** Vendor ids the post mentions. */
  mentions: string[];
}

export interface TruthVendor {
  id: string;
  handle: string;
  handles: Record<string, string>;
  sites: string[];
  profileUrls: Record<string, string>;
  country: string;
  language: string;
  specialty: Category;
  pgpFingerprint: string | null;
  btc: string[];
  xmr: string[];
  contacts: ExtractedEntity[];
  firstEpoch: number;
}

export interface TruthEntity {
  type: EntityType;
  value: string;
  /** Most common category of the listings showing it; else the owning vendor's specialty. */
  category: Category | null;
  vendors: string[];
  pages: string[];
}

export interface TruthEvent {
  epoch: number;
  type: 'listing_appeared' | 'listing_removed' | 'price_changed' | 'vendor_appeared';
  listingId?: string;
  vendorId?: string;
  site?: string;
  priceEurBefore?: number;
  priceEurAfter?: number;
}

export interface RangeTruth {
  version: 1;
  seed: number;
  size: number;
  epoch: number;
  sites: TruthSite[];
  listings: TruthListing[];
  posts: TruthPost[];
  vendors: TruthVendor[];
  entities: TruthEntity[];
  /** What changed at epochs 1..epoch (for recrawl, price-drop and new-vendor exercises). */
  events: TruthEvent[];
}

export function listingUrl(world: World, l: Listing): string {
  const onion = world.addresses.get(l.site)!.onion;
  const path = l.site === 'nocturne' ? 'item' : l.site === 'blackforge' ? 'product' : 'listing';
  return `http://${onion}/${path}/${l.id}`;
}

export function vendorUrl(world: World, site: string, handle: string): string | null {
  const onion = world.addresses.get(site)?.onion;
  if (!onion) return null;
  if (site === 'ironbazaar' || site === 'ironbazaar-clone')
    return `http://${onion}/vendor/${encodeURIComponent(handle)}`;
  if (site === 'nocturne') return `http://${onion}/v/${encodeURIComponent(handle)}`;
  if (site === 'blackforge') return `http://${onion}/about`;
  return null;
}

function lastEpochOf(l: Listing): number | null {
  return l.disappearEpoch === null ? null : l.disappearEpoch - 1;
}

export function buildTruth(world: World, epoch: number): RangeTruth {
  const sites: TruthSite[] = SITE_DEFS.map((def) => {
    const a = world.addresses.get(def.name)!;
    return {
      name: def.name,
      kind: def.kind,
      template: def.template,
      onion: a.onion,
      mirrors: a.mirrors,
      url: `http://${a.onion}/`,
      cloneOf: def.cloneOf ?? null,
      pgpFingerprint: world.markets.get(def.name)?.key.fingerprint ?? null,
    };
  });

  const visible = world.listings.filter((l) => isVisible(l, world.vendorById.get(l.vendorId)!, epoch));
  const listings: TruthListing[] = visible.map((l) => ({
    id: l.id,
    site: l.site,
    url: listingUrl(world, l),
    title: l.title,
    plainTitle: l.plainTitle,
    description: l.description,
    category: l.category,
    subcategory: l.subcategory,
    categoryPath: l.categoryPath,
    price: priceAt(l, epoch),
    priceEur: priceEurAt(l, epoch),
    unit: l.item.unit,
    vendor: l.vendor,
    vendorId: l.vendorId,
    shipsFrom: l.shipsFrom,
    shipsTo: l.shipsTo,
    language: l.lang,
    obfuscation: l.obfuscation,
    entities: l.entities,
    firstEpoch: Math.max(l.appearEpoch, world.vendorById.get(l.vendorId)!.firstEpoch),
    lastEpoch: lastEpochOf(l),
  }));

  const forumOnion = world.addresses.get('balkanboard')!.onion;
  const pasteOnion = world.addresses.get('stashbin')!.onion;
  const posts: TruthPost[] = [];
  for (const t of world.threads) {
    for (const p of t.posts) {
      const pg = postPage(p.position);
      posts.push({
        id: p.id,
        site: 'balkanboard',
        url: `http://${forumOnion}/t/${t.id}${pg > 1 ? `?page=${pg}` : ''}`,
        threadId: t.id,
        threadTitle: t.title,
        board: t.board,
        author: p.author,
        postedAt: p.postedAt,
        body: p.body,
        position: p.position,
        entities: p.entities,
        mentions: p.mentions,
      });
    }
  }
  for (const x of world.pastes) {
    posts.push({
      id: `paste-${x.id}`,
      site: 'stashbin',
      url: `http://${pasteOnion}/p/${x.id}`,
      threadId: x.id,
      threadTitle: x.title,
      board: null,
      author: x.author,
      postedAt: x.createdAt,
      body: x.body,
      position: 1,
      entities: x.entities,
      mentions: x.mentions,
    });
  }

  const vendors: TruthVendor[] = world.vendors
    .filter((v) => v.firstEpoch <= epoch)
    .map((v) => {
      const profileUrls: Record<string, string> = {};
      for (const s of v.sites) {
        const u = vendorUrl(world, s, v.handles[s]!);
        if (u) profileUrls[s] = u;
      }
      if (v.sites.includes('ironbazaar'))
        profileUrls['ironbazaar-clone'] = vendorUrl(world, 'ironbazaar-clone', v.handles.ironbazaar!)!;
      return {
        id: v.id,
        handle: v.handle,
        handles: {
          ...v.handles,
          ...(v.handles.ironbazaar ? { 'ironbazaar-clone': v.handles.ironbazaar } : {}),
        },
        sites: v.sites,
        profileUrls,
        country: v.country,
        language: v.lang,
        specialty: v.specialty,
        pgpFingerprint: v.pgp?.fingerprint ?? null,
        btc: v.btc,
        xmr: v.xmr,
        contacts: v.contacts,
        firstEpoch: v.firstEpoch,
      };
    });

  // Entity index: every page an entity is shown on.
  const index = new Map<
    string,
    { e: ExtractedEntity; cats: Map<Category, number>; vendors: Set<string>; pages: Set<string> }
  >();
  const add = (e: ExtractedEntity, page: string, cat: Category | null, vendorId: string | null) => {
    const key = `${e.type}:${e.value}`;
    let rec = index.get(key);
    if (!rec) {
      rec = { e, cats: new Map(), vendors: new Set(), pages: new Set() };
      index.set(key, rec);
    }
    rec.pages.add(page);
    if (cat) rec.cats.set(cat, (rec.cats.get(cat) ?? 0) + 1);
    if (vendorId) rec.vendors.add(vendorId);
  };
  const owner = new Map<string, string>();
  for (const v of world.vendors) {
    if (v.pgp) owner.set(`pgp:${v.pgp.fingerprint}`, v.id);
    for (const b of v.btc) owner.set(`btc:${b}`, v.id);
    for (const x of v.xmr) owner.set(`xmr:${x}`, v.id);
    for (const c of v.contacts) owner.set(`${c.type}:${c.value}`, v.id);
  }
  for (const l of listings)
    for (const e of l.entities) add(e, l.url, l.category, owner.get(`${e.type}:${e.value}`) ?? null);
  for (const v of vendors) {
    const ents: ExtractedEntity[] = [
      ...v.contacts,
      ...(v.pgpFingerprint ? [{ type: 'pgp' as const, value: v.pgpFingerprint }] : []),
    ];
    for (const [site, url] of Object.entries(v.profileUrls)) {
      const shown =
        site === 'blackforge'
          ? [
              ...ents,
              ...v.btc.map((b) => ({ type: 'btc' as const, value: b })),
              ...v.xmr.map((x) => ({ type: 'xmr' as const, value: x })),
            ]
          : ents;
      for (const e of shown) add(e, url, null, v.id);
    }
  }
  for (const p of posts)
    for (const e of p.entities) add(e, p.url, null, owner.get(`${e.type}:${e.value}`) ?? null);
  const entities: TruthEntity[] = [...index.values()].map((rec) => {
    let category: Category | null = null;
    let best = 0;
    for (const [c, n] of rec.cats) if (n > best) [category, best] = [c, n];
    if (!category && rec.vendors.size > 0) category = world.vendorById.get([...rec.vendors][0]!)!.specialty;
    return {
      type: rec.e.type,
      value: rec.e.value,
      category,
      vendors: [...rec.vendors].sort(),
      pages: [...rec.pages].sort(),
    };
  });
  entities.sort((a, b) =>
    a.type === b.type ? a.value.localeCompare(b.value) : a.type.localeCompare(b.type),
  );

  const events: TruthEvent[] = [];
  for (let e = 1; e <= epoch; e++) {
    for (const v of world.vendors)
      if (v.firstEpoch === e) events.push({ epoch: e, type: 'vendor_appeared', vendorId: v.id });
    for (const l of world.listings) {
      const v = world.vendorById.get(l.vendorId)!;
      const was = isVisible(l, v, e - 1);
      const now = isVisible(l, v, e);
      if (!was && now) events.push({ epoch: e, type: 'listing_appeared', listingId: l.id, site: l.site });
      if (was && !now) events.push({ epoch: e, type: 'listing_removed', listingId: l.id, site: l.site });
      if (was && now && priceEurAt(l, e) !== priceEurAt(l, e - 1)) {
        events.push({
          epoch: e,
          type: 'price_changed',
          listingId: l.id,
          site: l.site,
          priceEurBefore: priceEurAt(l, e - 1),
          priceEurAfter: priceEurAt(l, e),
        });
      }
    }
  }

  return {
    version: 1,
    seed: world.seed,
    size: world.size,
    epoch,
    sites,
    listings,
    posts,
    vendors,
    entities,
    events,
  };
}
