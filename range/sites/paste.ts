// Template "paste": StashBin, a pastebin — a paginated list of recent pastes, each paste in a
// <pre>, plus a /raw/ plain-text view.
import {
  esc,
  html,
  notFound,
  text,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from '../http/site-server.js';
import { page, paginate, type SiteContext } from './common.js';

const CSS = `<style>body{font-family:monospace;background:#fafafa;margin:0 24px}h1{font-size:18px}
ol.recent li{margin:4px 0}pre#paste-content{background:#fff;border:1px solid #ccc;padding:12px;white-space:pre-wrap}</style>`;

function recent(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const p = paginate(ctx.world.pastes, req.query.get('page'), 20);
  const items = p.items
    .map(
      (x) =>
        `<li><a href="/p/${x.id}">${esc(x.title)}</a> <span class="meta">${esc(x.syntax)} · ${esc(x.author)} · ${x.createdAt.slice(0, 10)}</span></li>`,
    )
    .join('\n');
  const nav = [
    p.page > 1 ? `<a href="/?page=${p.page - 1}">newer</a>` : '',
    p.page < p.pages ? `<a href="/?page=${p.page + 1}">older</a>` : '',
  ].join(' ');
  return html(
    page(
      'StashBin',
      CSS,
      `<h1>StashBin — anonymous pastes</h1>\n<ol class="recent">\n${items}\n</ol>\n<p class="nav">${nav}</p>`,
    ),
  );
}

function view(ctx: SiteContext, id: string): RangeResponse {
  const x = ctx.world.pastes.find((p) => p.id === id);
  if (!x) return notFound();
  return html(
    page(
      `${esc(x.title)} - StashBin`,
      CSS,
      `<h1 class="paste-title">${esc(x.title)}</h1>\n<div class="paste-meta">by <span class="author">${esc(x.author)}</span> · <time datetime="${x.createdAt}">${x.createdAt}</time> · ${esc(x.syntax)} · <a href="/raw/${x.id}">raw</a></div>\n<pre id="paste-content">${esc(x.body)}</pre>`,
    ),
  );
}

export function pasteHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    if (req.path === '/') return recent(ctx, req);
    let m = /^\/p\/([A-Za-z0-9]+)$/.exec(req.path);
    if (m) return view(ctx, m[1]!);
    m = /^\/raw\/([A-Za-z0-9]+)$/.exec(req.path);
    if (m) {
      const x = ctx.world.pastes.find((p) => p.id === m![1]);
      return x ? text(x.body) : notFound();
    }
    return notFound();
  };
}
