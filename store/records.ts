// Extracted records — listings (with version history), vendors, posts, entities and the mentions
// that link an entity to everything it appears in (the pivot across sites and vendors).
import type { EntityType, ExtractedEntity, ExtractedListing, ExtractedPost } from '../core/types.js';
import type { Queryable } from './db.js';

export function normaliseVendorName(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

export async function upsertVendor(
  db: Queryable,
  v: {
    workspaceId: number;
    sourceId: number;
    name: string;
    profileUrl?: string | null;
    pgpFingerprint?: string | null;
    seenAt: Date;
  },
): Promise<{ id: number; isNew: boolean }> {
  const { rows } = await db.query<{ id: number; is_new: boolean }>(
    `insert into vendors (workspace_id, source_id, name, name_norm, profile_url, pgp_fingerprint, first_seen, last_seen)
     values ($1, $2, $3, $4, $5, $6, $7, $7)
     on conflict (workspace_id, source_id, name_norm) do update set
       last_seen = greatest(vendors.last_seen, excluded.last_seen),
       profile_url = coalesce(excluded.profile_url, vendors.profile_url),
       pgp_fingerprint = coalesce(excluded.pgp_fingerprint, vendors.pgp_fingerprint)
     returning id, (xmax = 0) as is_new`,
    [
      v.workspaceId,
      v.sourceId,
      v.name,
      normaliseVendorName(v.name),
      v.profileUrl ?? null,
      v.pgpFingerprint ?? null,
      v.seenAt,
    ],
  );
  return { id: rows[0]!.id, isNew: rows[0]!.is_new };
}

export interface ListingChange {
  listingId: number;
  version: number;
  isNew: boolean;
  /** Listed again after it had been marked removed. */
  relisted: boolean;
  changed: Array<'title' | 'description' | 'price'>;
  previousPriceEur: number | null;
  priceEur: number | null;
}

interface StoredListing {
  id: number;
  title: string;
  description: string | null;
  price_amount: number | null;
  price_currency: string | null;
  price_eur: number | null;
  removed_at: Date | null;
  current_version: number;
}

/**
 * Record a sighting of a listing. A new listing gets version 1; a changed title, description or
 * price (or a relisting after removal) gets a new version; an unchanged one only moves last_seen.
 * Runs inside the caller's transaction, and locks the listing row so concurrent sightings serialise.
 */
export async function upsertListing(
  tx: Queryable,
  l: {
    workspaceId: number;
    sourceId: number;
    listing: ExtractedListing & { url: string };
    vendorId: number | null;
    language: string | null;
    snapshotId: number | null;
    seenAt: Date;
    rateDate?: string | null;
  },
): Promise<ListingChange> {
  const x = l.listing;
  const values = {
    title: x.title,
    description: x.description,
    priceAmount: x.price?.amount ?? null,
    priceCurrency: x.price?.currency ?? null,
    priceEur: x.priceEur,
  };
  const inserted = await tx.query<{ id: number }>(
    `insert into listings (workspace_id, source_id, url, title, description, price_amount, price_currency, price_eur, rate_date,
       vendor_id, vendor_name, category_path, category, category_confidence, ships_from, ships_to, language,
       first_seen, last_seen, last_snapshot_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19)
     on conflict (workspace_id, source_id, url) do nothing returning id`,
    [
      l.workspaceId,
      l.sourceId,
      x.url,
      values.title,
      values.description,
      values.priceAmount,
      values.priceCurrency,
      values.priceEur,
      l.rateDate ?? null,
      l.vendorId,
      x.vendor,
      x.category,
      x.classification?.label ?? null,
      x.classification?.confidence ?? null,
      x.shipsFrom,
      x.shipsTo,
      l.language,
      l.seenAt,
      l.snapshotId,
    ],
  );
  if (inserted.rows[0]) {
    const id = inserted.rows[0].id;
    await insertVersion(tx, id, 1, values, true, l.snapshotId, l.seenAt);
    return {
      listingId: id,
      version: 1,
      isNew: true,
      relisted: false,
      changed: [],
      previousPriceEur: null,
      priceEur: values.priceEur,
    };
  }

  const { rows } = await tx.query<StoredListing>(
    `select id, title, description, price_amount, price_currency, price_eur, removed_at, current_version
       from listings where workspace_id = $1 and source_id = $2 and url = $3 for update`,
    [l.workspaceId, l.sourceId, x.url],
  );
  const stored = rows[0]!;
  const changed: ListingChange['changed'] = [];
  if (stored.title !== values.title) changed.push('title');
  if ((stored.description ?? null) !== (values.description ?? null)) changed.push('description');
  if (stored.price_amount !== values.priceAmount || stored.price_currency !== values.priceCurrency)
    changed.push('price');
  const relisted = stored.removed_at !== null;
  let version = stored.current_version;
  if (changed.length > 0 || relisted) {
    version += 1;
    await insertVersion(tx, stored.id, version, values, true, l.snapshotId, l.seenAt);
  }
  await tx.query(
    `update listings set title = $2, description = $3, price_amount = $4, price_currency = $5, price_eur = $6,
       rate_date = coalesce($7, rate_date), vendor_id = coalesce($8, vendor_id), vendor_name = coalesce($9, vendor_name),
       category_path = coalesce($10, category_path), category = coalesce($11, category),
       category_confidence = coalesce($12, category_confidence), ships_from = coalesce($13, ships_from),
       ships_to = coalesce($14, ships_to), language = coalesce($15, language),
       last_seen = greatest(last_seen, $16), removed_at = null, current_version = $17, last_snapshot_id = coalesce($18, last_snapshot_id)
     where id = $1`,
    [
      stored.id,
      values.title,
      values.description,
      values.priceAmount,
      values.priceCurrency,
      values.priceEur,
      l.rateDate ?? null,
      l.vendorId,
      x.vendor,
      x.category,
      x.classification?.label ?? null,
      x.classification?.confidence ?? null,
      x.shipsFrom,
      x.shipsTo,
      l.language,
      l.seenAt,
      version,
      l.snapshotId,
    ],
  );
  return {
    listingId: stored.id,
    version,
    isNew: false,
    relisted,
    changed,
    previousPriceEur: stored.price_eur,
    priceEur: values.priceEur,
  };
}

async function insertVersion(
  tx: Queryable,
  listingId: number,
  version: number,
  v: {
    title: string;
    description: string | null;
    priceAmount: number | null;
    priceCurrency: string | null;
    priceEur: number | null;
  },
  available: boolean,
  snapshotId: number | null,
  at: Date,
): Promise<void> {
  await tx.query(
    `insert into listing_versions (listing_id, version, title, description, price_amount, price_currency, price_eur, available, snapshot_id, observed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (listing_id, version) do nothing`,
    [
      listingId,
      version,
      v.title,
      v.description,
      v.priceAmount,
      v.priceCurrency,
      v.priceEur,
      available,
      snapshotId,
      at,
    ],
  );
}

/**
 * After a complete crawl of a source: listings not seen since the run began are marked removed
 * (with an "unavailable" version), so a later sighting counts as a relisting.
 */
export async function markUnseenListingsRemoved(
  tx: Queryable,
  sourceId: number,
  runStartedAt: Date,
): Promise<number> {
  const { rows } = await tx.query<{
    id: number;
    current_version: number;
    title: string;
    description: string | null;
    price_amount: number | null;
    price_currency: string | null;
    price_eur: number | null;
  }>(
    `update listings set removed_at = now(), current_version = current_version + 1
      where source_id = $1 and removed_at is null and last_seen < $2
      returning id, current_version, title, description, price_amount, price_currency, price_eur`,
    [sourceId, runStartedAt],
  );
  for (const r of rows) {
    await insertVersion(
      tx,
      r.id,
      r.current_version,
      {
        title: r.title,
        description: r.description,
        priceAmount: r.price_amount,
        priceCurrency: r.price_currency,
        priceEur: r.price_eur,
      },
      false,
      null,
      new Date(),
    );
  }
  return rows.length;
}

export interface ListingVersion {
  version: number;
  title: string;
  priceAmount: number | null;
  priceCurrency: string | null;
  priceEur: number | null;
  available: boolean;
  observedAt: Date;
}

export async function listingHistory(db: Queryable, listingId: number): Promise<ListingVersion[]> {
  const { rows } = await db.query<ListingVersion>(
    `select version, title, price_amount as "priceAmount", price_currency as "priceCurrency", price_eur as "priceEur",
            available, observed_at as "observedAt"
       from listing_versions where listing_id = $1 order by version`,
    [listingId],
  );
  return rows;
}

export async function upsertPost(
  db: Queryable,
  p: {
    workspaceId: number;
    sourceId: number;
    threadUrl: string;
    post: ExtractedPost;
    position: number;
    snapshotId: number | null;
    seenAt: Date;
  },
): Promise<{ id: number; isNew: boolean }> {
  const postedAt = p.post.postedAt && !Number.isNaN(Date.parse(p.post.postedAt)) ? p.post.postedAt : null;
  const { rows } = await db.query<{ id: number; is_new: boolean }>(
    `insert into posts (workspace_id, source_id, thread_url, thread_title, author, posted_at, body, position, snapshot_id, first_seen, last_seen)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict (workspace_id, source_id, thread_url, position) do update set
       last_seen = greatest(posts.last_seen, excluded.last_seen), body = excluded.body, author = excluded.author,
       thread_title = coalesce(excluded.thread_title, posts.thread_title)
     returning id, (xmax = 0) as is_new`,
    [
      p.workspaceId,
      p.sourceId,
      p.threadUrl,
      p.post.threadTitle,
      p.post.author,
      postedAt,
      p.post.body,
      p.position,
      p.snapshotId,
      p.seenAt,
    ],
  );
  return { id: rows[0]!.id, isNew: rows[0]!.is_new };
}

export type MentionTarget = { listingId: number } | { postId: number } | { vendorId: number };

/** Record an entity and that `target` mentions it; returns the entity id. */
export async function recordEntityMention(
  db: Queryable,
  m: {
    workspaceId: number;
    sourceId: number;
    entity: ExtractedEntity;
    target: MentionTarget;
    snapshotId: number | null;
    seenAt: Date;
  },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `insert into entities (workspace_id, type, value, first_seen, last_seen) values ($1, $2, $3, $4, $4)
     on conflict (workspace_id, type, value) do update set last_seen = greatest(entities.last_seen, excluded.last_seen)
     returning id`,
    [m.workspaceId, m.entity.type, m.entity.value, m.seenAt],
  );
  const entityId = rows[0]!.id;
  const t = m.target;
  await db.query(
    `insert into entity_mentions (entity_id, source_id, snapshot_id, listing_id, post_id, vendor_id, seen_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (entity_id, coalesce(listing_id, 0), coalesce(post_id, 0), coalesce(vendor_id, 0))
     do update set seen_at = greatest(entity_mentions.seen_at, excluded.seen_at), snapshot_id = excluded.snapshot_id`,
    [
      entityId,
      m.sourceId,
      m.snapshotId,
      'listingId' in t ? t.listingId : null,
      'postId' in t ? t.postId : null,
      'vendorId' in t ? t.vendorId : null,
      m.seenAt,
    ],
  );
  return entityId;
}

export interface EntityPivot {
  entityId: number;
  type: EntityType;
  value: string;
  mentions: Array<{
    sourceId: number;
    sourceName: string;
    listingId: number | null;
    postId: number | null;
    vendorId: number | null;
    title: string | null;
    vendor: string | null;
    seenAt: Date;
  }>;
}

/** Everything in a workspace that mentions one entity (the analyst's pivot). */
export async function entityPivot(
  db: Queryable,
  workspaceId: number,
  type: EntityType,
  value: string,
): Promise<EntityPivot | null> {
  const entity = await db.query<{ id: number }>(
    'select id from entities where workspace_id = $1 and type = $2 and value = $3',
    [workspaceId, type, value],
  );
  const entityId = entity.rows[0]?.id;
  if (entityId === undefined) return null;
  const { rows } = await db.query<EntityPivot['mentions'][number]>(
    `select m.source_id as "sourceId", s.name as "sourceName", m.listing_id as "listingId", m.post_id as "postId",
            m.vendor_id as "vendorId", coalesce(l.title, p.thread_title) as title,
            coalesce(l.vendor_name, p.author, v.name) as vendor, m.seen_at as "seenAt"
       from entity_mentions m
       join sources s on s.id = m.source_id
       left join listings l on l.id = m.listing_id
       left join posts p on p.id = m.post_id
       left join vendors v on v.id = m.vendor_id
      where m.entity_id = $1
      order by m.seen_at desc
      limit 1000`,
    [entityId],
  );
  return { entityId, type, value, mentions: rows };
}

/** Sites (sources) on which one entity has been seen: the basis of cross-site correlation rules. */
export async function entitySites(
  db: Queryable,
  workspaceId: number,
  type: EntityType,
  value: string,
): Promise<number[]> {
  const { rows } = await db.query<{ source_id: number }>(
    `select distinct m.source_id from entity_mentions m join entities e on e.id = m.entity_id
      where e.workspace_id = $1 and e.type = $2 and e.value = $3 order by 1`,
    [workspaceId, type, value],
  );
  return rows.map((r) => r.source_id);
}
