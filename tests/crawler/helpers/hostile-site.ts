// A deliberately hostile site for fetcher tests, served on loopback and routed by the range's SOCKS
// gateway under its own onion name: huge pages, compression bombs, binary content, stalls, 5xx,
// redirect loops and escapes. The crawler reaches it exactly as it reaches a real onion.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { deriveSiteKey } from '../../../range/onion.js';
import type { RunningRange } from '../../../range/range.js';

export interface HostileSite {
  onion: string;
  base: string;
  otherOnion: string;
  close(): Promise<void>;
}

const PAGE = (body: string) =>
  `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;

export async function startHostileSite(
  range: RunningRange,
  name = 'hostile',
  files: Record<string, { type: string; body: string }> = {},
): Promise<HostileSite> {
  const onion = deriveSiteKey(424242, name).onion;
  const otherOnion = deriveSiteKey(424242, `${name}-other`).onion;
  const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024)); // 16 MiB of zeros → ~16 KiB on the wire
  const brBomb = zlib.brotliCompressSync(Buffer.alloc(16 * 1024 * 1024), {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
  });
  const sockets = new Set<net.Socket>();
  /** API calls per key of /js-flaky pages: the first one of each key answers 503. */
  const flaky = new Map<string, number>();
  const cookieOf = (req: http.IncomingMessage, name: string) =>
    (req.headers.cookie ?? '')
      .split(/;\s*/)
      .find((c) => c.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  const loginPage = (token: string, error = '') =>
    PAGE(
      `<form method="get" action="/search"><input name="q"></form>${error ? `<p>${error}</p>` : ''}` +
        `<form method="post" action="/csrf-login"><input type="hidden" name="csrf" value="${token}">` +
        `<input type="hidden" name="next" value="/members"><input name="user"><input type="password" name="pass">` +
        `<input type="checkbox" name="remember" value="yes" checked><input type="submit" name="go" value="Log in"></form>`,
    );
  // Script pages keep a request to /hold open until they have rendered (then they call /release),
  // so the fetcher's "network idle" wait cannot end before the page is done however slowly a
  // loaded machine runs its scripts and timers.
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    // A login that checks its CSRF token (hidden field = cookie set with the form) and one credential.
    if (path === '/csrf-login' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8').slice(0, 8192));
        const token = cookieOf(req, 'csrf');
        const ok =
          token &&
          form.get('csrf') === token &&
          form.get('user') === 'agent' &&
          form.get('pass') === 's3cret!' &&
          form.get('remember') === 'yes';
        if (!ok)
          return res
            .writeHead(403, { 'content-type': 'text/html' })
            .end(loginPage(token ?? 'none', 'Login failed'));
        res
          .writeHead(303, {
            location: form.get('next') ?? '/',
            'set-cookie': ['member=ok; Path=/; HttpOnly', 'csrf=; Max-Age=0; Path=/'],
          })
          .end();
      });
      return;
    }
    if (path === '/csrf-login') {
      const token = Math.random().toString(36).slice(2);
      return res
        .writeHead(200, { 'content-type': 'text/html', 'set-cookie': `csrf=${token}; Path=/` })
        .end(loginPage(token));
    }
    if (path === '/members') {
      if (cookieOf(req, 'member') !== 'ok') return res.writeHead(302, { location: '/csrf-login' }).end();
      return res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(PAGE('<h1>Members area</h1><a href="/a">a</a>'));
    }
    // A JS page whose data call answers 503 (always, or only the first time per ?k=).
    if (path.startsWith('/js-broken') || path.startsWith('/js-flaky')) {
      const api = path.startsWith('/js-broken') ? '/api/broken' : `/api/flaky?${path.split('?')[1] ?? ''}`;
      return res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><html><head><title>JS market</title></head><body><noscript>Please enable JavaScript.</noscript><div id="app"></div>' +
            `<script>fetch(${JSON.stringify(api)}).then(r=>r.ok?r.json():[]).then(items=>{document.getElementById('app').innerHTML=` +
            "items.map(i=>'<a class=item href=\"/listing/'+i.id+'\">'+i.title+'</a>').join('')}).catch(()=>{})</script></body></html>",
        );
    }
    if (path.startsWith('/api/broken'))
      return res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
    if (path.startsWith('/api/flaky')) {
      const k = new URL(path, 'http://x').searchParams.get('k') ?? '';
      const n = (flaky.get(k) ?? 0) + 1;
      flaky.set(k, n);
      if (n === 1)
        return res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad gateway"}');
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify([{ id: 7, title: 'Makarov PM' }]));
    }
    const htmlHead = { 'content-type': 'text/html; charset=utf-8' };
    const file = files[`${req.headers.host ?? ''}${path}`] ?? files[path];
    if (file) return res.writeHead(200, { 'content-type': file.type }).end(file.body);
    switch (path.split('?')[0]) {
      case '/hold':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case '/release':
        for (const h of held) h.writeHead(204).end();
        held.clear();
        return res.writeHead(204).end();
      case '/':
        return res.writeHead(200, htmlHead).end(PAGE('<a href="/a">a</a> hello'));
      case '/gzip':
        return res
          .writeHead(200, { ...htmlHead, 'content-encoding': 'gzip' })
          .end(zlib.gzipSync(PAGE('gzipped ünïcode')));
      case '/br':
        return res
          .writeHead(200, { ...htmlHead, 'content-encoding': 'br' })
          .end(zlib.brotliCompressSync(PAGE('brotli')));
      case '/deflate-raw':
        return res
          .writeHead(200, { ...htmlHead, 'content-encoding': 'deflate' })
          .end(zlib.deflateRawSync(PAGE('raw deflate')));
      case '/chunked': {
        res.writeHead(200, htmlHead);
        res.write('<html><body>part one ');
        setTimeout(() => res.end('part two</body></html>'), 20);
        return;
      }
      case '/bomb':
        return res.writeHead(200, { ...htmlHead, 'content-encoding': 'gzip' }).end(bomb);
      case '/br-bomb':
        return res.writeHead(200, { ...htmlHead, 'content-encoding': 'br' }).end(brBomb);
      case '/corrupt-gzip':
        return res
          .writeHead(200, { ...htmlHead, 'content-encoding': 'gzip' })
          .end(Buffer.from('not gzip at all'));
      case '/weird-encoding':
        return res.writeHead(200, { ...htmlHead, 'content-encoding': 'zstd-9000' }).end('x');
      case '/huge': {
        // 32 MiB streamed without content-length; the fetcher must stop reading at its cap.
        res.writeHead(200, htmlHead);
        let sent = 0;
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = (): void => {
          while (sent < 32 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (sent = Infinity));
        return pump();
      }
      case '/huge-declared':
        res.writeHead(200, { ...htmlHead, 'content-length': String(1024 * 1024 * 1024) });
        return res.write('x');
      case '/binary':
        return res
          .writeHead(200, htmlHead)
          .end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
      case '/pdf':
        return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4');
      case '/image':
        return res
          .writeHead(200, { 'content-type': 'image/png' })
          .end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
      case '/500':
        return res.writeHead(500, htmlHead).end(PAGE('Internal error'));
      case '/503':
        return res
          .writeHead(503, { ...htmlHead, 'retry-after': '30' })
          .end(PAGE('Too many requests, slow down'));
      case '/stall-headers':
        return; // never answers
      case '/stall-body':
        res.writeHead(200, htmlHead);
        return res.write('<html><body>first bytes');
      case '/redirect':
        return res.writeHead(302, { location: '/gzip', 'set-cookie': 'sess=abc; Path=/' }).end();
      case '/redirect-out':
        return res.writeHead(301, { location: `http://${otherOnion}/` }).end();
      case '/loop':
        return res
          .writeHead(302, {
            location: `/loop?n=${Number(new URL(path, 'http://x').searchParams.get('n') ?? 0) + 1}`,
          })
          .end();
      case '/echo-cookie':
        return res.writeHead(200, htmlHead).end(PAGE(`cookie=[${req.headers.cookie ?? ''}]`));
      case '/cp1251':
        return res
          .writeHead(200, { 'content-type': 'text/html; charset=windows-1251' })
          .end(
            Buffer.concat([
              Buffer.from('<html><body>'),
              Buffer.from([0xcf, 0xe8, 0xf1, 0xf2, 0xee, 0xeb, 0xe5, 0xf2]),
              Buffer.from('</body></html>'),
            ]),
          );
      case '/js-page':
        return res
          .writeHead(200, htmlHead)
          .end(
            '<!doctype html><html><head><title>JS market</title><link rel="stylesheet" href="/style.css"></head><body>' +
              '<noscript>Please enable JavaScript to use this market.</noscript><div id="app"></div>' +
              '<img src="/image"><script src="/app.js"></script></body></html>',
          );
      case '/style.css':
        return res.writeHead(200, { 'content-type': 'text/css' }).end('body{background:#fff}');
      case '/app.js':
        return res
          .writeHead(200, { 'content-type': 'application/javascript' })
          .end(
            "fetch('/hold');fetch('/api/items').then(r=>r.json()).then(items=>{document.getElementById('app').innerHTML=" +
              "items.map(i=>'<a class=item href=\"/listing/'+i.id+'\">'+i.title+'</a>').join('');document.title='rendered';" +
              "fetch('/release')});",
          );
      case '/api/items':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify([
            { id: 1, title: 'Glock 19' },
            { id: 2, title: 'CZ 75' },
          ]),
        );
      case '/webrtc':
        return res
          .writeHead(200, htmlHead)
          .end(
            "<html><body><pre id=out>pending</pre><script>fetch('/hold');" +
              "const out=[];try{const pc=new RTCPeerConnection({iceServers:[{urls:'stun:203.0.113.1:3478'}]});" +
              "pc.createDataChannel('x');pc.onicecandidate=e=>{if(e.candidate)out.push(e.candidate.candidate)};" +
              "pc.createOffer().then(o=>pc.setLocalDescription(o));setTimeout(()=>{document.getElementById('out').textContent=JSON.stringify(out);fetch('/release')},300)}" +
              "catch(e){document.getElementById('out').textContent='error '+e;fetch('/release')}</script></body></html>",
          );
      case '/third-party':
        return res
          .writeHead(200, htmlHead)
          .end(
            `<html><body><p id=p>own</p><script src="http://${otherOnion}/app.js"></script>` +
              `<script src="/app.js"></script><div id="app"></div></body></html>`,
          );
      case '/tall':
        return res.writeHead(200, htmlHead).end(PAGE('<div style="height:40000px">tall</div>'));
      case '/header-bomb':
        res.setHeader('x-junk', 'y'.repeat(64 * 1024));
        return res.writeHead(200, htmlHead).end('x');
      default:
        return res.writeHead(404, htmlHead).end(PAGE('not found'));
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  range.gateway.setRoute(onion, { host: '127.0.0.1', port });
  range.gateway.setRoute(otherOnion, { host: '127.0.0.1', port });
  return {
    onion,
    base: `http://${onion}`,
    otherOnion,
    close: async () => {
      range.gateway.removeRoute(onion);
      range.gateway.removeRoute(otherOnion);
      for (const h of held) h.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
