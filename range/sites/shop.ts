// Template "shop": BlackForge, one vendor's own storefront — a card grid of products, product
// pages with a definition list of specs, an about page with the vendor's key and contacts.
import {
  esc,
  html,
  notFound,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from '../http/site-server.js';
import { countryName } from '../generate/world.js';
import {
  currentPrice,
  ENTITY_LABELS,
  entityDisplay,
  formatPrice,
  listingIfVisible,
  mirrorsTxt,
  page,
  paginate,
  pgpTxt,
  visibleListings,
  type SiteContext,
} from './common.js';

const CSS = `<style>
body{font-family:'Helvetica Neue',Arial,sans-serif;background:#111;color:#eee;margin:0}
.hero{padding:40px;background:linear-gradient(90deg,#222,#552);text-align:center}
.grid{display:flex;flex-wrap:wrap;gap:18px;padding:24px}
.product-card{width:220px;background:#1d1d1d;border:1px solid #333;padding:12px}
.product-card h3{font-size:15px}.cost{color:#ffcc33;font-weight:bold}
dl.specs dt{float:left;clear:left;width:120px;color:#999}dl.specs dd{margin-left:130px}
</style>`;

function layout(ctx: SiteContext, title: string, body: string): string {
  return page(
    `${esc(title)} | BlackForge Armory`,
    CSS,
    `<nav class="top"><a href="/">Store</a> · <a href="/about">About &amp; contact</a> · <a href="/pgp.txt">PGP</a></nav>\n${body}\n<footer><small>BlackForge — no escrow, FE only, repeat customers get discounts</small></footer>`,
  );
}

function storefront(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const p = paginate(visibleListings(ctx), req.query.get('page'), 12);
  const cards = p.items
    .map((l) => {
      const pr = currentPrice(ctx, l);
      return `<div class="product-card"><a href="/product/${l.id}"><h3>${esc(l.title)}</h3></a><span class="cost">${esc(formatPrice(pr.amount, pr.currency, 'shop'))}</span></div>`;
    })
    .join('\n');
  const more = p.page < p.pages ? `<a class="more" href="/?page=${p.page + 1}">More products</a>` : '';
  const prev = p.page > 1 ? `<a class="less" href="/?page=${p.page - 1}">Back</a>` : '';
  return html(
    layout(
      ctx,
      'Store',
      `<div class="hero"><h1>BlackForge Armory</h1><p>Private armourer. Direct from the workshop.</p></div>\n<div class="grid">\n${cards}\n</div>\n<p>${prev} ${more}</p>`,
    ),
  );
}

function product(ctx: SiteContext, id: string): RangeResponse {
  const l = listingIfVisible(ctx, id);
  if (!l) return html(layout(ctx, 'Sold out', '<h1>Sold out</h1>'), 404);
  const pr = currentPrice(ctx, l);
  const ents = l.entities
    .map(
      (e) =>
        `<li class="entity" data-type="${e.type}">${ENTITY_LABELS[e.type]}: <code>${esc(entityDisplay(e))}</code></li>`,
    )
    .join('\n');
  const body =
    `<main class="product"><h1 class="product-title">${esc(l.title)}</h1>\n<p class="cost">${esc(formatPrice(pr.amount, pr.currency, 'shop'))}</p>\n` +
    `<dl class="specs"><dt>Category</dt><dd class="category">${esc(l.categoryPath)}</dd><dt>Quantity</dt><dd class="quantity">${esc(l.item.unit)}</dd><dt>Seller</dt><dd class="seller">${esc(l.vendor)}</dd>` +
    `<dt>Ships from</dt><dd class="from">${esc(countryName(l.shipsFrom))}</dd><dt>Ships to</dt><dd class="to">${esc(l.shipsTo.map(countryName).join(', '))}</dd></dl>\n` +
    `<section class="product-description"><h2>Details</h2><p>${esc(l.description)}</p></section>\n<section class="contact"><h2>How to order</h2><ul>\n${ents}\n</ul></section></main>`;
  return html(layout(ctx, l.title, body));
}

function about(ctx: SiteContext): RangeResponse {
  const v = ctx.world.vendorById.get(ctx.world.shopVendorId)!;
  const ents = [
    ...v.contacts,
    ...v.btc.map((b) => ({ type: 'btc' as const, value: b })),
    ...v.xmr.map((x) => ({ type: 'xmr' as const, value: x })),
  ];
  const list = ents
    .map(
      (e) =>
        `<li class="entity" data-type="${e.type}">${ENTITY_LABELS[e.type]}: <code>${esc(entityDisplay(e))}</code></li>`,
    )
    .join('\n');
  return html(
    layout(
      ctx,
      'About',
      `<main><h1>About ${esc(v.handle)}</h1><p>${esc(v.bio)}</p><ul>${list}</ul>` +
        (v.pgp
          ? `<h2>Vendor key</h2><p>Fingerprint <code class="entity" data-type="pgp">${v.pgp.fingerprint}</code></p><pre>${esc(v.pgp.publicKeyArmored)}</pre>`
          : '') +
        '</main>',
    ),
  );
}

export function shopHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    if (req.path === '/') return storefront(ctx, req);
    if (req.path === '/about') return about(ctx);
    if (req.path === '/pgp.txt') return pgpTxt(ctx);
    if (req.path === '/mirrors.txt') return mirrorsTxt(ctx);
    const m = /^\/product\/([A-Za-z0-9]+)$/.exec(req.path);
    if (m) return product(ctx, m[1]!);
    return notFound();
  };
}
