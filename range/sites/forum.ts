// Template "forum": Balkan Board, a discussion forum — boards, thread lists, paginated threads
// of <article> posts. With the `traps` obstacle every link carries a fresh session id
// (phpBB-style `sid=`), an endless URL space for a naive crawler, plus an endless calendar.
import { createHash } from 'node:crypto';
import {
  esc,
  html,
  notFound,
  type RangeRequest,
  type RangeResponse,
  type SiteHandler,
} from '../http/site-server.js';
import type { Thread } from '../generate/world.js';
import { breakHtml, page, paginate, type SiteContext } from './common.js';

export const POSTS_PER_PAGE = 10;
const THREADS_PER_PAGE = 20;

const CSS = `<style>
body{font-family:Georgia,serif;background:#f4f1ea;color:#222;margin:0}
.banner{background:#2d4a3e;color:#fff;padding:18px 28px;font-size:22px}
.content{max-width:960px;margin:20px auto}
section.board{border-bottom:1px solid #ccc;padding:10px 0}
ul.threads{list-style:none;padding:0}ul.threads li{padding:6px 0;border-bottom:1px dotted #bbb}
article.post{background:#fff;border:1px solid #ddd;margin:12px 0;padding:10px 14px}
article.post header{font-size:12px;color:#666;margin-bottom:6px}
.pagination a{margin-right:6px}
</style>`;

function sidFor(req: RangeRequest, path: string): string {
  return createHash('md5')
    .update(`${path}|${req.query.get('sid') ?? ''}|${req.path}`)
    .digest('hex');
}

function link(ctx: SiteContext, req: RangeRequest, path: string): string {
  if (!ctx.obstacles.has('traps')) return path;
  return `${path}${path.includes('?') ? '&' : '?'}sid=${sidFor(req, path)}`;
}

function layout(ctx: SiteContext, req: RangeRequest, title: string, body: string): string {
  const trap = ctx.obstacles.has('traps')
    ? ` &middot; <a href="${link(ctx, req, '/calendar/2026/1')}">Calendar</a>`
    : '';
  return page(
    `${esc(title)} &middot; Balkan Board`,
    CSS,
    `<div class="banner"><a href="${link(ctx, req, '/')}" style="color:#fff">Balkan Board</a></div>\n<div class="content">\n${body}\n</div>\n<footer>Balkan Board &middot; members only &middot; be nice${trap}</footer>`,
  );
}

function threadsOf(ctx: SiteContext, board: string): Thread[] {
  return ctx.world.threads.filter((t) => t.board === board);
}

function index(ctx: SiteContext, req: RangeRequest): RangeResponse {
  const boards = ctx.world.boards
    .map(
      (b) =>
        `<section class="board"><h3><a href="${link(ctx, req, `/b/${b.slug}`)}">${esc(b.title)}</a></h3><p>${esc(b.description)}</p><small>${threadsOf(ctx, b.slug).length} threads</small></section>`,
    )
    .join('\n');
  return html(layout(ctx, req, 'Index', `<h1>Boards</h1>\n${boards}`));
}

function pagination(ctx: SiteContext, req: RangeRequest, base: string, p: number, pages: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= pages; i++) {
    parts.push(
      i === p ? `<strong>${i}</strong>` : `<a href="${link(ctx, req, `${base}?page=${i}`)}">${i}</a>`,
    );
  }
  return `<nav class="pagination">Pages: ${parts.join(' ')}</nav>`;
}

function boardPage(ctx: SiteContext, req: RangeRequest, slug: string): RangeResponse {
  const board = ctx.world.boards.find((b) => b.slug === slug);
  if (!board) return notFound();
  const p = paginate(threadsOf(ctx, slug), req.query.get('page'), THREADS_PER_PAGE);
  const items = p.items
    .map(
      (t) =>
        `<li><a class="thread-link" href="${link(ctx, req, `/t/${t.id}`)}">${esc(t.title)}</a> <span class="by">by ${esc(t.author)}</span> <span class="replies">${t.posts.length - 1} replies</span></li>`,
    )
    .join('\n');
  return html(
    layout(
      ctx,
      req,
      board.title,
      `<h1>${esc(board.title)}</h1>\n<ul class="threads">\n${items}\n</ul>\n${pagination(ctx, req, `/b/${slug}`, p.page, p.pages)}`,
    ),
  );
}

/** Page of the thread on which post `position` (1-based) appears. */
export function postPage(position: number): number {
  return Math.floor((position - 1) / POSTS_PER_PAGE) + 1;
}

function threadPage(ctx: SiteContext, req: RangeRequest, id: string): RangeResponse {
  const t = ctx.world.threads.find((x) => x.id === id);
  if (!t) return notFound();
  const p = paginate(t.posts, req.query.get('page'), POSTS_PER_PAGE);
  if (p.items.length === 0) return notFound();
  const board = ctx.world.boards.find((b) => b.slug === t.board)!;
  const posts = p.items
    .map(
      (post) =>
        `<article class="post" id="p${esc(post.id)}">\n<header><a class="author" href="${link(ctx, req, `/u/${encodeURIComponent(post.author)}`)}">${esc(post.author)}</a> &middot; <time datetime="${post.postedAt}">${post.postedAt.replace('T', ' ').replace('Z', ' UTC')}</time> &middot; <span class="pos">#${post.position}</span></header>\n<div class="body">${esc(post.body).replace(/\n/g, '<br>')}</div>\n</article>`,
    )
    .join('\n');
  const body = `<p class="crumbs"><a href="${link(ctx, req, '/')}">Index</a> &raquo; <a href="${link(ctx, req, `/b/${board.slug}`)}">${esc(board.title)}</a></p>\n<h1 class="thread-title">${esc(t.title)}</h1>\n${posts}\n${pagination(ctx, req, `/t/${t.id}`, p.page, p.pages)}`;
  const out = layout(ctx, req, t.title, body);
  const broken = ctx.obstacles.has('malformed') && Number(t.id.slice(1)) % 7 === 3;
  return html(broken ? breakHtml(out) : out);
}

function userPage(ctx: SiteContext, req: RangeRequest, name: string): RangeResponse {
  const posts = ctx.world.threads.flatMap((t) =>
    t.posts.filter((p) => p.author === name).map((p) => ({ t, p })),
  );
  if (posts.length === 0) return notFound();
  const items = posts
    .slice(0, 50)
    .map(
      ({ t, p }) =>
        `<li><a href="${link(ctx, req, `/t/${t.id}${postPage(p.position) > 1 ? `?page=${postPage(p.position)}` : ''}`)}">${esc(t.title)}</a> #${p.position}</li>`,
    )
    .join('\n');
  return html(
    layout(
      ctx,
      req,
      name,
      `<h1 class="profile">${esc(name)}</h1><p>${posts.length} posts</p><ul>${items}</ul>`,
    ),
  );
}

function calendar(ctx: SiteContext, req: RangeRequest, y: number, m: number): RangeResponse {
  const d = (yy: number, mm: number) => {
    const x = new Date(Date.UTC(yy, mm - 1, 1));
    return `/calendar/${x.getUTCFullYear()}/${x.getUTCMonth() + 1}`;
  };
  return html(
    layout(
      ctx,
      req,
      'Calendar',
      `<h1>Calendar ${y}/${m}</h1><p>No events.</p><a href="${link(ctx, req, d(y, m - 1))}">previous</a> <a href="${link(ctx, req, d(y, m + 1))}">next</a>`,
    ),
  );
}

export function forumHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    const path = req.path;
    if (path === '/') return index(ctx, req);
    let m = /^\/b\/([a-z-]+)$/.exec(path);
    if (m) return boardPage(ctx, req, m[1]!);
    m = /^\/t\/(t\d+)$/.exec(path);
    if (m) return threadPage(ctx, req, m[1]!);
    m = /^\/u\/([^/]+)$/.exec(path);
    if (m) {
      try {
        return userPage(ctx, req, decodeURIComponent(m[1]!));
      } catch {
        return notFound();
      }
    }
    m = /^\/calendar\/(\d{4})\/(\d{1,2})$/.exec(path);
    if (m && ctx.obstacles.has('traps')) return calendar(ctx, req, Number(m[1]), Number(m[2]));
    return notFound();
  };
}
