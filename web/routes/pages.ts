// The analyst web app: server-rendered page shells (navigation, the caller, the CSRF token) and
// small vanilla JS modules from web/public/ that fill them through the API. Data is only ever
// put into the DOM as text (textContent), never as markup, so captured titles, notes and rule
// names cannot inject anything. Static files are read once at start-up from a fixed list.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getWorkspace } from '../../store/workspaces.js';
import { allowed, authOf, type Auth, type Permission } from '../auth.js';
import { escapeHtml } from '../html.js';
import type { AppContext } from '../server.js';

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function loadStatic(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type) files.set(name, { type, body: readFileSync(path.join(PUBLIC_DIR, name)) });
  }
  return files;
}

/** Navigation: [href, label, permission needed to see the page]. */
const NAV: Array<[string, string, Permission]> = [
  ['/', 'Triage', 'read'],
  ['/cases', 'Cases', 'read'],
  ['/rules', 'Rules', 'read'],
  ['/sources', 'Sources', 'read'],
  ['/suppressions', 'Suppressions', 'read'],
  ['/webhooks', 'Webhooks', 'sources'],
  ['/search', 'Search', 'read'],
  ['/trainer', 'Trainer', 'exercises'],
];

export function layout(opts: {
  title: string;
  page: string;
  auth: Auth | null;
  workspace?: string;
  body: string;
  script: string;
}): string {
  const a = opts.auth;
  const nav = a
    ? `<nav aria-label="main">${[...NAV.filter(([, , perm]) => allowed(a.user.role, perm))]
        .map(
          ([href, label]) =>
            `<a href="${href}"${opts.page === label.toLowerCase() ? ' aria-current="page"' : ''}>${label}</a>`,
        )
        .join('')}</nav>
       <div class="who"><span id="who">${escapeHtml(a.user.displayName || a.user.username)} · ${escapeHtml(a.user.role)}</span>
       <span class="ws" title="workspace">${escapeHtml(opts.workspace ?? '')}</span>
       <button type="button" id="logout">Log out</button></div>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="csrf-token" content="${escapeHtml(a?.csrfToken ?? '')}">
<title>${escapeHtml(opts.title)} — darkwatch</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body data-page="${escapeHtml(opts.page)}" data-user="${escapeHtml(a?.user.username ?? '')}" data-role="${escapeHtml(a?.user.role ?? '')}">
<header class="top"><a class="brand" href="/">darkwatch</a>${nav}</header>
<main id="main">${opts.body}</main>
<div id="toast" role="status" aria-live="polite"></div>
<script type="module" src="/static/${escapeHtml(opts.script)}"></script>
</body></html>`;
}

const PAGES: Record<string, { title: string; page: string; script: string; body: string }> = {
  triage: {
    title: 'Triage',
    page: 'triage',
    script: 'triage.js',
    body: `<section class="toolbar">
  <form id="filters" class="filters">
    <label>Status <select name="status"><option value="new,in_review">open</option><option value="new">new</option><option value="in_review">in review</option><option value="escalated">escalated</option><option value="dismissed">dismissed</option><option value="closed">closed</option><option value="">all</option></select></label>
    <label>Severity <select name="severity"><option value="">any</option><option value="critical">critical</option><option value="high,critical">high+</option><option value="medium,high,critical">medium+</option><option value="low">low</option></select></label>
    <label>Category <select name="category"><option value="">any</option><option>firearms</option><option>drugs</option><option>documents</option><option>other</option></select></label>
    <label>Rule <input name="rule" size="12"></label>
    <label>Site <input name="site" size="10"></label>
    <label>Vendor <input name="vendor" size="10"></label>
    <label>Assignee <select name="assignee"><option value="">anyone</option><option value="me">me</option><option value="none">unassigned</option></select></label>
    <label>Since <input name="since" type="datetime-local"></label>
    <label>Sort <select name="sort"><option value="newest">newest</option><option value="oldest">oldest</option><option value="severity">severity</option></select></label>
    <button type="submit">Apply</button>
  </form>
  <div class="bulk" id="bulk" hidden><span id="selcount">0</span> selected:
    <button type="button" data-bulk="assign_me">Assign to me</button>
    <button type="button" data-bulk="escalate">Escalate</button>
    <button type="button" data-bulk="dismiss">Dismiss…</button>
  </div>
  <span id="live" class="live" title="live updates">●</span>
</section>
<p class="help">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>o</kbd>/<kbd>Enter</kbd> open · <kbd>a</kbd> assign to me · <kbd>e</kbd> escalate · <kbd>d</kbd> dismiss · <kbd>x</kbd> select</p>
<table class="queue" id="queue"><thead><tr><th></th><th>Severity</th><th>Title</th><th>Rule</th><th>Category</th><th>Site</th><th>Status</th><th>Assignee</th><th>Last seen</th></tr></thead><tbody></tbody></table>
<button type="button" id="more" hidden>Load more</button>
<dialog id="dismiss-dialog"><form method="dialog"><p>Dismiss as:</p>
  <button value="false_positive" autofocus>1 · false positive</button><button value="duplicate">2 · duplicate</button><button value="not_relevant">3 · not relevant</button><button value="">Cancel</button></form></dialog>`,
  },
  alert: {
    title: 'Alert',
    page: 'alert',
    script: 'alert.js',
    body: '<article id="alert" class="alert-detail"><p>Loading…</p></article>',
  },
  cases: {
    title: 'Cases',
    page: 'cases',
    script: 'cases.js',
    body: `<h1>Cases</h1><form id="new-case" class="inline"><input name="title" required maxlength="500" placeholder="New case title"><button>Open case</button></form>
<table class="list" id="cases"><thead><tr><th>#</th><th>Title</th><th>Status</th><th>TLP</th><th>Alerts</th><th>Owner</th><th>Updated</th></tr></thead><tbody></tbody></table>`,
  },
  case: {
    title: 'Case',
    page: 'cases',
    script: 'case.js',
    body: '<article id="case"><p>Loading…</p></article>',
  },
  rules: {
    title: 'Rules',
    page: 'rules',
    script: 'rules.js',
    body: `<h1>Rules</h1><div class="split"><section><table class="list" id="rules"><thead><tr><th>Name</th><th>Severity</th><th>Version</th><th>Enabled</th></tr></thead><tbody></tbody></table></section>
<section class="editor"><h2>Editor</h2><textarea id="yaml" spellcheck="false" rows="18" aria-label="rule YAML">rules:
  - name: handguns-from-the-region
    severity: high
    query: '(glock OR beretta OR "cz 75" OR pistol*) AND NOT airsoft'
    category: firearms
</textarea><ul id="problems" class="problems"></ul><div class="actions"><button type="button" id="save">Save</button>
<label>Backtest over <select id="bt-since"><option value="7d">7 days</option><option value="30d" selected>30 days</option><option value="90d">90 days</option><option value="365d">1 year</option></select></label>
<button type="button" id="backtest">Backtest</button></div>
<section id="backtest-result" class="backtest" aria-live="polite"></section>
<h3>Versions</h3><ol id="versions"></ol></section></div>`,
  },
  sources: {
    title: 'Sources',
    page: 'sources',
    script: 'sources.js',
    body: `<h1>Sources</h1><table class="list" id="sources"><thead><tr><th>Name</th><th>Kind</th><th>Mode</th><th>Enabled</th><th>Last success</th><th>Last error</th><th>Error rate</th><th>Blocked</th><th>Session</th><th>Last run</th><th>Policy</th><th></th></tr></thead><tbody></tbody></table>
<p id="queues" class="help"></p>
<form id="add-source" class="filters"><label>Name <input name="name" required size="14"></label>
<label>Kind <select name="kind"><option>market</option><option>forum</option><option>shop</option><option>paste</option><option>clearnet</option></select></label>
<label>Mode <select name="fetchMode"><option>http</option><option>browser</option><option>auto</option></select></label>
<label>URLs (mirrors) <input name="urls" required size="50"></label><button>Add source</button></form>
<dialog id="edit-dialog"><form id="edit-form" novalidate><h2>Edit <span id="edit-source"></span></h2><div class="form-grid">
<label>Kind <select name="kind"><option>market</option><option>forum</option><option>shop</option><option>paste</option><option>clearnet</option></select></label>
<label>Fetch mode <select name="fetchMode"><option>http</option><option>browser</option><option>auto</option></select></label>
<label><input type="checkbox" name="enabled"> enabled</label>
<label>Requests per minute <input name="requestsPerMinute" type="number" step="any"></label>
<label>Concurrency <input name="concurrency" type="number"></label>
<label>Max depth <input name="maxDepth" type="number"></label>
<label>Page budget <input name="pageBudget" type="number"></label>
<label>Recrawl every (seconds; empty = manual) <input name="recrawlIntervalSec" type="number"></label>
<label><input type="checkbox" name="javascript"> JavaScript (browser mode)</label>
<label><input type="checkbox" name="allowImages"> fetch images</label>
<label>Include patterns (one per line; re:… for RE2) <textarea name="include" rows="3" cols="40"></textarea></label>
<label>Exclude patterns (one per line) <textarea name="exclude" rows="3" cols="40"></textarea></label>
</div><p id="edit-error" class="error" role="alert"></p>
<p><button type="submit" id="edit-save">Save changes</button> <button type="button" id="edit-cancel">Cancel</button></p></form></dialog>
<dialog id="session-dialog"><form id="session-form" method="dialog"><p>Cookies for <b id="session-source"></b>, one <code>name=value</code> per line:</p><textarea name="cookies" rows="6" cols="60"></textarea><p><button value="save">Save session</button> <button value="">Cancel</button></p></form></dialog>`,
  },
  search: {
    title: 'Search',
    page: 'search',
    script: 'search.js',
    body: `<h1>Search</h1><form id="search-form" class="filters"><input name="q" size="40" placeholder="words, &quot;phrases&quot;, -excluded" autofocus>
<select name="kind"><option value="listings">listings</option><option value="posts">posts</option></select>
<label><input type="checkbox" name="fuzzy" value="true"> fuzzy</label>
<select name="category"><option value="">any category</option><option>firearms</option><option>drugs</option><option>documents</option><option>other</option></select>
<input name="site" size="10" placeholder="site"><button>Search</button></form><div id="results"></div>`,
  },
  webhooks: {
    title: 'Webhooks',
    page: 'webhooks',
    script: 'webhooks.js',
    body: `<h1>Webhooks</h1><p class="help">New alerts at or above a webhook's minimum severity are POSTed to it, signed with HMAC-SHA256 (<code>X-Darkwatch-Signature</code>). Only admins add, switch or remove webhooks.</p>
<table class="list" id="webhooks"><thead><tr><th>#</th><th>URL</th><th>Min severity</th><th>Enabled</th><th>Delivered</th><th>Pending</th><th>Failed</th><th>Last error</th><th>Created</th><th></th></tr></thead><tbody></tbody></table>
<form id="add-webhook" class="filters admin-only"><label>URL <input name="url" required size="50" maxlength="2048" placeholder="https://receiver.example/darkwatch"></label>
<label>Min severity <select name="minSeverity"><option>low</option><option>medium</option><option selected>high</option><option>critical</option></select></label><button>Add webhook</button></form>
<div id="secret" class="secret" hidden><p>Signing secret of webhook <b id="secret-id"></b> — copy it now, it is not shown again:</p><pre id="secret-value" class="mono"></pre></div>`,
  },
  suppressions: {
    title: 'Suppressions',
    page: 'suppressions',
    script: 'suppressions.js',
    body: `<h1>Suppressions</h1><p class="help">A suppression silences one rule for one listing, for every listing of a vendor, or for every listing that mentions an entity. Lifting one ends it now; it stays in the history.</p>
<label><input type="checkbox" id="show-all"> show expired and lifted</label>
<table class="list" id="suppressions"><thead><tr><th>#</th><th>Rule</th><th>Subject</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Created</th><th>State</th><th></th></tr></thead><tbody></tbody></table>
<form id="add-suppression" class="filters suppress-only"><label>Rule <select name="rule" required></select></label>
<label>Subject <select name="type"><option value="vendor">vendor</option><option value="entity">entity</option><option value="listing">listing id</option></select></label>
<label>Entity type <select name="entityType"><option>btc</option><option>xmr</option><option>eth</option><option>pgp</option><option>email</option><option>onion</option><option>telegram</option><option>session</option><option>wickr</option><option>jabber</option><option>phone</option></select></label>
<label>Value <input name="value" required size="30" maxlength="10000" placeholder="vendor name, address, key or listing id"></label>
<label>Reason <input name="reason" required size="30" maxlength="2000"></label>
<label>Expires <select name="days"><option value="7">in 7 days</option><option value="30" selected>in 30 days</option><option value="90">in 90 days</option><option value="">never</option></select></label>
<button>Suppress</button></form>`,
  },
  login: {
    title: 'Log in',
    page: 'login',
    script: 'login.js',
    body: `<form id="login" class="login"><h1>darkwatch</h1><label>User <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label><button>Log in</button><p id="login-error" class="error" role="alert"></p></form>`,
  },
};

export function registerPageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const statics = loadStatic();
  app.get('/static/:file', { config: { perm: 'public' } }, async (req, reply) => {
    const f = statics.get((req.params as { file: string }).file);
    if (!f) return reply.status(404).send({ error: 'not found' });
    return reply.header('cache-control', 'no-cache').type(f.type).send(f.body);
  });

  const render = (name: keyof typeof PAGES) => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = PAGES[name]!;
    const auth = name === 'login' ? null : authOf(req);
    const ws = auth ? await getWorkspace(ctx.db, auth.workspaceId) : null;
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ ...p, auth, workspace: ws ? `${ws.name} (${ws.kind})` : '' }));
  };
  app.get('/login', { config: { perm: 'public' } }, render('login'));
  app.get('/', { config: { perm: 'read' } }, render('triage'));
  app.get('/alerts/:id', { config: { perm: 'read' } }, render('alert'));
  app.get('/cases', { config: { perm: 'read' } }, render('cases'));
  app.get('/cases/:id', { config: { perm: 'read' } }, render('case'));
  app.get('/rules', { config: { perm: 'read' } }, render('rules'));
  app.get('/sources', { config: { perm: 'read' } }, render('sources'));
  app.get('/search', { config: { perm: 'read' } }, render('search'));
  app.get('/webhooks', { config: { perm: 'sources' } }, render('webhooks'));
  app.get('/suppressions', { config: { perm: 'read' } }, render('suppressions'));
}
