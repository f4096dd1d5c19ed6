// Template "market-tables": an old-school, server-rendered market (Iron Bazaar and its phishing
// clone). Everything is in <table>s; listing details are label/value rows.
import {
  esc,
  html,
  notFound,
  redirect,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from '../http/site-server.js';
import { countryName, type Listing } from '../generate/world.js';
import {
  breakHtml,
  currentPrice,
  ENTITY_LABELS,
  entityDisplay,
  formatPrice,
  listingIfVisible,
  mirrorsTxt,
  page,
  paginate,
  pgpTxt,
  vendorByHandle,
  visibleListings,
  type SiteContext,
} from './common.js';

const PER_PAGE = 25;

const CSS = `<style>
body{background:#1b1b1b;color:#ddd;font:13px Verdana,sans-serif;margin:0}
#top{background:#3a0d0d;padding:8px 16px}#top a{color:#f5c16c;margin-right:12px}
#wrap{padding:12px 16px}table.grid{border-collapse:collapse;width:100%}
table.grid td,table.grid th{border:1px solid #444;padding:4px 6px;text-align:left}
table.grid th{background:#2a2a2a}a{color:#8fc1ff}.pager a{margin:0 3px}
table.details th{width:160px;text-align:right;padding-right:10px;color:#aaa}
pre.key{font-size:11px;background:#111;padding:8px}
</style>`;

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function layout(ctx: SiteContext, title: string, body: string): string {
  const nav = [
    '<a href="/">Home</a>',
    '<a href="/listings">All listings</a>',
    '<a href="/vendors">Vendors</a>',
    '<a href="/mirrors.txt">Mirrors</a>',
    '<a href="/pgp.txt">PGP</a>',
    ctx.obstacles.has('login') ? '<a href="/logout">Logout</a>' : '',
  ].join('');
  const trap = ctx.obstacles.has('traps')
    ? ' | <a href="/events/calendar?month=2026-01">Events calendar</a>'
    : '';
  return page(
    `${esc(title)} - ${esc(ctx.def.title)}`,
    CSS,
    `<div id="top"><b>${esc(ctx.def.title.toUpperCase())}</b> &nbsp; ${nav}</div>\n<div id="wrap">\n${body}\n</div>\n<div id="foot">epoch ${ctx.epoch()} | escrow market since 2023${trap}</div>`,
  );
}

function listingRows(ctx: SiteContext, listings: Listing[]): string {
  return listings
    .map((l) => {
      const p = currentPrice(ctx, l);
      return `<tr><td><a href="/listing/${l.id}">${esc(l.title)}</a></td><td><a href="/vendor/${encodeURIComponent(l.vendor)}">${esc(l.vendor)}</a></td><td>${esc(l.categoryPath)}</td><td>${esc(formatPrice(p.amount, p.currency, 'a'))}</td><td>${esc(countryName(l.shipsFrom))}</td></tr>`;
    })
    .join('\n');
}

function listingTable(ctx: SiteContext, listings: Listing[]): string {
  return `<table class="grid listings">\n<tr><th>Item</th><th>Vendor</th><th>Category</th><th>Price</th><th>Ships from</th></tr>\n${listingRows(ctx, listings)}\n</table>`;
}

function pager(base: string, page: number, pages: number): string {
  const links: string[] = [];
  const sep = base.includes('?') ? '&' : '?';
  if (page > 1) links.push(`<a href="${base}${sep}page=${page - 1}" rel="prev">&laquo; prev</a>`);
  links.push(`page ${page} of ${pages}`);
  if (page < pages) links.push(`<a href="${base}${sep}page=${page + 1}" rel="next">next &raquo;</a>`);
  return `<div class="pager">${links.join(' ')}</div>`;
}

function topCategories(ctx: SiteContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of visibleListings(ctx)) {
    const top = l.categoryPath.split(' > ')[0]!;
    out.set(slug(top), top);
  }
  return new Map([...out.entries()].sort());
}

function home(ctx: SiteContext): RangeResponse {
  const cats = [...topCategories(ctx).entries()]
    .map(([s, t]) => `<tr><td><a href="/category/${s}">${esc(t)}</a></td></tr>`)
    .join('');
  const latest = visibleListings(ctx).slice(-20).reverse();
  return html(
    layout(
      ctx,
      'Home',
      `<table width="100%"><tr><td valign="top" width="200"><table class="grid cats"><tr><th>Categories</th></tr>${cats}</table></td>` +
        `<td valign="top"><h3>Latest listings</h3>${listingTable(ctx, latest)}<p><a href="/listings">Browse all listings</a></p></td></tr></table>`,
    ),
  );
}

function listingsPage(ctx: SiteContext, req: RangeRequest, filter?: string): RangeResponse {
  const cats = topCategories(ctx);
  let all = visibleListings(ctx);
  let heading = 'All listings';
  let base = '/listings';
  if (filter !== undefined) {
    const name = cats.get(filter);
    if (!name) return notFound();
    all = all.filter((l) => slug(l.categoryPath.split(' > ')[0]!) === filter);
    heading = name;
    base = `/category/${filter}`;
  }
  const p = paginate(all, req.query.get('page'), PER_PAGE);
  if (p.items.length === 0 && p.page > 1) return notFound();
  return html(
    layout(
      ctx,
      heading,
      `<h2>${esc(heading)}</h2>\n${listingTable(ctx, p.items)}\n${pager(base, p.page, p.pages)}`,
    ),
  );
}

function listingPage(ctx: SiteContext, id: string): RangeResponse {
  const l = listingIfVisible(ctx, id);
  if (!l) return html(layout(ctx, 'Not found', '<h2>Listing not found or removed</h2>'), 404);
  const p = currentPrice(ctx, l);
  const rows: Array<[string, string, string]> = [
    ['Vendor', 'vendor', `<a href="/vendor/${encodeURIComponent(l.vendor)}">${esc(l.vendor)}</a>`],
    ['Category', 'category', esc(l.categoryPath)],
    ['Price', 'price', esc(formatPrice(p.amount, p.currency, 'a'))],
    ['Quantity', 'quantity', esc(l.item.unit)],
    ['Ships from', 'ships-from', esc(countryName(l.shipsFrom))],
    ['Ships to', 'ships-to', esc(l.shipsTo.map(countryName).join(', '))],
    ['Listing ID', 'listing-id', esc(l.id)],
  ];
  const details = rows
    .map(([label, cls, value]) => `<tr><th>${label}</th><td class="${cls}">${value}</td></tr>`)
    .join('\n');
  const ents = l.entities
    .map(
      (e) =>
        `<tr><th>${ENTITY_LABELS[e.type]}</th><td class="entity" data-type="${e.type}">${esc(entityDisplay(e, 'grouped'))}</td></tr>`,
    )
    .join('\n');
  const body =
    `<h1 class="title">${esc(l.title)}</h1>\n<table class="grid details">\n${details}\n</table>\n` +
    `<h3>Description</h3>\n<table class="grid desc"><tr><td class="description">${esc(l.description)}</td></tr></table>\n` +
    `<h3>Vendor contact &amp; payment</h3>\n<table class="grid entities">\n${ents}\n</table>\n` +
    `<form method="post" action="/order/${l.id}"><input type="submit" value="Order (escrow)"></form>`;
  const out = layout(ctx, l.title, body);
  return html(ctx.obstacles.has('malformed') && l.malformed ? breakHtml(out) : out);
}

function vendorPage(ctx: SiteContext, handle: string): RangeResponse {
  const v = vendorByHandle(ctx, handle);
  if (!v) return html(layout(ctx, 'Not found', '<h2>No such vendor</h2>'), 404);
  const own = visibleListings(ctx).filter((l) => l.vendorId === v.id);
  const contacts = v.contacts
    .map(
      (c) =>
        `<tr><th>${ENTITY_LABELS[c.type]}</th><td class="entity" data-type="${c.type}">${esc(entityDisplay(c))}</td></tr>`,
    )
    .join('');
  const body =
    `<h1 class="vendor-name">${esc(handle)}</h1>\n<table class="grid details"><tr><th>Country</th><td>${esc(countryName(v.country))}</td></tr>` +
    `<tr><th>Member since</th><td>epoch ${v.firstEpoch}</td></tr>${contacts}` +
    (v.pgp
      ? `<tr><th>PGP fingerprint</th><td class="entity" data-type="pgp">${esc(entityDisplay({ type: 'pgp', value: v.pgp.fingerprint }, 'grouped'))}</td></tr>`
      : '') +
    `</table>\n<p class="bio">${esc(v.bio)}</p>\n` +
    (v.pgp ? `<h3>PGP key</h3><pre class="key">${esc(v.pgp.publicKeyArmored)}</pre>\n` : '') +
    `<h3>Listings (${own.length})</h3>\n${listingTable(ctx, own)}`;
  return html(layout(ctx, handle, body));
}

function vendorsPage(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const counts = new Map<string, number>();
  for (const l of visibleListings(ctx)) counts.set(l.vendor, (counts.get(l.vendor) ?? 0) + 1);
  const names = [...counts.keys()].sort((a, b) => a.localeCompare(b));
  const p = paginate(names, req.query.get('page'), 50);
  const rows = p.items
    .map(
      (n) =>
        `<tr><td><a href="/vendor/${encodeURIComponent(n)}">${esc(n)}</a></td><td>${counts.get(n)}</td></tr>`,
    )
    .join('\n');
  return html(
    layout(
      ctx,
      'Vendors',
      `<h2>Vendors</h2><table class="grid vendors"><tr><th>Vendor</th><th>Listings</th></tr>\n${rows}</table>${pager('/vendors', p.page, p.pages)}`,
    ),
  );
}

/** Link trap: an endless calendar, every month links to the next and previous one. */
function calendar(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const m = /^(\d{4})-(\d{2})$/.exec(req.query.get('month') ?? '2026-01');
  if (!m) return notFound();
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const fmt = (yy: number, mm: number) => {
    const d = new Date(Date.UTC(yy, mm - 1, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const days = Array.from(
    { length: 28 },
    (_, i) => `<td><a href="/events/calendar?month=${fmt(y, mo)}&day=${i + 1}">${i + 1}</a></td>`,
  );
  const rows = [0, 1, 2, 3].map((w) => `<tr>${days.slice(w * 7, w * 7 + 7).join('')}</tr>`).join('');
  return html(
    layout(
      ctx,
      'Events',
      `<h2>Events ${fmt(y, mo)}</h2><table class="grid cal">${rows}</table><p><a href="/events/calendar?month=${fmt(y, mo - 1)}">&laquo; previous month</a> <a href="/events/calendar?month=${fmt(y, mo + 1)}">next month &raquo;</a></p>`,
    ),
  );
}

export function marketTablesHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    const path = req.path;
    if (path === '/' || path === '/index.php') return home(ctx);
    if (path === '/listings') return listingsPage(ctx, req);
    if (path === '/vendors') return vendorsPage(ctx, req);
    if (path === '/mirrors.txt') return mirrorsTxt(ctx);
    if (path === '/pgp.txt') return pgpTxt(ctx);
    if (path === '/robots.txt')
      return {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: 'User-agent: *\nDisallow: /order/\n',
      };
    let m = /^\/category\/([a-z0-9-]+)$/.exec(path);
    if (m) return listingsPage(ctx, req, m[1]!);
    m = /^\/listing\/([A-Za-z0-9]+)$/.exec(path);
    if (m) return listingPage(ctx, m[1]!);
    m = /^\/vendor\/([^/]+)$/.exec(path);
    if (m) {
      let handle: string;
      try {
        handle = decodeURIComponent(m[1]!);
      } catch {
        return notFound();
      }
      return vendorPage(ctx, handle);
    }
    if (/^\/order\/[A-Za-z0-9]+$/.test(path)) return redirect('/listings');
    if (path === '/events/calendar' && ctx.obstacles.has('traps')) return calendar(ctx, req);
    return notFound();
  };
}
