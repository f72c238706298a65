// reembed dashboard: plain fetch() against the JSON API. The API key (when the service asks for
// one) lives in sessionStorage and goes in the Authorization header, never in a URL; that is also
// why the event stream is read with fetch() rather than EventSource, which cannot send headers.
'use strict';

const KEY_STORAGE = 'reembed.apiKey';
const POLL_MS = 2000;
const LIST_MS = 5000;
const HISTORY_MS = 5000;
const ACTIVE = ['QUEUED', 'RUNNING', 'PAUSED'];

const $ = (id) => document.getElementById(id);
/** ?tenant=<schema>: this page is that tenant's store (its calls go under /api/tenants/<schema>/). */
const TENANT = new URLSearchParams(location.search).get('tenant');
const STORE_PATH = /^\/api\/(migration(?!\/online)|backfills|verification|questions)(\/|\?|$)/;

/** A store call of this page: the tenant's when the page is a tenant's, else the service's own. */
function storePath(path) {
  return TENANT && STORE_PATH.test(path) ? '/api/tenants/' + encodeURIComponent(TENANT) + path.substring(4) : path;
}
const state = { role: 'operator', run: null, migration: null, watching: null, etag: null, failedShown: -1, busy: false,
  history: { runId: null, at: 0, loading: false } };

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

/** fetch() that throws an Error carrying the problem's detail. */
async function api(method, path, body, extra) {
  const opts = { method, headers: headers(extra) };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(storePath(path), opts);
  if (res.status === 304) return { status: 304 };
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const err = new Error((json && (json.detail || json.title)) || (res.status + ' ' + res.statusText));
    err.status = res.status;
    throw err;
  }
  return { status: res.status, json, etag: res.headers.get('ETag') };
}

function say(text, info) {
  const m = $('message');
  m.textContent = text;
  m.className = info ? 'info' : '';
  m.hidden = !text;
}

const fmt = {
  int: (n) => (n == null ? '–' : Number(n).toLocaleString('en')),
  rate: (n) => (n == null ? '–' : Number(n).toFixed(1)),
  eta: (s) => {
    if (s == null) return '–';
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h ? h + 'h ' + m + 'm' : m ? m + 'm ' + sec + 's' : sec + 's';
  },
  cost: (c) => (c == null ? '–' : '$' + Number(c).toFixed(4)),
  time: (t) => (t ? new Date(t).toLocaleString() : '–'),
};

// --- roles ---------------------------------------------------------------------------------------
async function loadRole() {
  try {
    const me = await api('GET', '/api/me');
    state.role = me.json.role;
    $('role').textContent = 'Signed in as ' + me.json.role + (me.json.keyPrefix ? ' (' + me.json.keyPrefix + '…)' : '');
  } catch (e) {
    if (e.status === 404) { // the service has no access control yet: everyone may act
      state.role = 'operator';
      $('role').textContent = '';
    } else if (e.status === 401) {
      state.role = 'viewer';
      $('role').textContent = 'Enter an API key to see and act';
    } else {
      $('role').textContent = '';
    }
  }
  applyRole();
}

function applyRole() {
  const viewer = state.role !== 'operator';
  document.querySelectorAll('.op-form').forEach((el) => { el.hidden = viewer; });
  renderButtons();
}

// --- the current run ------------------------------------------------------------------------------
function renderRun(run) {
  state.run = run;
  $('no-run').hidden = !!run;
  $('run').hidden = !run;
  if (!run) { $('history').hidden = true; renderButtons(); return; }
  $('run-id').textContent = '#' + run.id;
  $('run-status').textContent = run.status;
  const bar = $('run-progress');
  bar.value = run.percent || 0;
  bar.setAttribute('aria-valuetext', fmt.int(run.processed) + ' of ' + fmt.int(run.total) + ' rows');
  $('run-counts').textContent = fmt.int(run.processed) + ' / ' + fmt.int(run.total);
  $('run-percent').textContent = Number(run.percent || 0).toFixed(1);
  $('run-rate').textContent = fmt.rate(run.rowsPerSecond);
  $('run-eta').textContent = ACTIVE.includes(run.status) ? fmt.eta(run.etaSeconds) : '–';
  $('run-tokens').textContent = fmt.int(run.inputTokens);
  $('run-cost').textContent = fmt.cost(run.estimatedCostUsd);
  $('run-succeeded').textContent = fmt.int(run.succeeded);
  $('run-failed').textContent = fmt.int(run.failed);
  $('run-model').textContent = run.model + ' · ' + run.dimensions + ' d';
  $('run-price').textContent = run.pricePerMillionTokens == null ? '–'
    : (run.provider ? run.provider + ' · ' : '') + '$' + Number(run.pricePerMillionTokens) + ' / 1M tokens';
  $('run-started').textContent = fmt.time(run.startedAt);
  $('run-index').textContent = indexText(run.searchIndex);
  $('run-last-error').hidden = !run.lastError;
  $('run-last-error').textContent = run.lastError ? 'Last error: ' + run.lastError : '';
  $('failure-count').textContent = fmt.int(run.failed);
  renderButtons();
  if (run.failed !== state.failedShown) loadFailures(run);
  loadHistory(run, false);
}

// --- the run's history chart ------------------------------------------------------------------------
/** Every HISTORY_MS while the run is active, and for a little while after it ended (other replicas flush every 2 s). */
async function loadHistory(run, force) {
  const h = state.history, now = Date.now();
  const ended = run.finishedAt ? Date.parse(run.finishedAt) : null;
  const due = h.runId !== run.id || (now - h.at >= HISTORY_MS && (ended == null || h.at < ended + 10000));
  if (h.loading || !(force || due)) return;
  h.loading = true;
  h.runId = run.id;
  h.at = now;
  try {
    const minutes = (await api('GET', '/api/backfills/' + run.id + '/history')).json;
    if (state.run && state.run.id === run.id) {
      const summary = drawHistory($('history-chart'), state.run, minutes);
      $('history-summary').textContent = summary || '';
      $('history').hidden = !summary;
    }
  } catch (e) { say('Could not load the history of run ' + run.id + ': ' + e.message); } finally { h.loading = false; }
}

// The HNSW index a large run drops and rebuilds (docs/backfill.md): ops need to know searches are slow meanwhile.
function indexText(idx) {
  if (!idx) return '–';
  switch (idx.state) {
    case 'KEPT': return 'kept';
    case 'DROPPED': return 'dropped for the run: searches are exact scans until it is rebuilt';
    case 'BUILDING': return 'building since ' + fmt.time(idx.buildStartedAt);
    case 'BUILT': return 'rebuilt' + (idx.buildSeconds != null ? ' in ' + Number(idx.buildSeconds).toFixed(1) + ' s' : '');
    default: return idx.state;
  }
}

function renderButtons() {
  const run = state.run, op = state.role === 'operator';
  const show = (id, visible, enabled) => { $(id).hidden = !op || !visible; $(id).disabled = !enabled || state.busy; };
  show('pause', true, run && ['QUEUED', 'RUNNING'].includes(run.status));
  show('resume', true, run && run.status === 'PAUSED');
  show('cancel', true, run && ACTIVE.includes(run.status));
  show('retry', run && run.failed > 0, run && run.failed > 0 && run.status !== 'CANCELLED');
  // apply only with something pending, rollback only with a backup to restore from
  show('apply', true, state.migration && state.migration.pending && state.migration.pending.length > 0);
  show('rollback', true, state.migration && state.migration.backup && state.migration.backup.present);
  document.querySelectorAll('#start-form button').forEach((b) => { b.disabled = state.busy || (run && ACTIVE.includes(run.status)); });
  if (typeof renderOnlineButtons === 'function') renderOnlineButtons(); // online-migration.js
}

async function loadFailures(run) {
  state.failedShown = run.failed;
  const table = $('failures'), body = table.querySelector('tbody');
  if (!run.failed) { body.replaceChildren(); table.hidden = true; return; }
  try {
    const page = (await api('GET', '/api/backfills/' + run.id + '/failures?limit=5')).json;
    body.replaceChildren(...page.items.map((f) => row([f.questionId, f.errorCode || '', f.error || '', f.attempts], 2)));
    table.hidden = page.items.length === 0;
  } catch (e) { say('Could not load failures: ' + e.message); }
}

function row(cells, errorCol) {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = document.createElement('td');
    td.textContent = c == null ? '' : String(c);
    if (i === errorCol) td.className = 'error-text';
    tr.appendChild(td);
  });
  return tr;
}

function renderRuns(runs) {
  $('runs').querySelector('tbody').replaceChildren(...runs.slice(0, 10).map((r) =>
    row(['#' + r.id, r.status, fmt.int(r.processed) + ' / ' + fmt.int(r.total), fmt.int(r.failed), r.model, fmt.time(r.createdAt)])));
}

async function loadRuns() {
  try {
    const runs = (await api('GET', '/api/backfills')).json;
    renderRuns(runs);
    const current = runs.find((r) => ACTIVE.includes(r.status)) || runs[0] || null;
    if (!current || !state.run || current.id !== state.run.id || !state.watching) renderRun(current);
    if (current && ACTIVE.includes(current.status)) watch(current.id);
  } catch (e) { say('Could not load runs: ' + e.message); }
}

// --- live: the event stream, else polling with If-None-Match --------------------------------------
// ?live=poll skips the stream (for proxies that buffer event streams, and to test the fallback).
const FORCE_POLL = new URLSearchParams(location.search).get('live') === 'poll';

function watch(id) {
  if (state.watching === id) return;
  state.watching = id;
  state.etag = null;
  (FORCE_POLL ? Promise.reject(new Error('polling asked for')) : stream(id)).catch(() => poll(id));
}

async function stream(id) {
  const res = await fetch(storePath('/api/backfills/' + id + '/events'), { headers: headers({ Accept: 'text/event-stream' }) });
  if (!res.ok || !res.body) throw new Error('no stream');
  $('live').textContent = '(live)';
  const reader = res.body.getReader(), decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data && state.watching === id) {
        const run = JSON.parse(data);
        renderRun(run);
        // The stream closes a tick after the last event: act on the end now, not then.
        if (!ACTIVE.includes(run.status)) { reader.cancel().catch(() => {}); finished(id); return; }
      }
    }
  }
  if (state.watching !== id) return;
  if (state.run && ACTIVE.includes(state.run.status)) throw new Error('stream ended early');
  finished(id);
}

async function poll(id) {
  $('live').textContent = '(polling every 2 s)';
  while (state.watching === id) {
    try {
      const r = await api('GET', '/api/backfills/' + id, undefined, state.etag ? { 'If-None-Match': state.etag } : {});
      if (r.status !== 304) { state.etag = r.etag; renderRun(r.json); }
      if (!ACTIVE.includes(state.run.status)) { finished(id); return; }
    } catch (e) { say('Could not refresh run ' + id + ': ' + e.message); }
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
}

function finished(id) {
  if (state.watching === id) state.watching = null;
  $('live').textContent = '';
  state.failedShown = -1;
  loadRuns();
  if (state.run) loadHistory(state.run, true);
  if (state.run && state.run.status === 'COMPLETED') verify();
}

// --- actions ----------------------------------------------------------------------------------------
async function act(label, fn) {
  state.busy = true; renderButtons();
  try { say(''); await fn(); } catch (e) { say(label + ' failed: ' + e.message); } finally { state.busy = false; renderButtons(); }
}

function control(verb) {
  return () => act(verb, async () => {
    const id = state.run.id;
    renderRun((await api('POST', '/api/backfills/' + id + '/' + verb)).json);
    state.etag = null;
    if (ACTIVE.includes(state.run.status)) { if (state.watching !== id) watch(id); } else finished(id);
  });
}

function confirmDialog(text) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

async function loadMigration() {
  try {
    const m = (await api('GET', '/api/migration')).json;
    state.migration = m;
    renderButtons();
    $('mig-version').textContent = m.currentVersion || '–';
    $('mig-column').textContent = m.column ? m.column.type : '–';
    $('mig-backup').textContent = m.backup && m.backup.present ? m.backup.table + ': ' + fmt.int(m.backup.rows) + ' rows' : 'none';
    const items = (m.pending || []).map((p) => { const li = document.createElement('li'); li.textContent = p.version + ' ' + p.description; return li; });
    if (!items.length) { const li = document.createElement('li'); li.textContent = 'none'; items.push(li); }
    $('mig-pending').replaceChildren(...items);
  } catch (e) { say('Could not load the migration state: ' + e.message); }
}

function renderChecks(list, checks) {
  list.replaceChildren(...(checks || []).map((c) => {
    const li = document.createElement('li');
    const s = document.createElement('strong');
    s.className = c.status; s.textContent = c.status;
    li.append(s, ' ' + c.name + (c.detail ? ': ' + c.detail : ''));
    return li;
  }));
}

async function preflight() {
  await act('Pre-flight', async () => {
    const p = (await api('GET', '/api/migration/preflight')).json;
    $('preflight-result').hidden = false;
    $('preflight-ready').textContent = p.ready ? 'ready' : 'not ready';
    renderChecks($('preflight-checks'), p.checks);
  });
}

// Not through act(): a verification (also started on its own after a run) must not block the controls.
async function verify() {
  if ($('verify').disabled) return;
  $('verify').disabled = true;
  $('ver-status').textContent = 'running…';
  $('ver-status').className = '';
  try {
    const v = (await api('GET', '/api/verification?sample=20')).json;
    $('ver-status').textContent = v.status;
    $('ver-status').className = v.status;
    $('ver-model').textContent = v.model ? v.model + ' · ' + v.dimensions + ' d · sample ' + v.sample : '';
    renderChecks($('ver-checks'), v.checks);
  } catch (e) {
    $('ver-status').textContent = 'not run';
    say('Verification failed: ' + e.message);
  } finally {
    $('verify').disabled = false;
  }
}

function bind() {
  $('api-key').value = sessionStorage.getItem(KEY_STORAGE) || '';
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
    say('');
    refreshAll();
  });
  $('pause').addEventListener('click', control('pause'));
  $('resume').addEventListener('click', control('resume'));
  $('cancel').addEventListener('click', async () => {
    if (await confirmDialog('Cancel run #' + state.run.id + '? Rows already embedded stay; the rest are left for a new run.')) control('cancel')();
  });
  $('retry').addEventListener('click', () => act('Retry', async () => {
    const run = (await api('POST', '/api/backfills/' + state.run.id + '/failures/retry')).json;
    state.failedShown = -1;
    renderRun(run);
    watch(run.id);
    loadRuns();
  }));
  $('start-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('Start', async () => {
      const run = (await api('POST', '/api/backfills', {
        scope: $('start-scope').value,
        batchSize: Number($('start-batch').value),
        concurrency: Number($('start-concurrency').value),
      })).json;
      state.failedShown = -1;
      renderRun(run);
      watch(run.id);
      loadRuns();
    });
  });
  $('preflight').addEventListener('click', preflight);
  $('apply').addEventListener('click', async () => {
    if (!(await confirmDialog('Apply the schema change? The old vectors are backed up, the column changes to the target dimension and every question needs a backfill.'))) return;
    act('Apply', async () => {
      const r = (await api('POST', '/api/migration/apply')).json;
      say('Applied: schema version ' + r.currentVersion + ', ' + fmt.int(r.summary.needingBackfill) + ' questions need a backfill.', true);
      loadMigration();
    });
  });
  $('rollback').addEventListener('click', async () => {
    if (!(await confirmDialog('Roll back the schema change? The column goes back to vector(768) and the old vectors are restored from the backup; new vectors are lost.'))) return;
    act('Rollback', async () => {
      const r = (await api('POST', '/api/migration/rollback')).json;
      say('Rolled back: ' + fmt.int(r.restoredEmbeddings) + ' vectors restored, column ' + r.column.dimensions + ' d.', true);
      loadMigration();
    });
  });
  $('verify').addEventListener('click', verify);
}

async function refreshAll() {
  await loadRole();
  await Promise.all([loadRuns(), loadMigration()]);
  // after a finished run the verification report is what a person wants to see next
  if (state.run && state.run.status === 'COMPLETED' && !state.watching) verify();
}

bind();
refreshAll();
// New runs can be started elsewhere (a script, another operator): look for them while idle.
setInterval(() => { if (!state.watching) loadRuns(); }, LIST_MS);
