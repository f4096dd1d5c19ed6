// Evidence: captured bytes stored content-addressed (sha256 of the exact bytes) and snapshots
// that describe each capture. Neither is ever modified; the database enforces it with triggers and
// checks the hash itself.
import { createHash } from 'node:crypto';
import type { FetchMode } from '../core/types.js';
import type { Queryable } from './db.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Store bytes once; returns their sha256. Storing the same bytes again is a no-op. */
export async function putBlob(db: Queryable, bytes: Uint8Array): Promise<string> {
  const sha256 = sha256Hex(bytes);
  await db.query(
    'insert into blobs (sha256, size, content) values ($1, $2, $3) on conflict (sha256) do nothing',
    [sha256, bytes.byteLength, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
  );
  return sha256;
}

export async function getBlob(db: Queryable, sha256: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ content: Buffer }>('select content from blobs where sha256 = $1', [
    sha256,
  ]);
  return rows[0]?.content ?? null;
}

export interface NewSnapshot {
  workspaceId: number;
  sourceId: number;
  crawlRunId: number | null;
  url: string;
  finalUrl: string;
  statusCode: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string | string[]>;
  /** Exact bytes as received on the wire: the evidence. */
  body: Uint8Array;
  /** What extraction reads when it differs from `body`: decoded body, or the DOM after JavaScript. */
  document?: Uint8Array | null;
  contentType: string | null;
  screenshot?: Uint8Array | null;
  fetchMode: Exclude<FetchMode, 'auto'>;
  proxyIdentity: string | null;
  capturedAt: Date;
  timings?: Record<string, number>;
  tsaToken?: Uint8Array | null;
}

export interface Snapshot {
  id: number;
  workspaceId: number;
  sourceId: number;
  crawlRunId: number | null;
  url: string;
  finalUrl: string;
  statusCode: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string | string[]>;
  contentSha256: string;
  contentType: string | null;
  contentLength: number;
  documentSha256: string | null;
  screenshotSha256: string | null;
  fetchMode: 'http' | 'browser';
  proxyIdentity: string | null;
  capturedAt: Date;
  timings: Record<string, number>;
  hasTsaToken: boolean;
}

const SNAPSHOT_COLUMNS = `id, workspace_id as "workspaceId", source_id as "sourceId", crawl_run_id as "crawlRunId",
  url, final_url as "finalUrl", status_code as "statusCode", request_headers as "requestHeaders",
  response_headers as "responseHeaders", content_sha256 as "contentSha256", content_type as "contentType",
  content_length as "contentLength", document_sha256 as "documentSha256", screenshot_sha256 as "screenshotSha256", fetch_mode as "fetchMode",
  proxy_identity as "proxyIdentity", captured_at as "capturedAt", timings, tsa_token is not null as "hasTsaToken"`;

/**
 * Record a capture (bytes, screenshot, metadata). Idempotent per (run, url): a retried job gets the
 * snapshot that the first attempt stored instead of a duplicate.
 */
export async function recordSnapshot(
  db: Queryable,
  snap: NewSnapshot,
): Promise<{ snapshot: Snapshot; created: boolean }> {
  const contentSha256 = await putBlob(db, snap.body);
  const screenshotSha256 = snap.screenshot ? await putBlob(db, snap.screenshot) : null;
  const documentSha256 = snap.document ? await putBlob(db, snap.document) : null;
  const inserted = await db.query<Snapshot>(
    `insert into snapshots (workspace_id, source_id, crawl_run_id, url, final_url, status_code, request_headers,
       response_headers, content_sha256, content_type, content_length, screenshot_sha256, fetch_mode, proxy_identity,
       captured_at, timings, tsa_token, document_sha256)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     on conflict (crawl_run_id, url) do nothing
     returning ${SNAPSHOT_COLUMNS}`,
    [
      snap.workspaceId,
      snap.sourceId,
      snap.crawlRunId,
      snap.url,
      snap.finalUrl,
      snap.statusCode,
      JSON.stringify(snap.requestHeaders),
      JSON.stringify(snap.responseHeaders),
      contentSha256,
      snap.contentType,
      snap.body.byteLength,
      screenshotSha256,
      snap.fetchMode,
      snap.proxyIdentity,
      snap.capturedAt,
      JSON.stringify(snap.timings ?? {}),
      snap.tsaToken ? Buffer.from(snap.tsaToken) : null,
      documentSha256,
    ],
  );
  if (inserted.rows[0]) return { snapshot: inserted.rows[0], created: true };
  const existing = await db.query<Snapshot>(
    `select ${SNAPSHOT_COLUMNS} from snapshots where crawl_run_id = $1 and url = $2`,
    [snap.crawlRunId, snap.url],
  );
  return { snapshot: existing.rows[0]!, created: false };
}

export async function getSnapshot(db: Queryable, id: number, workspaceId: number): Promise<Snapshot | null> {
  const { rows } = await db.query<Snapshot>(
    `select ${SNAPSHOT_COLUMNS} from snapshots where id = $1 and workspace_id = $2`,
    [id, workspaceId],
  );
  return rows[0] ?? null;
}

export async function listRunSnapshots(db: Queryable, runId: number): Promise<Snapshot[]> {
  const { rows } = await db.query<Snapshot>(
    `select ${SNAPSHOT_COLUMNS} from snapshots where crawl_run_id = $1 order by id`,
    [runId],
  );
  return rows;
}

/** The bytes extraction should read: the decoded/rendered document, else the wire bytes. */
export async function getSnapshotDocument(db: Queryable, snapshot: Snapshot): Promise<Buffer | null> {
  return getBlob(db, snapshot.documentSha256 ?? snapshot.contentSha256);
}

export async function getSnapshotById(db: Queryable, id: number): Promise<Snapshot | null> {
  const { rows } = await db.query<Snapshot>(`select ${SNAPSHOT_COLUMNS} from snapshots where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function getTsaToken(db: Queryable, snapshotId: number): Promise<Buffer | null> {
  const { rows } = await db.query<{ tsa_token: Buffer | null }>(
    'select tsa_token from snapshots where id = $1',
    [snapshotId],
  );
  return rows[0]?.tsa_token ?? null;
}
