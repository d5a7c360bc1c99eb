// Search: a query, facets (type, dataset, country) and a results table.
// The query and the chosen facets live in the URL, so a search can be
// bookmarked, shared within a case, and restored with the back button.

import {
  $, api, chips, documentLink, el, entityLink, fill, hasScope, onScopeChange, scopeParams,
  snippetNodes, start,
} from './api.js';
import { boot } from './shell.js';

const FACETS = ['schema', 'dataset', 'country'];
const PAGE = 20;
const MAX_LIMIT = 500;

const state = { q: '', schema: '', dataset: '', country: '', limit: PAGE, asked: false };

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  state.q = params.get('q') || '';
  for (const f of FACETS) state[f] = params.get(f) || '';
  state.asked = params.has('q') || FACETS.some((f) => state[f]);
}

function writeUrl() {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const f of FACETS) if (state[f]) params.set(f, state[f]);
  const query = params.toString();
  window.history.replaceState(null, '', query ? `/?${query}` : '/');
}

function facetLabel(facet, value) {
  return facet === 'country' ? value.toUpperCase() : value;
}

function renderFacet(facet, counts) {
  const list = $(`facet-${facet}`);
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // The chosen value stays listed (and can be unticked) even when the API
  // does not count it.
  if (state[facet] && !entries.some(([name]) => name === state[facet])) entries.unshift([state[facet], null]);
  if (entries.length === 0) {
    fill(list, el('li', { className: 'muted small', text: '—' }));
    return;
  }
  fill(list, entries.map(([name, count]) => {
    const box = el('input', {
      type: 'checkbox',
      checked: state[facet] === name,
      dataset: { facet, value: name },
      testid: `facet-${facet}-option`,
    });
    box.addEventListener('change', () => {
      // One value per facet: ticking another replaces it.
      state[facet] = box.checked ? name : '';
      state.limit = PAGE;
      run();
    });
    return el('li', {},
      el('label', { className: 'facet-option', title: name },
        box,
        el('span', { className: 'facet-name', text: facetLabel(facet, name) }),
        count === null ? null : el('span', { className: 'count', text: count.toLocaleString() })));
  }));
}

function showTab(name) {
  for (const tab of ['entities', 'documents']) $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
  $('entity-results').hidden = name !== 'entities';
  $('document-results').hidden = name !== 'documents';
}

// Pages and documents whose text matches: the file, the page and the
// passage, the matches marked; each opens the document with the terms marked.
function renderDocuments(data) {
  const docs = data.documents || [];
  $('tab-documents').textContent = `Documents (${docs.length}${docs.length >= state.limit ? '+' : ''})`;
  $('tab-entities').textContent = `Entities (${(data.results || []).length})`;
  fill($('document-list'), docs.length === 0
    ? el('li', { className: 'empty', text: 'No document text matches.' })
    : docs.map((d) => el('li', { dataset: { documentId: d.id }, testid: 'document-result' },
      documentLink(d.id, d.file_name || d.id, { testid: 'document-link' }, state.q),
      el('span', { className: 'muted small', text: `${d.page ? ` page ${d.page}` : ''} · ${d.schema}` }),
      el('span', { className: 'chips' }, chips(d.datasets)),
      el('p', { className: 'snippet' }, snippetNodes(d.snippet)))));
  // no entity but some documents: show those
  if ((data.results || []).length === 0 && docs.length > 0) showTab('documents');
}

function renderResults(data) {
  renderDocuments(data);
  const rows = (data.results || []).map((r) => el('tr', { dataset: { entityId: r.id } },
    el('td', {}, entityLink(r.id, r.caption, { testid: 'result-link' }),
      (r.members || []).length > 1
        ? el('span', { className: 'muted small merged-count', dataset: { testid: 'merged-count' }, text: ` ${r.members.length} of its records match`, title: 'a resolved entity: several of its source records match the query' })
        : null),
    el('td', {}, el('span', { className: 'badge badge-schema', text: r.schema })),
    el('td', { className: 'chips' }, chips(r.datasets)),
    el('td', {}, (r.countries || []).map((c) => c.toUpperCase()).join(', ')),
    el('td', { className: 'num muted', text: typeof r.score === 'number' ? r.score.toFixed(2) : '' })));
  if (rows.length === 0) {
    rows.push(el('tr', {}, el('td', { colspan: 5, className: 'empty', text: 'No entities match.' })));
  }
  fill($('search-results'), rows);
  // total counts matching source records; the rows are resolved entities,
  // each of which may hold several of them
  const total = Number(data.total ?? (data.results || []).length);
  const shown = (data.results || []).length;
  const what = state.q ? ` for “${state.q}”` : '';
  $('search-summary').textContent = `${total.toLocaleString()} matching record${total === 1 ? '' : 's'}${what}`
    + ` · ${shown.toLocaleString()} ${shown === 1 ? 'entity' : 'entities'} shown`;
  $('search-more').hidden = !(shown >= state.limit && state.limit < MAX_LIMIT);
  for (const f of FACETS) renderFacet(f, data.facets?.[f]);
}

async function run() {
  writeUrl();
  if (!state.q) {
    // the API searches text; facets only narrow a search
    $('search-summary').textContent = 'Type a query to search all datasets.';
    $('search-input').focus();
    return;
  }
  state.asked = true;
  const needed = !hasScope();
  $('scope-needed').hidden = !needed;
  if (needed) {
    document.getElementById('scope-purpose')?.focus();
    return;
  }
  const params = { q: state.q, limit: state.limit, ...scopeParams() };
  for (const f of FACETS) params[f] = state[f];
  document.body.classList.add('busy');
  try {
    renderResults(await api('/search', { params }));
  } catch {
    // the wrapper showed the message
  } finally {
    document.body.classList.remove('busy');
  }
}

async function main() {
  readUrl();
  await boot();
  const input = $('search-input');
  // keep what the analyst typed while the page was starting
  if (state.q || !input.value) input.value = state.q;
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.q = input.value.trim();
    state.limit = PAGE;
    run();
  });
  $('tab-entities').addEventListener('click', () => showTab('entities'));
  $('tab-documents').addEventListener('click', () => showTab('documents'));
  $('search-more').addEventListener('click', () => {
    state.limit = Math.min(MAX_LIMIT, state.limit + 50);
    run();
  });
  onScopeChange(() => {
    if (hasScope()) $('scope-needed').hidden = true;
    if (state.asked && hasScope()) run();
  });
  if (state.asked) run();
  else input.focus();
}

start(main);
