// Search over stored listings and posts (full text via the generated tsvector columns, fuzzy via
// pg_trgm), and the look-ups the alert detail needs: the record an alert is about, its entities,
// and the same vendor on other sites. Every query is scoped to one workspace.
import type { EntityType } from '../core/types.js';
import type { Queryable } from './db.js';

export interface ListingHit {
  id: number;
  sourceId: number;
  sourceName: string;
  url: string;
  title: string;
  description: string | null;
  priceAmount: number | null;
  priceCurrency: string | null;
  priceEur: number | null;
  vendor: string | null;
  category: string | null;
  shipsFrom: string | null;
  lastSeen: Date;
  removedAt: Date | null;
  rank: number;
}

export interface PostHit {
  id: number;
  sourceId: number;
  sourceName: string;
  threadUrl: string;
  threadTitle: string | null;
  author: string | null;
  postedAt: Date | null;
  body: string;
  lastSeen: Date;
  rank: number;
}

export interface SearchOptions {
  q: string;
  /** Trigram similarity on titles/authors as well as (or instead of) exact words: catches misspellings. */
  fuzzy?: boolean;
  category?: string;
  sourceId?: number;
  vendor?: string;
  limit?: number;
  offset?: number;
}

const MAX_QUERY = 500;

function clampLimit(n: number | undefined): number {
  return Math.min(Math.max(n ?? 50, 1), 200);
}

export async function searchListings(
  db: Queryable,
  workspaceId: number,
  o: SearchOptions,
): Promise<ListingHit[]> {
  const q = o.q.slice(0, MAX_QUERY).trim();
  const params: unknown[] = [workspaceId, q];
  const where = ['l.workspace_id = $1'];
  // websearch_to_tsquery never raises on user syntax (quotes, OR, -word), so any text is safe here.
  const textMatch = `l.search @@ websearch_to_tsquery('simple', $2)`;
  if (q) where.push(o.fuzzy ? `(${textMatch} or l.title % $2 or l.title ilike '%' || $2 || '%')` : textMatch);
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (o.category) add('l.category = ?', o.category);
  if (o.sourceId !== undefined) add('l.source_id = ?', o.sourceId);
  if (o.vendor) add('lower(l.vendor_name) = lower(?)', o.vendor);
  params.push(clampLimit(o.limit), Math.max(o.offset ?? 0, 0));
  const { rows } = await db.query<ListingHit>(
    `select l.id, l.source_id as "sourceId", s.name as "sourceName", l.url, l.title, l.description,
            l.price_amount as "priceAmount", l.price_currency as "priceCurrency", l.price_eur as "priceEur",
            l.vendor_name as vendor, l.category, l.ships_from as "shipsFrom", l.last_seen as "lastSeen",
            l.removed_at as "removedAt",
            (ts_rank(l.search, websearch_to_tsquery('simple', $2)) + similarity(l.title, $2))::real as rank
       from listings l join sources s on s.id = l.source_id
      where ${where.join(' and ')}
      order by ${q ? 'rank desc,' : ''} l.last_seen desc, l.id desc
      limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return rows;
}

export async function searchPosts(db: Queryable, workspaceId: number, o: SearchOptions): Promise<PostHit[]> {
  const q = o.q.slice(0, MAX_QUERY).trim();
  const params: unknown[] = [workspaceId, q];
  const where = ['p.workspace_id = $1'];
  const textMatch = `p.search @@ websearch_to_tsquery('simple', $2)`;
  if (q) where.push(o.fuzzy ? `(${textMatch} or p.thread_title % $2 or p.author % $2)` : textMatch);
  if (o.sourceId !== undefined) {
    params.push(o.sourceId);
    where.push(`p.source_id = $${params.length}`);
  }
  params.push(clampLimit(o.limit), Math.max(o.offset ?? 0, 0));
  const { rows } = await db.query<PostHit>(
    `select p.id, p.source_id as "sourceId", s.name as "sourceName", p.thread_url as "threadUrl", p.thread_title as "threadTitle",
            p.author, p.posted_at as "postedAt", p.body, p.last_seen as "lastSeen",
            (ts_rank(p.search, websearch_to_tsquery('simple', $2)) + similarity(coalesce(p.thread_title, ''), $2))::real as rank
       from posts p join sources s on s.id = p.source_id
      where ${where.join(' and ')}
      order by ${q ? 'rank desc,' : ''} p.last_seen desc, p.id desc
      limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return rows;
}

export interface ListingDetail extends Omit<ListingHit, 'rank'> {
  vendorId: number | null;
  categoryPath: string | null;
  categoryConfidence: number | null;
  shipsTo: string[] | null;
  language: string | null;
  firstSeen: Date;
  lastSnapshotId: number | null;
}

export async function getListing(
  db: Queryable,
  workspaceId: number,
  id: number,
): Promise<ListingDetail | null> {
  const { rows } = await db.query<ListingDetail>(
    `select l.id, l.source_id as "sourceId", s.name as "sourceName", l.url, l.title, l.description,
            l.price_amount as "priceAmount", l.price_currency as "priceCurrency", l.price_eur as "priceEur",
            l.vendor_id as "vendorId", l.vendor_name as vendor, l.category, l.category_path as "categoryPath",
            l.category_confidence as "categoryConfidence", l.ships_from as "shipsFrom", l.ships_to as "shipsTo",
            l.language, l.first_seen as "firstSeen", l.last_seen as "lastSeen", l.removed_at as "removedAt",
            l.last_snapshot_id as "lastSnapshotId"
       from listings l join sources s on s.id = l.source_id
      where l.workspace_id = $1 and l.id = $2`,
    [workspaceId, id],
  );
  return rows[0] ?? null;
}

export async function getPost(
  db: Queryable,
  workspaceId: number,
  id: number,
): Promise<Omit<PostHit, 'rank'> | null> {
  const { rows } = await db.query<Omit<PostHit, 'rank'>>(
    `select p.id, p.source_id as "sourceId", s.name as "sourceName", p.thread_url as "threadUrl", p.thread_title as "threadTitle",
            p.author, p.posted_at as "postedAt", p.body, p.last_seen as "lastSeen"
       from posts p join sources s on s.id = p.source_id where p.workspace_id = $1 and p.id = $2`,
    [workspaceId, id],
  );
  return rows[0] ?? null;
}

export interface EntityRef {
  type: EntityType;
  value: string;
  /** How many listings/posts/vendors mention it (the pivot's size). */
  mentions: number;
  sites: number;
}

/** Entities mentioned by one listing, post or vendor. */
export async function subjectEntities(
  db: Queryable,
  workspaceId: number,
  subject: { listingId?: number; postId?: number; vendorId?: number },
): Promise<EntityRef[]> {
  const column =
    subject.listingId !== undefined ? 'listing_id' : subject.postId !== undefined ? 'post_id' : 'vendor_id';
  const id = subject.listingId ?? subject.postId ?? subject.vendorId;
  const { rows } = await db.query<EntityRef>(
    `select e.type, e.value,
            (select count(*)::int from entity_mentions m2 where m2.entity_id = e.id) as mentions,
            (select count(distinct m3.source_id)::int from entity_mentions m3 where m3.entity_id = e.id) as sites
       from entity_mentions m join entities e on e.id = m.entity_id
      where e.workspace_id = $1 and m.${column} = $2
      group by e.id order by e.type, e.value`,
    [workspaceId, id],
  );
  return rows;
}

export interface VendorSighting {
  vendorId: number;
  name: string;
  sourceId: number;
  sourceName: string;
  pgpFingerprint: string | null;
  firstSeen: Date;
  lastSeen: Date;
  listings: number;
  /** 'name' when the normalised name matches, 'pgp' when the PGP key does (stronger). */
  matchedBy: 'name' | 'pgp';
}

/** The same vendor on every site of the workspace: same normalised name, or same PGP key. */
export async function vendorAcrossSites(
  db: Queryable,
  workspaceId: number,
  vendorId: number,
): Promise<VendorSighting[]> {
  const { rows } = await db.query<VendorSighting>(
    `with me as (select name_norm, pgp_fingerprint from vendors where workspace_id = $1 and id = $2)
     select v.id as "vendorId", v.name, v.source_id as "sourceId", s.name as "sourceName", v.pgp_fingerprint as "pgpFingerprint",
            v.first_seen as "firstSeen", v.last_seen as "lastSeen",
            (select count(*)::int from listings l where l.vendor_id = v.id) as listings,
            case when me.pgp_fingerprint is not null and v.pgp_fingerprint = me.pgp_fingerprint then 'pgp' else 'name' end as "matchedBy"
       from vendors v join sources s on s.id = v.source_id, me
      where v.workspace_id = $1
        and (v.name_norm = me.name_norm or (me.pgp_fingerprint is not null and v.pgp_fingerprint = me.pgp_fingerprint))
      order by v.last_seen desc
      limit 200`,
    [workspaceId, vendorId],
  );
  return rows;
}

/** The rule version that fired an alert (the alert row is already workspace-checked by the caller). */
export async function ruleVersionOf(
  db: Queryable,
  workspaceId: number,
  ruleId: number,
  version: number,
): Promise<{
  name: string;
  version: number;
  severity: string;
  description: string | null;
  sourceText: string;
  enabled: boolean;
} | null> {
  const { rows } = await db.query<{
    name: string;
    version: number;
    severity: string;
    description: string | null;
    sourceText: string;
    enabled: boolean;
  }>(
    `select r.name, v.version, v.severity, v.description, v.source_text as "sourceText", r.enabled
       from rules r join rule_versions v on v.rule_id = r.id where r.workspace_id = $1 and r.id = $2 and v.version = $3`,
    [workspaceId, ruleId, version],
  );
  return rows[0] ?? null;
}

/** Entities of a workspace, most mentioned first (for the entity export). */
export async function listEntities(
  db: Queryable,
  workspaceId: number,
  o: { type?: EntityType; limit?: number } = {},
): Promise<EntityRef[]> {
  const { rows } = await db.query<EntityRef>(
    `select e.type, e.value, count(m.id)::int as mentions, count(distinct m.source_id)::int as sites
       from entities e left join entity_mentions m on m.entity_id = e.id
      where e.workspace_id = $1 and ($2::text is null or e.type = $2)
      group by e.id order by mentions desc, e.type, e.value limit $3`,
    [workspaceId, o.type ?? null, Math.min(Math.max(o.limit ?? 1000, 1), 100_000)],
  );
  return rows;
}
