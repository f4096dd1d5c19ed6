// The range's world, generated from one seed: vendors (with PGP keys, crypto addresses and
// contact handles reused across markets), listings with lifetimes and price changes over the
// range clock's epochs, forum threads and pastes that mention vendors and addresses. Pure and
// deterministic: same (seed, size) → same world → same pages → same ground truth.
import type { Category, ExtractedEntity } from '../../core/types.js';
import { Rng } from '../prng.js';
import { SITE_DEFS, siteAddresses } from '../sites/registry.js';
import {
  COUNTRIES,
  COUNTRY_LANG,
  EUR_RATES,
  ITEMS,
  NOUNS,
  PHRASES,
  SUBCATEGORIES,
  VENDOR_COUNTRIES,
  categoryOf,
  type Item,
  type Lang,
  type Subcategory,
} from './catalog.js';
import { randomBtcAddress, randomMoneroAddress } from './crypto-addresses.js';
import { OBFUSCATIONS, obfuscateKeywords, type Obfuscation } from './obfuscate.js';
import { categoryText, SHOP_SUBCATEGORIES, type PathStyle } from './paths.js';
import { derivePgpKey, type PgpKey } from './pgp.js';

export type PriceCurrency = keyof typeof EUR_RATES;

export interface WorldOptions {
  seed: number;
  /** Listings across the two markets and the shop (the clone copies the first market). */
  size?: number;
}

export interface Vendor {
  id: string;
  /** Handle on the site they are best known on. */
  handle: string;
  /** Per-site handle (a vendor may use a variant on a second market). */
  handles: Record<string, string>;
  sites: string[];
  country: string;
  lang: Lang;
  specialty: Category;
  pgp: PgpKey | null;
  btc: string[];
  xmr: string[];
  contacts: ExtractedEntity[];
  firstEpoch: number;
  bio: string;
}

export interface PriceStep {
  epoch: number;
  factor: number;
}

export interface Listing {
  id: string;
  site: string;
  vendorId: string;
  vendor: string;
  item: Item;
  category: Category;
  subcategory: Subcategory;
  /** Category path as this site shows it. */
  categoryPath: string;
  lang: Lang;
  /** As displayed (obfuscated when `obfuscation` is set). */
  title: string;
  plainTitle: string;
  description: string;
  obfuscation: Obfuscation | null;
  currency: PriceCurrency;
  basePriceEur: number;
  priceSteps: PriceStep[];
  shipsFrom: string;
  shipsTo: string[];
  /** Every entity shown on the listing page. */
  entities: ExtractedEntity[];
  /** Entities shown in the entity block (the description may hold more, also in `entities`). */
  appearEpoch: number;
  /** First epoch at which it is gone; null = never. */
  disappearEpoch: number | null;
  /** Rendered with broken HTML when the `malformed` obstacle is on. */
  malformed: boolean;
}

export interface Post {
  id: string;
  threadId: string;
  author: string;
  postedAt: string;
  body: string;
  position: number;
  entities: ExtractedEntity[];
  mentions: string[];
}

export interface Thread {
  id: string;
  board: string;
  title: string;
  author: string;
  lang: Lang;
  posts: Post[];
}

export interface Board {
  slug: string;
  title: string;
  description: string;
}

export interface Paste {
  id: string;
  title: string;
  author: string;
  createdAt: string;
  syntax: 'text' | 'javascript' | 'python' | 'pgp';
  body: string;
  entities: ExtractedEntity[];
  mentions: string[];
}

export interface MarketInfo {
  site: string;
  title: string;
  key: PgpKey;
  /** All addresses the operator announces (primary first). */
  addresses: string[];
}

export interface World {
  seed: number;
  size: number;
  vendors: Vendor[];
  vendorById: Map<string, Vendor>;
  listings: Listing[];
  listingsBySite: Map<string, Listing[]>;
  listingById: Map<string, Listing>;
  boards: Board[];
  threads: Thread[];
  pastes: Paste[];
  markets: Map<string, MarketInfo>;
  shopVendorId: string;
  /** The BTC address the phishing clone swaps in for vendors' addresses. */
  phisherBtc: string;
  addresses: Map<string, { onion: string; mirrors: string[] }>;
}

/** Epoch 0 of the range clock, one epoch = one day. */
export const EPOCH_ZERO = Date.UTC(2026, 0, 5);
export const EPOCH_MS = 86_400_000;

export function epochDate(epoch: number): Date {
  return new Date(EPOCH_ZERO + epoch * EPOCH_MS);
}

const HANDLE_A = [
  'Balkan',
  'Shqipe',
  'Dragan',
  'Sokol',
  'Vuk',
  'Orao',
  'Iron',
  'Ghost',
  'Night',
  'Silent',
  'Eagle',
  'Wolf',
  'Kobra',
  'Ares',
  'Hermes',
  'Tiger',
  'Viper',
  'Zmaj',
  'Drina',
  'Danube',
  'Pirin',
  'Olymp',
  'Bosphor',
  'Karpat',
  'Vardar',
  'Adriatic',
  'Tisza',
  'Struma',
  'Morava',
  'Korab',
];
const HANDLE_B = [
  'Arms',
  'Pharma',
  'Docs',
  'Supply',
  'Trade',
  'Connect',
  'King',
  'Store',
  'Direct',
  'Plug',
  'Labs',
  'Express',
  'Cartel',
  'Brothers',
  'Depot',
  'Guns',
  'Papers',
  'Garden',
  'Chem',
  'Import',
];
const MEMBER_NAMES = [
  'anon',
  'buyer',
  'lurker',
  'rookie',
  'trader',
  'nomad',
  'reviewer',
  'ghost',
  'traveler',
  'collector',
  'hunter',
  'student',
  'veteran',
  'driver',
  'fisherman',
];
const JABBER_DOMAINS = ['jabber.calyxinstitute.org', 'xmpp.jp', 'jabber.de', 'exploit.im', 'thesecure.biz'];
const MAIL_DOMAINS = ['protonmail.com', 'tutanota.com', 'cock.li', 'onionmail.org'];

function fmtAmount(value: number, currency: PriceCurrency): number {
  if (currency === 'BTC') return Math.round(value * 1e5) / 1e5;
  if (currency === 'XMR') return Math.round(value * 1e3) / 1e3;
  return Math.round(value * 100) / 100;
}

export function priceEurAt(listing: Listing, epoch: number): number {
  let p = listing.basePriceEur;
  for (const step of listing.priceSteps) if (step.epoch <= epoch) p *= step.factor;
  return Math.round(p * 100) / 100;
}

export function priceAt(listing: Listing, epoch: number): { amount: number; currency: PriceCurrency } {
  const eur = priceEurAt(listing, epoch);
  return {
    amount: fmtAmount(eur / EUR_RATES[listing.currency], listing.currency),
    currency: listing.currency,
  };
}

export function isVisible(listing: Listing, vendor: Vendor, epoch: number): boolean {
  return (
    listing.appearEpoch <= epoch &&
    (listing.disappearEpoch === null || epoch < listing.disappearEpoch) &&
    vendor.firstEpoch <= epoch
  );
}

export function countryName(code: string): string {
  return COUNTRIES[code] ?? code;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function dedupeEntities(list: ExtractedEntity[]): ExtractedEntity[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.type}:${e.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function makeVendors(rng: Rng, count: number, seed: number): Vendor[] {
  const vendors: Vendor[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const r = rng.fork(`vendor-${i}`);
    let handle = '';
    for (let tries = 0; tries < 50; tries++) {
      const base = `${r.pick(HANDLE_A)}${r.pick(HANDLE_B)}`;
      handle = tries < 10 && r.chance(0.7) ? base : `${base}${r.int(1, 99)}`;
      if (!used.has(handle.toLowerCase())) break;
    }
    if (used.has(handle.toLowerCase())) handle = `${handle}_${i}`;
    used.add(handle.toLowerCase());
    const country = r.weighted(VENDOR_COUNTRIES);
    const lang = COUNTRY_LANG[country] ?? 'en';
    const specialty = r.weighted<Category>([
      ['firearms', 4],
      ['drugs', 4],
      ['documents', 3],
      ['other', 2],
    ]);
    const id = `v${String(i + 1).padStart(4, '0')}`;
    const pgp = r.chance(0.9)
      ? derivePgpKey(`${seed}/${id}`, `${handle} <${handle.toLowerCase()}@${r.pick(MAIL_DOMAINS)}>`)
      : null;
    const btc = [randomBtcAddress(r, r.chance(0.5) ? 'bech32' : 'p2pkh')];
    if (r.chance(0.4)) btc.push(randomBtcAddress(r, 'bech32'));
    const xmr = r.chance(0.7) ? [randomMoneroAddress(r)] : [];
    const contacts: ExtractedEntity[] = [];
    const lower = handle.toLowerCase();
    if (r.chance(0.6))
      contacts.push({ type: 'telegram', value: `${lower}${r.chance(0.5) ? '_official' : ''}` });
    if (r.chance(0.35)) contacts.push({ type: 'session', value: `05${r.bytes(32).toString('hex')}` });
    if (r.chance(0.3)) contacts.push({ type: 'jabber', value: `${lower}@${r.pick(JABBER_DOMAINS)}` });
    if (r.chance(0.15)) contacts.push({ type: 'wickr', value: `${lower}${r.int(10, 99)}` });
    if (r.chance(0.2)) contacts.push({ type: 'email', value: `${lower}@${r.pick(MAIL_DOMAINS)}` });
    const firstEpoch = r.chance(0.85) ? 0 : r.int(1, 4);
    const bio = `${PHRASES[lang].quality}. ${PHRASES[lang].discreet}. ${PHRASES[lang].shipsFrom} ${countryName(country)}. ${PHRASES[lang].escrow}.`;
    vendors.push({
      id,
      handle,
      handles: {},
      sites: [],
      country,
      lang,
      specialty,
      pgp,
      btc,
      xmr,
      contacts,
      firstEpoch,
      bio,
    });
  }
  return vendors;
}

function handleVariant(handle: string, r: Rng): string {
  const variants = [
    handle.toLowerCase(),
    `${handle}_official`,
    handle.replace(/([a-z])([A-Z])/, '$1.$2'),
    `Real${handle}`,
    `${handle}${r.int(2, 9)}`,
  ];
  return r.pick(variants);
}

function pickItem(r: Rng, category: Category, restrict?: readonly Subcategory[]): Item {
  const subs = (SUBCATEGORIES[category] as readonly Subcategory[]).filter(
    (s) => !restrict || restrict.includes(s),
  );
  const pool = ITEMS.filter((it) => subs.includes(it.sub));
  return r.pick(pool.length > 0 ? pool : ITEMS);
}

interface ListingDraft {
  id: string;
  site: string;
  style: PathStyle;
  vendor: Vendor;
  item: Item;
}

function buildListing(d: ListingDraft, r: Rng): Listing {
  const { vendor, item } = d;
  const lang: Lang = vendor.lang !== 'en' && r.chance(0.45) ? vendor.lang : 'en';
  const ph = PHRASES[lang];
  const noun = NOUNS[item.sub][lang];
  const templates =
    lang === 'en'
      ? [
          `${item.model} ${item.unit} - ${PHRASES.en.discreet.toLowerCase()}`,
          `${item.model} (${item.unit}) ${PHRASES.en.forSale}`,
          `${cap(noun)}: ${item.model} ${item.unit}`,
          `${item.model} | ${PHRASES.en.quality} | ${item.unit}`,
        ]
      : [
          `${cap(noun)} ${item.model} ${ph.forSale}`,
          `${item.model} - ${noun}, ${item.unit}`,
          `${cap(noun)} ${item.model} (${item.unit}) ${ph.quality.toLowerCase()}`,
        ];
  const plainTitle = r.pick(templates);
  const shipsFrom = vendor.country;
  const shipsTo = r.pick([
    ['WW'],
    ['EU'],
    [vendor.country],
    ['EU', 'TR'],
    [vendor.country, 'AT', 'DE'],
    ['RS', 'BA', 'ME', 'MK', 'XK', 'AL'],
  ]);
  const obfuscation: Obfuscation | null =
    item.sub === 'airsoft' || item.sub === 'ebooks' || !r.chance(0.22) ? null : r.pick(OBFUSCATIONS);
  const keywords = [item.model.split(' ')[0] ?? '', noun, ...item.model.split(' ').slice(1, 2)].filter((k) =>
    /\p{L}{3,}/u.test(k),
  );
  const title = obfuscation
    ? obfuscateKeywords(plainTitle, keywords, obfuscation, r.fork('title'))
    : plainTitle;

  const entities: ExtractedEntity[] = [];
  const sentences = [
    `${cap(noun)} ${item.model}, ${item.unit}.`,
    lang === 'en' ? item.detail : `${ph.quality}.`,
    `${ph.inStock}.`,
    `${ph.discreet}. ${ph.shipsFrom} ${countryName(shipsFrom)}.`,
    r.chance(0.5) ? `${ph.escrow}.` : `${ph.bulk}.`,
  ];
  // Some vendors put direct-deal details in the description itself.
  if (r.chance(0.35)) {
    const c = vendor.contacts[0];
    if (c) {
      const shown = c.type === 'telegram' ? `telegram @${c.value}` : `${c.type} ${c.value}`;
      sentences.push(`${ph.contact}: ${shown}.`);
      entities.push(c);
    }
  }
  if (r.chance(0.25)) {
    const btc = vendor.btc[0]!;
    sentences.push(`FE/direct BTC: ${btc}`);
    entities.push({ type: 'btc', value: btc });
  }
  let description = sentences.join(' ');
  if (obfuscation) description = obfuscateKeywords(description, keywords, obfuscation, r.fork('desc'));
  // The entity block of the listing page.
  if (vendor.pgp) entities.push({ type: 'pgp', value: vendor.pgp.fingerprint });
  entities.push({ type: 'btc', value: r.pick(vendor.btc) });
  if (vendor.xmr[0] && r.chance(0.6)) entities.push({ type: 'xmr', value: vendor.xmr[0] });
  for (const c of vendor.contacts.slice(0, 2)) entities.push(c);

  const currency = r.weighted<PriceCurrency>([
    ['BTC', d.style === 'shop' ? 0 : 4],
    ['XMR', d.style === 'shop' ? 0 : 3],
    ['USD', 2],
    ['EUR', 3],
  ]);
  const basePriceEur = Math.round(item.priceEur * (0.75 + r.next() * 0.6));
  const appearEpoch = Math.max(vendor.firstEpoch, r.chance(0.8) ? 0 : r.int(1, 5));
  const disappearEpoch = r.chance(0.15) ? appearEpoch + r.int(1, 4) : null;
  const priceSteps: PriceStep[] = [];
  if (r.chance(0.3)) {
    const at = appearEpoch + r.int(1, 4);
    priceSteps.push({ epoch: at, factor: r.chance(0.75) ? 0.6 + r.next() * 0.3 : 1.1 + r.next() * 0.2 });
  }
  return {
    id: d.id,
    site: d.site,
    vendorId: vendor.id,
    vendor: vendor.handles[d.site] ?? vendor.handle,
    item,
    category: categoryOf(item.sub),
    subcategory: item.sub,
    categoryPath: categoryText(d.style, item.sub),
    lang,
    title,
    plainTitle,
    description,
    obfuscation,
    currency,
    basePriceEur,
    priceSteps,
    shipsFrom,
    shipsTo,
    entities: dedupeEntities(entities),
    appearEpoch,
    disappearEpoch,
    malformed: r.chance(0.1),
  };
}

export const BOARDS: readonly Board[] = [
  { slug: 'weapons', title: 'Weapons & Gear', description: 'Pistols, rifles, parts. Reviews and requests.' },
  { slug: 'pharmacy', title: 'Pharmacy', description: 'Everything chemical.' },
  { slug: 'documents', title: 'Documents & Identity', description: 'Papers, passports, travel.' },
  { slug: 'reviews', title: 'Vendor Reviews', description: 'Vouches and reviews, with proof.' },
  { slug: 'scams', title: 'Scam Reports', description: 'Scammers, exit scams, phishing mirrors.' },
  { slug: 'opsec', title: 'Security & OPSEC', description: 'PGP, Tor, staying safe.' },
  { slug: 'offtopic', title: 'Off-topic', description: 'Kafana talk.' },
];

const REVIEW_BY_LANG: Partial<Record<Lang, (v: string, days: number) => string>> = {
  sr: (v, d) => `Preporuka za ${v}, stiglo za ${d} dana. Čista roba, sve po dogovoru.`,
  hr: (v, d) => `Naručio od ${v}, stiglo za ${d} dana. Sve pet.`,
  bs: (v, d) => `Naručio od ${v}, stiglo za ${d} dana, sve ok.`,
  sq: (v, d) => `E mora nga ${v}, erdhi për ${d} ditë. Gjithçka në rregull.`,
  bg: (v, d) => `Поръчах от ${v}, всичко дойде за ${d} дни. Препоръчвам.`,
  el: (v, d) => `Παρήγγειλα από ${v}, ήρθε σε ${d} μέρες. Όλα τέλεια.`,
  hu: (v, d) => `${v} megbízható, ${d} nap alatt megjött. Ajánlom.`,
  mk: (v, d) => `Нарачав од ${v}, стигна за ${d} дена. Препорака.`,
  ro: (v, d) => `Am comandat de la ${v}, a ajuns în ${d} zile. Recomand.`,
  tr: (v, d) => `${v} güvenilir satıcı, ${d} günde geldi. Tavsiye ederim.`,
};

interface ForumCtx {
  vendors: Vendor[];
  /** Vendors present from epoch 0 (forum history predates the clock). */
  stableVendors: Vendor[];
  listingsByVendor: Map<string, Listing[]>;
  members: string[];
  listings: Listing[];
  markets: Map<string, MarketInfo>;
  cloneAddresses: string[];
}

function isoBefore(r: Rng, daysBack: number): string {
  const t = EPOCH_ZERO - r.int(1, daysBack * 24 * 60) * 60_000;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function makeThread(id: string, r: Rng, ctx: ForumCtx): Thread {
  const vendor = r.pick(ctx.stableVendors);
  const vListings = ctx.listingsByVendor.get(vendor.id) ?? [];
  const listing = vListings.length > 0 ? r.pick(vListings) : null;
  const marketA = ctx.markets.get('ironbazaar')!;
  const kind = r.weighted<string>([
    ['review', 5],
    ['scam', 2],
    ['contact', 2],
    ['wtb', 2],
    ['mirrors', 1],
    ['phishing', 1],
    ['vendor', 2],
    ['opsec', 1],
  ]);
  const handle = vendor.handle;
  const market = listing?.site === 'nocturne' ? 'Nocturne' : 'Iron Bazaar';
  const model = listing?.item.model ?? 'the stuff';
  let board = 'reviews';
  let title = '';
  let opener = '';
  const opEntities: ExtractedEntity[] = [];
  const mentions = [vendor.id];
  switch (kind) {
    case 'review': {
      board =
        listing?.category === 'firearms'
          ? 'weapons'
          : listing?.category === 'documents'
            ? 'documents'
            : listing?.category === 'drugs'
              ? 'pharmacy'
              : 'reviews';
      title = `Review: ${handle} on ${market} - ${model}`;
      const days = r.int(2, 14);
      const regional = vendor.lang !== 'en' ? REVIEW_BY_LANG[vendor.lang] : undefined;
      opener =
        regional && r.chance(0.5)
          ? regional(handle, days)
          : `Got my ${model} from ${handle} on ${market}. Stealth was good, ${days} days to ${countryName(r.pick(['DE', 'AT', 'RS', 'GR', 'HU', 'RO']))}. 5/5 would buy again.`;
      break;
    }
    case 'scam': {
      board = 'scams';
      const btc = r.pick(vendor.btc);
      title = `${handle} is a SCAMMER - avoid`;
      opener = `Paid ${(r.int(5, 400) / 10000).toFixed(4)} BTC to ${btc} for ${model} and nothing arrived after ${r.int(15, 40)} days. ${handle} stopped answering. Avoid!!`;
      opEntities.push({ type: 'btc', value: btc });
      break;
    }
    case 'contact': {
      board = 'reviews';
      const c = vendor.contacts[0];
      const x = vendor.xmr[0];
      title = `${handle} new contact`;
      const parts = [`${handle} moved off market, direct deals only.`];
      if (c) {
        parts.push(c.type === 'telegram' ? `Telegram: @${c.value}` : `${c.type}: ${c.value}`);
        opEntities.push(c);
      }
      if (x) {
        parts.push(`XMR only: ${x}`);
        opEntities.push({ type: 'xmr', value: x });
      } else {
        parts.push(`BTC: ${vendor.btc[0]}`);
        opEntities.push({ type: 'btc', value: vendor.btc[0]! });
      }
      opener = parts.join(' ');
      break;
    }
    case 'wtb': {
      const item = r.pick(ITEMS.filter((i) => categoryOf(i.sub) !== 'other'));
      board =
        categoryOf(item.sub) === 'firearms'
          ? 'weapons'
          : categoryOf(item.sub) === 'drugs'
            ? 'pharmacy'
            : 'documents';
      title = `WTB ${item.model} in ${countryName(r.pick(['RS', 'BA', 'AL', 'MK', 'BG', 'GR', 'HU', 'RO', 'TR']))}`;
      opener = `Looking for ${NOUNS[item.sub].en} (${item.model}), who ships here? Heard ${handle} is good, anyone tried?`;
      break;
    }
    case 'mirrors': {
      board = 'opsec';
      title = `${marketA.title} official mirrors (signed)`;
      opener = `Official ${marketA.title} addresses: ${marketA.addresses.join(' ')} - always verify /mirrors.txt with the market key ${marketA.key.fingerprint}.`;
      for (const a of marketA.addresses) opEntities.push({ type: 'onion', value: a });
      opEntities.push({ type: 'pgp', value: marketA.key.fingerprint });
      mentions.length = 0;
      break;
    }
    case 'phishing': {
      board = 'scams';
      title = `WARNING phishing clone of ${marketA.title}`;
      opener = `${ctx.cloneAddresses[0]} is a PHISHING clone of ${marketA.title}. Its mirror list is signed with a different key. Real key: ${marketA.key.fingerprint}`;
      opEntities.push(
        { type: 'onion', value: ctx.cloneAddresses[0]! },
        { type: 'pgp', value: marketA.key.fingerprint },
      );
      mentions.length = 0;
      break;
    }
    case 'vendor': {
      board =
        vendor.specialty === 'firearms'
          ? 'weapons'
          : vendor.specialty === 'drugs'
            ? 'pharmacy'
            : vendor.specialty === 'documents'
              ? 'documents'
              : 'reviews';
      title = `[Official] ${handle} vendor thread`;
      const parts = [`Welcome to the official ${handle} thread. ${vendor.bio}`];
      if (vendor.pgp) {
        parts.push(`My PGP fingerprint: ${vendor.pgp.fingerprint}`);
        opEntities.push({ type: 'pgp', value: vendor.pgp.fingerprint });
      }
      parts.push(
        `Find me on ${
          vendor.sites
            .filter((s) => s !== 'blackforge')
            .map((s) => (s === 'nocturne' ? 'Nocturne' : 'Iron Bazaar'))
            .join(' and ') || 'the markets'
        }.`,
      );
      opener = parts.join(' ');
      break;
    }
    default: {
      board = 'opsec';
      title = r.pick([
        'How do you verify a market mirror?',
        'Tails or Whonix in 2026?',
        'Best practice for PGP with vendors',
      ]);
      opener = 'Asking for a friend. What do you all use? Keep it simple please.';
      mentions.length = 0;
    }
  }
  const opAuthor = kind === 'vendor' ? handle : r.pick(ctx.members);
  const posts: Post[] = [];
  const nPosts = r.int(1, 26);
  let t = Date.parse(isoBefore(r, 90));
  posts.push({
    id: `${id}-1`,
    threadId: id,
    author: opAuthor,
    postedAt: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    body: opener,
    position: 1,
    entities: dedupeEntities(opEntities),
    mentions: [...mentions],
  });
  for (let i = 2; i <= nPosts; i++) {
    t += r.int(5, 60 * 24 * 2) * 60_000;
    if (t >= EPOCH_ZERO) t = EPOCH_ZERO - r.int(1, 600) * 1000;
    const pr = r.fork(`p${i}`);
    const author = pr.chance(0.15) ? handle : pr.pick(ctx.members);
    const ents: ExtractedEntity[] = [];
    const men: string[] = [];
    let body = pr.pick([
      '+1, same experience.',
      'Bump.',
      'Any updates on this?',
      'Thanks for the info.',
      'Can confirm.',
      'Be careful, LE is watching these boards.',
      'Got mine last week, all good.',
      'PM me.',
    ]);
    if (pr.chance(0.2)) {
      const other = pr.pick(ctx.vendors);
      body = `Try ${other.handle} instead, never had a problem.`;
      men.push(other.id);
      if (other.pgp && pr.chance(0.5)) {
        body += ` PGP ${other.pgp.fingerprint}`;
        ents.push({ type: 'pgp', value: other.pgp.fingerprint });
      }
    } else if (author === handle && pr.chance(0.5)) {
      body = `${handle} here. ${PHRASES[vendor.lang].inStock}. ${PHRASES[vendor.lang].discreet}.`;
      men.push(vendor.id);
    }
    posts.push({
      id: `${id}-${i}`,
      threadId: id,
      author,
      postedAt: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      body,
      position: i,
      entities: ents,
      mentions: men,
    });
  }
  return { id, board, title, author: opAuthor, lang: vendor.lang, posts };
}

function makePaste(id: string, r: Rng, ctx: ForumCtx): Paste {
  const vendor = r.pick(ctx.stableVendors);
  const kind = r.weighted<string>([
    ['ad', 4],
    ['pgp', 2],
    ['mirrors', 1],
    ['code', 2],
    ['scam', 1],
  ]);
  const createdAt = isoBefore(r, 60);
  const author = r.chance(0.6)
    ? 'Anonymous'
    : kind === 'ad' || kind === 'pgp'
      ? vendor.handle
      : r.pick(ctx.members);
  const entities: ExtractedEntity[] = [];
  const mentions: string[] = [];
  let title = '';
  let body = '';
  let syntax: Paste['syntax'] = 'text';
  switch (kind) {
    case 'ad': {
      const vl = (ctx.listingsByVendor.get(vendor.id) ?? []).slice(0, 6);
      title = `${vendor.handle} price list`;
      const lines = [`== ${vendor.handle} ==`, vendor.bio, ''];
      for (const l of vl) lines.push(`* ${l.item.model} ${l.item.unit} - ${Math.round(l.basePriceEur)} EUR`);
      lines.push('', 'Payment:');
      for (const b of vendor.btc) {
        lines.push(`BTC ${b}`);
        entities.push({ type: 'btc', value: b });
      }
      for (const x of vendor.xmr) {
        lines.push(`XMR ${x}`);
        entities.push({ type: 'xmr', value: x });
      }
      for (const c of vendor.contacts) {
        lines.push(`${c.type}: ${c.type === 'telegram' ? '@' : ''}${c.value}`);
        entities.push(c);
      }
      body = lines.join('\n');
      mentions.push(vendor.id);
      break;
    }
    case 'pgp': {
      const v =
        ctx.vendors.find((x) => x.pgp && x.firstEpoch === 0 && x.id >= vendor.id) ??
        ctx.vendors.find((x) => x.pgp)!;
      title = `${v.handle} pgp`;
      syntax = 'pgp';
      body = `${v.handle} public key, verify before you order.\n\n${v.pgp!.publicKeyArmored}`;
      entities.push({ type: 'pgp', value: v.pgp!.fingerprint });
      mentions.push(v.id);
      break;
    }
    case 'mirrors': {
      const m = r.pick([...ctx.markets.values()].filter((x) => x.site !== 'ironbazaar-clone'));
      title = `${m.title} links`;
      body = `${m.title} - working links ${epochDate(0).toISOString().slice(0, 10)}\n${m.addresses.map((a) => `http://${a}/`).join('\n')}\nmarket key fingerprint: ${m.key.fingerprint}`;
      for (const a of m.addresses) entities.push({ type: 'onion', value: a });
      entities.push({ type: 'pgp', value: m.key.fingerprint });
      break;
    }
    case 'scam': {
      title = 'scammer list';
      const vs = r.sample(ctx.vendors, 3);
      body = ['Known scammers, do not deal:', ...vs.map((v) => `- ${v.handle} (BTC ${v.btc[0]})`)].join('\n');
      for (const v of vs) {
        entities.push({ type: 'btc', value: v.btc[0]! });
        mentions.push(v.id);
      }
      break;
    }
    default: {
      title = r.pick(['untitled', 'script', 'notes', 'config']);
      syntax = r.pick(['javascript', 'python'] as const);
      body =
        syntax === 'python'
          ? `import hashlib\n\ndef digest(path):\n    with open(path, 'rb') as f:\n        return hashlib.sha256(f.read()).hexdigest()\n\nprint(digest('backup.tar'))\n`
          : `// retry helper\nasync function retry(fn, n = ${r.int(2, 6)}) {\n  for (let i = 0; i < n; i++) {\n    try { return await fn(); } catch (e) { await new Promise((r) => setTimeout(r, 500 * i)); }\n  }\n  throw new Error('gave up');\n}\n`;
    }
  }
  return { id, title, author, createdAt, syntax, body, entities: dedupeEntities(entities), mentions };
}

export function generateWorld(options: WorldOptions): World {
  const seed = options.seed;
  const size = Math.max(10, Math.floor(options.size ?? 600));
  const rng = new Rng(seed, 'world');

  const addresses = new Map<string, { onion: string; mirrors: string[] }>();
  for (const def of SITE_DEFS) addresses.set(def.name, siteAddresses(seed, def));

  const markets = new Map<string, MarketInfo>();
  for (const def of SITE_DEFS.filter((d) => d.kind === 'market' || d.kind === 'shop')) {
    const addr = addresses.get(def.name)!;
    // The clone poses as the real market: same name in its key's user ID, different key.
    const keyLabel = `${seed}/market/${def.name}`;
    const title = def.title;
    const uid = `${title} <admin@${(def.cloneOf ?? def.name).replace(/-/g, '')}.market>`;
    markets.set(def.name, {
      site: def.name,
      title,
      key: derivePgpKey(keyLabel, uid),
      addresses: [addr.onion, ...addr.mirrors],
    });
  }

  const nVendors = Math.min(2000, Math.max(12, Math.round(size / 15)));
  const vendors = makeVendors(rng.fork('vendors'), nVendors, seed);
  const vendorById = new Map(vendors.map((v) => [v.id, v]));
  // Who sells where: the first vendor runs the shop (and also sells on Iron Bazaar).
  const shopVendor = vendors[0]!;
  shopVendor.specialty = 'firearms';
  shopVendor.firstEpoch = 0;
  const siteRng = rng.fork('sites');
  for (const v of vendors) {
    const roll = siteRng.next();
    v.sites = roll < 0.45 ? ['ironbazaar'] : roll < 0.8 ? ['nocturne'] : ['ironbazaar', 'nocturne'];
    for (const s of v.sites) v.handles[s] = v.handle;
    if (v.sites.length === 2 && siteRng.chance(0.35)) v.handles.nocturne = handleVariant(v.handle, siteRng);
  }
  if (!shopVendor.sites.includes('ironbazaar')) shopVendor.sites.unshift('ironbazaar');
  shopVendor.handles.ironbazaar = shopVendor.handle;
  shopVendor.sites.push('blackforge');
  shopVendor.handles.blackforge = shopVendor.handle;

  const listings: Listing[] = [];
  const nShop = Math.max(6, Math.round(size * 0.05));
  const nA = Math.round((size - nShop) * 0.53);
  const nB = size - nShop - nA;
  const plan: Array<[string, PathStyle, number]> = [
    ['ironbazaar', 'market-a', nA],
    ['nocturne', 'market-b', nB],
    ['blackforge', 'shop', nShop],
  ];
  let counter = 0;
  for (const [site, style, n] of plan) {
    const sellers = vendors.filter((v) => v.sites.includes(site));
    const lr = rng.fork(`listings-${site}`);
    for (let i = 0; i < n; i++) {
      counter++;
      const vendor = site === 'blackforge' ? shopVendor : sellers[i % sellers.length]!;
      const r = lr.fork(`l${i}`);
      const category: Category =
        site === 'blackforge'
          ? 'firearms'
          : r.chance(0.65)
            ? vendor.specialty
            : r.weighted<Category>([
                ['firearms', 3],
                ['drugs', 3],
                ['documents', 3],
                ['other', 2],
              ]);
      const item =
        site === 'blackforge'
          ? r.pick(ITEMS.filter((it) => SHOP_SUBCATEGORIES.includes(it.sub)))
          : pickItem(r, category);
      const prefix = site === 'ironbazaar' ? 'IB' : site === 'nocturne' ? 'NC' : 'BF';
      const id = `${prefix}${String(counter).padStart(6, '0')}`;
      listings.push(buildListing({ id, site, style, vendor, item }, r));
    }
  }

  // The phishing clone shows Iron Bazaar's listings with its own BTC address swapped in.
  const phisherBtc = randomBtcAddress(rng.fork('phisher'), 'bech32');
  for (const l of listings.filter((x) => x.site === 'ironbazaar')) {
    const entities = l.entities.map((e) =>
      e.type === 'btc' ? { type: 'btc' as const, value: phisherBtc } : e,
    );
    const vendor = vendorById.get(l.vendorId)!;
    let description = l.description;
    for (const b of vendor.btc) description = description.split(b).join(phisherBtc);
    listings.push({
      ...l,
      id: `X${l.id}`,
      site: 'ironbazaar-clone',
      description,
      entities: dedupeEntities(entities),
    });
  }

  const listingsBySite = new Map<string, Listing[]>();
  for (const l of listings) {
    const list = listingsBySite.get(l.site) ?? [];
    list.push(l);
    listingsBySite.set(l.site, list);
  }

  const members: string[] = [];
  const mr = rng.fork('members');
  for (let i = 0; i < Math.max(20, Math.round(size / 20)); i++)
    members.push(`${mr.pick(MEMBER_NAMES)}${mr.int(10, 9999)}`);
  const realListings = listings.filter((l) => l.site !== 'ironbazaar-clone');
  const listingsByVendor = new Map<string, Listing[]>();
  for (const l of realListings) {
    const list = listingsByVendor.get(l.vendorId) ?? [];
    list.push(l);
    listingsByVendor.set(l.vendorId, list);
  }
  const ctx: ForumCtx = {
    vendors,
    stableVendors: vendors.filter((v) => v.firstEpoch === 0),
    listingsByVendor,
    members,
    listings: realListings,
    markets,
    cloneAddresses: markets.get('ironbazaar-clone')!.addresses,
  };
  const threads: Thread[] = [];
  const nThreads = Math.min(5000, Math.max(24, Math.round(size / 12)));
  const tr = rng.fork('threads');
  for (let i = 0; i < nThreads; i++) threads.push(makeThread(`t${i + 1}`, tr.fork(`t${i}`), ctx));
  // At least one mirror thread and one phishing warning, whatever the seed.
  threads[0] = { ...makeThreadOfKind(threads[0]!, 'mirrors', ctx), id: 't1' };
  threads[1] = { ...makeThreadOfKind(threads[1]!, 'phishing', ctx), id: 't2' };

  const pastes: Paste[] = [];
  const pr = rng.fork('pastes');
  const nPastes = Math.min(3000, Math.max(16, Math.round(size / 30)));
  for (let i = 0; i < nPastes; i++) {
    const pid = base62Id(pr, 8);
    pastes.push(makePaste(pid, pr.fork(pid), ctx));
  }

  return {
    seed,
    size,
    vendors,
    vendorById,
    listings,
    listingsBySite,
    listingById: new Map(listings.map((l) => [l.id, l])),
    boards: [...BOARDS],
    threads,
    pastes,
    markets,
    shopVendorId: shopVendor.id,
    phisherBtc,
    addresses,
  };
}

/** Rewrites a thread's opening post into a market-mirror or phishing notice (fixed fixtures). */
function makeThreadOfKind(t: Thread, kind: 'mirrors' | 'phishing', ctx: ForumCtx): Thread {
  const marketA = ctx.markets.get('ironbazaar')!;
  const first = t.posts[0]!;
  if (kind === 'mirrors') {
    const body = `Official ${marketA.title} addresses: ${marketA.addresses.join(' ')} - always verify /mirrors.txt with the market key ${marketA.key.fingerprint}.`;
    const entities: ExtractedEntity[] = [
      ...marketA.addresses.map((a) => ({ type: 'onion' as const, value: a })),
      { type: 'pgp', value: marketA.key.fingerprint },
    ];
    return {
      ...t,
      board: 'opsec',
      title: `${marketA.title} official mirrors (signed)`,
      posts: [{ ...first, body, entities, mentions: [] }, ...t.posts.slice(1)],
    };
  }
  const clone = ctx.cloneAddresses[0]!;
  const body = `${clone} is a PHISHING clone of ${marketA.title}. Its mirror list is signed with a different key. Real key: ${marketA.key.fingerprint}`;
  return {
    ...t,
    board: 'scams',
    title: `WARNING phishing clone of ${marketA.title}`,
    posts: [
      {
        ...first,
        body,
        entities: [
          { type: 'onion', value: clone },
          { type: 'pgp', value: marketA.key.fingerprint },
        ],
        mentions: [],
      },
      ...t.posts.slice(1),
    ],
  };
}

function base62Id(r: Rng, n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(0, alphabet.length - 1)];
  return s;
}
