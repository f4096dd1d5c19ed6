// Test helpers: read the fields of range pages back with cheerio, the way an extractor would,
// to compare them with the ground truth.
import * as cheerio from 'cheerio';
import type { ExtractedEntity } from '../../core/types.js';
import { decodeBlob } from '../../range/sites/market-js.js';

export interface PageListing {
  title: string;
  description: string;
  vendor: string;
  category: string;
  price: { amount: number; currency: string };
  unit: string;
  shipsFrom: string;
  shipsTo: string[];
  entities: ExtractedEntity[];
}

export function parsePrice(text: string): { amount: number; currency: string } {
  const t = text.trim();
  let m = /^([\d.]+) (BTC|XMR|USD|EUR)$/.exec(t);
  if (m) return { amount: Number(m[1]), currency: m[2]! };
  m = /^(USD|EUR) ([\d,.]+)$/.exec(t);
  if (m) return { amount: Number(m[2]!.replace(/,/g, '')), currency: m[1]! };
  m = /^([$€])([\d,.]+)$/.exec(t);
  if (m) return { amount: Number(m[2]!.replace(/,/g, '')), currency: m[1] === '$' ? 'USD' : 'EUR' };
  throw new Error(`unparseable price "${t}"`);
}

/** Entity as shown → canonical value. */
export function canonicalEntity(type: string, shown: string): ExtractedEntity {
  let value = shown.trim();
  if (type === 'pgp') value = value.replace(/\s+/g, '').toUpperCase();
  if (type === 'telegram') value = value.replace(/^@/, '');
  return { type: type as ExtractedEntity['type'], value };
}

export function parseMarketA(html: string): PageListing {
  const $ = cheerio.load(html);
  const cell = (cls: string) => $(`table.details td.${cls}`).first().text().trim();
  return {
    title: $('h1.title').first().text().trim(),
    description: $('td.description').first().text().trim(),
    vendor: cell('vendor'),
    category: cell('category'),
    price: parsePrice(cell('price')),
    unit: cell('quantity'),
    shipsFrom: cell('ships-from'),
    shipsTo: cell('ships-to').split(', '),
    entities: $('table.entities td.entity')
      .toArray()
      .map((el) => canonicalEntity($(el).attr('data-type') ?? '', $(el).text())),
  };
}

export function parseShop(html: string): PageListing {
  const $ = cheerio.load(html);
  return {
    title: $('h1.product-title').text().trim(),
    description: $('section.product-description p').text().trim(),
    vendor: $('dd.seller').text().trim(),
    category: $('dd.category').text().trim(),
    price: parsePrice($('main.product p.cost').text()),
    unit: $('dd.quantity').text().trim(),
    shipsFrom: $('dd.from').text().trim(),
    shipsTo: $('dd.to').text().trim().split(', '),
    entities: $('section.contact li.entity')
      .toArray()
      .map((el) => canonicalEntity($(el).attr('data-type') ?? '', $(el).find('code').text())),
  };
}

/** Nocturne item page over plain HTTP: the data only exists as the encoded blob. */
export function nocturneBlob(html: string): Record<string, unknown> | null {
  const m = /window\.__NC__=("[^"]*")/.exec(html);
  return m ? (decodeBlob(JSON.parse(m[1]!) as string) as Record<string, unknown>) : null;
}

/** Nocturne item page after the browser ran the script (page.content()). */
export function parseNocturneRendered(html: string): PageListing {
  const $ = cheerio.load(html);
  return {
    title: $('h1.item-title').text().trim(),
    description: $('p.item-description').text().trim(),
    vendor: $('a.item-vendor').text().trim(),
    category: $('article.item .crumbs').first().text().trim(),
    price: parsePrice($('.item-price').text()),
    unit: $('li.item-unit').text().replace('Quantity: ', '').trim(),
    shipsFrom: $('li.item-from').text().replace('Ships from: ', '').trim(),
    shipsTo: $('li.item-to').text().replace('Ships to: ', '').trim().split(', '),
    entities: $('.item-entities .entity')
      .toArray()
      .map((el) => {
        const text = $(el).text();
        return canonicalEntity($(el).attr('data-type') ?? '', text.slice(text.indexOf(': ') + 2));
      }),
  };
}

export interface PagePost {
  id: string;
  author: string;
  postedAt: string;
  position: number;
  body: string;
}

export function parseForumThread(html: string): { title: string; posts: PagePost[] } {
  const $ = cheerio.load(html);
  return {
    title: $('h1.thread-title').text().trim(),
    posts: $('article.post')
      .toArray()
      .map((el) => ({
        id: ($(el).attr('id') ?? '').replace(/^p/, ''),
        author: $(el).find('a.author').text().trim(),
        postedAt: $(el).find('time').attr('datetime') ?? '',
        position: Number($(el).find('.pos').text().replace('#', '')),
        body: $(el).find('div.body').text(),
      })),
  };
}

export function parsePaste(html: string): { title: string; author: string; body: string } {
  const $ = cheerio.load(html);
  return {
    title: $('h1.paste-title').text().trim(),
    author: $('.paste-meta .author').text().trim(),
    body: $('#paste-content').text(),
  };
}
