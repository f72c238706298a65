// The tenant overview (GET /api/tenants, docs/tenants.md): one row per company, each linking to the
// same page for that tenant's store (?tenant=<schema>). Hidden where tenancy is off (404).
'use strict';

const TENANTS_MS = 5000;

function tenantCell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text == null ? '–' : text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function renderTenants(list) {
  const body = $('tenant-rows');
  body.replaceChildren();
  for (const t of list) {
    const row = document.createElement('tr');
    row.dataset.schema = t.schema;
    const name = document.createElement('td');
    if (t.problem) {
      name.textContent = t.schema;
    } else {
      const link = document.createElement('a');
      link.href = '?tenant=' + encodeURIComponent(t.schema);
      link.textContent = t.schema;
      name.appendChild(link);
    }
    row.appendChild(name);
    tenantCell(row, t.companyName);
    tenantCell(row, t.target ? t.target.model + ' @' + t.target.dimensions : null);
    tenantCell(row, t.migration ? t.migration.currentVersion : null);
    tenantCell(row, t.migration ? t.migration.column : null);
    tenantCell(row, t.lastRun ? t.lastRun.status + ' ' + Number(t.lastRun.percent).toFixed(1) + ' %' : null, 'tenant-run');
    tenantCell(row, t.problem, t.problem ? 'problem' : '');
    body.appendChild(row);
  }
  $('tenant-count').textContent = list.length + (list.length === 1 ? ' tenant' : ' tenants');
}

async function loadTenants() {
  if (TENANT) return; // a tenant's page is that store only
  try {
    renderTenants((await api('GET', '/api/tenants')).json);
    $('tenants').hidden = false;
  } catch (e) {
    $('tenants').hidden = true; // tenancy off (404), or this key cannot list them
  }
}

function bindTenants() {
  if (TENANT) {
    $('store').hidden = false;
    $('store-name').textContent = TENANT;
    document.title = 'reembed: ' + TENANT;
  }
  $('key-form').addEventListener('submit', () => loadTenants());
  if (TENANT) return;
  setInterval(() => { if (!document.hidden) loadTenants(); }, TENANTS_MS);
}

bindTenants();
loadTenants();
