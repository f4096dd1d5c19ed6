// Shared pieces of the site templates: the context every template gets, price formatting,
// entity labels, the signed mirror list and the broken-HTML transform.
import type { ExtractedEntity } from '../../core/types.js';
import type { World, Listing, PriceCurrency, Vendor } from '../generate/world.js';
import { isVisible, priceAt } from '../generate/world.js';
import { text, type RangeResponse } from '../http/site-server.js';
import type { SiteDef } from './registry.js';

export interface SiteContext {
  def: SiteDef;
  world: World;
  epoch(): number;
  onion: string;
  mirrors: string[];
  /** Obstacles switched on for this range. */
  obstacles: ReadonlySet<string>;
}

export function formatPrice(amount: number, currency: PriceCurrency, style: 'a' | 'b' | 'shop'): string {
  const fixed = (n: number, d: number) => n.toFixed(d);
  const grouped = (n: number) =>
    n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (currency === 'BTC') return `${fixed(amount, 5)} BTC`;
  if (currency === 'XMR') return `${fixed(amount, 3)} XMR`;
  if (style === 'a') return currency === 'USD' ? `$${grouped(amount)}` : `€${grouped(amount)}`;
  if (style === 'shop') return `${currency} ${grouped(amount)}`;
  return `${fixed(amount, 2)} ${currency}`;
}

export const ENTITY_LABELS: Record<string, string> = {
  btc: 'BTC',
  xmr: 'XMR',
  eth: 'ETH',
  pgp: 'PGP fingerprint',
  email: 'E-mail',
  onion: 'Onion',
  telegram: 'Telegram',
  session: 'Session',
  wickr: 'Wickr',
  jabber: 'Jabber',
  phone: 'Phone',
};

/** How an entity value is written on a page (the truth keeps the canonical value). */
export function entityDisplay(e: ExtractedEntity, style: 'plain' | 'grouped' = 'plain'): string {
  if (e.type === 'telegram') return `@${e.value}`;
  if (e.type === 'pgp' && style === 'grouped') return e.value.replace(/(.{4})(?=.)/g, '$1 ');
  return e.value;
}

export function visibleListings(ctx: SiteContext, site = ctx.def.name): Listing[] {
  const epoch = ctx.epoch();
  return (ctx.world.listingsBySite.get(site) ?? []).filter((l) =>
    isVisible(l, ctx.world.vendorById.get(l.vendorId)!, epoch),
  );
}

export function listingIfVisible(ctx: SiteContext, id: string): Listing | null {
  const l = ctx.world.listingById.get(id);
  if (!l || l.site !== ctx.def.name) return null;
  return isVisible(l, ctx.world.vendorById.get(l.vendorId)!, ctx.epoch()) ? l : null;
}

export function vendorByHandle(ctx: SiteContext, handle: string): Vendor | null {
  const site = ctx.def.cloneOf ?? ctx.def.name;
  for (const v of ctx.world.vendors) {
    if (v.handles[site] === handle && v.firstEpoch <= ctx.epoch()) return v;
  }
  return null;
}

export function currentPrice(ctx: SiteContext, l: Listing) {
  return priceAt(l, ctx.epoch());
}

export function paginate<T>(items: T[], pageParam: string | null, perPage: number) {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const n = Number(pageParam ?? '1');
  const page = Number.isInteger(n) && n >= 1 ? n : 1;
  return { page, pages, items: page <= pages ? items.slice((page - 1) * perPage, page * perPage) : [] };
}

/** `/mirrors.txt`: the operator's address list, OpenPGP cleartext-signed with the site key. */
export function mirrorsTxt(ctx: SiteContext): RangeResponse {
  const market = ctx.world.markets.get(ctx.def.name);
  if (!market) return text('no mirrors\n', 404);
  const lines = [
    `${market.title} - official addresses`,
    '',
    ...market.addresses.map((a) => `http://${a}/`),
    '',
    `Verify this list with our key at /pgp.txt (fingerprint ${market.key.fingerprint}).`,
    'Any address not signed by this key is a phishing site.',
  ];
  return text(market.key.clearSign(lines.join('\n')));
}

export function pgpTxt(ctx: SiteContext): RangeResponse {
  const market = ctx.world.markets.get(ctx.def.name);
  if (!market) return text('no key\n', 404);
  return text(market.key.publicKeyArmored);
}

/**
 * Broken but recoverable HTML, as sloppy markets serve it: closing tags of cells, rows,
 * paragraphs and list items dropped, stray closers, unquoted attributes, no document end.
 */
export function breakHtml(html: string): string {
  return html
    .replace(/<\/(td|th|tr|p|li|dd|dt)>/g, '')
    .replace(/<\/body>\s*<\/html>\s*$/, '')
    .replace(/ class="([a-z-]+)"/g, ' class=$1')
    .replace(/<table/, '</div></span><table')
    .replace(/<\/h1>/, '</h1></b>');
}

export function page(title: string, head: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n${head}\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}
