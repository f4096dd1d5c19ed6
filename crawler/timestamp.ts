// RFC 3161 trusted timestamps for captures: a TimeStampReq over a capture's sha256, POSTed to the
// configured timestamping authority, and the TimeStampToken from its reply, checked to cover that
// exact hash and our nonce before it is stored beside the capture.
//
// The DER is small and fixed, so it is built and read here by hand (no ASN.1 library is in the
// project): the request is five fields; of the reply only the status, the token's bytes and three
// TSTInfo fields are read. Signature and certificate validation is the verifier's job
// (`openssl ts -verify`), not the crawler's.
import { randomBytes } from 'node:crypto';

// AlgorithmIdentifier { id-sha256, NULL }
const SHA256_ALG = Buffer.from('300d06096086480165030402010500', 'hex');
const OID_SIGNED_DATA = Buffer.from('2a864886f70d010702', 'hex');
const OID_TST_INFO = Buffer.from('2a864886f70d0109100104', 'hex');
/** Replies above this are not timestamp tokens (a token with a certificate chain is a few KiB). */
export const MAX_REPLY_BYTES = 256 * 1024;

export class TimestampError extends Error {}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** Minimal positive INTEGER encoding of unsigned big-endian bytes. */
function derUnsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** TimeStampReq { version 1, messageImprint sha256, nonce, certReq TRUE } (RFC 3161 §2.4.1). */
export function buildTimeStampReq(sha256Hex: string, nonce: Buffer): Buffer {
  if (!/^[0-9a-f]{64}$/i.test(sha256Hex)) throw new TimestampError('message imprint must be a sha256 in hex');
  const imprint = tlv(0x30, Buffer.concat([SHA256_ALG, tlv(0x04, Buffer.from(sha256Hex, 'hex'))]));
  return tlv(
    0x30,
    Buffer.concat([
      Buffer.from([0x02, 0x01, 0x01]),
      imprint,
      derUnsignedInteger(nonce),
      Buffer.from([0x01, 0x01, 0xff]),
    ]),
  );
}

export function newNonce(): Buffer {
  return randomBytes(8);
}

interface Tlv {
  tag: number;
  /** Offsets into the buffer: whole element [start, end), content [contentStart, end). */
  start: number;
  contentStart: number;
  end: number;
}

function readTlv(buf: Buffer, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new TimestampError('truncated DER');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new TimestampError('unsupported DER tag');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new TimestampError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new TimestampError('DER element overruns its container');
  return { tag, start: at, contentStart: p, end: p + len };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end;) {
    const c = readTlv(buf, p, parent.end);
    out.push(c);
    p = c.end;
    if (out.length > 64) throw new TimestampError('too many DER elements');
  }
  return out;
}

function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new TimestampError(`malformed timestamp reply: ${what}`);
  return t;
}

const content = (buf: Buffer, t: Tlv) => buf.subarray(t.contentStart, t.end);

function unsignedBig(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + bytes.toString('hex'));
}

export interface TokenInfo {
  sha256Hex: string;
  genTime: string;
  nonce: bigint | null;
}

/** Read the TSTInfo fields we check out of a TimeStampToken (CMS ContentInfo, SignedData). */
export function readToken(token: Buffer): TokenInfo {
  const ci = expectTag(readTlv(token, 0), 0x30, 'ContentInfo');
  if (ci.end !== token.length) throw new TimestampError('malformed timestamp token: trailing bytes');
  const [oid, explicit] = children(token, ci);
  if (!content(token, expectTag(oid, 0x06, 'contentType')).equals(OID_SIGNED_DATA))
    throw new TimestampError('timestamp token is not CMS SignedData');
  const signedData = expectTag(children(token, expectTag(explicit, 0xa0, 'content'))[0], 0x30, 'SignedData');
  const encap = expectTag(children(token, signedData)[2], 0x30, 'encapContentInfo');
  const [eType, eContent] = children(token, encap);
  if (!content(token, expectTag(eType, 0x06, 'eContentType')).equals(OID_TST_INFO))
    throw new TimestampError('timestamp token does not hold a TSTInfo');
  const octets = expectTag(
    children(token, expectTag(eContent, 0xa0, 'eContent'))[0],
    0x04,
    'eContent octets',
  );
  const tst = expectTag(readTlv(token, octets.contentStart, octets.end), 0x30, 'TSTInfo');
  const f = children(token, tst);
  const imprint = children(token, expectTag(f[2], 0x30, 'messageImprint'));
  const alg = token.subarray(expectTag(imprint[0], 0x30, 'hashAlgorithm').start, imprint[0]!.end);
  // Accept the NULL-parameter and absent-parameter encodings of id-sha256.
  if (!alg.equals(SHA256_ALG) && !alg.equals(Buffer.from('300b0609608648016503040201', 'hex')))
    throw new TimestampError('timestamp token is not over a sha256');
  const hashed = content(token, expectTag(imprint[1], 0x04, 'hashedMessage'));
  const genTime = content(token, expectTag(f[4], 0x18, 'genTime')).toString('latin1');
  // After genTime: accuracy (SEQUENCE), ordering (BOOLEAN), then nonce (INTEGER), all optional.
  const nonceField = f.slice(5).find((x) => x.tag === 0x02);
  return {
    sha256Hex: hashed.toString('hex'),
    genTime,
    nonce: nonceField ? unsignedBig(content(token, nonceField)) : null,
  };
}

/**
 * Read a TimeStampResp: the token when the status is granted (0) or grantedWithMods (1), checked to
 * cover `sha256Hex` and carry `nonce`; otherwise a TimestampError saying why.
 */
export function tokenFromReply(
  reply: Buffer,
  sha256Hex: string,
  nonce: Buffer,
): { token: Buffer; info: TokenInfo } {
  const resp = expectTag(readTlv(reply, 0), 0x30, 'TimeStampResp');
  const [statusInfo, token] = children(reply, resp);
  const status = children(reply, expectTag(statusInfo, 0x30, 'PKIStatusInfo'));
  const code = Number(unsignedBig(content(reply, expectTag(status[0], 0x02, 'status'))));
  if (code !== 0 && code !== 1)
    throw new TimestampError(`timestamping authority refused the request (PKIStatus ${code})`);
  const tokenTlv = expectTag(token, 0x30, 'timeStampToken');
  const tokenBytes = Buffer.from(reply.subarray(tokenTlv.start, tokenTlv.end));
  const info = readToken(tokenBytes);
  if (info.sha256Hex !== sha256Hex.toLowerCase())
    throw new TimestampError('timestamp token covers a different hash');
  if (info.nonce !== unsignedBig(nonce))
    throw new TimestampError('timestamp token nonce does not match the request');
  return { token: tokenBytes, info };
}

export interface TsaClientOptions {
  timeoutMs?: number;
  /** Called when a capture could not be timestamped (the capture is stored without a token). */
  onFailure?: (err: Error, sha256Hex: string) => void;
}

/** An RFC 3161 client for one authority. */
export class TsaClient {
  constructor(
    readonly url: string,
    private readonly opts: TsaClientOptions = {},
  ) {}

  /** The token for this digest; throws TimestampError when none can be had. */
  async stamp(sha256Hex: string): Promise<Buffer> {
    const nonce = newNonce();
    const body = buildTimeStampReq(sha256Hex, nonce);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new TimestampError(
        `timestamping authority unreachable: ${(err as Error).cause ? String((err as Error).cause) : (err as Error).message}`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new TimestampError(`timestamping authority answered HTTP ${res.status}`);
    }
    const reply = await readCapped(res, MAX_REPLY_BYTES);
    return tokenFromReply(reply, sha256Hex, nonce).token;
  }

  /** The token, or null (reported through onFailure): a TSA outage must never lose a capture. */
  async stampOrNull(sha256Hex: string): Promise<Buffer | null> {
    try {
      return await this.stamp(sha256Hex);
    } catch (err) {
      this.opts.onFailure?.(err as Error, sha256Hex);
      return null;
    }
  }
}

async function readCapped(res: Response, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new TimestampError(`timestamp reply larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
