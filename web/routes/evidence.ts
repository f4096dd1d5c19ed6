// Evidence: snapshot metadata, the captured page rendered inert for the sandboxed viewer frame,
// the screenshot, and the raw bytes as a download. Captured bytes are hostile; none of these
// responses lets a browser interpret them as active content of our origin.
//
// Two views of one capture: "as served" (the wire bytes, content_sha256 — the evidence) and, when
// the snapshot has one, "rendered DOM" (document_sha256: what extraction read — for browser-mode
// captures the DOM after the page's JavaScript ran). Each is its own content-addressed blob, so
// each view and download names the sha256 of exactly the bytes it shows. Like the served view,
// reading the rendered one is not audited (reads are not; exports and changes are).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { getBlob, getSnapshot, type Snapshot } from '../../store/evidence.js';
import { authOf, HttpError } from '../auth.js';
import { escapeHtml } from '../html.js';
import { decodeCapture, EVIDENCE_CSP, evidenceDocument, sanitizeCapturedHtml } from '../sanitize.js';
import type { AppContext } from '../server.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
};

// Largest capture rendered in the viewer (the raw download has no limit).
const MAX_RENDER_BYTES = 5 * 1024 * 1024;

function isImage(b: Buffer): string | null {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}

const frameQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { reveal: { type: 'boolean' } },
};

/**
 * The inert frame document for captured bytes: sanitised HTML (or escaped text), cut at
 * MAX_RENDER_BYTES, with the evidence CSP and framable only by our own pages.
 */
function sendFrame(
  reply: FastifyReply,
  bytes: Buffer,
  contentType: string | null,
  view: { label: string; sha256: string },
  reveal: boolean,
) {
  const looksHtml =
    /html|xml/i.test(contentType ?? '') || /^\s*</.test(bytes.subarray(0, 512).toString('latin1'));
  const text = decodeCapture(bytes.subarray(0, MAX_RENDER_BYTES), contentType);
  const body = looksHtml ? sanitizeCapturedHtml(text) : `<pre>${escapeHtml(text)}</pre>`;
  const note =
    bytes.length > MAX_RENDER_BYTES
      ? `<p><b>Rendering stopped at ${MAX_RENDER_BYTES} bytes; download the raw capture for all of it.</b></p>`
      : '';
  return reply
    .header('content-security-policy', EVIDENCE_CSP)
    .header('x-frame-options', 'SAMEORIGIN')
    .header('x-darkwatch-view', view.label)
    .header('x-darkwatch-sha256', view.sha256)
    .type('text/html; charset=utf-8')
    .send(evidenceDocument(note + body, reveal));
}

/** The document's media type for rendering: its bytes are UTF-8 (crawler/capture.ts documentBytes). */
function documentContentType(snap: Snapshot): string {
  if (snap.fetchMode === 'browser') return 'text/html; charset=utf-8';
  const base = (snap.contentType ?? 'text/html').split(';')[0]!.trim() || 'text/html';
  return `${base}; charset=utf-8`;
}

export function registerEvidenceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const load = async (ws: number, id: number) => {
    const snap = await getSnapshot(db, id, ws);
    if (!snap) throw new HttpError(404, 'snapshot not found');
    return snap;
  };

  app.get(
    '/api/snapshots/:id',
    {
      config: { perm: 'read' },
      schema: {
        summary: 'Capture metadata: url, sha256, capture time, proxy identity, headers',
        params: idParams,
      },
    },
    async (req) => {
      const a = authOf(req);
      return load(a.workspaceId, (req.params as { id: number }).id);
    },
  );

  app.get(
    '/api/snapshots/:id/raw',
    {
      config: { perm: 'read' },
      schema: { summary: 'The captured bytes exactly as stored (download)', params: idParams },
    },
    async (req, reply) => {
      const a = authOf(req);
      const snap = await load(a.workspaceId, (req.params as { id: number }).id);
      const bytes = await getBlob(db, snap.contentSha256);
      if (!bytes) throw new HttpError(404, 'bytes not found');
      return reply
        .header('content-disposition', `attachment; filename="snapshot-${snap.id}-${snap.contentSha256}.bin"`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-darkwatch-sha256', snap.contentSha256)
        .type('application/octet-stream')
        .send(bytes);
    },
  );

  app.get(
    '/api/snapshots/:id/screenshot',
    {
      config: { perm: 'read' },
      schema: { summary: 'The screenshot of the capture (PNG/JPEG/WebP only)', params: idParams },
    },
    async (req, reply: FastifyReply) => {
      const a = authOf(req);
      const snap = await load(a.workspaceId, (req.params as { id: number }).id);
      if (!snap.screenshotSha256) throw new HttpError(404, 'no screenshot');
      const bytes = await getBlob(db, snap.screenshotSha256);
      const type = bytes ? isImage(bytes) : null;
      if (!bytes || !type) throw new HttpError(404, 'no screenshot');
      return reply.header('content-security-policy', "default-src 'none'; sandbox").type(type).send(bytes);
    },
  );

  // The viewer frame's document: a separate route with its own CSP (nothing may load or run) and
  // framable only by our own pages. The page embeds it with <iframe sandbox> (no allow-scripts).
  app.get(
    '/evidence/:id',
    { config: { perm: 'read' }, schema: { params: idParams, querystring: frameQuery } },
    async (req, reply) => {
      const a = authOf(req);
      const snap = await load(a.workspaceId, (req.params as { id: number }).id);
      const bytes = await getBlob(db, snap.contentSha256);
      if (!bytes) throw new HttpError(404, 'bytes not found');
      const reveal = (req.query as { reveal?: boolean }).reveal === true;
      return sendFrame(
        reply,
        bytes,
        snap.contentType,
        { label: 'served', sha256: snap.contentSha256 },
        reveal,
      );
    },
  );

  // The rendered DOM (after scripts, for browser captures) in the same inert frame: the very same
  // sanitiser, CSP and framing rules as the served view — the DOM is just as hostile.
  app.get(
    '/evidence/:id/document',
    { config: { perm: 'read' }, schema: { params: idParams, querystring: frameQuery } },
    async (req, reply) => {
      const a = authOf(req);
      const snap = await load(a.workspaceId, (req.params as { id: number }).id);
      if (!snap.documentSha256) throw new HttpError(404, 'no rendered document for this capture');
      const bytes = await getBlob(db, snap.documentSha256);
      if (!bytes) throw new HttpError(404, 'document not found');
      const reveal = (req.query as { reveal?: boolean }).reveal === true;
      return sendFrame(
        reply,
        bytes,
        documentContentType(snap),
        { label: 'rendered', sha256: snap.documentSha256 },
        reveal,
      );
    },
  );

  app.get(
    '/api/snapshots/:id/document/raw',
    {
      config: { perm: 'read' },
      schema: {
        summary:
          'The rendered document (DOM after scripts for browser captures) exactly as stored (download); 404 when the capture has none',
        params: idParams,
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      const snap = await load(a.workspaceId, (req.params as { id: number }).id);
      if (!snap.documentSha256) throw new HttpError(404, 'no rendered document for this capture');
      const bytes = await getBlob(db, snap.documentSha256);
      if (!bytes) throw new HttpError(404, 'document not found');
      return reply
        .header(
          'content-disposition',
          `attachment; filename="snapshot-${snap.id}-document-${snap.documentSha256}.${/html|xml/i.test(documentContentType(snap)) ? 'html' : 'txt'}"`,
        )
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-darkwatch-sha256', snap.documentSha256)
        .type('application/octet-stream')
        .send(bytes);
    },
  );
}
