// One page job, end to end minus storage: fetch in the source's mode (http, browser, or auto =
// http then browser when the page needs JavaScript), detect obstacles, extract links. The worker
// stores the result (evidence = rawBytes/sha256 + screenshot), admits the links into the run's
// frontier and queues extraction.
import type { CrawlPolicy, FetchMode, SourceSession } from '../core/types.js';
import type { NewSnapshot } from '../store/evidence.js';
import { needsJavaScript } from './escalate.js';
import type { BrowserFetcher } from './fetch-browser.js';
import { FetchError, type FetchTimeouts, type HttpFetcher, type HttpFetchResult } from './fetch-http.js';
import { extractLinks } from './links.js';
import { detectObstacle, type Obstacle } from './obstacles.js';

export interface CaptureSource {
  /** Stable per-source key; becomes the SOCKS identity (see proxy.ts sourceIdentity). */
  identity: string;
  fetchMode: FetchMode;
  policy: Pick<CrawlPolicy, 'allowImages' | 'javascript'>;
  session: SourceSession | null;
  /** Redirect scope (Scope.decide(...).ok); default same origin. */
  inScope?: (url: string) => boolean;
  /** The source's origins (Scope.siteOrigins): browser mode loads subresources only from these. */
  origins?: string[];
}

export interface CaptureDeps {
  proxyUrl: string;
  http: HttpFetcher;
  /**
   * Needed for browser and auto modes. A getter lets a worker start Chromium only when a page
   * actually needs it (null: this process may not run a browser).
   */
  browser?: BrowserFetcher | (() => BrowserFetcher | null);
  timeouts?: Partial<FetchTimeouts>;
  maxBytes?: number;
  maxDecodedBytes?: number;
  followGetForms?: boolean;
  signal?: AbortSignal;
}

export interface CapturedPage {
  url: string;
  finalUrl: string;
  mode: 'http' | 'browser';
  /** Why auto mode moved to the browser, else null. */
  escalated: string | null;
  /** The main document exactly as received (evidence). */
  document: HttpFetchResult;
  /** HTML used for extraction: rendered DOM in browser mode, decoded body in http mode. */
  html: string;
  screenshot: Buffer | null;
  screenshotSha256: string | null;
  obstacle: Obstacle | null;
  links: string[];
  capturedAt: string;
  proxyIdentity: string;
}

export async function capturePage(
  url: string,
  source: CaptureSource,
  deps: CaptureDeps,
): Promise<CapturedPage> {
  const common = {
    identity: source.identity,
    timeouts: deps.timeouts,
    maxBytes: deps.maxBytes,
    maxDecodedBytes: deps.maxDecodedBytes,
    allowImages: source.policy.allowImages,
    session: source.session,
    inScope: source.inScope,
    signal: deps.signal,
  };
  const viaBrowser = async (escalated: string | null): Promise<CapturedPage> => {
    const browser = typeof deps.browser === 'function' ? deps.browser() : deps.browser;
    // Retryable ('aborted'): another worker process may be able to run Chromium.
    if (!browser)
      throw new FetchError('aborted', 'browser mode needs Chromium, which this worker cannot start', url);
    const b = await browser.fetch(url, {
      ...common,
      // auto mode escalates precisely because the page needs scripts
      javascript: source.policy.javascript || escalated !== null,
      subresourceOrigins: source.origins,
    });
    return finish(
      'browser',
      escalated,
      b.document,
      b.renderedHtml,
      b.screenshot,
      b.screenshotSha256,
      b.finalUrl,
    );
  };
  const finish = (
    mode: 'http' | 'browser',
    escalated: string | null,
    doc: HttpFetchResult,
    html: string,
    screenshot: Buffer | null,
    screenshotSha256: string | null,
    finalUrl: string,
  ): CapturedPage => {
    const obstacle = detectObstacle({ status: doc.status, headers: doc.headers, html, url: finalUrl });
    const isHtml = !doc.contentType || /html|xml/.test(doc.contentType);
    const links = isHtml
      ? extractLinks(html, finalUrl, {
          allowImages: source.policy.allowImages,
          followGetForms: deps.followGetForms,
        }).map((l) => l.url)
      : [];
    return {
      url: doc.url,
      finalUrl,
      mode,
      escalated,
      document: doc,
      html,
      screenshot,
      screenshotSha256,
      obstacle,
      links,
      // When the evidence bytes were requested.
      capturedAt: doc.timings.startedAt,
      proxyIdentity: source.identity,
    };
  };

  if (source.fetchMode === 'browser') return viaBrowser(null);
  const doc = await deps.http.fetch(url, { ...common, proxyUrl: deps.proxyUrl });
  if (source.fetchMode === 'auto') {
    const d = needsJavaScript({ status: doc.status, contentType: doc.contentType, html: doc.body });
    if (d.escalate) return viaBrowser(d.reason);
  }
  return finish('http', null, doc, doc.body, null, null, doc.finalUrl);
}

function isUtf8Label(label: string): boolean {
  try {
    return new TextDecoder(label).encoding === 'utf-8';
  } catch {
    return false;
  }
}

/**
 * What extraction should read when it differs from the wire bytes: the rendered DOM (browser mode),
 * else the decoded body — its bytes as they are when they are UTF-8 (or not text), re-encoded to
 * UTF-8 otherwise (extraction decodes documents as UTF-8).
 */
function documentBytes(p: CapturedPage): Buffer {
  const d = p.document;
  if (p.mode === 'browser') return Buffer.from(p.html, 'utf8');
  const utf8 = isUtf8Label(d.charset) || (d.body === '' && d.bodyBytes.length > 0);
  return utf8 ? d.bodyBytes : Buffer.from(d.body, 'utf8');
}

/**
 * The snapshot fields of a captured page (store/evidence.ts recordSnapshot): wire bytes as `body`,
 * the HTML extraction should read as `document` (rendered DOM or decoded body) when it differs.
 */
export function snapshotFields(
  p: CapturedPage,
): Omit<NewSnapshot, 'workspaceId' | 'sourceId' | 'crawlRunId' | 'tsaToken'> {
  const d = p.document;
  const doc = documentBytes(p);
  return {
    url: p.url,
    finalUrl: p.finalUrl,
    statusCode: d.status,
    requestHeaders: d.request.headers,
    responseHeaders: d.headers,
    body: d.rawBytes,
    document: doc.equals(d.rawBytes) ? null : doc,
    contentType: d.contentType,
    screenshot: p.screenshot,
    fetchMode: p.mode,
    proxyIdentity: p.proxyIdentity,
    capturedAt: new Date(p.capturedAt),
    timings: {
      connectMs: d.timings.connectMs,
      firstByteMs: d.timings.firstByteMs,
      totalMs: d.timings.totalMs,
    },
  };
}
