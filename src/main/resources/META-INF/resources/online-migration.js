// The online migration panel (GET/POST /api/migration/online, docs/api.md "Online migration"), loaded
// after dashboard.js and using its helpers: $, api (the key header, problem+json detail as the error),
// say, act (busy state, the refused action's detail), confirmDialog, fmt and state.role. Server text
// goes into the page through textContent only. Defines renderOnlineButtons(), which renderButtons() calls.
'use strict';

const PHASES = ['PREPARED', 'BACKFILLING', 'INDEXING', 'READY', 'CUT_OVER', 'FINALIZED'];
const OPEN_PHASES = ['PREPARED', 'BACKFILLING', 'INDEXING', 'READY', 'CUT_OVER'];
// seq: bumped by every render, so that a poll answered after an action's response does not undo it
const om = { view: null, loaded: false, visible: true, loading: false, seq: 0 };

const sideText = (s) => (s ? s.model + ' · ' + s.dimensions + ' d · ' + s.type.toLowerCase() : '–');
const isOpen = (m) => !!m && OPEN_PHASES.includes(m.phase);

function renderOnline(m) {
  const before = om.view;
  om.seq++;
  om.view = m;
  om.loaded = true;
  $('om-none').hidden = !!m;
  $('om').hidden = !m;
  if (m) {
    $('om-id').textContent = '#' + m.id;
    $('om-phase').textContent = m.phase;
    $('om-closing').textContent = m.closing === 'ROLLBACK' ? '(rolling back: dropping the new column)'
      : m.closing === 'FINALIZE' ? '(finalizing: dropping the previous column)' : '';
    $('om-source').textContent = sideText(m.source);
    $('om-target').textContent = sideText(m.target);
    $('om-live').textContent = m.liveColumn === 'target' ? 'the new column' : 'the current column';
    $('om-run').textContent = m.backfillRunId == null ? '–' : '#' + m.backfillRunId;
    renderSteps(m);
    renderCoverage(m.coverage);
    renderIndex(m.index);
    const c = m.cutover;
    $('om-switch').textContent = !c ? 'none yet' : 'lock held ' + fmt.int(c.lockMs) + ' ms, waited ' + fmt.int(c.lockWaitMs)
      + ' ms for it' + (c.attempts > 1 ? ' (' + c.attempts + ' tries)' : '') + ' · ' + fmt.time(c.at);
    $('om-last-error').hidden = !m.lastError;
    $('om-last-error').textContent = m.lastError ? 'Last error: ' + m.lastError : '';
  } else {
    $('om-id').textContent = '';
  }
  renderOnlineButtons();
  // the Migration figures above (column type, pending V3) follow the swaps
  if (before && m && (before.phase !== m.phase || before.liveColumn !== m.liveColumn)) loadMigration();
}

/** PREPARED → … → FINALIZED, each with the time it was last entered; ROLLED_BACK as the end instead. */
function renderSteps(m) {
  const at = {};
  (m.steps || []).forEach((s) => { at[s.phase] = s; });
  const current = PHASES.indexOf(m.phase);
  const items = PHASES.map((p, i) => {
    const status = m.phase === 'ROLLED_BACK' ? (at[p] ? 'done' : 'skipped') : i < current ? 'done' : i === current ? 'current' : 'todo';
    return stepItem(p, status, at[p]);
  });
  if (m.phase === 'ROLLED_BACK') {
    const firstSkipped = items.findIndex((li) => li.className === 'skipped');
    items.splice(firstSkipped < 0 ? items.length : firstSkipped, 0, stepItem('ROLLED_BACK', 'current end', at.ROLLED_BACK));
  }
  $('om-steps').replaceChildren(...items);
}

function stepItem(phase, status, step) {
  const li = document.createElement('li');
  li.className = status;
  li.dataset.phase = phase;
  if (status.startsWith('current')) li.setAttribute('aria-current', 'step');
  const name = document.createElement('strong');
  name.textContent = phase;
  li.append(name);
  if (step) {
    const when = document.createElement('span');
    when.className = 'muted';
    when.textContent = fmt.time(step.at) + (step.detail ? ' · ' + step.detail : '');
    li.append(' ', when);
  }
  return li;
}

function renderCoverage(c) {
  const bar = $('om-coverage');
  bar.hidden = !c;
  $('om-coverage').labels.forEach((l) => { l.hidden = !c; });
  $('om-coverage-text').hidden = !c;
  if (!c) return;
  bar.value = c.percent;
  bar.setAttribute('aria-valuetext', fmt.int(c.done) + ' of ' + fmt.int(c.total) + ' rows');
  $('om-coverage-text').textContent = fmt.int(c.done) + ' / ' + fmt.int(c.total) + ' rows (' + Number(c.percent).toFixed(1) + '%)';
}

function renderIndex(idx) {
  const bar = $('om-index-progress');
  const progress = idx && idx.progress != null ? idx.progress * 100 : 0;
  bar.value = idx && idx.state === 'BUILT' ? 100 : progress;
  if (!idx) { $('om-index').textContent = '–'; return; }
  switch (idx.state) {
    case 'WAITING': $('om-index').textContent = 'waits for the backfill'; break;
    case 'BUILDING': $('om-index').textContent = 'building ' + progress.toFixed(0) + '%' + (idx.buildPhase ? ' (' + idx.buildPhase + ')' : ''); break;
    case 'BUILT': $('om-index').textContent = 'built' + (idx.buildSeconds != null ? ' in ' + Number(idx.buildSeconds).toFixed(1) + ' s' : ''); break;
    default: $('om-index').textContent = idx.state;
  }
}

function renderOnlineButtons() {
  if (!$('om-cutover')) return;
  const m = om.view, op = state.role === 'operator', open = isOpen(m), idle = open && !m.closing;
  const show = (id, visible, enabled) => { $(id).hidden = !op || !visible; $(id).disabled = !enabled || state.busy; };
  show('om-cutover', open, idle && m.phase === 'READY');
  show('om-rollback', open, idle);
  show('om-finalize', open, idle && m.phase === 'CUT_OVER');
  $('om-rollback').textContent = open && m.phase === 'CUT_OVER' ? 'Swap back…' : 'Roll back…';
  $('om-start-form').hidden = !op || !om.loaded || open;
  $('om-start-form').querySelector('button').disabled = state.busy;
}

async function loadOnline() {
  if (om.loading) return;
  om.loading = true;
  const seq = om.seq;
  try {
    const m = (await api('GET', '/api/migration/online')).json;
    if (seq === om.seq) renderOnline(m);
  } catch (e) {
    if (e.status === 404) { if (seq === om.seq) renderOnline(null); } // none was ever started
    else if (e.status !== 401) say('Could not load the online migration: ' + e.message); // 401: the key line says so
  } finally { om.loading = false; }
}

/** An operator action on the open migration, behind its confirmation; a refusal's detail is shown by act(). */
function onlineAction(verb, label, text) {
  return async () => {
    if (!(await confirmDialog(text(om.view)))) return;
    act(label, async () => { renderOnline((await api('POST', '/api/migration/online/' + verb)).json); });
  };
}

function bindOnline() {
  $('om-start-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { model: $('om-model').value.trim(), dimensions: Number($('om-dimensions').value),
      storage: $('om-storage').value, autoCutover: $('om-auto').checked };
    const storage = body.storage === 'AUTO' ? 'storage chosen by dimension' : body.storage.toLowerCase();
    const text = 'Start an online migration to ' + body.model + ' at ' + body.dimensions + ' d (' + storage + ')? '
      + 'A new column is added and backfilled with that model while searches keep reading the current one; '
      + (body.autoCutover ? 'it cuts over on its own once it is ready and verified.' : 'you cut over when it is ready.');
    if (!(await confirmDialog(text))) return;
    act('Start online migration', async () => { renderOnline((await api('POST', '/api/migration/online', body)).json); });
  });
  $('om-cutover').addEventListener('click', onlineAction('cutover', 'Cut over', (m) => 'Cut over to ' + sideText(m.target)
    + '? Searches switch to the new column in one short transaction; the previous column stays, so you can swap back until you finalize.'));
  $('om-rollback').addEventListener('click', onlineAction('rollback', 'Roll back', (m) => (m.phase === 'CUT_OVER'
    ? 'Swap back to ' + sideText(m.source) + '? Searches return to the previous column in one short transaction; the new column stays, ready for another cutover.'
    : 'Roll back the online migration? Its backfill stops and the new column (' + sideText(m.target)
      + ') is dropped with the vectors written to it so far. Searches are not affected.')));
  $('om-finalize').addEventListener('click', onlineAction('finalize', 'Finalize', (m) => 'Finalize the move to '
    + sideText(m.target) + '? This drops the previous column (' + sideText(m.source) + ') and its index for good: no swap back after this.'));
  $('key-form').addEventListener('submit', () => loadOnline());
  // Poll only while someone can see the panel: the tab in front and the panel on screen.
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => {
      const was = om.visible;
      om.visible = entries[entries.length - 1].isIntersecting;
      if (om.visible && !was) loadOnline();
    }).observe($('online'));
  }
  document.addEventListener('visibilitychange', () => { if (!document.hidden && om.visible) loadOnline(); });
  setInterval(() => { if (!document.hidden && om.visible) loadOnline(); }, POLL_MS);
}

// The online migration is the service's own store's only (docs/tenants.md): no panel on a tenant's page.
if (TENANT) {
  $('online').hidden = true;
} else {
  bindOnline();
  loadOnline();
}
