// The extract stage: one job = one stored snapshot. Run the extractor over the document the crawler
// stored, write listings (with versions), vendors, posts and entity mentions in one transaction,
// then queue the match stage. Re-running a snapshot is idempotent: the extraction row is keyed by
// (snapshot, extractor version), and every record write is an upsert.
import type { Logger } from 'pino';
import type { ExtractResult, ExtractedEntity } from '../core/types.js';
import { withTransaction, type Db } from '../store/db.js';
import { getSnapshotById, getSnapshotDocument } from '../store/evidence.js';
import { recordEntityMention, upsertListing, upsertPost, upsertVendor } from '../store/records.js';
import { getSourceById } from '../store/sources.js';
import { addMatchJob, type ExtractJob, type MatchJob, type PipelineQueues } from './queues.js';
import { finalizeRunIfDone } from './finalize.js';

export interface PageExtractorInput {
  html: string;
  url: string;
  profile: string | null;
  languageHints: string[];
}

export type PageExtractor = (input: PageExtractorInput) => ExtractResult | Promise<ExtractResult>;

export interface ExtractDeps {
  db: Db;
  queues: PipelineQueues;
  extract: PageExtractor;
  extractorVersion: string;
  log: Logger;
}

/** Which records an entity belongs to: a listing page's listing, or the posts that contain it. */
function entityTargets(
  result: ExtractResult,
  listingIds: number[],
  posts: Array<{ id: number; body: string }>,
  entity: ExtractedEntity,
) {
  if (listingIds.length === 1) return listingIds.map((listingId) => ({ listingId }));
  const inPosts = posts.filter((p) => p.body.toLowerCase().includes(entity.value.toLowerCase().slice(0, 24)));
  if (inPosts.length) return inPosts.map((p) => ({ postId: p.id }));
  if (result.pageType === 'listing_index') return [];
  return listingIds.map((listingId) => ({ listingId }));
}

/** PostgreSQL's deadlock and serialization failures are transient: run the transaction again. */
async function withRetryOnConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 50));
    }
  }
}

export async function processExtractJob(deps: ExtractDeps, job: ExtractJob): Promise<MatchJob | null> {
  const snapshot = await getSnapshotById(deps.db, job.snapshotId);
  if (!snapshot) return null;
  const source = await getSourceById(deps.db, snapshot.workspaceId, snapshot.sourceId);
  if (!source) return null;
  const bytes = await getSnapshotDocument(deps.db, snapshot);
  if (!bytes) return null;
  const html = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const result = await deps.extract({
    html,
    url: snapshot.finalUrl,
    profile: source.extractorProfile,
    languageHints: source.languageHints,
  });
  const seenAt = snapshot.capturedAt;
  const ws = snapshot.workspaceId;

  // Index and vendor-page rows are summaries: when a row links to its own listing page, that page is
  // the authority (otherwise every such sighting would drop the description — and with it the rules'
  // exclusions — flip vendor and version the listing).
  const summaryPage = result.pageType === 'listing_index' || result.pageType === 'vendor_profile';
  const listingsToStore = result.listings
    .filter((l) => !summaryPage || !l.url || l.url === snapshot.finalUrl)
    .sort((a, b) => (a.url ?? '').localeCompare(b.url ?? ''));
  // Same order of row locks in every job: concurrent jobs touching the same vendors and listings
  // then wait for each other instead of deadlocking.
  const entities = [...result.entities].sort((a, b) =>
    `${a.type}:${a.value}`.localeCompare(`${b.type}:${b.value}`),
  );

  const match = await withRetryOnConflict(() =>
    withTransaction(deps.db, async (tx) => {
      await tx.query(
        `insert into extractions (snapshot_id, extractor_version, page_type, language, result) values ($1, $2, $3, $4, $5)
       on conflict (snapshot_id, extractor_version) do nothing`,
        [snapshot.id, deps.extractorVersion, result.pageType, result.language, JSON.stringify(result)],
      );
      const vendorIds = new Map<string, number>();
      const vendorId = async (name: string | null, pgp?: string | null, profileUrl?: string | null) => {
        if (!name) return null;
        const key = name.trim().toLowerCase();
        if (!vendorIds.has(key)) {
          const v = await upsertVendor(tx, {
            workspaceId: ws,
            sourceId: source.id,
            name,
            pgpFingerprint: pgp ?? null,
            profileUrl: profileUrl ?? null,
            seenAt,
          });
          vendorIds.set(key, v.id);
        }
        return vendorIds.get(key)!;
      };
      const vendorNames = [
        ...(result.vendors ?? []).map((v) => v.name),
        ...listingsToStore.map((l) => l.vendor),
      ]
        .filter((n): n is string => Boolean(n))
        .sort();
      for (const v of [...(result.vendors ?? [])].sort((a, b) => a.name.localeCompare(b.name)))
        await vendorId(v.name, v.pgpFingerprint, v.profileUrl);
      for (const name of vendorNames) await vendorId(name);

      const listings: MatchJob['listings'] = [];
      for (const l of listingsToStore) {
        const url = l.url ?? snapshot.finalUrl;
        const change = await upsertListing(tx, {
          workspaceId: ws,
          sourceId: source.id,
          listing: { ...l, url },
          vendorId: await vendorId(l.vendor),
          language: result.language,
          snapshotId: snapshot.id,
          seenAt,
        });
        listings.push({
          id: change.listingId,
          isNew: change.isNew,
          relisted: change.relisted,
          changed: change.changed,
        });
      }
      const posts: Array<{ id: number; body: string }> = [];
      for (const [i, p] of result.posts.entries()) {
        const stored = await upsertPost(tx, {
          workspaceId: ws,
          sourceId: source.id,
          threadUrl: snapshot.finalUrl,
          post: p,
          position: p.position ?? i,
          snapshotId: snapshot.id,
          seenAt,
        });
        posts.push({ id: stored.id, body: p.body });
      }
      const listingIds = listings.map((l) => l.id);
      for (const entity of entities) {
        let targets: Array<{ listingId: number } | { postId: number } | { vendorId: number }> = entityTargets(
          result,
          listingIds,
          posts,
          entity,
        );
        if (targets.length === 0 && result.pageType === 'vendor_profile' && vendorIds.size === 1)
          targets = [{ vendorId: [...vendorIds.values()][0]! }];
        for (const target of targets) {
          await recordEntityMention(tx, {
            workspaceId: ws,
            sourceId: source.id,
            entity,
            target,
            snapshotId: snapshot.id,
            seenAt,
          });
        }
      }
      return { snapshotId: snapshot.id, workspaceId: ws, listings } satisfies MatchJob;
    }),
  );

  if (match.listings.length) await addMatchJob(deps.queues, match);
  if (snapshot.crawlRunId !== null)
    await finalizeRunIfDone(deps.db, snapshot.crawlRunId, deps.extractorVersion);
  return match;
}
