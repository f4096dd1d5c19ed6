// Evidence ⇄ WARC: export a crawl run's stored captures as a WARC file, and verify a WARC file
// against the store. The WARC mechanics (records, digests) live in crawler/warc.ts; this module
// only feeds it stored snapshots and blobs, and works out which stored hashes a file must match.
import { createReadStream } from 'node:fs';
import { WARCParser } from 'warcio';
import { readToken } from '../crawler/timestamp.js';
import { writeWarc, verifyWarc, type CaptureForWarc, type WarcVerification } from '../crawler/warc.js';
import { UserError } from '../core/errors.js';
import type { Queryable } from './db.js';
import { getBlob, getTsaToken, listRunSnapshots, type Snapshot } from './evidence.js';
import { getRun } from './runs.js';

export function captureOf(
  s: Snapshot,
  bytes: Buffer,
  sourceName: string | null,
  attachments: { screenshot?: Buffer | null; timestampToken?: Buffer | null } = {},
): CaptureForWarc {
  return {
    captureId: String(s.id),
    // The bytes are the final response's: after redirects, that is the URL that produced them.
    url: s.finalUrl,
    capturedAt: new Date(s.capturedAt).toISOString(),
    request: { method: 'GET', url: s.finalUrl, headers: s.requestHeaders },
    response: { status: s.statusCode, headers: s.responseHeaders },
    rawBytes: bytes,
    sha256: s.contentSha256,
    proxyIdentity: s.proxyIdentity,
    source: sourceName,
    runId: s.crawlRunId === null ? null : String(s.crawlRunId),
    screenshot:
      attachments.screenshot && s.screenshotSha256
        ? { bytes: attachments.screenshot, sha256: s.screenshotSha256 }
        : null,
    timestampToken: attachments.timestampToken ?? null,
  };
}

async function* runCaptures(
  db: Queryable,
  snapshots: Snapshot[],
  sourceName: string | null,
): AsyncGenerator<CaptureForWarc> {
  // One blob in memory at a time: runs can hold many thousands of pages.
  for (const s of snapshots) {
    const bytes = await getBlob(db, s.contentSha256);
    if (!bytes) throw new Error(`snapshot ${s.id}: blob ${s.contentSha256} is missing from the store`);
    const screenshot = s.screenshotSha256 ? await getBlob(db, s.screenshotSha256) : null;
    if (s.screenshotSha256 && !screenshot)
      throw new Error(`snapshot ${s.id}: screenshot ${s.screenshotSha256} is missing from the store`);
    const timestampToken = s.hasTsaToken ? await getTsaToken(db, s.id) : null;
    yield captureOf(s, bytes, sourceName, { screenshot, timestampToken });
  }
}

export interface ExportResult {
  runId: number;
  captures: number;
  bytes: number;
}

/** Write every capture of one run (of this workspace) to a new WARC file. */
export async function exportRunWarc(
  db: Queryable,
  workspaceId: number,
  runId: number,
  file: string,
  opts: { gzip?: boolean } = {},
): Promise<ExportResult> {
  const run = await getRun(db, runId);
  if (!run || run.workspaceId !== workspaceId) throw new UserError(`no crawl run ${runId}`);
  const snapshots = await listRunSnapshots(db, runId);
  if (snapshots.length === 0) throw new UserError(`crawl run ${runId} has no captures to export`);
  const { rows } = await db.query<{ name: string }>('select name from sources where id = $1', [run.sourceId]);
  try {
    const r = await writeWarc(file, runCaptures(db, snapshots, rows[0]?.name ?? null), {
      gzip: opts.gzip,
      info: { 'darkwatch-run': String(runId), 'darkwatch-captures': String(snapshots.length) },
    });
    return { runId, ...r };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UserError(`${file} already exists; exports never overwrite`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`cannot create ${file}: no such directory`);
    throw err;
  }
}

/** Capture ids and run ids a WARC file claims to hold; tolerant of damage (verification reports it). */
async function claimedIds(file: string): Promise<{ captureIds: Set<string>; runIds: Set<string> }> {
  const captureIds = new Set<string>();
  const runIds = new Set<string>();
  try {
    for await (const record of new WARCParser(createReadStream(file), { keepHeadersCase: true })) {
      const capture = record.warcHeader('WARC-Darkwatch-Capture-Id');
      const run = record.warcHeader('WARC-Darkwatch-Run');
      if (capture) captureIds.add(capture);
      if (run) runIds.add(run);
      await record.readFully(false);
    }
  } catch {
    /* damaged file: verifyWarc reports it */
  }
  return { captureIds, runIds };
}

export interface StoreVerification extends WarcVerification {
  /** Captures in the file whose stored RFC 3161 token covers their stored sha256. */
  timestamped: number;
}

/**
 * Verify a WARC file against the store: every response's payload must equal the stored sha256 of its
 * capture, every capture of every run the file names must be present, and a stored RFC 3161 token
 * must cover its capture's sha256 (its signature is checked with `openssl ts -verify`, see docs).
 */
export async function verifyWarcAgainstStore(
  db: Queryable,
  workspaceId: number,
  file: string,
): Promise<StoreVerification> {
  const claimed = await claimedIds(file);
  const runIds = [...claimed.runIds].filter((r) => /^\d{1,15}$/.test(r)).map(Number);
  const captureIds = [...claimed.captureIds].filter((c) => /^\d{1,15}$/.test(c)).map(Number);
  const { rows } = await db.query<{
    id: number;
    sha: string;
    token: Buffer | null;
    url: string;
    shot: string | null;
    tokenSha: string | null;
  }>(
    `select id, content_sha256 as sha, tsa_token as token, final_url as url, screenshot_sha256 as shot,
            encode(sha256(tsa_token), 'hex') as "tokenSha" from snapshots
      where workspace_id = $1 and (crawl_run_id = any($2::bigint[]) or id = any($3::bigint[]))`,
    [workspaceId, runIds, captureIds],
  );
  const expected = new Map(rows.map((r) => [String(r.id), r.sha]));
  const attachments = new Map(
    rows.map((r) => [
      String(r.id),
      {
        ...(r.shot ? { screenshot: r.shot } : {}),
        ...(r.tokenSha ? { 'rfc3161-timestamp-token': r.tokenSha } : {}),
      },
    ]),
  );
  const v = await verifyWarc(file, expected, attachments);
  let timestamped = 0;
  for (const r of rows) {
    if (!r.token) continue;
    let covered = false;
    try {
      covered = readToken(r.token).sha256Hex === r.sha;
    } catch {
      /* unreadable token: reported below */
    }
    if (covered) timestamped++;
    else
      v.problems.push({
        recordId: null,
        captureId: String(r.id),
        targetUri: r.url,
        problem: 'stored RFC 3161 token does not cover the stored sha256',
      });
  }
  return { ...v, ok: v.ok && v.problems.length === 0, timestamped };
}
