import { api, el, fmtPrice, fmtTime, toast } from './app.js';

const form = document.getElementById('search-form');
const out = document.getElementById('results');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) p.set(k, String(v));
  try {
    const { kind, results } = await api('GET', `/api/search?${p}`);
    if (!results.length) return out.replaceChildren(el('p', {}, 'Nothing found.'));
    out.replaceChildren(
      kind === 'posts'
        ? el(
            'table',
            { class: 'list' },
            el(
              'tbody',
              {},
              ...results.map((r) =>
                el(
                  'tr',
                  {},
                  el('td', {}, r.sourceName),
                  el('td', {}, r.threadTitle ?? '—'),
                  el('td', {}, r.author ?? '—'),
                  el('td', {}, r.body.slice(0, 300)),
                  el('td', {}, fmtTime(r.lastSeen)),
                ),
              ),
            ),
          )
        : el(
            'table',
            { class: 'list' },
            el(
              'tbody',
              {},
              ...results.map((r) =>
                el(
                  'tr',
                  {},
                  el('td', {}, r.sourceName),
                  el('td', {}, r.title),
                  el('td', {}, r.vendor ?? '—'),
                  el('td', {}, r.category ?? '—'),
                  el('td', {}, fmtPrice(r.priceAmount, r.priceCurrency, r.priceEur)),
                  el('td', {}, fmtTime(r.lastSeen)),
                ),
              ),
            ),
          ),
    );
  } catch (e) {
    toast(e.message, 'error');
  }
});
