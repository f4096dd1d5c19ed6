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
        el(
          'td',
          {},
          el('button', { type: 'button', disabled: !s.enabled, on: { click: () => crawl(s) } }, 'Crawl now'),
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
