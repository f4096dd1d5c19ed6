// Mirrors: markets publish `/mirrors.txt` as an OpenPGP cleartext-signed message listing their onion
// addresses. A list is only believed when its signature verifies against the key pinned on the
// source; a list signed by any other key (or unsigned, or tampered) is what phishing clones publish,
// and is reported, never followed. Also: failover between a source's mirrors when one is down.
import * as openpgp from 'openpgp';

export const MIRRORS_PATH = '/mirrors.txt';
export const MAX_MIRRORS_TXT_BYTES = 256 * 1024;
export const MAX_MIRRORS = 64;

// v3 onion: 56 base32 characters. Optional scheme and port/path are tolerated and dropped.
const ONION_V3 = /\b(?:https?:\/\/)?([a-z2-7]{56}\.onion)(?::(\d{1,5}))?\b/gi;

export type MirrorListVerdict =
  | { status: 'valid'; mirrors: string[]; signerFingerprint: string; signedAt: string | null }
  | { status: 'phishing'; reason: string; claimedMirrors: string[] };

/** Onion base URLs in a text, lower-case, deduplicated, in order, bounded. */
export function onionUrlsIn(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(ONION_V3)) {
    const host = (m[1] as string).toLowerCase();
    const port = m[2] && m[2] !== '80' ? `:${m[2]}` : '';
    const url = `http://${host}${port}`;
    if (!seen.has(url)) {
      seen.add(url);
      out.push(url);
      if (out.length >= MAX_MIRRORS) break;
    }
  }
  return out;
}

/**
 * Verify a mirrors.txt body against the pinned armored public key. Anything short of a good
 * signature by that key — no signature, a different key, a tampered text, garbage — is a phishing
 * verdict with the reason and the mirrors it claimed (for the report).
 */
export async function verifyMirrorList(
  body: string | Buffer,
  pinnedArmoredKey: string,
): Promise<MirrorListVerdict> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const claimed = onionUrlsIn(text.slice(0, MAX_MIRRORS_TXT_BYTES));
  const phishing = (reason: string): MirrorListVerdict => ({
    status: 'phishing',
    reason,
    claimedMirrors: claimed,
  });
  if (Buffer.byteLength(text) > MAX_MIRRORS_TXT_BYTES)
    return phishing(`mirror list larger than ${MAX_MIRRORS_TXT_BYTES} bytes`);
  let key: openpgp.PublicKey;
  try {
    key = await openpgp.readKey({ armoredKey: pinnedArmoredKey });
  } catch (err) {
    // A broken pinned key is our configuration error, not the site's: do not call the site a clone.
    throw new Error(`pinned PGP key of the source cannot be read: ${(err as Error).message}`);
  }
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch {
    return phishing('mirror list is not an OpenPGP cleartext-signed message');
  }
  let result: Awaited<ReturnType<typeof openpgp.verify>>;
  try {
    result = await openpgp.verify({ message, verificationKeys: key, expectSigned: true });
  } catch (err) {
    return phishing(`signature does not verify against the pinned key: ${(err as Error).message}`);
  }
  const sig = result.signatures[0];
  if (!sig) return phishing('no signature');
  try {
    await sig.verified;
  } catch (err) {
    return phishing(`signature does not verify against the pinned key: ${(err as Error).message}`);
  }
  const signed = message.getText();
  const mirrors = onionUrlsIn(signed);
  let signedAt: string | null = null;
  try {
    const s = await sig.signature;
    const created = s.packets[0]?.created;
    signedAt = created ? created.toISOString() : null;
  } catch {
    signedAt = null;
  }
  return { status: 'valid', mirrors, signerFingerprint: key.getFingerprint().toUpperCase(), signedAt };
}

// ---------------------------------------------------------------------------------------------
// Failover

export interface MirrorHealth {
  origin: string;
  failures: number;
  /** ms epoch until which this mirror is skipped. */
  downUntil: number;
}

/**
 * Which mirror to use next. Pure state: the caller persists it (Redis/PG) if it must survive the
 * process. A mirror that fails is skipped for a cool-down that doubles per consecutive failure.
 */
export class MirrorSet {
  private readonly health: MirrorHealth[];

  constructor(
    origins: string[],
    private readonly baseCooldownMs = 60_000,
    private readonly maxCooldownMs = 60 * 60_000,
  ) {
    if (origins.length === 0) throw new Error('a mirror set needs at least one origin');
    this.health = [...new Set(origins)].map((origin) => ({ origin, failures: 0, downUntil: 0 }));
  }

  add(origin: string): boolean {
    if (this.health.some((h) => h.origin === origin) || this.health.length >= MAX_MIRRORS) return false;
    this.health.push({ origin, failures: 0, downUntil: 0 });
    return true;
  }

  get origins(): string[] {
    return this.health.map((h) => h.origin);
  }

  /** Healthy mirrors in preference order (primary first); if all are down, the one back soonest. */
  order(now = Date.now()): string[] {
    const up = this.health.filter((h) => h.downUntil <= now).map((h) => h.origin);
    if (up.length) return up;
    return [...this.health].sort((a, b) => a.downUntil - b.downUntil).map((h) => h.origin);
  }

  markDown(origin: string, now = Date.now()): void {
    const h = this.health.find((x) => x.origin === origin);
    if (!h) return;
    h.failures++;
    h.downUntil = now + Math.min(this.maxCooldownMs, this.baseCooldownMs * 2 ** Math.min(h.failures - 1, 20));
  }

  markUp(origin: string): void {
    const h = this.health.find((x) => x.origin === origin);
    if (h) {
      h.failures = 0;
      h.downUntil = 0;
    }
  }

  snapshot(): MirrorHealth[] {
    return this.health.map((h) => ({ ...h }));
  }
}

/** Failures that mean "this mirror is down", as opposed to "this page is bad". */
export const MIRROR_DOWN_CODES = new Set([
  'connect_timeout',
  'proxy_refused',
  'connection_failed',
  'first_byte_timeout',
]);

/**
 * Try a fetch on each mirror in order until one answers. `fetchOn(origin)` does the request on that
 * mirror; errors whose `code` is in MIRROR_DOWN_CODES move on to the next mirror, others are final.
 */
export async function withFailover<T>(
  mirrors: MirrorSet,
  fetchOn: (origin: string) => Promise<T>,
  now: () => number = Date.now,
): Promise<{ origin: string; result: T; tried: string[] }> {
  const tried: string[] = [];
  let lastErr: unknown = null;
  for (const origin of mirrors.order(now())) {
    tried.push(origin);
    try {
      const result = await fetchOn(origin);
      mirrors.markUp(origin);
      return { origin, result, tried };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !MIRROR_DOWN_CODES.has(code)) throw err;
      mirrors.markDown(origin, now());
      lastErr = err;
    }
  }
  throw lastErr ?? new Error('no mirror answered');
}

export type MirrorRefresh = MirrorListVerdict | { status: 'unavailable'; reason: string };

/**
 * Fetch `<origin>/mirrors.txt` with the caller's fetcher (through the proxy, as the source) and verify
 * it. A missing list is "unavailable", not phishing: many sites publish none.
 */
export async function fetchMirrorList(
  fetchText: (url: string) => Promise<{ status: number; body: string }>,
  origin: string,
  pinnedArmoredKey: string,
): Promise<MirrorRefresh> {
  let res: { status: number; body: string };
  try {
    res = await fetchText(new URL(MIRRORS_PATH, origin).toString());
  } catch (err) {
    return { status: 'unavailable', reason: (err as Error).message };
  }
  if (res.status !== 200) return { status: 'unavailable', reason: `HTTP ${res.status}` };
  return verifyMirrorList(res.body, pinnedArmoredKey);
}
