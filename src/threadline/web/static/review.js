// The entity-resolution review queue: one doubtful pair at a time, the two
// records side by side with why they scored what they did, and a judgement
// (same / not same / unsure) by button or key (s / n / u; k skips).

import { $, api, chips, el, entityHref, fill, propLabel, scopeParams, start, toast } from './api.js';
import { explanationRows } from './explain.js';
import { boot } from './shell.js';

const BATCH = 20;
let queue = [];
let index = 0;
let judging = false;
// Pairs skipped in this visit: the server still queues them, so a reload
// would show them again at once.
const skipped = new Set();

const pairKey = (pair) => `${leftOf(pair).id}\u0000${rightOf(pair).id}`;

/** The records as the API sends them, completed from the explanation when thin. */
function leftOf(pair) {
  return { ...(pair.explanation?.left || {}), ...(pair.left || {}), id: pair.left?.id ?? pair.explanation?.left_id };
}
function rightOf(pair) {
  return { ...(pair.explanation?.right || {}), ...(pair.right || {}), id: pair.right?.id ?? pair.explanation?.right_id };
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
  $('review-progress').textContent = empty ? '' : `Pair ${index + 1} of ${queue.length} in this batch`;
  if (empty) return;
  const probability = Number(pair.probability ?? pair.explanation?.probability ?? 0);
  $('review-probability').textContent = probability.toFixed(3);
  $('review-meter').style.width = `${Math.round(probability * 100)}%`;
  renderRecords(leftOf(pair), rightOf(pair));
  fill($('review-explanation'), explanationRows({ ...pair.explanation, probability }, { bars: true }));
  setButtons(true);
}

function setButtons(enabled) {
  for (const button of document.querySelectorAll('.judge-buttons button')) button.disabled = !enabled;
}

async function load() {
  try {
    const data = await api('/review', { params: { limit: BATCH + skipped.size } });
    queue = (data.pairs || []).filter((p) => !skipped.has(pairKey(p))).slice(0, BATCH);
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
  const body = { left_id: leftOf(pair).id, right_id: rightOf(pair).id, judgement };
  // a judgement, like a search, is recorded with its case or stated purpose
  Object.assign(body, scopeParams());
  try {
    await api('/judgements', { method: 'POST', json: body });
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

async function main() {
  await boot();
  for (const button of document.querySelectorAll('[data-judgement]')) {
    button.addEventListener('click', () => judge(button.dataset.judgement));
  }
  $('judge-skip').addEventListener('click', skip);
  document.addEventListener('keydown', onKey);
  await load();
}

start(main);
