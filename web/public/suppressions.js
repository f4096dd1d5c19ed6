// Suppressions: everyone sees them; admins, analysts and trainers add and lift them.
import { api, el, fmtTime, toast } from './app.js';

const canSuppress = ['admin', 'analyst', 'trainer'].includes(document.body.dataset.role);
const tbody = document.querySelector('#suppressions tbody');
const form = document.getElementById('add-suppression');
const showAll = document.getElementById('show-all');
if (!canSuppress) form.hidden = true;

function subjectText(s) {
  if (s.subjectType === 'listing') return `listing #${s.subjectKey}`;
  if (s.subjectType === 'vendor') return `vendor ${s.subjectKey}`;
  return s.subjectKey; // entity: type:value
}

async function lift(s) {
  try {
    await api('POST', `/api/suppressions/${s.id}/lift`);
    toast(`suppression ${s.id} lifted`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function load() {
  const { suppressions } = await api('GET', `/api/suppressions${showAll.checked ? '?all=true' : ''}`);
  tbody.replaceChildren(
    ...suppressions.map((s) =>
      el(
        'tr',
        { dataset: { id: s.id } },
        el('td', {}, String(s.id)),
        el('td', {}, s.rule),
        el('td', { class: 'mono' }, subjectText(s)),
        el('td', {}, s.reason),
        el('td', {}, s.owner ?? '—'),
        el('td', {}, s.expiresAt ? fmtTime(s.expiresAt) : 'never'),
        el('td', {}, fmtTime(s.createdAt)),
        el('td', { class: 'state' }, s.active ? 'active' : 'ended'),
        el(
          'td',
          {},
          canSuppress && s.active
            ? el('button', { type: 'button', class: 'lift', on: { click: () => lift(s) } }, 'Lift')
            : '',
        ),
      ),
    ),
  );
}

async function loadRules() {
  const { rules } = await api('GET', '/api/rules');
  form.elements.rule.replaceChildren(...rules.map((r) => el('option', { value: r.name }, r.name)));
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(form);
  const type = String(f.get('type'));
  const value = String(f.get('value')).trim();
  const subject =
    type === 'listing'
      ? { type, listingId: Number(value) }
      : type === 'vendor'
        ? { type, name: value }
        : { type, entityType: String(f.get('entityType')), value };
  const days = String(f.get('days'));
  try {
    const res = await api('POST', '/api/suppressions', {
      rule: String(f.get('rule')),
      subject,
      reason: String(f.get('reason')),
      expiresAt: days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : null,
    });
    form.reset();
    toast(`suppression ${res.suppression.id} added`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});
showAll.addEventListener('change', () => load().catch((e) => toast(e.message, 'error')));

load().catch((e) => toast(e.message, 'error'));
if (canSuppress) loadRules().catch((e) => toast(e.message, 'error'));
