// The trainer page: exercises, each trainee's score, create, start and reset. Text only into the DOM.
import { api, el, fmtTime, toast } from './app.js';

const tbody = document.querySelector('#exercises tbody');
const report = document.getElementById('report');
let selected = Number(new URLSearchParams(location.search).get('exercise')) || null;

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);

export function fmtLeft(seconds, status) {
  if (seconds === null || seconds === undefined) return status === 'created' ? 'not started' : '—';
  if (seconds <= 0) return 'time up';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

async function loadScenarios() {
  const { scenarios } = await api('GET', '/api/scenarios');
  document
    .querySelector('#create-exercise select[name=scenario]')
    .replaceChildren(
      ...scenarios.map((s) =>
        el('option', { value: s.name }, `${s.title} (difficulty ${s.difficulty}, ${s.timeLimitMinutes} min)`),
      ),
    );
}

async function loadList() {
  const { exercises } = await api('GET', '/api/exercises');
  tbody.replaceChildren(
    ...exercises.map((e) =>
      el(
        'tr',
        {
          dataset: { id: e.id },
          class: e.id === selected ? 'current' : null,
          on: { click: () => select(e.id) },
        },
        el('td', {}, e.id),
        el('td', {}, el('a', { href: `/trainer?exercise=${e.id}` }, e.title ?? e.scenario)),
        el('td', {}, e.difficulty ?? '—'),
        el('td', { class: 'status' }, e.status),
        el('td', { class: `run run-${e.launch?.status ?? 'none'}` }, e.launch?.status ?? '—'),
        el('td', { class: 'left' }, fmtLeft(e.timeLeftSeconds, e.status)),
        el('td', {}, e.trainees),
        el('td', {}, e.targets),
        el('td', {}, e.createdBy ?? 'command line'),
        el('td', {}, fmtTime(e.createdAt)),
      ),
    ),
  );
}

function scoreCell(value, mark) {
  const cls = mark === undefined || value === null ? null : value >= mark ? 'pass' : 'fail';
  return el('td', { class: cls }, pct(value));
}

const startButton = document.getElementById('start');
let launchPoll = null;

/** The run started from this page (`darkwatch exercise start` as a child of the server). */
function showLaunch(exerciseId, l) {
  const state = document.getElementById('launch-state');
  const crawls = document.getElementById('launch-crawls');
  const logBox = document.getElementById('launch-log-box');
  state.className = `launch-state ${l ? `launch-${l.status}` : ''}`;
  startButton.disabled = l?.status === 'running';
  startButton.textContent = l && l.status !== 'running' ? 'Start again (recrawl)' : 'Start exercise';
  crawls.hidden = true;
  logBox.hidden = true;
  if (!l) {
    state.textContent =
      'Not started from this page. Start runs the scenario’s range and crawls every epoch into the exercise workspace.';
    return;
  }
  const by = l.requestedBy ? ` by ${l.requestedBy}` : '';
  if (l.status === 'running') {
    state.textContent = `Running since ${fmtTime(l.startedAt)}${by}${l.pid ? ` (pid ${l.pid} on ${l.host})` : ''}…`;
  } else if (l.status === 'finished') {
    state.textContent = `Finished ${fmtTime(l.finishedAt)} (started ${fmtTime(l.startedAt)}${by}).`;
  } else {
    const why = l.signal
      ? `killed by ${l.signal}`
      : l.exitCode !== null
        ? `exit code ${l.exitCode}`
        : l.error;
    state.textContent = `Failed ${fmtTime(l.finishedAt)} (${why})${l.error && l.error !== why ? ` — ${l.error}` : ''}.`;
  }
  if (l.crawls && l.crawls.length) {
    crawls.hidden = false;
    crawls
      .querySelector('tbody')
      .replaceChildren(
        ...l.crawls.map((c) =>
          el(
            'tr',
            {},
            el('td', {}, c.epoch),
            el('td', {}, c.source),
            ...['pages', 'failed', 'listings', 'posts', 'entities', 'alerts'].map((k) =>
              el('td', { class: k }, c.summary?.[k] ?? '—'),
            ),
          ),
        ),
      );
  }
  if (l.logTail) {
    logBox.hidden = false;
    if (l.status === 'failed') logBox.open = true;
    document.getElementById('launch-log').textContent = l.logTail;
    document.getElementById('launch-log-link').href = `/api/exercises/${exerciseId}/log`;
  }
}

// While a run is going, follow it a little faster than the page's quiet refresh.
function followLaunch(running) {
  if (running && !launchPoll)
    launchPoll = setInterval(() => {
      if (document.visibilityState === 'visible')
        Promise.all([loadList(), loadReport()]).catch(() => undefined);
    }, 3000);
  if (!running && launchPoll) {
    clearInterval(launchPoll);
    launchPoll = null;
  }
}

async function loadReport() {
  if (!selected) return;
  const r = await api('GET', `/api/exercises/${selected}`);
  if (r.exercise !== selected) return;
  showLaunch(r.exercise, r.launch);
  followLaunch(r.launch?.status === 'running');
  const label = new Map(r.targets.map((t) => [t.key, t.label]));
  report.hidden = false;
  document.getElementById('report-title').textContent = `Exercise ${r.exercise}: ${r.title}`;
  document.getElementById('report-meta').textContent =
    `${r.scenario} · ${r.status} · time left ${fmtLeft(r.timeLeftSeconds, r.status)} · started ${fmtTime(r.startedAt)} · ` +
    `sites ${r.sites.join(', ')} · workspace ${r.workspaceId}` +
    (r.status === 'created' ? ` · start it with: darkwatch exercise start ${r.exercise}` : '');
  document.getElementById('briefing').textContent = r.briefing;
  document.getElementById('target-count').textContent = r.targets.length;
  document.getElementById('targets').replaceChildren(...r.targets.map((t) => el('li', {}, t.label)));
  const mark = r.scoring ?? {};
  document.querySelector('#scores tbody').replaceChildren(
    ...r.trainees.map((t) =>
      el(
        'tr',
        { dataset: { trainee: t.trainee } },
        el('td', {}, t.trainee),
        el('td', { class: 'escalated' }, t.escalated),
        el('td', { class: 'correct' }, t.correct),
        scoreCell(t.precision, mark.passingPrecision),
        scoreCell(t.recall, mark.passingRecall),
        el(
          'td',
          { class: 'first-hit' },
          t.timeToFirstHitSeconds === null ? '—' : `${t.timeToFirstHitSeconds} s`,
        ),
        el(
          'td',
          { class: 'missed-cell' },
          t.missedTargets.length === 0
            ? 'none'
            : el(
                'details',
                {},
                el('summary', {}, `${t.missedTargets.length} missed`),
                el(
                  'ul',
                  { class: 'missed' },
                  t.missedTargets.map((k) => el('li', {}, label.get(k) ?? k)),
                ),
              ),
        ),
      ),
    ),
  );
  if (r.trainees.length === 0)
    document.querySelector('#scores tbody').append(el('tr', {}, el('td', { colspan: 7 }, 'no trainees')));
}

function select(id) {
  selected = id;
  history.replaceState(null, '', `/trainer?exercise=${id}`);
  for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('current', Number(tr.dataset.id) === id);
  loadReport().catch((e) => toast(e.message, 'error'));
}

const form = document.getElementById('create-exercise');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const r = await api('POST', '/api/exercises', {
      scenario: String(data.get('scenario')),
      trainees: Number(data.get('trainees')),
    });
    document.getElementById('created-id').textContent = r.exercise;
    document.getElementById('created-start').textContent = r.start;
    document
      .querySelector('#logins tbody')
      .replaceChildren(
        ...r.trainees.map((t) =>
          el('tr', {}, el('td', {}, t.username), el('td', { class: 'password' }, t.password)),
        ),
      );
    document.getElementById('created').hidden = false;
    selected = r.exercise;
    history.replaceState(null, '', `/trainer?exercise=${r.exercise}`);
    await loadList();
    await loadReport();
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    button.disabled = false;
  }
});

document
  .getElementById('refresh')
  .addEventListener('click', () =>
    Promise.all([loadList(), loadReport()]).catch((e) => toast(e.message, 'error')),
  );
startButton.addEventListener('click', async () => {
  if (!selected) return;
  startButton.disabled = true;
  try {
    await api('POST', `/api/exercises/${selected}/start`);
    toast(`exercise ${selected} started`);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    await Promise.all([loadList(), loadReport()]).catch((e) => toast(e.message, 'error'));
  }
});
const dialog = document.getElementById('reset-dialog');
document.getElementById('reset').addEventListener('click', () => {
  document.getElementById('reset-id').textContent = selected;
  dialog.showModal();
});
dialog.addEventListener('close', async () => {
  if (dialog.returnValue !== 'reset' || !selected) return;
  try {
    const r = await api('POST', `/api/exercises/${selected}/reset`);
    toast(`reset: ${r.snapshots} snapshots, ${r.listings} listings, ${r.alerts} alerts purged`);
    await Promise.all([loadList(), loadReport()]);
  } catch (e) {
    toast(e.message, 'error');
  }
});

// Scores and time left move while an exercise runs; a quiet refresh keeps the page current.
setInterval(() => {
  if (document.visibilityState === 'visible') Promise.all([loadList(), loadReport()]).catch(() => undefined);
}, 15_000);

Promise.all([loadScenarios(), loadList()])
  .then(() => loadReport())
  .catch((e) => toast(e.message, 'error'));
