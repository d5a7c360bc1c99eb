// How a pair of records scored: per comparison, the level that applied and
// its match weight in bits (+1 doubles the odds of a match, -1 halves them).
// Shared by the entity page (merge evidence) and the review queue, so an
// analyst reads a merge and a doubtful pair the same way.

import { el } from './api.js';

const signed = (w) => (w >= 0 ? '+' : '−') + Math.abs(w).toFixed(1);

/** A bar from the middle: right and green for a match, left and red against. */
function bar(weight, scale) {
  const width = Math.min(50, (Math.abs(weight) / scale) * 50);
  const fill = el('span', { className: `bar-fill ${weight >= 0 ? 'pos' : 'neg'}` });
  fill.style.width = `${width}%`;
  if (weight < 0) fill.style.right = '50%';
  else fill.style.left = '50%';
  return el('span', { className: 'bar', 'aria-hidden': 'true' }, fill);
}

/** Table rows for one explanation; with `bars`, a fourth column draws each weight. */
export function explanationRows(pair, { bars = false } = {}) {
  const evidence = pair.evidence || [];
  const scale = Math.max(4, ...evidence.map((ev) => Math.abs(Number(ev.weight) || 0)));
  const rows = evidence.map((ev) => {
    const w = Number(ev.weight) || 0;
    return el('tr', { className: w > 0.05 ? 'pos' : w < -0.05 ? 'neg' : 'neutral', dataset: { comparison: ev.comparison } },
      el('td', { title: ev.description || '' }, ev.comparison,
        ev.description ? el('div', { className: 'muted small', text: ev.description }) : null),
      el('td', { text: ev.level }),
      el('td', { className: 'num weight', text: signed(w) }),
      bars ? el('td', { className: 'bar-cell' }, bar(w, scale)) : null);
  });
  if (pair.prior_weight !== undefined && pair.prior_weight !== null) {
    const w = Number(pair.prior_weight);
    rows.push(el('tr', { className: 'prior' },
      el('td', { text: 'prior' }),
      el('td', { className: 'muted', text: 'how often two random records match' }),
      el('td', { className: 'num weight', text: signed(w) }),
      bars ? el('td', { className: 'bar-cell' }, bar(w, scale)) : null));
  }
  if (pair.weight !== undefined && pair.weight !== null) {
    rows.push(el('tr', { className: 'total' },
      el('td', { text: 'total' }),
      el('td', { className: 'muted', text: `match probability ${Number(pair.probability).toFixed(3)}` }),
      el('td', { className: 'num weight', text: signed(Number(pair.weight)) }),
      bars ? el('td') : null));
  }
  return rows;
}

/** The explanation of one scored pair as a table: comparison, level, weight. */
export function explanationTable(pair) {
  return el('table', { className: 'data compact explanation' },
    el('thead', {}, el('tr', {},
      el('th', { text: 'Comparison' }), el('th', { text: 'Level' }), el('th', { className: 'num', text: 'Weight' }))),
    el('tbody', {}, explanationRows(pair)));
}
