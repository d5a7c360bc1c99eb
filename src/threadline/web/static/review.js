// The entity-resolution review queue: one case at a time, a candidate
// against the cluster it may belong to (both as resolved entities), with why
// their strongest pair scored what it did, and a decision (same / not same /
// unsure) by button or key (s / n / u; k skips). "Not same" covers every
// member of the cluster. Bulk rules preview what they would decide first.

import { $, api, chips, el, entityHref, fill, propLabel, scopeParams, start, toast } from './api.js';
import { explanationRows } from './explain.js';
import { boot } from './shell.js';

const BATCH = 20;
let queue = [];
let index = 0;
let remaining = 0;
let judging = false;
// Pairs skipped in this visit: the server still queues them, so a reload
// would show them again at once.
const skipped = new Set();

const pairKey = (pair) => `${leftOf(pair).id}\u0000${rightOf(pair).id}`;

/** The two sides of a case as the API sends them. */
function leftOf(pair) {
  return { ...(pair.candidate_entity || pair.candidate || {}), id: pair.candidate?.id ?? pair.candidate };
}
function rightOf(pair) {
  return { ...(pair.cluster_entity || pair.cluster || {}), id: pair.cluster?.id ?? pair.cluster };
}

function values(record, prop) {
  return (record.properties?.[prop] || []).map((v) => (typeof v === 'object' && v !== null ? v.value : v)).map(String);
}

function norm(value) {
  return value.toLowerCase().replace(/\s+/g, ' ').trim();
}

function compareRow(label, left, right, title) {
  const a = new Set(left.map(norm));
  const shared = right.some((v) => a.has(norm(v)));
  const cls = left.length && right.length ? (shared ? 'agree' : 'differ') : 'one-sided';
  return el('tr', { className: cls },
    el('th', { scope: 'row', title: title || label, text: label }),
    el('td', { text: left.join('; ') }),
    el('td', { text: right.join('; ') }));
}

function renderRecords(left, right) {
  const props = new Set([...Object.keys(left.properties || {}), ...Object.keys(right.properties || {})]);
  const order = ['name', 'alias', 'birthDate', 'nationality', 'country', 'jurisdiction', 'registrationNumber'];
  const sorted = [...props].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a.localeCompare(b);
  });
  const rows = [compareRow('type', [left.schema || ''], [right.schema || ''])];
  for (const prop of sorted) rows.push(compareRow(propLabel(prop), values(left, prop), values(right, prop), prop));
  rows.push(el('tr', { className: 'meta' },
    el('th', { scope: 'row', text: 'datasets' }),
    el('td', { className: 'chips' }, chips(left.datasets)),
    el('td', { className: 'chips' }, chips(right.datasets))));
  rows.push(el('tr', { className: 'meta' },
    el('th', { scope: 'row', text: 'id' }),
    el('td', { className: 'mono small', text: left.id }),
    el('td', { className: 'mono small', text: right.id })));
  fill($('review-records'), rows);
  for (const [node, record] of [[$('left-title'), left], [$('right-title'), right]]) {
    node.textContent = record.caption || record.id;
    node.href = entityHref(record.id);
    node.title = record.id;
  }
}

function show() {
  const pair = queue[index];
  const empty = !pair;
  $('review-empty').hidden = !empty;
  $('review-pair').hidden = empty;
  const members = pair ? (pair.cluster_members || []).length : 0;
  $('review-progress').textContent = empty
    ? ''
    : `Case ${index + 1} of ${queue.length} in this batch · ${remaining.toLocaleString()} in the queue · ` +
      `cluster of ${members} ${members === 1 ? 'record' : 'records'}, ${pair.pairs} scored ${pair.pairs === 1 ? 'pair' : 'pairs'}`;
  if (empty) return;
  const probability = Number(pair.probability ?? pair.evidence?.probability ?? 0);
  $('review-probability').textContent = probability.toFixed(3);
  $('review-meter').style.width = `${Math.round(probability * 100)}%`;
  renderRecords(leftOf(pair), rightOf(pair));
  fill($('review-explanation'), explanationRows({ ...pair.evidence, probability }, { bars: true }));
  setButtons(true);
}

function setButtons(enabled) {
  for (const button of document.querySelectorAll('.judge-buttons button')) button.disabled = !enabled;
}

async function load() {
  try {
    const data = await api('/review', { params: { limit: BATCH + skipped.size } });
    remaining = data.remaining || 0;
    queue = (data.cases || []).filter((p) => !skipped.has(pairKey(p))).slice(0, BATCH);
  } catch {
    queue = [];
  }
  index = 0;
  show();
}

async function next() {
  index += 1;
  if (index >= queue.length) await load();
  else show();
}

async function judge(judgement) {
  const pair = queue[index];
  if (!pair || judging) return;
  judging = true;
  setButtons(false);
  const body = { candidate: leftOf(pair).id, cluster: rightOf(pair).id, judgement };
  // a decision, like a search, is recorded with its case or stated purpose
  Object.assign(body, scopeParams());
  try {
    await api('/review/decisions', { method: 'POST', json: body });
    remaining = Math.max(0, remaining - 1);
    toast(`Recorded: ${judgement.replace('-', ' ')}.`, 'ok');
    await next();
  } catch {
    setButtons(true);
  } finally {
    judging = false;
  }
}

function skip() {
  const pair = queue[index];
  if (!pair) return;
  skipped.add(pairKey(pair));
  next();
}

const KEYS = { s: 'same', n: 'not-same', u: 'unsure' };

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  const key = event.key.toLowerCase();
  if (KEYS[key]) {
    event.preventDefault();
    judge(KEYS[key]);
  } else if (key === 'k') {
    event.preventDefault();
    skip();
  }
}

// -- bulk rules: a preview, then a decision ------------------------------------

async function bulk(apply) {
  const rule = $('bulk-rule').value;
  const body = { rule, apply, ...scopeParams() };
  try {
    const data = await api('/review/bulk', { method: 'POST', json: body });
    const cases = data.cases || [];
    fill($('bulk-preview'), cases.map((c) => el('li', {},
      el('a', { href: entityHref(c.candidate), text: c.candidate }), ' = ',
      el('a', { href: entityHref(c.cluster), text: c.cluster }),
      el('span', { className: 'muted small', text: ` (p=${Number(c.probability).toFixed(2)})` }))));
    const count = cases.length.toLocaleString();
    $('bulk-summary').textContent = apply
      ? `Decided "same" for ${count} cases.`
      : `${count} cases would be decided "same".`;
    $('bulk-apply').disabled = apply || !cases.length;
    if (apply) await load();
  } catch {
    /* the error toast says why */
  }
}

async function main() {
  await boot();
  $('bulk-preview-button').addEventListener('click', () => bulk(false));
  $('bulk-apply').addEventListener('click', () => bulk(true));
  for (const button of document.querySelectorAll('[data-judgement]')) {
    button.addEventListener('click', () => judge(button.dataset.judgement));
  }
  $('judge-skip').addEventListener('click', skip);
  document.addEventListener('keydown', onKey);
  await load();
}

start(main);
