// WARC/1.1 (ISO 28500) export of stored captures with warcio, and a verifier that re-reads a WARC and
// checks every record: the block and payload digests warcio wrote, and the payload against the
// sha256 the store holds for that capture (evidence is the exact bytes as received).
//
// Payload = the HTTP body as received after HTTP/1.1 de-chunking and before content decoding; a
// `Transfer-Encoding` header is therefore kept only as `X-Darkwatch-Original-Transfer-Encoding`, so
// WARC readers do not try to de-chunk it again. Content-Encoding stays: the payload is still encoded.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { unlink } from 'node:fs/promises';
import { WARCParser, WARCRecord, WARCSerializer } from 'warcio';

export interface CaptureForWarc {
  /** Store id of the capture (snapshot); written as WARC-Darkwatch-Capture-Id. */
  captureId: string;
  url: string;
  /** ISO 8601 capture time. */
  capturedAt: string;
  request: { method: string; url: string; headers: Record<string, string> };
  /**
   * Response head. `rawHeaders` (name/value list as received) is preferred; a stored snapshot's
   * header record works too (`headers`, repeated values as arrays).
   */
  response: {
    status: number;
    statusText?: string;
    httpVersion?: string;
    rawHeaders?: string[];
    headers?: Record<string, string | string[]>;
  };
  rawBytes: Uint8Array;
  /** sha256 (hex) of rawBytes as stored. */
  sha256: string;
  proxyIdentity?: string | null;
  source?: string | null;
  runId?: string | null;
  /** Browser-mode screenshot (PNG) and its stored sha256: a `resource` record. */
  screenshot?: { bytes: Uint8Array; sha256: string } | null;
  /** RFC 3161 TimeStampToken (DER) over `sha256`: a `resource` record. */
  timestampToken?: Uint8Array | null;
}

/** What an attachment record is (WARC-Darkwatch-Kind). */
export const ATTACHMENT_KINDS = ['screenshot', 'rfc3161-timestamp-token'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export interface WarcWriteOptions {
  gzip?: boolean;
  software?: string;
  /** Extra warcinfo fields (operator, case number…). */
  info?: Record<string, string>;
}

const HOP_BY_HOP = new Set(['transfer-encoding']);

function flatHeaders(r: CaptureForWarc['response']): string[] {
  if (r.rawHeaders) return r.rawHeaders;
  const flat: string[] = [];
  for (const [k, v] of Object.entries(r.headers ?? {}))
    for (const one of Array.isArray(v) ? v : [v]) flat.push(k, one);
  return flat;
}

function responseHeaderPairs(rawHeaders: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = (rawHeaders[i + 1] as string).replace(/[\r\n]+/g, ' ');
    if (HOP_BY_HOP.has(name.toLowerCase())) pairs.push([`X-Darkwatch-Original-${name}`, value]);
    else pairs.push([name, value]);
  }
  return pairs;
}

function requestHeaderPairs(req: CaptureForWarc['request']): Array<[string, string]> {
  const u = new URL(req.url);
  const pairs: Array<[string, string]> = [['Host', u.host]];
  for (const [k, v] of Object.entries(req.headers))
    if (k.toLowerCase() !== 'host') pairs.push([k, v.replace(/[\r\n]+/g, ' ')]);
  return pairs;
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A `resource` record that belongs to a capture's response (screenshot, timestamp token). */
function attachmentRecord(
  c: CaptureForWarc,
  responseId: string,
  date: string,
  kind: AttachmentKind,
  contentType: string,
  bytes: Uint8Array,
  extra: Array<[string, string]>,
): WARCRecord {
  return WARCRecord.create(
    {
      url: `urn:darkwatch:${kind}:${c.url}`,
      date,
      type: 'resource',
      warcVersion: 'WARC/1.1',
      warcHeaders: [
        ['WARC-Record-ID', `<urn:uuid:${randomUUID()}>`],
        ['Content-Type', contentType],
        // Made in the same capture event as the response, and about it.
        ['WARC-Concurrent-To', responseId],
        ['WARC-Refers-To', responseId],
        ['WARC-Darkwatch-Capture-Id', c.captureId],
        ['WARC-Darkwatch-Kind', kind],
        ...extra,
      ],
      keepHeadersCase: true,
    },
    one(bytes),
  );
}

/**
 * The records of one capture, serialised: response, request, then a screenshot and an RFC 3161
 * token `resource` record when the capture has them.
 */
export async function captureRecords(c: CaptureForWarc, opts: WarcWriteOptions = {}): Promise<Uint8Array[]> {
  const actual = createHash('sha256').update(c.rawBytes).digest('hex');
  if (actual !== c.sha256)
    throw new Error(
      `capture ${c.captureId}: stored sha256 ${c.sha256} does not match its bytes (${actual}); refusing to export`,
    );
  const date = new Date(c.capturedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const responseId = `<urn:uuid:${randomUUID()}>`;
  const extra: Array<[string, string]> = [
    ['WARC-Record-ID', responseId],
    ['WARC-Darkwatch-Capture-Id', c.captureId],
    ['WARC-Darkwatch-Sha256', c.sha256],
  ];
  if (c.proxyIdentity) extra.push(['WARC-Darkwatch-Proxy-Identity', c.proxyIdentity]);
  if (c.source) extra.push(['WARC-Darkwatch-Source', c.source]);
  if (c.runId) extra.push(['WARC-Darkwatch-Run', c.runId]);
  const response = WARCRecord.create(
    {
      url: c.url,
      date,
      type: 'response',
      warcVersion: 'WARC/1.1',
      statusline:
        `HTTP/${c.response.httpVersion || '1.1'} ${c.response.status} ${c.response.statusText ?? STATUS_CODES[c.response.status] ?? ''}`.trim(),
      httpHeaders: responseHeaderPairs(flatHeaders(c.response)),
      warcHeaders: extra,
      keepHeadersCase: true,
    },
    one(c.rawBytes),
  );
  const u = new URL(c.request.url);
  const request = WARCRecord.create(
    {
      url: c.request.url,
      date,
      type: 'request',
      warcVersion: 'WARC/1.1',
      statusline: `${c.request.method} ${u.pathname}${u.search} HTTP/1.1`,
      httpHeaders: requestHeaderPairs(c.request),
      warcHeaders: [
        ['WARC-Record-ID', `<urn:uuid:${randomUUID()}>`],
        ['WARC-Concurrent-To', responseId],
        ['WARC-Darkwatch-Capture-Id', c.captureId],
      ],
      keepHeadersCase: true,
    },
    one(new Uint8Array(0)),
  );
  const records = [response, request];
  if (c.screenshot) {
    const shot = createHash('sha256').update(c.screenshot.bytes).digest('hex');
    if (shot !== c.screenshot.sha256)
      throw new Error(
        `capture ${c.captureId}: stored screenshot sha256 ${c.screenshot.sha256} does not match its bytes (${shot}); refusing to export`,
      );
    records.push(
      attachmentRecord(c, responseId, date, 'screenshot', 'image/png', c.screenshot.bytes, [
        ['WARC-Darkwatch-Sha256', shot],
      ]),
    );
  }
  if (c.timestampToken?.length) {
    const tokenSha = createHash('sha256').update(c.timestampToken).digest('hex');
    records.push(
      attachmentRecord(
        c,
        responseId,
        date,
        'rfc3161-timestamp-token',
        'application/timestamp-token',
        c.timestampToken,
        [
          ['WARC-Darkwatch-Sha256', tokenSha],
          // What the token stamps: the response payload's sha256.
          ['WARC-Darkwatch-Timestamped-Sha256', c.sha256],
        ],
      ),
    );
  }
  const out: Uint8Array[] = [];
  for (const r of records) out.push(await WARCSerializer.serialize(r, { gzip: opts.gzip }));
  return out;
}

/** Write a WARC file: one warcinfo record, then request+response per capture. */
export async function writeWarc(
  file: string,
  captures: Iterable<CaptureForWarc> | AsyncIterable<CaptureForWarc>,
  opts: WarcWriteOptions = {},
): Promise<{ captures: number; bytes: number }> {
  const out = createWriteStream(file, { flags: 'wx' }); // never overwrite an existing export
  await once(out, 'open');
  let bytes = 0;
  const write = async (buf: Uint8Array): Promise<void> => {
    bytes += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  try {
    const info = WARCRecord.createWARCInfo(
      { filename: file.split('/').pop() ?? file, warcVersion: 'WARC/1.1' },
      { software: opts.software ?? 'darkwatch', format: 'WARC File Format 1.1', ...opts.info },
    );
    await write(await WARCSerializer.serialize(info, { gzip: opts.gzip }));
    let n = 0;
    for await (const c of captures) {
      for (const rec of await captureRecords(c, opts)) await write(rec);
      n++;
    }
    out.end();
    await once(out, 'finish');
    return { captures: n, bytes };
  } catch (err) {
    // A half-written export must not be mistaken for a complete one.
    await new Promise<void>((resolve) => out.end(() => resolve()));
    await unlink(file).catch(() => undefined);
    throw err;
  }
}

export interface WarcProblem {
  recordId: string | null;
  captureId: string | null;
  targetUri: string | null;
  problem: string;
}

export interface WarcVerification {
  ok: boolean;
  records: number;
  responses: number;
  problems: WarcProblem[];
  /** Captures expected but not found in the file. */
  missing: string[];
}

function sha256Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function digestMatches(header: string | null | undefined, hex: string): boolean {
  if (!header) return false;
  const [algo, value] = header.split(':', 2);
  if (algo?.toLowerCase() !== 'sha256' || !value) return false;
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase() === hex;
  // base32 form (other tools' WARCs)
  return base32(Buffer.from(hex, 'hex')) === value.toUpperCase();
}

function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Re-read a WARC and check every record. `expected` maps capture id → stored sha256; every response
 * must carry a capture id found there with that exact payload digest, and every expected capture must
 * be present.
 */
export async function verifyWarc(
  file: string,
  expected: ReadonlyMap<string, string>,
  /** Stored sha256 of each capture's attachments; when given, each must be in the file and match. */
  attachments: ReadonlyMap<string, Partial<Record<AttachmentKind, string>>> = new Map(),
): Promise<WarcVerification> {
  const problems: WarcProblem[] = [];
  const seen = new Set<string>();
  const seenAttachments = new Set<string>();
  /** Response record id → capture id, and attachments' references to check once all are read. */
  const responseIds = new Map<string, string | null>();
  const references: Array<{
    problem: (p: string) => void;
    captureId: string | null;
    refersTo: string | null;
  }> = [];
  let records = 0;
  let responses = 0;
  const parser = new WARCParser(createReadStream(file), { keepHeadersCase: true });
  try {
    for await (const record of parser) {
      records++;
      const recordId = record.warcHeader('WARC-Record-ID') ?? null;
      const captureId = record.warcHeader('WARC-Darkwatch-Capture-Id') ?? null;
      const targetUri = record.warcTargetURI ?? null;
      const report = (problem: string): void => {
        problems.push({ recordId, captureId, targetUri, problem });
      };
      if (record.warcType === 'warcinfo') {
        await record.readFully(false);
        continue;
      }
      const payload = await record.readFully(false);
      const httpHead = record.httpHeaders
        ? new TextEncoder().encode(record.httpHeaders.toString() + '\r\n')
        : new Uint8Array(0);
      if (!digestMatches(record.warcBlockDigest, sha256Hex(httpHead, payload)))
        report('WARC-Block-Digest does not match the block');
      const kind = record.warcHeader('WARC-Darkwatch-Kind') as AttachmentKind | undefined;
      if (record.warcType === 'resource' && kind) {
        const hex = sha256Hex(payload);
        if (record.warcPayloadDigest && !digestMatches(record.warcPayloadDigest, hex))
          report('WARC-Payload-Digest does not match the payload');
        if (!(ATTACHMENT_KINDS as readonly string[]).includes(kind))
          report(`unknown attachment kind ${kind}`);
        else if (captureId && attachments.size > 0) {
          const want = attachments.get(captureId)?.[kind];
          if (!want) report(`${kind} not in the store for this capture`);
          else if (want.toLowerCase() !== hex) report(`${kind} sha256 ${hex} differs from stored ${want}`);
          seenAttachments.add(`${captureId}:${kind}`);
        }
        references.push({
          problem: report,
          captureId,
          refersTo: record.warcHeader('WARC-Refers-To') ?? null,
        });
        continue;
      }
      if (record.warcType !== 'response') continue;
      if (recordId) responseIds.set(recordId, captureId);
      responses++;
      const payloadHex = sha256Hex(payload);
      if (!digestMatches(record.warcPayloadDigest, payloadHex))
        report('WARC-Payload-Digest does not match the payload');
      if (!captureId) {
        report('response without WARC-Darkwatch-Capture-Id');
        continue;
      }
      const stored = expected.get(captureId);
      if (stored === undefined) report('capture not in the store');
      else if (stored.toLowerCase() !== payloadHex)
        report(`payload sha256 ${payloadHex} differs from stored ${stored}`);
      seen.add(captureId);
    }
  } catch (err) {
    problems.push({
      recordId: null,
      captureId: null,
      targetUri: null,
      problem: `unreadable WARC: ${(err as Error).message}`,
    });
  }
  // Every attachment must point at the response of its own capture.
  for (const r of references) {
    if (!r.refersTo || !responseIds.has(r.refersTo))
      r.problem('attachment does not refer to a response record in this file');
    else if (responseIds.get(r.refersTo) !== r.captureId)
      r.problem('attachment refers to the response of another capture');
  }
  const missing = [...expected.keys()].filter((id) => !seen.has(id));
  for (const [id, kinds] of attachments) {
    for (const [kind, sha] of Object.entries(kinds)) {
      if (sha && !seenAttachments.has(`${id}:${kind}`))
        problems.push({
          recordId: null,
          captureId: id,
          targetUri: null,
          problem: `${kind} of this capture is missing from the file`,
        });
    }
  }
  return { ok: problems.length === 0 && missing.length === 0, records, responses, problems, missing };
}
