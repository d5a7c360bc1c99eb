// One entity: every value with the record, dataset, file and row it comes
// from; the records merged into it and the evidence for the merge; its
// relations; and links to the graph and to a case.

import {
  $, api, chips, documentLink, el, entityHref, entityLink, fill, fmtPct, fmtTime, getScope, graphHref,
  hasScope, onScopeChange, propLabel, scopeParams, snippetNodes, start, toast,
} from './api.js';
import { explanationTable } from './explain.js';
import { boot, myCases } from './shell.js';

const requestedId = document.body.dataset.entityId || '';
let entity = null;

function sortProps(names) {
  const first = ['name', 'alias', 'previousName', 'weakAlias'];
  return [...names].sort((a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a.localeCompare(b);
  });
}

// A masked personal detail: a button that asks for the reason, then shows the
// value (the reveal is recorded, with the reason, before the value comes back).
function maskedCell(prop, item) {
  const cell = el('td', { className: 'value masked' });
  const ask = el('button', { type: 'button', className: 'link', text: 'masked · reveal', title: 'Show this value (recorded with your reason)' });
  ask.addEventListener('click', () => {
    const reason = el('input', { type: 'text', placeholder: 'why you need it', maxLength: 1000, 'aria-label': 'Reason' });
    const form = el('form', { className: 'reveal' }, reason, el('button', { type: 'submit', text: 'Show' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      try {
        const shown = await api(`/entities/${encodeURIComponent(entity.id)}/reveal`, {
          method: 'POST',
          json: { property: prop, ref: item.ref, reason: reason.value, ...scopeParams() },
        });
        fill(cell, el('span', { text: shown.value, title: `revealed: ${reason.value}` }));
      } catch {
        // shown by the wrapper
      }
    });
    fill(cell, form);
    reason.focus();
  });
  fill(cell, ask);
  return cell;
}

function renderProperties(data) {
  const merged = (data.members || []).length > 1;
  const rows = [];
  const props = data.properties || {};
  for (const prop of sortProps(Object.keys(props))) {
    const values = props[prop] || [];
    values.forEach((v, i) => {
      const item = typeof v === 'object' && v !== null ? v : { value: v };
      rows.push(el('tr', { className: i === 0 ? 'group-start' : '' },
        el('td', { className: 'prop', title: prop, text: i === 0 ? propLabel(prop) : '' }),
        item.masked ? maskedCell(prop, item) : el('td', { className: 'value', text: item.value }),
        el('td', {}, item.dataset ? el('span', { className: 'chip', text: item.dataset }) : ''),
        el('td', { className: 'source', title: item.source || '', text: item.source || '' }),
        el('td', { className: 'num', text: item.source_line ?? item.line ?? '' }),
        el('td', { className: 'mono small', title: item.entity_id || '', text: merged ? (item.entity_id || '') : '' })));
    });
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 6, className: 'empty', text: 'No properties.' })));
  fill($('properties'), rows);
}

function renderMembers(data) {
  const members = data.members || [];
  $('members-panel').hidden = members.length < 2;
  $('members-count').textContent = `${members.length} source records`;
  fill($('members'), members.map((id) => el('li', { className: 'mono', text: id })));
}

function renderRelations(data) {
  const relations = [...(data.relations || [])].sort((a, b) =>
    String(a.edge_type).localeCompare(String(b.edge_type))
    || String(a.other?.caption).localeCompare(String(b.other?.caption)));
  $('relations-count').textContent = relations.length ? String(relations.length) : '';
  const rows = relations.map((r) => {
    const edge = r.edge || {};
    const arrow = r.direction === 'in' ? '←' : '→';
    return el('tr', {},
      el('td', {}, el('span', { className: 'badge', text: r.edge_type || edge.type || '' }),
        edge.label ? el('span', { className: 'muted small', text: ` ${edge.label}` }) : null),
      el('td', { className: 'arrow', title: r.direction === 'in' ? 'to this entity' : 'from this entity', text: arrow }),
      el('td', {}, entityLink(r.other?.id, r.other?.caption),
        r.other?.schema ? el('span', { className: 'muted small', text: ` ${r.other.schema}` }) : null),
      el('td', { className: 'num', text: fmtPct(edge.percentage) }),
      el('td', { text: edge.start_date || '' }),
      el('td', { text: edge.end_date || '' }),
      el('td', { className: 'chips' }, chips(edge.datasets)));
  });
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 7, className: 'empty', text: 'No relations.' })));
  fill($('relations'), rows);
}

// The documents whose text names this entity, each with the page and the
// passage around the name.
function renderMentionedIn(data) {
  const rows = data.mentioned_in || [];
  $('mentioned-count').textContent = rows.length ? String(rows.length) : '';
  fill($('mentioned-in'), rows.length === 0
    ? el('li', { className: 'empty', text: 'No document names it.' })
    : rows.map((m) => el('li', { testid: 'mentioned-in-item' },
      documentLink(m.document.id, m.document.file_name || m.document.caption, { testid: 'mentioned-in-link' }),
      el('span', { className: 'muted small', text: m.page ? ` page ${m.page}` : '' }),
      el('p', { className: 'snippet' }, snippetNodes(m.snippet)))));
}

function renderMerge(data) {
  const merge = data.merge;
  $('merge-panel').hidden = !merge;
  if (!merge) return;
  const evidence = merge.evidence || [];
  fill($('merge-evidence'), evidence.length === 0
    ? el('p', { className: 'muted', text: 'Merged by judgement, with no scored pair on record.' })
    : evidence.map((pair) => el('div', { className: 'pair-evidence' },
      el('p', {},
        el('span', { className: 'mono', text: pair.left_id }), ' ~ ', el('span', { className: 'mono', text: pair.right_id }),
        el('span', { className: 'muted', text: `  match probability ${Number(pair.probability).toFixed(3)}` })),
      explanationTable(pair))));
  const judgements = merge.judgements || [];
  fill($('judgements'), judgements.length === 0
    ? el('tr', {}, el('td', { colspan: 5, className: 'empty', text: 'No judgements.' }))
    : judgements.map((j) => el('tr', {},
      el('td', {}, el('span', { className: `badge judgement-${j.judgement}`, text: j.judgement })),
      el('td', { className: 'mono small', text: j.left_id }),
      el('td', { className: 'mono small', text: j.right_id }),
      el('td', { text: j.user || '' }),
      el('td', { text: fmtTime(j.created_at) }))));
}

function renderCasePicker() {
  const select = $('add-case-select');
  const cases = myCases();
  const current = getScope().case;
  fill(select, cases.length === 0
    ? el('option', { value: '', text: 'no cases yet' })
    : cases.map((c) => el('option', { value: c.id, text: c.title ?? c.name ?? c.id })));
  if (current && cases.some((c) => c.id === current)) select.value = current;
  $('add-to-case').querySelector('button').disabled = cases.length === 0;
}

function render(data) {
  entity = data;
  document.title = `${data.caption} · Threadline`;
  $('entity-caption').textContent = data.caption;
  $('entity-schema').textContent = data.schema;
  $('entity-id').textContent = data.id;
  fill($('entity-datasets'), chips(data.datasets));
  $('open-graph').href = graphHref(data.id);
  renderProperties(data);
  renderMembers(data);
  renderRelations(data);
  renderMentionedIn(data);
  renderMerge(data);
  renderCasePicker();
  $('entity').hidden = false;
  // A member id opens its merged entity: show the canonical URL.
  if (data.id !== requestedId) window.history.replaceState(null, '', entityHref(data.id));
}

async function load() {
  const needed = !hasScope();
  $('scope-needed').hidden = !needed;
  if (needed) return;
  try {
    render(await api('/entities/' + encodeURIComponent(requestedId), { params: scopeParams() }));
  } catch {
    // shown by the wrapper
  }
}

async function main() {
  await boot();
  $('add-to-case').addEventListener('submit', async (event) => {
    event.preventDefault();
    const caseId = $('add-case-select').value;
    if (!entity || !caseId) return;
    try {
      await api(`/cases/${encodeURIComponent(caseId)}/entities`, { method: 'POST', json: { entity_id: entity.id } });
    } catch {
      return; // shown by the wrapper
    }
    const title = $('add-case-select').selectedOptions[0]?.textContent || caseId;
    toast(`Added ${entity.caption} to ${title}.`, 'ok');
  });
  onScopeChange(() => {
    // The first view waits for a case or purpose; later changes only move
    // the case picker (a view is audited once, with what it was opened for).
    if (!entity) load();
    else renderCasePicker();
  });
  await load();
}

start(main);
