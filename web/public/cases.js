import { api, el, fmtTime, toast } from './app.js';

const tbody = document.querySelector('#cases tbody');
async function load() {
  const { cases } = await api('GET', '/api/cases');
  tbody.replaceChildren(
    ...cases.map((c) =>
      el(
        'tr',
        {},
        el('td', {}, c.id),
        el('td', {}, el('a', { href: `/cases/${c.id}` }, c.title)),
        el('td', {}, c.status),
        el('td', {}, `TLP:${c.tlp.toUpperCase()}`),
        el('td', {}, c.alertCount),
        el('td', {}, c.owner ?? '—'),
        el('td', {}, fmtTime(c.updatedAt)),
      ),
    ),
  );
}
const form = document.getElementById('new-case');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const c = await api('POST', '/api/cases', { title: String(new FormData(form).get('title')) });
    location.href = `/cases/${c.id}`;
  } catch (e) {
    toast(e.message, 'error');
  }
});
load().catch((e) => toast(e.message, 'error'));
