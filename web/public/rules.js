// Rules: list with enable/disable, YAML editor with live validation (line/column), versions.
import { api, el, fmtTime, highlight, sevBadge, toast } from './app.js';

const tbody = document.querySelector('#rules tbody');
const yaml = document.getElementById('yaml');
const problems = document.getElementById('problems');
const versions = document.getElementById('versions');

async function load() {
  const { rules } = await api('GET', '/api/rules');
  tbody.replaceChildren(
    ...rules.map((r) => {
      const box = el('input', { type: 'checkbox', checked: r.enabled, 'aria-label': `enable ${r.name}` });
      box.addEventListener('change', () =>
        api('POST', `/api/rules/${encodeURIComponent(r.name)}/enabled`, { enabled: box.checked })
          .then(() => toast(`${r.name} ${box.checked ? 'enabled' : 'disabled'}`))
          .catch((e) => toast(e.message, 'error')),
      );
      const name = el(
        'a',
        {
          href: '#',
          on: {
            click: (ev) => {
              ev.preventDefault();
              void open(r.name);
            },
          },
        },
        r.name,
      );
      return el(
        'tr',
        {},
        el('td', {}, name),
        el('td', {}, sevBadge(r.severity)),
        el('td', {}, `v${r.version}`),
        el('td', {}, box),
      );
    }),
  );
}

async function open(name) {
  const d = await api('GET', `/api/rules/${encodeURIComponent(name)}`);
  yaml.value = d.rule.sourceText;
  versions.replaceChildren(
    ...d.versions.map((v, i) =>
      el(
        'li',
        {},
        `v${v.version} · ${v.severity} · ${fmtTime(v.createdAt)}`,
        i === 0
          ? el('pre', { class: 'mono' }, v.sourceText)
          : diffView(d.versions[i - 1].sourceText, v.sourceText),
      ),
    ),
  );
  void validate();
}

/** Line diff (LCS) of two versions, as lines marked + / - (rule files are small). */
function diffView(a, b) {
  const x = a.split('\n').slice(0, 2000);
  const y = b.split('\n').slice(0, 2000);
  const dp = Array.from({ length: x.length + 1 }, () => new Uint16Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--)
      dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push(el('span', { class: 'same' }, `  ${x[i]}`));
      i++;
      j++;
    } else if (j < y.length && (i >= x.length || dp[i][j + 1] >= dp[i + 1][j]))
      out.push(el('ins', {}, `+ ${y[j++]}`));
    else out.push(el('del', {}, `- ${x[i++]}`));
  }
  return el('pre', { class: 'mono diff' }, ...out);
}

let timer = null;
async function validate() {
  const res = await api('POST', '/api/rules/validate', { yaml: yaml.value }).catch((e) => ({
    ok: false,
    problems: [{ message: e.message, line: null, column: null }],
  }));
  problems.replaceChildren(
    ...(res.ok
      ? [el('li', { class: 'ok' }, `valid: ${res.rules.map((r) => r.name).join(', ')}`)]
      : res.problems.map((p) =>
          el('li', {}, p.line ? `line ${p.line}, column ${p.column}: ${p.message}` : p.message),
        )),
  );
  return res.ok;
}
yaml.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(validate, 300);
});
document.getElementById('save').addEventListener('click', async () => {
  try {
    const res = await api('POST', '/api/rules', { yaml: yaml.value });
    toast(res.saved.map((s) => `${s.name} v${s.version}${s.newVersion ? '' : ' (unchanged)'}`).join(', '));
    await load();
  } catch (e) {
    toast(e.message, 'error');
    if (e.data?.problems)
      problems.replaceChildren(
        ...e.data.problems.map((p) =>
          el('li', {}, p.line ? `line ${p.line}, column ${p.column}: ${p.message}` : p.message),
        ),
      );
  }
});

// Backtest preview: the draft as typed (not saved) over stored listings and posts; no alerts.
const btButton = document.getElementById('backtest');
const btResult = document.getElementById('backtest-result');
function showProblems(list) {
  problems.replaceChildren(
    ...list.map((p) => el('li', {}, p.line ? `line ${p.line}, column ${p.column}: ${p.message}` : p.message)),
  );
}
function exampleItem(x) {
  const excerpt = x.excerpt
    ? el(
        'div',
        { class: 'excerpt' },
        x.excerpt.before ? '… ' : '',
        highlight(x.excerpt.text, x.excerpt.hits),
        x.excerpt.after ? ' …' : '',
      )
    : null;
  return el(
    'li',
    { class: 'bt-hit', dataset: { kind: x.kind, id: x.id } },
    el('span', { class: 'kind' }, x.kind),
    ' ',
    el('span', { class: 'site' }, x.site ?? ''),
    ' ',
    el('span', { class: 'bt-title' }, highlight(x.title, x.titleHits)),
    x.vendor ? el('span', { class: 'vendor' }, ' · ', highlight(x.vendor, x.vendorHits)) : null,
    excerpt,
  );
}
btButton.addEventListener('click', async () => {
  btButton.disabled = true;
  btButton.textContent = 'Backtesting…';
  btResult.replaceChildren(el('p', { class: 'help' }, 'Running the draft over stored listings and posts…'));
  try {
    const r = await api('POST', '/api/rules/backtest', {
      yaml: yaml.value,
      since: document.getElementById('bt-since').value,
      examples: 10,
    });
    const limit =
      r.limitReached === 'records'
        ? ' (stopped at the record limit: the counts cover the records scanned)'
        : r.limitReached === 'time'
          ? ' (stopped at the time limit: the counts cover the records scanned)'
          : '';
    btResult.replaceChildren(
      el(
        'p',
        { id: 'bt-summary', class: r.limitReached ? 'error' : '' },
        `Would have fired ${r.totalHits} time${r.totalHits === 1 ? '' : 's'} over ${r.scanned.listings} listings and ${r.scanned.posts} posts seen since ${fmtTime(r.since)}${limit}. No alerts were created.`,
      ),
      ...r.rules.map((rule) =>
        el(
          'div',
          { class: 'bt-rule', dataset: { rule: rule.rule } },
          el(
            'h4',
            {},
            sevBadge(rule.severity),
            ' ',
            rule.rule,
            ': ',
            el('span', { class: 'bt-count' }, String(rule.count)),
          ),
          rule.needsHistory
            ? el(
                'p',
                { class: 'help' },
                'change/correlation condition: needs each listing’s history, not backtested here',
              )
            : null,
          rule.examples.length
            ? el('ol', { class: 'bt-examples' }, ...rule.examples.map(exampleItem))
            : el('p', { class: 'help' }, 'no hits'),
          rule.count > rule.examples.length
            ? el('p', { class: 'help' }, `… and ${rule.count - rule.examples.length} more`)
            : null,
        ),
      ),
    );
  } catch (e) {
    btResult.replaceChildren(el('p', { id: 'bt-summary', class: 'error' }, `Backtest failed: ${e.message}`));
    if (e.data?.problems) showProblems(e.data.problems);
  } finally {
    btButton.disabled = false;
    btButton.textContent = 'Backtest';
  }
});

load().catch((e) => toast(e.message, 'error'));
void validate();
