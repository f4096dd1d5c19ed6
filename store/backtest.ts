// Stored history for rule backtests: the listings and forum posts of one workspace seen since a
// time, in id order and in batches, each shaped as the MatchableListing the rules module matches
// (with its entities, so watchlist rules can be backtested too). Read-only: a backtest never
// creates alerts. Used by `darkwatch rules backtest` and the web rule editor's preview.
import type { Category, EntityType, MatchableListing } from '../core/types.js';
import type { Queryable } from './db.js';

export type BacktestKind = 'listing' | 'post';

export interface StoredRecord {
  kind: BacktestKind;
  /** listings.id or posts.id */
  id: number;
  listing: MatchableListing;
}

/** The listing columns every matcher reads (the match worker and backtests). */
export interface ListingRow {
  id: number;
  title: string;
  description: string | null;
  price_amount: number | null;
  price_currency: string | null;
  price_eur: number | null;
  vendor_name: string | null;
  category_path: string | null;
  category: Category | null;
  category_confidence: number | null;
  ships_from: string | null;
  ships_to: string[] | null;
  url: string;
  language: string | null;
  site: string;
}

interface PostRow {
  id: number;
  thread_title: string | null;
  body: string;
  author: string | null;
  thread_url: string;
  site: string;
}

async function entitiesOf(
  db: Queryable,
  column: 'listing_id' | 'post_id',
  ids: number[],
): Promise<Map<number, Array<{ type: EntityType; value: string }>>> {
  const out = new Map<number, Array<{ type: EntityType; value: string }>>();
  if (ids.length === 0) return out;
  const { rows } = await db.query<{ owner: number; type: EntityType; value: string }>(
    `select m.${column} as owner, e.type, e.value from entity_mentions m join entities e on e.id = m.entity_id
      where m.${column} = any($1::bigint[])`,
    [ids],
  );
  for (const r of rows) {
    const list = out.get(r.owner) ?? [];
    list.push({ type: r.type, value: r.value });
    out.set(r.owner, list);
  }
  return out;
}

/** A stored listing row as the MatchableListing the rules module matches. */
export function listingRecord(
  r: ListingRow,
  entities: Array<{ type: EntityType; value: string }>,
): MatchableListing {
  return {
    id: String(r.id),
    site: r.site,
    title: r.title,
    description: r.description,
    price:
      r.price_amount !== null && r.price_currency
        ? { amount: r.price_amount, currency: r.price_currency }
        : null,
    priceEur: r.price_eur,
    vendor: r.vendor_name,
    category: r.category_path,
    classification: r.category ? { label: r.category, confidence: r.category_confidence ?? 0 } : null,
    shipsFrom: r.ships_from,
    shipsTo: r.ships_to,
    url: r.url,
    language: r.language,
    currency: r.price_currency,
    entities,
  };
}

/** A forum post as a matchable record: thread title → title, body → description, author → vendor. */
function postRecord(r: PostRow, entities: Array<{ type: EntityType; value: string }>): MatchableListing {
  return {
    id: `post:${r.id}`,
    site: r.site,
    title: r.thread_title ?? '',
    description: r.body,
    price: null,
    priceEur: null,
    vendor: r.author,
    category: null,
    classification: null,
    shipsFrom: null,
    shipsTo: null,
    url: r.thread_url,
    entities,
  };
}

/** Listings of the workspace last seen since `since`, in batches (keyset on id). */
export async function* storedListingBatches(
  db: Queryable,
  workspaceId: number,
  since: Date,
  batch = 1000,
): AsyncGenerator<StoredRecord[]> {
  let lastId = 0;
  for (;;) {
    const { rows } = await db.query<ListingRow>(
      `select l.id, l.title, l.description, l.price_amount, l.price_currency, l.price_eur, l.vendor_name, l.category_path,
              l.category, l.category_confidence, l.ships_from, l.ships_to, l.url, l.language, s.name as site
         from listings l join sources s on s.id = l.source_id
        where l.workspace_id = $1 and l.last_seen >= $2 and l.id > $3 order by l.id limit $4`,
      [workspaceId, since, lastId, batch],
    );
    if (rows.length === 0) return;
    lastId = rows[rows.length - 1]!.id;
    const entities = await entitiesOf(
      db,
      'listing_id',
      rows.map((r) => r.id),
    );
    yield rows.map((r) => ({
      kind: 'listing',
      id: r.id,
      listing: listingRecord(r, entities.get(r.id) ?? []),
    }));
  }
}

/** Forum posts of the workspace last seen since `since`, in batches (keyset on id). */
export async function* storedPostBatches(
  db: Queryable,
  workspaceId: number,
  since: Date,
  batch = 1000,
): AsyncGenerator<StoredRecord[]> {
  let lastId = 0;
  for (;;) {
    const { rows } = await db.query<PostRow>(
      `select p.id, p.thread_title, p.body, p.author, p.thread_url, s.name as site
         from posts p join sources s on s.id = p.source_id
        where p.workspace_id = $1 and p.last_seen >= $2 and p.id > $3 order by p.id limit $4`,
      [workspaceId, since, lastId, batch],
    );
    if (rows.length === 0) return;
    lastId = rows[rows.length - 1]!.id;
    const entities = await entitiesOf(
      db,
      'post_id',
      rows.map((r) => r.id),
    );
    yield rows.map((r) => ({ kind: 'post', id: r.id, listing: postRecord(r, entities.get(r.id) ?? []) }));
  }
}

/** Listings, then posts. */
export async function* storedRecordBatches(
  db: Queryable,
  workspaceId: number,
  opts: { since: Date; kinds?: BacktestKind[]; batch?: number },
): AsyncGenerator<StoredRecord[]> {
  const kinds = opts.kinds ?? ['listing', 'post'];
  if (kinds.includes('listing')) yield* storedListingBatches(db, workspaceId, opts.since, opts.batch);
  if (kinds.includes('post')) yield* storedPostBatches(db, workspaceId, opts.since, opts.batch);
}

/** One listing at a time (the CLI's streaming loop). */
export async function* storedListings(
  db: Queryable,
  workspaceId: number,
  since: Date,
): AsyncGenerator<MatchableListing> {
  for await (const batch of storedListingBatches(db, workspaceId, since))
    for (const r of batch) yield r.listing;
}
