// Shared helpers for the darkwatch pages. Data from the API goes into the DOM only as text
// (textContent / createTextNode): captured content can never become markup or script here.
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 401) {
    location.href = '/login';
    throw new Error('log in first');
  }
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok)
    throw Object.assign(new Error(data?.error ?? `HTTP ${res.status}`), { status: res.status, data });
  return data;
}

/** el('td', { class: 'x', dataset: { id: 1 } }, 'text', childNode…) — strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function fmtTime(v) {
  if (!v) return '—';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().replace('T', ' ').slice(0, 16) + 'Z';
}

export function fmtPrice(amount, currency, eur) {
  const parts = [];
  if (amount !== null && amount !== undefined) parts.push(`${amount} ${currency ?? ''}`.trim());
  if (eur !== null && eur !== undefined) parts.push(`≈ €${Math.round(eur * 100) / 100}`);
  return parts.join(' ') || '—';
}

/** Text with [start, end) ranges wrapped in <mark>, built from text nodes only. */
export function highlight(text, ranges) {
  const frag = document.createDocumentFragment();
  const s = String(text ?? '');
  const sorted = (ranges ?? [])
    .filter(
      (r) =>
        Number.isInteger(r.start) &&
        Number.isInteger(r.end) &&
        r.start >= 0 &&
        r.end <= s.length &&
        r.start < r.end,
    )
    .sort((a, b) => a.start - b.start);
  let pos = 0;
  for (const r of sorted) {
    if (r.start < pos) continue;
    frag.append(document.createTextNode(s.slice(pos, r.start)));
    frag.append(el('mark', { title: r.term }, s.slice(r.start, r.end)));
    pos = r.end;
  }
  frag.append(document.createTextNode(s.slice(pos)));
  return frag;
}

export function toast(message, kind = 'info') {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = message;
  t.className = `toast ${kind}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.className = ''), 4000);
}

export function sevBadge(sev) {
  return el('span', { class: `sev sev-${sev}` }, sev);
}

document.getElementById('logout')?.addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => undefined);
  location.href = '/login';
});
