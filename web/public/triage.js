// Triage queue: filters, keyset paging, keyboard shortcuts, bulk actions, live arrivals (SSE).
import { api, el, fmtTime, sevBadge, toast } from './app.js';

const tbody = document.querySelector('#queue tbody');
const form = document.getElementById('filters');
const more = document.getElementById('more');
const bulk = document.getElementById('bulk');
const dismissDialog = document.getElementById('dismiss-dialog');
const me = document.body.dataset.user;

let rows = []; // alert objects in display order
let current = -1;
const selected = new Set();
let nextCursor = null;

function query(extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (!v) continue;
    if (k === 'since') p.set('since', new Date(String(v)).toISOString());
    else p.set(k, String(v));
  }
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p;
}

function rowFor(a) {
  const tr = el(
    'tr',
    { dataset: { id: a.id }, class: selected.has(a.id) ? 'selected' : null },
    el('td', { class: 'sel' }),
    el('td', {}, sevBadge(a.severity)),
    el('td', {}, el('a', { href: `/alerts/${a.id}` }, a.title)),
    el('td', {}, a.ruleName),
    el('td', {}, a.category ?? '—'),
    el('td', {}, a.sourceName ?? '—'),
    el('td', { class: 'status' }, a.status + (a.dismissReason ? ` (${a.dismissReason})` : '')),
    el('td', { class: 'assignee' }, a.assignee ?? '—'),
    el('td', {}, fmtTime(a.lastSeenAt)),
  );
  tr.addEventListener('click', (ev) => {
    if (ev.target instanceof HTMLAnchorElement) return;
    setCurrent(rows.findIndex((r) => r.id === a.id));
  });
  return tr;
}

function render() {
  tbody.replaceChildren(...rows.map(rowFor));
  if (current >= rows.length) current = rows.length - 1;
  if (current < 0 && rows.length) current = 0;
  highlightCurrent();
  more.hidden = !nextCursor;
  bulk.hidden = selected.size === 0;
  document.getElementById('selcount').textContent = String(selected.size);
}

function highlightCurrent() {
  [...tbody.children].forEach((tr, i) => tr.classList.toggle('current', i === current));
  tbody.children[current]?.scrollIntoView({ block: 'nearest' });
}

function setCurrent(i) {
  if (!rows.length) return;
  current = Math.max(0, Math.min(rows.length - 1, i));
  highlightCurrent();
}

async function load(append = false) {
  const data = await api('GET', `/api/alerts?${query(append ? { cursor: nextCursor } : {})}`);
  rows = append ? rows.concat(data.alerts) : data.alerts;
  nextCursor = data.nextCursor;
  if (!append) current = rows.length ? 0 : -1;
  render();
}

function replaceRow(a) {
  const i = rows.findIndex((r) => r.id === a.id);
  if (i >= 0) {
    rows[i] = a;
    tbody.children[i]?.replaceWith(rowFor(a));
    highlightCurrent();
  }
}

async function act(fn, okMessage) {
  try {
    await fn();
    if (okMessage) toast(okMessage);
  } catch (e) {
    toast(e.message, 'error');
  }
}

function targets() {
  return selected.size ? [...selected] : rows[current] ? [rows[current].id] : [];
}

async function assignToMe() {
  const ids = targets();
  if (!ids.length) return;
  await act(async () => {
    await api('POST', '/api/alerts/bulk', { ids, action: 'assign_me' });
    for (const id of ids) {
      const r = rows.find((x) => x.id === id);
      if (r) replaceRow({ ...r, assignee: me });
    }
  }, `assigned ${ids.length} to you`);
}

async function escalate() {
  const ids = targets();
  if (!ids.length) return;
  await act(async () => {
    const res = await api('POST', '/api/alerts/bulk', { ids, action: 'escalate' });
    for (const id of ids) {
      const r = rows.find((x) => x.id === id);
      if (r) replaceRow({ ...r, status: 'escalated', caseId: res.caseId });
    }
    selected.clear();
    render();
    toast(`escalated into case #${res.caseId}`);
  });
}

function dismiss() {
  const ids = targets();
  if (!ids.length) return;
  dismissDialog.returnValue = '';
  dismissDialog.showModal();
  dismissDialog.onclose = async () => {
    const reason = dismissDialog.returnValue;
    if (!reason) return;
    await act(async () => {
      await api('POST', '/api/alerts/bulk', { ids, action: 'dismiss', reason });
      for (const id of ids) {
        const r = rows.find((x) => x.id === id);
        if (r) replaceRow({ ...r, status: 'dismissed', dismissReason: reason });
      }
      selected.clear();
      render();
    }, `dismissed ${ids.length} (${reason})`);
  };
}

function toggleSelect() {
  const r = rows[current];
  if (!r) return;
  if (selected.has(r.id)) selected.delete(r.id);
  else selected.add(r.id);
  tbody.children[current]?.classList.toggle('selected', selected.has(r.id));
  bulk.hidden = selected.size === 0;
  document.getElementById('selcount').textContent = String(selected.size);
}

dismissDialog.addEventListener('keydown', (ev) => {
  const reason = { 1: 'false_positive', 2: 'duplicate', 3: 'not_relevant' }[ev.key];
  if (reason) {
    ev.preventDefault();
    dismissDialog.close(reason);
  }
});

document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || dismissDialog.open) return;
  if (
    ev.target instanceof HTMLInputElement ||
    ev.target instanceof HTMLSelectElement ||
    ev.target instanceof HTMLTextAreaElement
  )
    return;
  const keys = {
    j: () => setCurrent(current + 1),
    k: () => setCurrent(current - 1),
    o: () => rows[current] && (location.href = `/alerts/${rows[current].id}`),
    Enter: () => rows[current] && (location.href = `/alerts/${rows[current].id}`),
    a: assignToMe,
    e: escalate,
    d: dismiss,
    x: toggleSelect,
  };
  const fn = keys[ev.key];
  if (fn) {
    ev.preventDefault();
    void fn();
  }
});

bulk.addEventListener('click', (ev) => {
  const action = ev.target?.dataset?.bulk;
  if (action === 'assign_me') void assignToMe();
  if (action === 'escalate') void escalate();
  if (action === 'dismiss') dismiss();
});

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  selected.clear();
  void load().catch((e) => toast(e.message, 'error'));
});
more.addEventListener('click', () => void load(true));

// Live arrivals: new alerts go on top (when they match the status filter), updates refresh in place.
function connectLive() {
  const live = document.getElementById('live');
  const es = new EventSource('/api/alerts/stream');
  es.onopen = () => live.classList.add('on');
  es.onerror = () => live.classList.remove('on');
  es.addEventListener('alert', (ev) => {
    const a = JSON.parse(ev.data);
    const i = rows.findIndex((r) => r.id === a.id);
    if (i >= 0) return replaceRow(a);
    const statuses = (new FormData(form).get('status') || '').toString();
    if (statuses && !statuses.split(',').includes(a.status)) return;
    rows.unshift(a);
    if (current >= 0) current += 1;
    render();
    tbody.firstElementChild?.classList.add('new-arrival');
    toast(`new alert: ${a.title}`);
  });
}

void load().catch((e) => toast(e.message, 'error'));
connectLive();
