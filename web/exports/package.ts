// Evidence package of a case: one zip a partner agency can verify on its own. It holds the
// captured bytes exactly as stored, the screenshots, the extracted JSON of each alert, the case and
// its notes, the audit trail of every included item (with its chain hashes), and manifest.json
// listing the sha256 and size of every other file plus capture times and proxy identities.
import { createHash } from 'node:crypto';
import yazl from 'yazl';
import type { Queryable } from '../../store/db.js';
import { caseAlertIds, caseAuditTrail, caseNotes, getCase } from '../../store/cases.js';
import { getBlob, getSnapshot, type Snapshot } from '../../store/evidence.js';
import { alertDossier } from './gather.js';

export interface PackageFile {
  path: string;
  bytes: Buffer;
}

export interface PackageManifest {
  format: 'darkwatch-evidence-package/1';
  generatedAt: string;
  generatedBy: string;
  case: { id: number; title: string; tlp: string; status: string };
  files: Array<{ path: string; sha256: string; size: number }>;
  captures: Array<{
    snapshotId: number;
    url: string;
    finalUrl: string;
    statusCode: number;
    capturedAt: string;
    contentSha256: string;
    contentType: string | null;
    screenshotSha256: string | null;
    fetchMode: string;
    proxyIdentity: string | null;
    files: string[];
  }>;
  alerts: number[];
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
}

/** Pure part: manifest over the files (sorted by path, so the same content gives the same manifest). */
export function buildManifest(
  files: PackageFile[],
  meta: Omit<PackageManifest, 'files' | 'format'>,
): PackageManifest {
  return {
    format: 'darkwatch-evidence-package/1',
    ...meta,
    files: [...files]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((f) => ({ path: f.path, sha256: sha256(f.bytes), size: f.bytes.length })),
  };
}

export function zipFiles(files: PackageFile[], mtime: Date): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(f.bytes, f.path, { mtime, mode: 0o100644 });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Gather and zip; null when the case is not in this workspace. */
export async function casePackage(
  db: Queryable,
  workspaceId: number,
  caseId: number,
  generatedBy: string,
  now = new Date(),
): Promise<{ zip: Buffer; manifest: PackageManifest } | null> {
  const c = await getCase(db, workspaceId, caseId);
  if (!c) return null;
  const alertIds = await caseAlertIds(db, workspaceId, caseId);
  const files: PackageFile[] = [];
  files.push({
    path: 'case.json',
    bytes: json({ case: c, notes: await caseNotes(db, workspaceId, caseId) }),
  });
  const snapshots = new Map<number, Snapshot>();
  for (const id of alertIds) {
    const dossier = await alertDossier(db, workspaceId, id);
    if (!dossier) continue;
    files.push({ path: `alerts/${id}.json`, bytes: json(dossier) });
    const snapId = (dossier.alert as { snapshotId: number | null }).snapshotId;
    const subjectSnap =
      (dossier.subject as { lastSnapshotId?: number | null } | null)?.lastSnapshotId ?? null;
    for (const s of [snapId, subjectSnap]) {
      if (s === null || snapshots.has(s)) continue;
      const snap = await getSnapshot(db, s, workspaceId);
      if (snap) snapshots.set(s, snap);
    }
  }
  const captures: PackageManifest['captures'] = [];
  const seenBlobs = new Set<string>();
  for (const snap of snapshots.values()) {
    const capFiles: string[] = [];
    const addBlob = async (sha: string, dir: string) => {
      const p = `${dir}/${sha}`;
      capFiles.push(p);
      if (seenBlobs.has(p)) return;
      const bytes = await getBlob(db, sha);
      if (bytes) {
        files.push({ path: p, bytes });
        seenBlobs.add(p);
      }
    };
    await addBlob(snap.contentSha256, 'captures');
    if (snap.screenshotSha256) await addBlob(snap.screenshotSha256, 'screenshots');
    const ex = await db.query<{
      extractor_version: string;
      page_type: string;
      result: unknown;
      extracted_at: Date;
    }>(
      'select extractor_version, page_type, result, extracted_at from extractions where snapshot_id = $1 order by extracted_at',
      [snap.id],
    );
    if (ex.rows.length) {
      const p = `extractions/${snap.id}.json`;
      files.push({ path: p, bytes: json(ex.rows) });
      capFiles.push(p);
    }
    captures.push({
      snapshotId: snap.id,
      url: snap.url,
      finalUrl: snap.finalUrl,
      statusCode: snap.statusCode,
      capturedAt: new Date(snap.capturedAt).toISOString(),
      contentSha256: snap.contentSha256,
      contentType: snap.contentType,
      screenshotSha256: snap.screenshotSha256,
      fetchMode: snap.fetchMode,
      proxyIdentity: snap.proxyIdentity,
      files: capFiles,
    });
  }
  files.push({ path: 'audit.json', bytes: json(await caseAuditTrail(db, workspaceId, caseId, alertIds)) });
  const manifest = buildManifest(files, {
    generatedAt: now.toISOString(),
    generatedBy,
    case: { id: c.id, title: c.title, tlp: c.tlp, status: c.status },
    captures: captures.sort((a, b) => a.snapshotId - b.snapshotId),
    alerts: alertIds,
  });
  const zip = await zipFiles([...files, { path: 'manifest.json', bytes: json(manifest) }], now);
  return { zip, manifest };
}
