// Browser-mode fetching: one Chromium process (Debian's, driven by Playwright) and a bounded pool of
// browser contexts reused across pages. Everything goes through the SOCKS proxy with the source's
// identity and nothing is resolved locally:
//  - Chromium cannot send SOCKS5 credentials, so each identity gets a local SOCKS forwarder
//    (socks-forwarder.ts) that adds them; contexts use `socks5://127.0.0.1:<forwarder>`. With SOCKS5
//    Chromium hands host names to the proxy, and host-resolver rules make any local lookup fail.
//  - WebRTC may not use non-proxied UDP, QUIC is off, service workers are blocked.
//  - The main document is fetched by the HTTP fetcher (same proxy, same identity) inside a route
//    handler, so the evidence is the exact wire bytes with the same caps, decompression limits and
//    sha256 as http mode; Chromium renders what that fetch returned. Subresources (scripts, XHR,
//    styles) are fetched by Chromium itself through the forwarder; images only when allowed.
import { createHash } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page, type Request, type Route } from 'playwright';
import type { SourceSession } from '../core/types.js';
import { FetchError, HttpFetcher, type HttpFetchOptions, type HttpFetchResult } from './fetch-http.js';
import { parseProxyUrl } from './proxy.js';
import { startSocksForwarder, type SocksForwarder } from './socks-forwarder.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  // No local DNS at all: every name must be resolved by the SOCKS proxy.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  // No --disable-features here: Chromium honours only the last such switch, and Playwright's own
  // (which keeps http:// navigations off HTTPS-Upgrades) must stay in effect.
  '--dns-prefetch-disable',
  // Chromium asks Google's autofill server about every form it sees (and reports submissions),
  // through the context's proxy — i.e. with the source's identity. Point it at a dead loopback port.
  '--autofill-server-url=http://127.0.0.1:9/',
];

export interface BrowserFetcherOptions {
  proxyUrl: string;
  /** Contexts alive at once (each renders one page at a time). */
  maxContexts?: number;
  executablePath?: string;
  http?: HttpFetcher;
}

export interface BrowserFetchOptions extends Omit<HttpFetchOptions, 'proxyUrl'> {
  /** Run page scripts (off unless the source needs them). */
  javascript: boolean;
  /** Milliseconds for navigation + rendering. */
  renderTimeoutMs?: number;
  /** After load, wait up to this long for the network to go idle (JS pages). */
  settleMs?: number;
  /** Idle means no request in flight for this long (default 250 ms). */
  quietMs?: number;
  viewport?: { width: number; height: number };
  /** Screenshot height cap in CSS pixels (very tall pages are clipped). */
  maxScreenshotHeight?: number;
  session?: SourceSession | null;
  /**
   * Origins besides the page's own from which scripts, styles and XHR may load (the source's
   * mirrors, say). Everything else is blocked.
   */
  subresourceOrigins?: string[];
  /**
   * A JavaScript page whose own script or data requests (xhr/fetch/script) failed — 5xx or a broken
   * connection — renders incomplete (a blank listing grid, say) while its document was a fine 200.
   * By default that is a FetchError('subresource_failed') so the page is retried, not stored as if
   * it were complete. false: keep the incomplete rendering (result.requests.errors says what failed).
   */
  failOnSubresourceError?: boolean;
}

export interface BrowserFetchResult {
  /** The main document as received (raw bytes, sha256, headers…), fetched through the same proxy identity. */
  document: HttpFetchResult;
  /** DOM serialised after rendering. */
  renderedHtml: string;
  renderedSha256: string;
  /** Full-page PNG. */
  screenshot: Buffer;
  screenshotSha256: string;
  finalUrl: string;
  title: string;
  proxyIdentity: string;
  requests: { subresources: number; blocked: number; failed: number; errors: SubresourceError[] };
  timings: { startedAt: string; totalMs: number };
}

/** A script/data request of the page that failed: HTTP status ≥ 500, or 0 with the network error. */
export interface SubresourceError {
  url: string;
  type: string;
  status: number;
  error: string | null;
}

/** Requests whose failure leaves a JavaScript page without its content. */
const CONTENT_REQUEST_TYPES = new Set(['xhr', 'fetch', 'script']);

export interface BrowserLoginOptions {
  identity: string;
  /** Field name → value (already resolved); typed into `[name="…"]`. */
  fields: Record<string, string>;
  /** What to click to submit (default: the form's submit button). */
  submitSelector?: string;
  /** Cookies the source already holds (a CAPTCHA pass, say). */
  cookies: SourceSession['cookies'];
  javascript: boolean;
  /** Origins besides the login page's own that may serve its scripts and styles. */
  origins?: string[];
  timeoutMs?: number;
}

export interface BrowserLoginResult {
  /** Status of the last main-frame document (0 if none was seen). */
  status: number;
  html: string;
  finalUrl: string;
  cookies: SourceSession['cookies'];
}

interface FetchState {
  url: string;
  options: BrowserFetchOptions;
  allowImages: boolean;
  requests: { subresources: number; blocked: number; failed: number; errors: SubresourceError[] };
  document: HttpFetchResult | null;
  error: unknown;
  /** Documents the HTTP fetcher already fetched while following a redirect chain, by URL. */
  prefetched: Map<string, HttpFetchResult>;
  redirectedTo: string | null;
  inflight: number;
  lastActivity: number;
}

/**
 * Wait until scripts have finished fetching: no request in flight for `quietMs`, at most `capMs`.
 * (Playwright's `networkidle` always waits 500 ms and is unreliable on a reused page.)
 */
async function settle(st: FetchState, capMs: number, quietMs: number): Promise<void> {
  const deadline = performance.now() + capMs;
  while (performance.now() < deadline) {
    const quietFor = performance.now() - st.lastActivity;
    if (st.inflight === 0 && quietFor >= quietMs) return;
    await new Promise((r) => setTimeout(r, Math.max(10, Math.min(50, quietMs - quietFor))));
  }
}

interface PooledContext {
  key: string;
  context: BrowserContext;
  page: Page | null;
  /** The fetch this context is serving right now. */
  current: FetchState | null;
  busy: boolean;
}

/**
 * One Chromium, N contexts. Contexts are keyed by (identity, javascript, images) because proxy and
 * JavaScript are fixed per context; an idle context of another key is recycled when the pool is full.
 */
export class BrowserFetcher {
  private browser: Browser | null = null;
  private starting: Promise<Browser> | null = null;
  private readonly pool: PooledContext[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly forwarders = new Map<string, Promise<SocksForwarder>>();
  private readonly http: HttpFetcher;
  private readonly ownsHttp: boolean;
  readonly maxContexts: number;
  private closed = false;

  constructor(private readonly opts: BrowserFetcherOptions) {
    parseProxyUrl(opts.proxyUrl);
    this.maxContexts = Math.max(1, opts.maxContexts ?? 4);
    this.ownsHttp = !opts.http;
    this.http = opts.http ?? new HttpFetcher();
  }

  private async launch(): Promise<Browser> {
    if (this.browser) return this.browser;
    this.starting ??= chromium.launch({
      executablePath: this.opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      // Every context sets its own proxy; anything that would use the browser-wide one goes nowhere.
      proxy: { server: 'socks5://127.0.0.1:9' },
    });
    this.browser = await this.starting;
    return this.browser;
  }

  private forwarder(identity: string): Promise<SocksForwarder> {
    let f = this.forwarders.get(identity);
    if (!f) {
      f = startSocksForwarder({ upstreamProxyUrl: this.opts.proxyUrl, identity });
      this.forwarders.set(identity, f);
    }
    return f;
  }

  /** Forwarder stats per identity (connections relayed/refused). */
  async forwarderStats(): Promise<Record<string, { relayed: number; refused: number }>> {
    const out: Record<string, { relayed: number; refused: number }> = {};
    for (const [id, f] of this.forwarders) out[id] = { ...(await f).stats };
    return out;
  }

  get contextCount(): number {
    return this.pool.length;
  }

  private async acquire(key: string, create: () => Promise<BrowserContext>): Promise<PooledContext> {
    for (;;) {
      if (this.closed) throw new Error('browser fetcher is closed');
      const idleSame = this.pool.find((p) => !p.busy && p.key === key);
      if (idleSame) {
        idleSame.busy = true;
        return idleSame;
      }
      if (this.pool.length < this.maxContexts) {
        const slot: PooledContext = {
          key,
          context: null as unknown as BrowserContext,
          page: null,
          current: null,
          busy: true,
        };
        this.pool.push(slot);
        try {
          slot.context = await create();
        } catch (err) {
          this.pool.splice(this.pool.indexOf(slot), 1);
          this.wake();
          throw err;
        }
        return slot;
      }
      const idleOther = this.pool.find((p) => !p.busy);
      if (idleOther) {
        this.pool.splice(this.pool.indexOf(idleOther), 1);
        await idleOther.context.close().catch(() => undefined);
        continue;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(slot: PooledContext): void {
    slot.busy = false;
    this.wake();
  }

  private wake(): void {
    this.waiters.shift()?.();
  }

  async fetch(url: string, o: BrowserFetchOptions): Promise<BrowserFetchResult> {
    const startedAt = new Date();
    const t0 = performance.now();
    const browser = await this.launch();
    const fwd = await this.forwarder(o.identity);
    const allowImages = o.allowImages ?? false;
    // A new session (an analyst supplied fresh cookies) must not reuse a context with the old ones.
    const sessionKey = o.session?.cookies.length
      ? createHash('sha256').update(JSON.stringify(o.session.cookies)).digest('hex').slice(0, 16)
      : '-';
    const key = `${o.identity}|js=${o.javascript}|img=${allowImages}|s=${sessionKey}`;
    const slot = await this.acquire(key, async () => {
      const ctx = await browser.newContext({
        proxy: { server: fwd.url },
        javaScriptEnabled: o.javascript,
        serviceWorkers: 'block',
        acceptDownloads: false,
        viewport: o.viewport ?? { width: 1280, height: 900 },
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0',
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      if (o.session?.cookies.length) {
        const origin = new URL(url).origin;
        await ctx.addCookies(
          o.session.cookies.map((c) =>
            c.domain
              ? { name: c.name, value: c.value, domain: c.domain, path: c.path ?? '/' }
              : { name: c.name, value: c.value, url: origin },
          ),
        );
      }
      return ctx;
    });
    const state: FetchState = {
      url,
      options: o,
      allowImages,
      requests: { subresources: 0, blocked: 0, failed: 0, errors: [] },
      document: null,
      error: null,
      prefetched: new Map(),
      redirectedTo: null,
      inflight: 0,
      lastActivity: performance.now(),
    };
    slot.current = state;
    const renderTimeout = o.renderTimeoutMs ?? 60_000;
    let healthy = false;
    try {
      const page = await this.pageOf(slot);
      const navigate = async (target: string): Promise<void> => {
        try {
          await page.goto(target, { waitUntil: 'load', timeout: renderTimeout });
        } catch (err) {
          if (state.error) throw state.error;
          throw new FetchError(
            'total_timeout',
            `browser navigation failed: ${(err as Error).message.split('\n')[0]}`,
            url,
          );
        }
        if (state.error) throw state.error;
      };
      await navigate(url);
      if (state.redirectedTo) await navigate(state.redirectedTo);
      if (o.javascript) await settle(state, o.settleMs ?? 3000, o.quietMs ?? 250);
      const doc = state.document as HttpFetchResult | null;
      if (!doc) throw new FetchError('bad_response', 'browser rendered no main document', url);
      const errors = state.requests.errors;
      if (o.javascript && errors.length > 0 && (o.failOnSubresourceError ?? true)) {
        const e = errors[0]!;
        throw new FetchError(
          'subresource_failed',
          `${errors.length} of the page's own script/data requests failed (${e.type} ${e.url} → ${e.status || e.error}); the rendering would be incomplete`,
          url,
          { status: doc.status },
        );
      }
      const renderedHtml = await page.content();
      const height = await page
        .evaluate('document.documentElement.scrollHeight')
        .then(Number)
        .catch(() => 0);
      const width = o.viewport?.width ?? 1280;
      const maxH = o.maxScreenshotHeight ?? 16_384;
      const screenshot = await page.screenshot({
        fullPage: true,
        type: 'png',
        timeout: renderTimeout,
        ...(height > maxH ? { clip: { x: 0, y: 0, width, height: maxH } } : {}),
      });
      const result: BrowserFetchResult = {
        document: doc,
        renderedHtml,
        renderedSha256: createHash('sha256').update(renderedHtml).digest('hex'),
        screenshot,
        screenshotSha256: createHash('sha256').update(screenshot).digest('hex'),
        finalUrl: page.url(),
        title: await page.title().catch(() => ''),
        proxyIdentity: o.identity,
        requests: state.requests,
        timings: { startedAt: startedAt.toISOString(), totalMs: Math.round(performance.now() - t0) },
      };
      healthy = true;
      return result;
    } finally {
      slot.current = null;
      // A page that failed mid-way may still run scripts or hold a navigation: start fresh next time.
      if (!healthy && slot.page) {
        await slot.page.close().catch(() => undefined);
        slot.page = null;
      }
      this.release(slot);
    }
  }

  /**
   * The slot's page, created once and reused across fetches (a new page per fetch costs 100–250 ms).
   * Its route handler serves whichever fetch is current on the slot.
   */
  private async pageOf(slot: PooledContext): Promise<Page> {
    if (slot.page && !slot.page.isClosed()) return slot.page;
    const page = await slot.context.newPage();
    slot.page = page;
    page.on('request', () => {
      if (slot.current) {
        slot.current.inflight++;
        slot.current.lastActivity = performance.now();
      }
    });
    const done = (failed: boolean) => (req: Request) => {
      const st = slot.current;
      if (!st) return;
      if (failed) {
        st.requests.failed++;
        // Our own blocking (third parties, images) is not a failure of the site.
        const error = req.failure()?.errorText ?? 'failed';
        if (
          CONTENT_REQUEST_TYPES.has(req.resourceType()) &&
          !/BLOCKED_BY_CLIENT|ERR_ABORTED/.test(error) &&
          st.requests.errors.length < 50
        )
          st.requests.errors.push({ url: req.url(), type: req.resourceType(), status: 0, error });
      }
      st.inflight = Math.max(0, st.inflight - 1);
      st.lastActivity = performance.now();
    };
    page.on('requestfinished', done(false));
    page.on('requestfailed', done(true));
    page.on('response', (res) => {
      const st = slot.current;
      const req = res.request();
      if (
        !st ||
        res.status() < 500 ||
        !CONTENT_REQUEST_TYPES.has(req.resourceType()) ||
        st.requests.errors.length >= 50
      )
        return;
      st.requests.errors.push({
        url: req.url(),
        type: req.resourceType(),
        status: res.status(),
        error: null,
      });
    });
    await page.route('**/*', (route) => this.routeRequest(slot, page, route));
    return page;
  }

  private async routeRequest(slot: PooledContext, page: Page, route: Route): Promise<void> {
    const st = slot.current;
    const req = route.request();
    if (!st) return route.abort('blockedbyclient'); // nothing is being captured: stray request
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
      try {
        const target = req.url();
        let r = st.prefetched.get(target);
        if (!r) {
          const cookies = await slot.context.cookies(target);
          r = await this.http.fetch(target, {
            ...st.options,
            proxyUrl: this.opts.proxyUrl,
            session: {
              cookies: cookies.map((c) => ({ name: c.name, value: c.value, domain: c.domain, path: c.path })),
            },
          });
        }
        if (r.finalUrl !== target) {
          // Redirected: render at the final URL (a second navigation, served from this fetch) so
          // relative links resolve as the site meant them. Chromium does not re-route fulfilled
          // redirects, hence no 302 here.
          st.prefetched.set(r.finalUrl, r);
          st.redirectedTo = r.finalUrl;
          return route.fulfill({ status: 200, contentType: 'text/html', body: '' });
        }
        st.document = r;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) {
          if (['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) continue;
          headers[k] = Array.isArray(v) ? v.join('\n') : v;
        }
        return route.fulfill({ status: r.status, headers, body: r.bodyBytes });
      } catch (err) {
        st.error = err;
        return route.abort('failed');
      }
    }
    const type = req.resourceType();
    if (!st.allowImages && (type === 'image' || type === 'media')) {
      st.requests.blocked++;
      return route.abort('blockedbyclient');
    }
    if (!/^https?:/.test(req.url())) {
      st.requests.blocked++;
      return route.abort('blockedbyclient');
    }
    // Third-party resources would announce the capture to whoever serves them (and reach out of
    // the site through Tor); only the site's own origins load unless the caller widens the list.
    let origin: string;
    try {
      origin = new URL(req.url()).origin;
    } catch {
      origin = '';
    }
    if (origin !== new URL(st.url).origin && !(st.options.subresourceOrigins ?? []).includes(origin)) {
      st.requests.blocked++;
      return route.abort('blockedbyclient');
    }
    st.requests.subresources++;
    return route.continue();
  }

  /**
   * A scripted login in a throwaway context (never pooled: a form POST must reach the site as
   * Chromium sends it, and the context's cookies are the result). Same forwarder, same identity,
   * same rules: images off, only the site's origins. Returns the cookies the login left.
   */
  async login(url: string, o: BrowserLoginOptions): Promise<BrowserLoginResult> {
    const browser = await this.launch();
    const fwd = await this.forwarder(o.identity);
    const timeout = o.timeoutMs ?? 60_000;
    const ctx = await browser.newContext({
      proxy: { server: fwd.url },
      javaScriptEnabled: o.javascript,
      serviceWorkers: 'block',
      acceptDownloads: false,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    try {
      const origin = new URL(url).origin;
      if (o.cookies.length)
        await ctx.addCookies(
          o.cookies.map((c) =>
            c.domain
              ? { name: c.name, value: c.value, domain: c.domain, path: c.path ?? '/' }
              : { name: c.name, value: c.value, url: origin },
          ),
        );
      const allowed = new Set([origin, ...(o.origins ?? [])]);
      await ctx.route('**/*', (route) => {
        const req = route.request();
        const type = req.resourceType();
        let reqOrigin = '';
        try {
          reqOrigin = new URL(req.url()).origin;
        } catch {
          /* not a URL: blocked below */
        }
        if (type === 'image' || type === 'media' || !allowed.has(reqOrigin))
          return route.abort('blockedbyclient');
        return route.continue();
      });
      const page = await ctx.newPage();
      let status = 0;
      page.on('response', (r) => {
        if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) status = r.status();
      });
      await page.goto(url, { waitUntil: 'load', timeout });
      for (const [name, value] of Object.entries(o.fields)) {
        const field = page.locator(`[name="${name.replace(/["\\]/g, '')}"]`).first();
        if ((await field.count()) === 0) throw new Error(`no field named "${name}" on the login page`);
        if ((await field.getAttribute('type'))?.toLowerCase() === 'hidden')
          await field.evaluate((el, v) => ((el as unknown as { value: string }).value = v), value);
        else await field.fill(value, { timeout });
      }
      const submit = page
        .locator(
          o.submitSelector ?? 'form button[type=submit], form input[type=submit], form button:not([type])',
        )
        .first();
      if ((await submit.count()) === 0)
        throw new Error(
          `no submit control matches ${JSON.stringify(o.submitSelector ?? 'the form submit button')}`,
        );
      const navigated = page
        .waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout })
        .catch(() => null);
      await submit.click({ timeout });
      await navigated;
      await page.waitForLoadState('load', { timeout });
      const cookies = (await ctx.cookies()).map((c) => ({
        name: c.name,
        value: c.value,
        domain: c.domain.replace(/^\./, ''),
        path: c.path,
      }));
      return { status, html: await page.content(), finalUrl: page.url(), cookies };
    } finally {
      await ctx.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.pool.map((p) => p.context?.close().catch(() => undefined)));
    this.pool.length = 0;
    if (this.browser) await this.browser.close().catch(() => undefined);
    else if (this.starting) await (await this.starting.catch(() => null))?.close();
    this.browser = null;
    for (const f of this.forwarders.values()) await (await f).close();
    this.forwarders.clear();
    if (this.ownsHttp) this.http.close();
  }
}
