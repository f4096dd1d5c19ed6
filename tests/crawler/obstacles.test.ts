import { describe, expect, it } from 'vitest';
import { detectObstacle } from '../../crawler/obstacles.js';
import { needsJavaScript } from '../../crawler/escalate.js';

const page = (body: string, title = '') =>
  `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;
const listings = Array.from(
  { length: 40 },
  (_, i) => `<a href="/listing/${i}">Item ${i} — 0.01 BTC</a>`,
).join('\n');

describe('detectObstacle', () => {
  it('login walls: 401, bare login forms, login paths, "must log in" text', () => {
    expect(detectObstacle({ status: 401, html: '' })?.kind).toBe('login_wall');
    const form = page(
      '<form method=post><input name=user><input type=password name=pass><button>Login</button></form>',
    );
    expect(detectObstacle({ status: 200, html: form })).toMatchObject({
      kind: 'login_wall',
      needsPerson: true,
    });
    expect(
      detectObstacle({ status: 200, html: page('<p>You must be logged in to view this forum.</p>') })?.kind,
    ).toBe('login_wall');
  });
  it('a market page with a sidebar login box is not a wall', () => {
    const html = page(
      `<aside><form><input type=password></form></aside>${listings}<p>${'Lorem ipsum '.repeat(300)}</p>`,
    );
    expect(detectObstacle({ status: 200, html, url: 'http://m.onion/category/guns' })).toBeNull();
    expect(detectObstacle({ status: 200, html: page(listings) })).toBeNull();
  });
  it('CAPTCHA and anti-DDoS queue pages need a person', () => {
    expect(
      detectObstacle({ status: 200, html: page('<img src="/captcha.png"><input name="captcha_code">') }),
    ).toMatchObject({
      kind: 'captcha',
      needsPerson: true,
    });
    expect(
      detectObstacle({
        status: 200,
        html: page('<p>Please prove you are human: solve the puzzle below.</p>'),
      })?.kind,
    ).toBe('captcha');
    expect(
      detectObstacle({
        status: 200,
        html: page('<h1>DDoS protection</h1><p>You are in the queue. Position: 14</p>'),
      })?.kind,
    ).toBe('ddos_queue');
  });
  it('rate limiting: 429, 503 + message, small rate-limit page; no person needed', () => {
    expect(detectObstacle({ status: 429, html: '' })).toMatchObject({
      kind: 'rate_limited',
      needsPerson: false,
    });
    expect(detectObstacle({ status: 503, html: page('Too many requests, slow down') })?.kind).toBe(
      'rate_limited',
    );
    expect(detectObstacle({ status: 503, html: page('<h1>Service Unavailable</h1>') })).toBeNull();
  });
  it('survives hostile input: binary, malformed, huge', () => {
    expect(detectObstacle({ status: 200, html: '\u0000\u0001\u0002'.repeat(1000) })).toBeNull();
    expect(detectObstacle({ status: 200, html: '<div><<form><input type=password></div' })?.kind).toBe(
      'login_wall',
    );
    const huge = page(listings + '<p>x</p>'.repeat(500_000));
    const t0 = Date.now();
    expect(detectObstacle({ status: 200, html: huge })).toBeNull();
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('needsJavaScript', () => {
  const ok = { status: 200, contentType: 'text/html' };
  it('escalates noscript walls, empty app shells, bundle-only bodies, JS-market markers', () => {
    expect(
      needsJavaScript({
        ...ok,
        html: page(
          '<noscript>Please enable JavaScript to use this market.</noscript><script src=/a.js></script>',
        ),
      }).escalate,
    ).toBe(true);
    expect(
      needsJavaScript({ ...ok, html: page('<div id="app"></div><script src="/bundle.js"></script>') }).reason,
    ).toMatch(/#app/);
    expect(
      needsJavaScript({ ...ok, html: page('<div id=x>Loading…</div><script src=/main.js></script>') })
        .escalate,
    ).toBe(true);
    expect(
      needsJavaScript({ ...ok, html: page('<script>window.__INITIAL_STATE__={}</script><div>Market</div>') })
        .escalate,
    ).toBe(true);
  });
  it('does not escalate ordinary server-rendered pages, errors or non-HTML', () => {
    expect(
      needsJavaScript({ ...ok, html: page(listings + '<script src=/analytics.js></script>') }).escalate,
    ).toBe(false);
    expect(
      needsJavaScript({
        ...ok,
        html: page(
          '<div id="app"><a href=/x>one</a> <a href=/y>two</a> <a href=/z>three</a> server rendered</div><script src=/a.js></script>',
        ),
      }).escalate,
    ).toBe(false);
    expect(
      needsJavaScript({
        status: 500,
        contentType: 'text/html',
        html: page('<div id=app></div><script src=a.js></script>'),
      }).escalate,
    ).toBe(false);
    expect(
      needsJavaScript({
        status: 200,
        contentType: 'text/plain',
        html: '<div id=app></div><script src=a.js></script>',
      }).escalate,
    ).toBe(false);
    expect(needsJavaScript({ ...ok, html: '' }).escalate).toBe(false);
  });
});

describe('false positives seen on the range', () => {
  it('a small forum index with "members only" in its footer is content, not a wall', () => {
    const html = page(
      '<div class="banner"><a href="/">Balkan Board</a></div><h1>Boards</h1><section><h3><a href="/b/guns">Guns</a></h3><p>Talk</p></section>' +
        '<footer>Balkan Board · members only · be nice</footer>',
    );
    expect(detectObstacle({ status: 200, html, url: 'http://f.onion/' })).toBeNull();
  });
});
