import { api, el, fmtTime, sevBadge, toast } from './app.js';

const root = document.getElementById('case');
const id = Number(location.pathname.split('/').pop());

async function show() {
  const d = await api('GET', `/api/cases/${id}`);
  const c = d.case;
  document.title = `${c.title} — darkwatch`;
  const noteForm = el(
    'form',
    { id: 'case-note' },
    el('textarea', { name: 'body', rows: 3, required: true, 'aria-label': 'note' }),
    el('button', {}, 'Add note'),
  );
  noteForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = String(new FormData(noteForm).get('body') ?? '').trim();
    if (!body) return;
    try {
      await api('POST', `/api/cases/${id}/notes`, { body });
      await show();
    } catch (e) {
      toast(e.message, 'error');
    }
  });
  const ids = d.alerts.map((a) => a.id).join(',');
  root.replaceChildren(
    el('h1', {}, `Case #${c.id}: `, c.title),
    el(
      'p',
      {},
      `${c.status} · TLP:${c.tlp.toUpperCase()} · owner ${c.owner ?? '—'} · opened ${fmtTime(c.createdAt)}`,
    ),
    el('p', { class: 'description' }, c.description),
    el(
      'p',
      { class: 'actions' },
      el(
        'a',
        { id: 'export-package', href: `/api/cases/${id}/package`, download: '' },
        'Evidence package (zip)',
      ),
      ids ? el('a', { href: `/api/alerts/export?format=csv&ids=${ids}`, download: '' }, 'Alerts CSV') : null,
      ids
        ? el(
            'a',
            {
              href: `/api/alerts/export?format=stix&tlp=${encodeURIComponent(c.tlp)}&ids=${ids}`,
              download: '',
            },
            'STIX 2.1',
          )
        : null,
      ids
        ? el(
            'a',
            {
              href: `/api/alerts/export?format=misp&tlp=${encodeURIComponent(c.tlp)}&ids=${ids}`,
              download: '',
            },
            'MISP event',
          )
        : null,
    ),
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'Alerts'),
      el(
        'table',
        { class: 'list' },
        el(
          'tbody',
          {},
          ...d.alerts.map((a) =>
            el(
              'tr',
              {},
              el('td', {}, sevBadge(a.severity)),
              el('td', {}, el('a', { href: `/alerts/${a.id}` }, a.title)),
              el('td', {}, a.ruleName),
              el('td', {}, a.sourceName ?? '—'),
              el('td', {}, fmtTime(a.lastSeenAt)),
            ),
          ),
        ),
      ),
    ),
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'Notes'),
      el(
        'ul',
        { class: 'notes' },
        ...d.notes.map((n) =>
          el('li', {}, el('b', {}, n.author ?? '?'), ` ${fmtTime(n.createdAt)}: `, n.body),
        ),
      ),
      noteForm,
    ),
  );
}
show().catch((e) => root.replaceChildren(el('p', { class: 'error' }, e.message)));
