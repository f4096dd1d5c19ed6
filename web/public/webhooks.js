// Webhooks: list with delivery counts; admins add (secret shown once), switch on/off and remove.
import { api, el, fmtTime, sevBadge, toast } from './app.js';

const isAdmin = document.body.dataset.role === 'admin';
const tbody = document.querySelector('#webhooks tbody');
const form = document.getElementById('add-webhook');
if (!isAdmin) form.hidden = true;

async function toggle(w, box) {
  try {
    await api('POST', `/api/webhooks/${w.id}/enabled`, { enabled: box.checked });
    toast(`webhook ${w.id} ${box.checked ? 'enabled' : 'disabled'}`);
    await load();
  } catch (e) {
    box.checked = !box.checked;
    toast(e.message, 'error');
  }
}

async function remove(w) {
  try {
    await api('DELETE', `/api/webhooks/${w.id}`);
    toast(`webhook ${w.id} removed`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function load() {
  const { webhooks } = await api('GET', '/api/webhooks');
  tbody.replaceChildren(
    ...webhooks.map((w) => {
      const box = el('input', {
        type: 'checkbox',
        checked: w.enabled,
        disabled: !isAdmin,
        'aria-label': `enable webhook ${w.id}`,
      });
      box.addEventListener('change', () => toggle(w, box));
      return el(
        'tr',
        { dataset: { id: w.id } },
        el('td', {}, String(w.id)),
        el('td', { class: 'mono url' }, w.url),
        el('td', {}, sevBadge(w.minSeverity)),
        el('td', {}, box),
        el('td', {}, String(w.deliveries.delivered)),
        el('td', {}, String(w.deliveries.pending)),
        el('td', { class: w.deliveries.failed ? 'error' : '' }, String(w.deliveries.failed)),
        el('td', {}, w.deliveries.lastError ?? '—'),
        el('td', {}, fmtTime(w.createdAt)),
        el(
          'td',
          {},
          isAdmin
            ? el('button', { type: 'button', class: 'remove', on: { click: () => remove(w) } }, 'Remove')
            : '',
        ),
      );
    }),
  );
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(form);
  try {
    const res = await api('POST', '/api/webhooks', {
      url: String(f.get('url')).trim(),
      minSeverity: String(f.get('minSeverity')),
    });
    form.reset();
    document.getElementById('secret-id').textContent = String(res.webhook.id);
    document.getElementById('secret-value').textContent = res.secret;
    document.getElementById('secret').hidden = false;
    toast(`webhook ${res.webhook.id} added`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});

load().catch((e) => toast(e.message, 'error'));
