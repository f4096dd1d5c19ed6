// Template "market-js": a single-page-app market (Nocturne). The HTML is an empty shell; the
// browse pages fetch JSON from /api/…, and an item page carries its details as an obfuscated
// blob in an inline script that renders them. A plain HTTP fetch of an item sees no title,
// price or vendor — only a browser running the script does.
import {
  esc,
  html,
  json,
  notFound,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from '../http/site-server.js';
import { countryName, type Listing, type Vendor } from '../generate/world.js';
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
  vendorByHandle,
  visibleListings,
  type SiteContext,
} from './common.js';

const PER_PAGE = 24;
/** XOR key of the item blob: not security, just enough that the data is not plain text. */
const BLOB_KEY = 'nocturne';

export function encodeBlob(value: unknown): string {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ BLOB_KEY.charCodeAt(i % BLOB_KEY.length);
  return bytes.toString('base64');
}

export function decodeBlob(blob: string): unknown {
  const bytes = Buffer.from(blob, 'base64');
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ BLOB_KEY.charCodeAt(i % BLOB_KEY.length);
  return JSON.parse(bytes.toString('utf8'));
}

const CSS = `<style>
:root{--bg:#0e1020;--card:#171a33;--fg:#e6e6f0;--acc:#9d7dff}
body{margin:0;background:var(--bg);color:var(--fg);font-family:system-ui,sans-serif}
header.bar{display:flex;gap:16px;align-items:center;padding:12px 24px;background:#090a14}
header.bar a{color:var(--acc);text-decoration:none}
main{max-width:1100px;margin:0 auto;padding:24px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px}
.card{background:var(--card);border-radius:10px;padding:14px}.card a{color:var(--fg)}
.crumbs{opacity:.7;font-size:13px}.chip{display:inline-block;background:#272b55;border-radius:12px;padding:2px 10px;margin:2px}
.item-price{font-size:22px;color:#7dffb0}.pager{margin-top:16px}
</style>`;

/** The app script: tiny client-side router and renderers. */
const APP_JS = `(function(){
'use strict';
var KEY='${BLOB_KEY}';
function decode(b){var s=atob(b);var u=new Uint8Array(s.length);for(var i=0;i<s.length;i++)u[i]=s.charCodeAt(i)^KEY.charCodeAt(i%KEY.length);return JSON.parse(new TextDecoder().decode(u));}
function el(tag,attrs,kids){var e=document.createElement(tag);for(var k in attrs){if(k==='text')e.textContent=attrs[k];else e.setAttribute(k,attrs[k]);}(kids||[]).forEach(function(c){e.appendChild(c);});return e;}
var app=document.getElementById('app');
function renderItem(d){
  document.title=d.title+' | Nocturne';
  var box=el('article',{'class':'item','data-id':d.id});
  box.appendChild(el('div',{'class':'crumbs',text:d.category}));
  box.appendChild(el('h1',{'class':'item-title',text:d.title}));
  box.appendChild(el('div',{'class':'item-price',text:d.priceText}));
  var meta=el('ul',{'class':'item-meta'});
  meta.appendChild(el('li',{},[el('span',{text:'Vendor: '}),el('a',{'class':'item-vendor',href:'/v/'+encodeURIComponent(d.vendor),text:d.vendor})]));
  meta.appendChild(el('li',{'class':'item-unit',text:'Quantity: '+d.unit}));
  meta.appendChild(el('li',{'class':'item-from',text:'Ships from: '+d.shipsFrom}));
  meta.appendChild(el('li',{'class':'item-to',text:'Ships to: '+d.shipsTo.join(', ')}));
  box.appendChild(meta);
  box.appendChild(el('p',{'class':'item-description',text:d.description}));
  var ents=el('div',{'class':'item-entities'});
  d.entities.forEach(function(e){ents.appendChild(el('span',{'class':'chip entity','data-type':e.type,text:e.label+': '+e.display}));});
  box.appendChild(ents);
  app.appendChild(box);
}
function renderVendor(d){
  document.title=d.handle+' | Nocturne';
  var box=el('section',{'class':'vendor'});
  box.appendChild(el('h1',{'class':'vendor-name',text:d.handle}));
  box.appendChild(el('p',{'class':'vendor-bio',text:d.bio}));
  d.entities.forEach(function(e){box.appendChild(el('span',{'class':'chip entity','data-type':e.type,text:e.label+': '+e.display}));});
  if(d.pgp)box.appendChild(el('pre',{'class':'vendor-key',text:d.pgp}));
  var list=el('div',{'class':'cards'});
  d.items.forEach(function(it){list.appendChild(card(it));});
  box.appendChild(list);
  app.appendChild(box);
}
function card(it){return el('div',{'class':'card'},[el('a',{href:'/item/'+it.id,text:it.title}),el('div',{'class':'chip',text:it.priceText}),el('div',{'class':'crumbs',text:it.vendor})]);}
function renderBrowse(){
  var q=new URLSearchParams(location.search);var page=q.get('page')||'1';var cat=q.get('cat')||'';
  fetch('/api/listings?page='+encodeURIComponent(page)+'&cat='+encodeURIComponent(cat),{credentials:'same-origin'}).then(function(r){return r.json();}).then(function(d){
    var list=el('div',{'class':'cards'});d.items.forEach(function(it){list.appendChild(card(it));});
    app.appendChild(el('h2',{text:cat?cat:'Browse'}));
    var cats=el('nav',{'class':'cats'});d.categories.forEach(function(c){cats.appendChild(el('a',{'class':'chip',href:'/?cat='+encodeURIComponent(c),text:c}));});
    app.appendChild(cats);app.appendChild(list);
    var pg=el('div',{'class':'pager'});
    if(d.page>1)pg.appendChild(el('a',{href:'/?page='+(d.page-1)+(cat?'&cat='+encodeURIComponent(cat):''),rel:'prev',text:'Previous'}));
    pg.appendChild(el('span',{text:' '+d.page+' / '+d.pages+' '}));
    if(d.page<d.pages)pg.appendChild(el('a',{href:'/?page='+(d.page+1)+(cat?'&cat='+encodeURIComponent(cat):''),rel:'next',text:'Next'}));
    app.appendChild(pg);
  });
}
var blob=window.__NC__;
if(blob){var d=decode(blob);if(d.kind==='item')renderItem(d);else renderVendor(d);}else{renderBrowse();}
})();`;

function shell(ctx: SiteContext, blob: string | null): string {
  const data = blob ? `<script>window.__NC__=${JSON.stringify(blob)};</script>\n` : '';
  return page(
    'Nocturne',
    CSS,
    `<header class="bar"><strong>&#9790; Nocturne</strong><a href="/">Browse</a><a href="/mirrors.txt">Mirrors</a><a href="/pgp.txt">PGP</a></header>\n` +
      `<main id="app"></main>\n<noscript><p>Nocturne needs JavaScript. Please enable it.</p></noscript>\n${data}<script src="/static/app.js?v=${ctx.world.seed}"></script>`,
  );
}

function entitiesFor(list: Listing['entities']) {
  return list.map((e) => ({
    type: e.type,
    label: ENTITY_LABELS[e.type],
    display: entityDisplay(e),
    value: e.value,
  }));
}

function itemData(ctx: SiteContext, l: Listing) {
  const p = currentPrice(ctx, l);
  return {
    kind: 'item',
    id: l.id,
    title: l.title,
    description: l.description,
    price: p.amount,
    currency: p.currency,
    priceText: formatPrice(p.amount, p.currency, 'b'),
    unit: l.item.unit,
    vendor: l.vendor,
    category: l.categoryPath,
    shipsFrom: countryName(l.shipsFrom),
    shipsTo: l.shipsTo.map(countryName),
    entities: entitiesFor(l.entities),
  };
}

function summary(ctx: SiteContext, l: Listing) {
  const p = currentPrice(ctx, l);
  return { id: l.id, title: l.title, vendor: l.vendor, priceText: formatPrice(p.amount, p.currency, 'b') };
}

function vendorData(ctx: SiteContext, v: Vendor, handle: string) {
  const items = visibleListings(ctx).filter((l) => l.vendorId === v.id);
  const ents = [...v.contacts, ...(v.pgp ? [{ type: 'pgp' as const, value: v.pgp.fingerprint }] : [])];
  return {
    kind: 'vendor',
    handle,
    bio: v.bio,
    pgp: v.pgp?.publicKeyArmored ?? null,
    entities: entitiesFor(ents),
    items: items.map((l) => summary(ctx, l)),
  };
}

function apiListings(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const all = visibleListings(ctx);
  const categories = [...new Set(all.map((l) => l.categoryPath.split(' / ')[0]!))].sort();
  const cat = req.query.get('cat') ?? '';
  const filtered = cat ? all.filter((l) => l.categoryPath.split(' / ')[0] === cat) : all;
  const p = paginate(filtered, req.query.get('page'), PER_PAGE);
  return json({
    page: p.page,
    pages: p.pages,
    total: filtered.length,
    categories,
    items: p.items.map((l) => summary(ctx, l)),
  });
}

export function marketJsHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    const path = req.path;
    if (path === '/') return html(shell(ctx, null));
    if (path === '/static/app.js') {
      return {
        status: 200,
        headers: { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'max-age=3600' },
        body: APP_JS,
      };
    }
    if (path === '/api/listings') return apiListings(ctx, req);
    if (path === '/mirrors.txt') return mirrorsTxt(ctx);
    if (path === '/pgp.txt') return pgpTxt(ctx);
    let m = /^\/item\/([A-Za-z0-9]+)$/.exec(path);
    if (m) {
      const l = listingIfVisible(ctx, m[1]!);
      if (!l) return html(page('Nocturne', CSS, '<main><h1>Item not available</h1></main>'), 404);
      return html(shell(ctx, encodeBlob(itemData(ctx, l))));
    }
    m = /^\/v\/([^/]+)$/.exec(path);
    if (m) {
      let handle: string;
      try {
        handle = decodeURIComponent(m[1]!);
      } catch {
        return notFound();
      }
      const v = vendorByHandle(ctx, handle);
      if (!v) return html(page('Nocturne', CSS, `<main><h1>Unknown vendor ${esc(handle)}</h1></main>`), 404);
      return html(shell(ctx, encodeBlob(vendorData(ctx, v, handle))));
    }
    return notFound();
  };
}
