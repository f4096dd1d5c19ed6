import { api, el, fmtTime, toast } from './app.js';

const tbody = document.querySelector('#sources tbody');
const dialog = document.getElementById('session-dialog');
const form = document.getElementById('session-form');
let target = null;

async function crawl(s) {
  try {
    const r = await api('POST', `/api/sources/${s.id}/crawl`);
    toast(`crawl run ${r.run} queued for ${s.name}`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function depths() {
  const out = document.getElementById('queues');
  try {
    const q = await api('GET', '/api/queues');
    out.textContent = Object.entries(q)
      .map(([name, c]) => `${name}: ${c.waiting} waiting, ${c.active} active, ${c.failed} failed`)
      .join(' · ');
  } catch (e) {
    out.textContent = `queues: ${e.message}`;
  }
}

function policySummary(p) {
  if (!p) return '—';
  const parts = [
    `${p.requestsPerMinute}/min × ${p.concurrency}`,
    `depth ≤ ${p.maxDepth}`,
    `budget ${p.pageBudget}`,
    p.recrawlIntervalSec ? `recrawl every ${p.recrawlIntervalSec} s` : 'manual',
  ];
  if (p.include?.length) parts.push(`include ${p.include.length}`);
  if (p.exclude?.length) parts.push(`exclude ${p.exclude.length}`);
  return parts.join(', ');
}

// Editing a source's crawl policy: the server validates (same schema as the CLI) and audits.
const editDialog = document.getElementById('edit-dialog');
const editForm = document.getElementById('edit-form');
const editError = document.getElementById('edit-error');
let editing = null;

function openEdit(s) {
  editing = s;
  document.getElementById('edit-source').textContent = s.name;
  const f = editForm.elements;
  f.kind.value = s.kind;
  f.fetchMode.value = s.fetchMode;
  f.enabled.checked = s.enabled;
  f.requestsPerMinute.value = String(s.policy.requestsPerMinute);
  f.concurrency.value = String(s.policy.concurrency);
  f.maxDepth.value = String(s.policy.maxDepth);
  f.pageBudget.value = String(s.policy.pageBudget);
  f.recrawlIntervalSec.value =
    s.policy.recrawlIntervalSec === null ? '' : String(s.policy.recrawlIntervalSec);
  f.javascript.checked = s.policy.javascript;
  f.allowImages.checked = s.policy.allowImages;
  f.include.value = s.policy.include.join('\n');
  f.exclude.value = s.policy.exclude.join('\n');
  editError.textContent = '';
  editDialog.showModal();
}

const lines = (text) =>
  String(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const num = (text) => (String(text).trim() === '' ? null : Number(text));

editForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!editing) return;
  const f = editForm.elements;
  try {
    const res = await api('PATCH', `/api/sources/${editing.id}`, {
      kind: f.kind.value,
      fetchMode: f.fetchMode.value,
      enabled: f.enabled.checked,
      policy: {
        requestsPerMinute: num(f.requestsPerMinute.value),
        concurrency: num(f.concurrency.value),
        maxDepth: num(f.maxDepth.value),
        pageBudget: num(f.pageBudget.value),
        recrawlIntervalSec: num(f.recrawlIntervalSec.value),
        javascript: f.javascript.checked,
        allowImages: f.allowImages.checked,
        include: lines(f.include.value),
        exclude: lines(f.exclude.value),
      },
    });
    editDialog.close();
    toast(
      res.schedule?.warning ? `${res.name} saved; ${res.schedule.warning}` : `${res.name} saved`,
      res.schedule?.warning ? 'error' : 'info',
    );
    await load();
  } catch (e) {
    editError.textContent = e.message;
  }
});
document.getElementById('edit-cancel').addEventListener('click', () => editDialog.close());

async function load() {
  void depths();
  const { sources } = await api('GET', '/api/sources');
  tbody.replaceChildren(
    ...sources.map((s) =>
      el(
        'tr',
        {},
        el('td', {}, s.name),
        el('td', {}, s.kind),
        el('td', {}, s.fetchMode),
        el('td', {}, s.enabled ? 'yes' : 'no'),
        el('td', {}, fmtTime(s.lastSuccessAt)),
        el('td', {}, s.lastError ? `${fmtTime(s.lastErrorAt)} ${s.lastError}` : '—'),
        el('td', {}, s.errorRate === null ? '—' : `${Math.round(s.errorRate * 100)}%`),
        el('td', { class: s.needsHuman ? 'error' : '' }, s.needsHuman ?? '—'),
        el(
          'td',
          {},
          s.hasSession ? 'set ' : '',
          el(
            'button',
            {
              type: 'button',
              on: {
                click: () => {
                  target = s;
                  document.getElementById('session-source').textContent = s.name;
                  dialog.showModal();
                },
              },
            },
            'Supply session…',
          ),
        ),
        el('td', {}, s.lastRun ? `${s.lastRun.status} ${fmtTime(s.lastRun.createdAt)}` : '—'),
        el('td', { class: 'policy' }, policySummary(s.policy)),
        el(
          'td',
          {},
          el('button', { type: 'button', disabled: !s.enabled, on: { click: () => crawl(s) } }, 'Crawl now'),
          ' ',
          el('button', { type: 'button', class: 'edit', on: { click: () => openEdit(s) } }, 'Edit…'),
        ),
      ),
    ),
  );
}

dialog.addEventListener('close', async () => {
  if (dialog.returnValue !== 'save' || !target) return;
  const lines = String(new FormData(form).get('cookies') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const cookies = lines
    .map((l) => ({ name: l.slice(0, l.indexOf('=')), value: l.slice(l.indexOf('=') + 1) }))
    .filter((c) => c.name);
  try {
    await api('POST', `/api/sources/${target.id}/session`, { cookies });
    toast(`session saved for ${target.name}`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});
load().catch((e) => toast(e.message, 'error'));

const addForm = document.getElementById('add-source');
addForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(addForm);
  try {
    await api('POST', '/api/sources', {
      name: String(f.get('name')),
      kind: String(f.get('kind')),
      fetchMode: String(f.get('fetchMode')),
      urls: String(f.get('urls')).split(/\s+/).filter(Boolean),
    });
    addForm.reset();
    toast('source added');
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});
