// Load a file from the browser: a dataset name, a mapping (quick
// "property = column" rows, an FtM mapping YAML, none for FtM entity
// files, or documents: PDFs, scans, e-mail, archives), a preview of the
// columns, first rows and mapped entities with any errors (or a document's
// type), and then the load itself.

import { $, api, chips, el, fill, start, toast } from './api.js';
import { boot } from './shell.js';

const PROPS = [
  'name', 'alias', 'firstName', 'lastName', 'birthDate', 'birthPlace', 'nationality', 'gender',
  'country', 'jurisdiction', 'address', 'email', 'phone', 'website', 'idNumber', 'passportNumber',
  'registrationNumber', 'taxNumber', 'vatCode', 'innCode', 'ogrnCode', 'leiCode', 'swiftBic',
  'incorporationDate', 'dissolutionDate', 'legalForm', 'status', 'sector', 'notes', 'sourceUrl',
  'topics', 'imoNumber', 'mmsi', 'flag', 'owner', 'asset', 'percentage', 'shareValue',
  'director', 'organization', 'member', 'role', 'startDate', 'endDate', 'summary',
];

function mode() {
  return document.querySelector('input[name="mode"]:checked')?.value || 'quick';
}

function showMode() {
  $('quick-mapping').hidden = mode() !== 'quick';
  $('yaml-mapping').hidden = mode() !== 'yaml';
}

function addMapRow(prop = '', column = '') {
  const row = el('tr', { className: 'map-row' },
    el('td', {}, el('input', { className: 'map-prop', list: 'prop-options', value: prop, placeholder: 'property', testid: 'map-prop', 'aria-label': 'Property' })),
    el('td', {}, el('input', { className: 'map-column', list: 'column-options', value: column, placeholder: 'column', testid: 'map-column', 'aria-label': 'Column' })),
    el('td', {}, el('button', { type: 'button', className: 'btn-link danger', text: 'remove', 'aria-label': 'Remove this property' })));
  row.querySelector('button').addEventListener('click', () => row.remove());
  $('map-rows').append(row);
}

function setColumns(columns) {
  fill($('column-options'), (columns || []).map((c) => el('option', { value: c })));
}

/** Column names from the first line of a CSV or TSV, before any upload. */
async function sniffColumns(file) {
  if (!file || !/\.(csv|tsv|txt)$/i.test(file.name)) return;
  const text = await file.slice(0, 65536).text();
  const line = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] || '';
  const counts = { '\t': 0, ';': 0, ',': 0 };
  for (const ch of line) if (ch in counts) counts[ch] += 1;
  const sep = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
  const columns = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i += 1; } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) { columns.push(cell.trim()); cell = ''; } else cell += ch;
  }
  columns.push(cell.trim());
  setColumns(columns.filter(Boolean));
}

function buildForm() {
  const form = $('ingest-form');
  if (!form.reportValidity()) return null;
  const data = new FormData();
  data.append('file', $('ingest-file').files[0]);
  data.append('dataset', $('ingest-dataset').value.trim());
  if (mode() === 'quick') {
    const schema = $('ingest-schema').value.trim();
    if (schema) data.append('schema', schema);
    for (const key of $('ingest-key').value.split(',').map((k) => k.trim()).filter(Boolean)) data.append('key', key);
    for (const row of document.querySelectorAll('#map-rows .map-row')) {
      const prop = row.querySelector('.map-prop').value.trim();
      const column = row.querySelector('.map-column').value.trim();
      if (prop && column) data.append('map', `${prop}=${column}`);
    }
  } else if (mode() === 'yaml') {
    const yaml = $('ingest-yaml').value;
    if (!yaml.trim()) {
      toast('Paste a mapping YAML, or choose another mapping option.', 'error');
      return null;
    }
    data.append('mapping', yaml);
  } else if (mode() === 'documents') {
    data.append('kind', 'documents');
  }
  return data;
}

function cellText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function errorText(error) {
  if (typeof error === 'string') return error;
  const where = [error.path ?? error.file, error.line ? `line ${error.line}` : null, error.column ? `column ${error.column}` : null]
    .filter(Boolean).join(', ');
  const what = error.message ?? error.error ?? JSON.stringify(error);
  return where ? `${where}: ${what}` : what;
}

function renderDocumentPreview(data) {
  fill($('preview-columns'), chips([`document: ${data.mime_type}`, `${Number(data.size).toLocaleString()} bytes`]));
  fill($('preview-rows-head'));
  fill($('preview-rows'));
  fill($('preview-entities'), el('tr', {}, el('td', { colspan: 3, className: 'empty', text: 'Read as a document on Load: its text, pages and members, each file in a sandbox.' })));
  fill($('preview-errors'), el('li', { className: 'ok-text', text: 'Nothing to check before loading.' }));
  $('preview').hidden = false;
  $('ingest-hint').hidden = true;
}

function renderPreview(data) {
  if (data.kind === 'documents') {
    renderDocumentPreview(data);
    return;
  }
  const columns = data.columns || [];
  setColumns(columns);
  fill($('preview-columns'), chips(columns));
  const rows = data.rows || [];
  const head = columns.length ? columns : (rows[0] && !Array.isArray(rows[0]) ? Object.keys(rows[0]) : []);
  fill($('preview-rows-head'), el('tr', {}, head.map((c) => el('th', { text: c }))));
  fill($('preview-rows'), rows.map((row) => el('tr', {},
    (Array.isArray(row) ? row : head.map((c) => row[c])).map((v) => el('td', { text: cellText(v) })))));
  const entities = data.entities || [];
  fill($('preview-entities'), entities.length === 0
    ? el('tr', {}, el('td', { colspan: 3, className: 'empty', text: 'No entities mapped from these rows.' }))
    : entities.map((e) => el('tr', {},
      el('td', {}, el('span', { className: 'badge badge-schema', text: e.schema })),
      el('td', { className: 'mono small', title: e.id, text: e.id }),
      el('td', {}, Object.entries(e.properties || {}).map(([prop, values]) => el('div', {},
        el('span', { className: 'muted', text: `${prop}: ` }),
        (Array.isArray(values) ? values : [values]).map(cellText).join('; ')))))));
  const errors = data.errors || [];
  fill($('preview-errors'), errors.length === 0
    ? el('li', { className: 'ok-text', text: 'No errors in the previewed rows.' })
    : errors.map((e) => el('li', { className: 'error-text', text: errorText(e) })));
  $('preview').hidden = false;
  $('ingest-hint').hidden = true;
}

function renderReport(report) {
  const failed = report.failed || [];
  const items = Object.entries(report || {}).filter(([, v]) => v === null || typeof v !== 'object');
  fill($('ingest-result'),
    el('h2', { text: 'Loaded' }),
    el('dl', { className: 'kv' }, items.flatMap(([k, v]) => [el('dt', { text: k.replace(/_/g, ' ') }), el('dd', { text: cellText(v) })])),
    failed.length === 0 ? null : el('div', {},
      el('h3', { text: `Files that failed (${failed.length}; stored with the reason, retried when sent again)` }),
      el('ul', { className: 'errors', testid: 'ingest-failed' },
        failed.map((f) => el('li', { className: 'error-text', text: `${f.source}: ${f.stage}: ${f.reason}` })))));
  $('ingest-result').hidden = false;
  $('ingest-hint').hidden = true;
}

async function send(path, button) {
  const form = buildForm();
  if (!form) return null;
  button.disabled = true;
  document.body.classList.add('busy');
  try {
    return await api(path, { method: 'POST', form });
  } catch {
    return null;
  } finally {
    button.disabled = false;
    document.body.classList.remove('busy');
  }
}

async function main() {
  await boot();
  fill($('prop-options'), PROPS.map((p) => el('option', { value: p })));
  addMapRow('name', '');
  addMapRow();
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', showMode);
  showMode();
  $('map-add').addEventListener('click', () => addMapRow());
  $('ingest-file').addEventListener('change', () => sniffColumns($('ingest-file').files[0]).catch(() => {}));
  $('ingest-preview').addEventListener('click', async () => {
    const data = await send('/ingest/preview', $('ingest-preview'));
    if (data) renderPreview(data);
  });
  $('ingest-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const report = await send('/ingest', $('ingest-load'));
    if (report) {
      renderReport(report);
      const what = report.kind === 'documents'
        ? `${Number(report.processed ?? 0).toLocaleString()} files`
        : `${Number(report.entities ?? 0).toLocaleString()} entities`;
      toast(`Loaded ${what} into ${$('ingest-dataset').value.trim()}.`, 'ok');
    }
  });
}

start(main);
