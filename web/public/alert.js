// Alert detail: the record with matched terms highlighted, price history, vendor across sites,
// entities with pivots, rule version, notes, assignment, history, and the evidence viewer.
import { api, el, fmtPrice, fmtTime, highlight, sevBadge, toast } from './app.js';

const root = document.getElementById('alert');
const id = Number(location.pathname.split('/').pop());
// Same roles as the `suppress` permission (web/auth.ts); the API enforces it, this only hides the form.
const canSuppress = ['admin', 'analyst', 'trainer'].includes(document.body.dataset.role);

function panel(title, ...children) {
  return el('section', { class: 'panel' }, el('h2', {}, title), ...children);
}

function fields(pairs) {
  return el(
    'dl',
    { class: 'fields' },
    ...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v ?? '—')]),
  );
}

function termsFor(d, field) {
  return d.alert.matchedTerms.filter((t) => t.field === field);
}

function pivotPanel(target, type, value) {
  target.replaceChildren(el('p', {}, 'Loading…'));
  api('GET', `/api/entities/${encodeURIComponent(type)}/${encodeURIComponent(value)}`)
    .then((p) => {
      target.replaceChildren(
        el('h2', {}, `Everything mentioning ${type} `, el('span', { class: 'mono' }, value)),
        el(
          'table',
          { class: 'list' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', {}, 'Site'),
              el('th', {}, 'Title'),
              el('th', {}, 'Vendor'),
              el('th', {}, 'Seen'),
            ),
          ),
          el(
            'tbody',
            {},
            ...p.mentions.map((m) =>
              el(
                'tr',
                {},
                el('td', {}, m.sourceName),
                el('td', {}, m.title ?? '—'),
                el('td', {}, m.vendor ?? '—'),
                el('td', {}, fmtTime(m.seenAt)),
              ),
            ),
          ),
        ),
      );
    })
    .catch((e) => target.replaceChildren(el('p', { class: 'error' }, e.message)));
}

async function act(fn, msg) {
  try {
    await fn();
    toast(msg);
    await show();
  } catch (e) {
    toast(e.message, 'error');
  }
}

/**
 * What this alert can be suppressed for: its listing, the vendor, or one of its entities — the
 * subjects POST /api/suppressions accepts. Post alerts have only their entities.
 */
function suppressSubjects(d) {
  const out = [];
  if (d.listing)
    out.push({
      label: `this listing (#${d.listing.id})`,
      subject: { type: 'listing', listingId: d.listing.id },
    });
  const vendors = new Set([d.listing?.vendor, ...d.vendorAcrossSites.map((v) => v.name)].filter(Boolean));
  for (const name of vendors) out.push({ label: `vendor ${name}`, subject: { type: 'vendor', name } });
  for (const e of d.entities)
    out.push({
      label: `${e.type} ${e.value}`,
      subject: { type: 'entity', entityType: e.type, value: e.value },
    });
  return out;
}

/** The "Suppress…" form: rule and subject prefilled from the alert, reason and expiry from the analyst. */
function suppressForm(d) {
  const subjects = suppressSubjects(d);
  const form = el(
    'form',
    { id: 'suppress-form', class: 'form-grid', hidden: true },
    el('label', {}, 'Rule', el('input', { name: 'rule', value: d.alert.ruleName, readonly: true })),
    el(
      'label',
      {},
      'Subject',
      el(
        'select',
        { name: 'subject' },
        ...subjects.map((s, i) => el('option', { value: String(i) }, s.label)),
      ),
    ),
    el('label', {}, 'Reason', el('input', { name: 'reason', required: true, maxlength: 2000 })),
    el(
      'label',
      {},
      'Expires in days (empty: never)',
      el('input', { name: 'days', type: 'number', min: 1, max: 1825, value: '30' }),
    ),
    el('button', {}, 'Suppress'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const chosen = subjects[Number(f.get('subject'))];
    const days = String(f.get('days') ?? '').trim();
    if (!chosen) return;
    void act(
      () =>
        api('POST', '/api/suppressions', {
          rule: d.alert.ruleName,
          subject: chosen.subject,
          reason: String(f.get('reason') ?? ''),
          expiresAt: days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : null,
        }),
      `suppressed: ${d.alert.ruleName} for ${chosen.label}`,
    );
  });
  const open = el(
    'button',
    {
      type: 'button',
      id: 'suppress',
      disabled: subjects.length === 0,
      on: {
        click: () => {
          form.hidden = !form.hidden;
          if (!form.hidden) form.elements.reason.focus();
        },
      },
    },
    'Suppress…',
  );
  return { open, form };
}

function evidencePanel(s) {
  if (!s) return panel('Evidence', el('p', {}, 'No capture is linked to this alert.'));
  const shotWrap = el('div');
  if (s.screenshotSha256) {
    const img = el('img', {
      class: 'shot',
      alt: 'screenshot (blurred)',
      src: `/api/snapshots/${s.id}/screenshot`,
    });
    const reveal = el(
      'button',
      {
        type: 'button',
        id: 'reveal',
        on: {
          click: () => {
            img.classList.add('revealed');
            img.alt = 'screenshot';
            reveal.remove();
          },
        },
      },
      'Reveal screenshot',
    );
    shotWrap.append(reveal, img);
  }
  // Two views of the capture, each named by the sha256 of exactly the bytes it shows: the wire
  // bytes as served (the evidence), and — when the snapshot stored one — the document extraction
  // read: for browser captures the DOM after the page's scripts ran.
  const views = {
    served: { label: 'As served', src: `/evidence/${s.id}`, sha256: s.sha256 },
    rendered: null,
  };
  let current = 'served';
  let revealed = false;
  const frameSrc = () => views[current].src + (revealed ? '?reveal=true' : '');
  const revealFrame = el(
    'button',
    {
      type: 'button',
      id: 'reveal-frame',
      on: {
        click: () => {
          revealed = true;
          frame.src = frameSrc();
          revealFrame.remove();
        },
      },
    },
    'Reveal images in capture',
  );
  // sandbox without allow-scripts / allow-same-origin: the capture can neither run code nor
  // reach our origin, and the frame document's own CSP blocks every fetch.
  const frame = el('iframe', {
    class: 'evidence-frame',
    sandbox: '',
    referrerpolicy: 'no-referrer',
    title: 'captured page as served (sanitised)',
    src: `/evidence/${s.id}`,
  });
  const viewLabel = el('span', { id: 'view-label' }, views.served.label);
  const viewSha = el('span', { class: 'mono', id: 'view-sha256' }, s.sha256);
  const toggle = el('p', {
    class: 'view-toggle',
    role: 'group',
    'aria-label': 'Evidence view',
    hidden: true,
  });
  const downloads = el(
    'p',
    { class: 'actions' },
    el('a', { href: `/api/snapshots/${s.id}/raw`, download: '' }, 'Download raw bytes'),
    revealFrame,
  );
  const buttons = {};
  const select = (name) => {
    current = name;
    frame.src = frameSrc();
    frame.title = `captured page ${name === 'served' ? 'as served' : 'rendered DOM after scripts'} (sanitised)`;
    viewLabel.textContent = views[name].label;
    viewSha.textContent = views[name].sha256;
    for (const [k, b] of Object.entries(buttons)) b.setAttribute('aria-pressed', String(k === name));
  };
  const addRendered = (sha256) => {
    if (!sha256 || views.rendered) return;
    views.rendered = {
      label: 'Rendered DOM (after scripts)',
      src: `/evidence/${s.id}/document`,
      sha256,
    };
    for (const name of ['served', 'rendered']) {
      buttons[name] = el(
        'button',
        {
          type: 'button',
          id: `view-${name}`,
          'aria-pressed': String(name === current),
          on: { click: () => select(name) },
        },
        views[name].label,
      );
      toggle.append(buttons[name]);
    }
    toggle.hidden = false;
    downloads.insertBefore(
      el(
        'a',
        { href: `/api/snapshots/${s.id}/document/raw`, download: '', id: 'download-document' },
        'Download rendered DOM',
      ),
      revealFrame,
    );
    documentRow.hidden = false;
    documentSha.textContent = sha256;
  };
  const documentSha = el('span', { class: 'mono', id: 'document-sha256' });
  const documentRow = el('p', { class: 'document-sha', hidden: true }, 'Rendered DOM sha256 ', documentSha);
  // The alert record names the served bytes only; the capture's metadata says whether it also has
  // a rendered document (and its hash).
  if (s.documentSha256) addRendered(s.documentSha256);
  else
    api('GET', `/api/snapshots/${s.id}`)
      .then((meta) => addRendered(meta.documentSha256))
      .catch(() => undefined);
  return panel(
    'Evidence',
    fields([
      ['URL', el('span', { class: 'mono' }, s.url)],
      ['sha256', el('span', { class: 'mono', id: 'sha256' }, s.sha256)],
      ['Captured', fmtTime(s.capturedAt)],
      ['Proxy identity', s.proxyIdentity],
      ['Fetch', `${s.fetchMode} · HTTP ${s.statusCode} · ${s.contentLength} bytes`],
    ]),
    documentRow,
    downloads,
    toggle,
    el('p', { class: 'view-caption' }, 'Showing ', viewLabel, ' · sha256 ', viewSha),
    frame,
    shotWrap,
  );
}

async function show() {
  const d = await api('GET', `/api/alerts/${id}`);
  const a = d.alert;
  document.title = `${a.title} — darkwatch`;
  const left = el('div');
  const right = el('div');
  const pivotTarget = el(
    'section',
    { class: 'panel', id: 'pivot' },
    el('h2', {}, 'Pivot'),
    el('p', {}, 'Choose an entity.'),
  );
  const suppress = suppressForm(d);

  left.append(
    el(
      'h1',
      {},
      sevBadge(a.severity),
      ' ',
      highlight(d.listing?.title ?? d.post?.threadTitle ?? a.title, termsFor(d, 'title')),
    ),
    el(
      'p',
      { class: 'actions' },
      el(
        'button',
        {
          type: 'button',
          id: 'assign-me',
          on: {
            click: () =>
              act(() => api('POST', `/api/alerts/${id}/assign`, { assignee: 'me' }), 'assigned to you'),
          },
        },
        'Assign to me',
      ),
      el(
        'button',
        {
          type: 'button',
          id: 'review',
          on: {
            click: () =>
              act(() => api('POST', `/api/alerts/${id}/status`, { status: 'in_review' }), 'in review'),
          },
        },
        'In review',
      ),
      el(
        'button',
        {
          type: 'button',
          id: 'escalate',
          on: {
            click: () =>
              act(async () => {
                const r = await api('POST', `/api/alerts/${id}/escalate`, {});
                toast(`case #${r.caseId}`);
              }, 'escalated'),
          },
        },
        'Escalate to case',
      ),
      el(
        'button',
        {
          type: 'button',
          id: 'dismiss',
          on: {
            click: () => {
              const reason = prompt('Reason: false_positive, duplicate or not_relevant', 'false_positive');
              if (reason)
                void act(
                  () => api('POST', `/api/alerts/${id}/status`, { status: 'dismissed', reason }),
                  'dismissed',
                );
            },
          },
        },
        'Dismiss',
      ),
      ...(canSuppress ? [suppress.open] : []),
    ),
    ...(canSuppress ? [suppress.form] : []),
  );
  if (d.listing) {
    const l = d.listing;
    left.append(
      panel(
        'Listing',
        fields([
          ['Site', l.sourceName],
          ['Vendor', l.vendor],
          ['Price', fmtPrice(l.priceAmount, l.priceCurrency, l.priceEur)],
          ['Category', `${l.category ?? '—'}${l.categoryPath ? ` (${l.categoryPath})` : ''}`],
          ['Ships from', l.shipsFrom],
          ['Ships to', (l.shipsTo ?? []).join(', ') || null],
          ['URL', el('span', { class: 'mono' }, l.url)],
          ['First seen', fmtTime(l.firstSeen)],
          ['Last seen', fmtTime(l.lastSeen)],
          ['Removed', l.removedAt ? fmtTime(l.removedAt) : null],
        ]),
        el('h3', {}, 'Description'),
        el('p', { class: 'description' }, highlight(l.description ?? '', termsFor(d, 'description'))),
      ),
    );
    left.append(
      panel(
        'Price history',
        el(
          'table',
          { class: 'list' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', {}, 'v'),
              el('th', {}, 'Observed'),
              el('th', {}, 'Title'),
              el('th', {}, 'Price'),
              el('th', {}, 'Available'),
            ),
          ),
          el(
            'tbody',
            {},
            ...d.priceHistory.map((v) =>
              el(
                'tr',
                {},
                el('td', {}, v.version),
                el('td', {}, fmtTime(v.observedAt)),
                el('td', {}, v.title),
                el('td', {}, fmtPrice(v.priceAmount, v.priceCurrency, v.priceEur)),
                el('td', {}, v.available ? 'yes' : 'removed'),
              ),
            ),
          ),
        ),
      ),
    );
  }
  if (d.post) {
    const p = d.post;
    left.append(
      panel(
        'Post',
        fields([
          ['Site', p.sourceName],
          ['Thread', p.threadTitle],
          ['Author', p.author],
          ['Posted', fmtTime(p.postedAt)],
          ['URL', el('span', { class: 'mono' }, p.threadUrl)],
        ]),
        el('p', { class: 'description' }, highlight(p.body, termsFor(d, 'body'))),
      ),
    );
  }
  left.append(evidencePanel(d.snapshot));

  right.append(
    panel(
      'Alert',
      fields([
        ['Status', a.status + (a.dismissReason ? ` (${a.dismissReason})` : '')],
        ['Assignee', a.assignee],
        ['Case', a.caseId ? el('a', { href: `/cases/${a.caseId}` }, `#${a.caseId}`) : null],
        ['Rule', `${a.ruleName} v${a.ruleVersion}`],
        ['Terms', [...new Set(a.matchedTerms.map((t) => t.term))].join(', ')],
        ['Sightings', a.sightings],
        ['First seen', fmtTime(a.firstSeenAt)],
        ['Last seen', fmtTime(a.lastSeenAt)],
      ]),
    ),
  );
  right.append(
    panel(
      'Entities',
      d.entities.length
        ? el(
            'ul',
            {},
            ...d.entities.map((e) =>
              el(
                'li',
                {},
                `${e.type} `,
                el(
                  'button',
                  {
                    type: 'button',
                    class: 'pivot mono',
                    on: { click: () => pivotPanel(pivotTarget, e.type, e.value) },
                  },
                  e.value,
                ),
                ` · ${e.mentions} mentions on ${e.sites} site(s)`,
              ),
            ),
          )
        : el('p', {}, 'none'),
    ),
  );
  right.append(pivotTarget);
  right.append(
    panel(
      'Vendor across sites',
      d.vendorAcrossSites.length
        ? el(
            'ul',
            {},
            ...d.vendorAcrossSites.map((v) =>
              el(
                'li',
                {},
                `${v.name} on ${v.sourceName} (${v.listings} listings, by ${v.matchedBy}) last seen ${fmtTime(v.lastSeen)}`,
              ),
            ),
          )
        : el('p', {}, '—'),
    ),
  );
  if (d.rule)
    right.append(
      panel(`Rule ${d.rule.name} v${d.rule.version}`, el('pre', { class: 'mono' }, d.rule.sourceText)),
    );
  const noteForm = el(
    'form',
    { id: 'note-form' },
    el('textarea', { name: 'body', rows: 3, required: true, 'aria-label': 'note' }),
    el('button', {}, 'Add note'),
  );
  noteForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = String(new FormData(noteForm).get('body') ?? '').trim();
    if (body) void act(() => api('POST', `/api/alerts/${id}/notes`, { body }), 'note added');
  });
  right.append(
    panel(
      'Notes',
      el(
        'ul',
        { class: 'notes', id: 'notes' },
        ...d.notes.map((n) =>
          el(
            'li',
            {},
            el('b', {}, n.author ?? '?'),
            ` ${fmtTime(n.createdAt)}: `,
            el('span', { class: 'note-body' }, n.body),
          ),
        ),
      ),
      noteForm,
    ),
  );
  right.append(
    panel(
      'History',
      el(
        'ol',
        { class: 'events' },
        ...d.events.map((e) => el('li', {}, `${fmtTime(e.createdAt)} ${e.kind} ${JSON.stringify(e.data)}`)),
      ),
    ),
  );
  root.replaceChildren(left, right);
}

document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLTextAreaElement || ev.target instanceof HTMLInputElement) return;
  if (ev.key === 'u' || ev.key === 'Escape') location.href = '/';
  if (ev.key === 'a') document.getElementById('assign-me')?.click();
  if (ev.key === 'e') document.getElementById('escalate')?.click();
});

show().catch((e) => root.replaceChildren(el('p', { class: 'error' }, e.message)));
