// The graph explorer, on Cytoscape.js: start from an entity, expand
// neighbours, find paths between two entities with the provenance of every
// hop, and draw ownership chains with their shares.
//
// Cytoscape is loaded as a classic script (window.cytoscape) from the pinned
// npm package, served at /static/vendor. Node ids are entity ids; nodes and
// edges are always looked up with getElementById, never with a selector built
// from data, so an id can hold any character.

import {
  $, api, chips, documentHref, el, entityHref, fill, fmtPct, hasScope, scopeParams, start, toast,
} from './api.js';
import { boot } from './shell.js';

const VENDOR_MISSING = 'front-end packages not installed: run make setup';
const NEIGHBOUR_LIMIT = 200;
const KNOWN_TYPES = [
  'Ownership', 'Directorship', 'Membership', 'Employment', 'Representation', 'Family',
  'Associate', 'Succession', 'UnknownLink', 'Payment', 'ContractAward',
];
const PERSON = new Set(['Person']);
const ORGS = new Set(['Company', 'Organization', 'LegalEntity', 'PublicBody']);

const canvas = $('graph-canvas');
let cy = null;

// ---------------------------------------------------------------- style

const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 10,
      'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      color: '#1f2933',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '150px',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '2px',
      width: 24,
      height: 24,
      'background-color': '#8a7a5c',
      'border-width': 1.5,
      'border-color': '#ffffff',
      shape: 'diamond',
    },
  },
  { selector: 'node.person', style: { shape: 'ellipse', 'background-color': '#3d6fa8' } },
  { selector: 'node.org', style: { shape: 'round-rectangle', 'background-color': '#4f7d5c' } },
  { selector: 'node.pivot', style: { shape: 'tag', width: 16, height: 16, 'background-color': '#9aa5b1' } },
  { selector: 'node.stub', style: { 'background-color': '#cbd2d9', 'border-style': 'dashed', 'border-color': '#7b8794' } },
  { selector: 'node.expanded', style: { 'border-color': '#1f2933', 'border-width': 2 } },
  { selector: 'node.subject', style: { width: 32, height: 32 } },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'curve-style': 'bezier',
      'line-color': '#9aa5b1',
      'target-arrow-color': '#9aa5b1',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.9,
      label: 'data(label)',
      'font-size': 9,
      color: '#52606d',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
    },
  },
  { selector: 'edge.ownership', style: { 'line-color': '#b7793b', 'target-arrow-color': '#b7793b' } },
  { selector: 'edge.pivot', style: { 'line-style': 'dashed', 'target-arrow-shape': 'none' } },
  { selector: 'edge.mention', style: { 'line-style': 'dashed', 'line-color': '#9bb3cf', width: 1, 'target-arrow-color': '#9bb3cf' } },
  { selector: '.faded', style: { opacity: 0.18 } },
  {
    selector: 'node.highlight',
    style: { 'border-color': '#c43c3c', 'border-width': 3, opacity: 1 },
  },
  {
    selector: 'edge.highlight',
    style: { 'line-color': '#c43c3c', 'target-arrow-color': '#c43c3c', width: 3, opacity: 1, 'z-index': 10 },
  },
  { selector: 'node:selected', style: { 'border-color': '#e8a317', 'border-width': 3 } },
  { selector: 'edge:selected', style: { 'line-color': '#e8a317', 'target-arrow-color': '#e8a317', width: 3 } },
  { selector: '.filtered', style: { display: 'none' } },
];

// ---------------------------------------------------------------- elements

function nodeClasses(schema) {
  if (!schema) return 'pivot';
  if (PERSON.has(schema)) return 'person';
  if (ORGS.has(schema)) return 'org';
  return 'other';
}

function shortLabel(value) {
  const text = String(value || '');
  return text.length > 40 ? `${text.slice(0, 38)}…` : text;
}

/** Add (or complete) a node from a node answer: {id, caption, schema, members}. */
function addNode(node, near) {
  const existing = cy.getElementById(node.id);
  const data = {
    id: node.id,
    caption: node.caption || node.id,
    label: shortLabel(node.caption || node.id),
    schema: node.schema || null,
    members: node.members || [node.id],
  };
  if (existing.nonempty()) {
    if (existing.hasClass('stub') && node.caption) {
      existing.data(data);
      existing.removeClass('stub');
      existing.addClass(nodeClasses(data.schema));
    }
    return existing;
  }
  const base = near && near.nonempty() ? near.position() : { x: 0, y: 0 };
  const angle = Math.random() * 2 * Math.PI;
  return cy.add({
    group: 'nodes',
    data,
    classes: nodeClasses(data.schema),
    position: { x: base.x + 90 * Math.cos(angle), y: base.y + 90 * Math.sin(angle) },
  });
}

/** A placeholder for an endpoint the answer named but did not describe. */
function ensureNode(id, near) {
  const existing = cy.getElementById(id);
  if (existing.nonempty()) return existing;
  const node = addNode({ id, caption: id, schema: 'Thing' }, near);
  node.classes('stub');
  return node;
}

/**
 * Fill in the caption and type of placeholder nodes (an ownership chain names
 * the companies in between by id only), asking for each one's neighbourhood
 * with a limit of one: the answer's centre is the node itself.
 */
async function resolveStubs() {
  const stubs = cy.nodes('.stub').slice(0, 30);
  await Promise.all(stubs.map(async (stub) => {
    try {
      const data = await api(`/graph/neighbours/${encodeURIComponent(stub.id())}`, {
        params: { depth: 1, limit: 1, ...scopeParams() }, quiet: true,
      });
      if (data?.center?.id === stub.id()) addNode(data.center, null);
    } catch {
      // it stays a placeholder, labelled with its id
    }
  }));
}

function edgeKey(record) {
  return ['e', record.edge_id, record.type, record.source, record.target].join('|');
}

function edgeLabel(record) {
  const pct = record.percentage === null || record.percentage === undefined ? '' : ` ${fmtPct(record.percentage)}`;
  return `${record.type}${pct}`;
}

/** Add an edge from an edge record (threadline.graph.structure.EdgeRecord). */
function addEdge(record) {
  const id = edgeKey(record);
  const existing = cy.getElementById(id);
  if (existing.nonempty()) return existing;
  ensureNode(record.source, cy.getElementById(record.target));
  ensureNode(record.target, cy.getElementById(record.source));
  const classes = [];
  if (record.type === 'Ownership') classes.push('ownership');
  if (record.kind === 'pivot') classes.push('pivot');
  if (record.kind === 'mention') classes.push('mention');
  noteType(record.type);
  return cy.add({
    group: 'edges',
    data: { id, source: record.source, target: record.target, type: record.type, label: edgeLabel(record), record },
    classes: classes.join(' '),
  });
}

// ---------------------------------------------------------------- filters

const typeSelect = $('filter-type');
const asOfInput = $('filter-asof');
const seenTypes = new Set();

function noteType(type) {
  if (!type || seenTypes.has(type)) return;
  seenTypes.add(type);
  const current = typeSelect.value;
  const types = [...new Set([...KNOWN_TYPES, ...seenTypes])].sort();
  fill(typeSelect, el('option', { value: '', text: 'any' }), types.map((t) => el('option', { value: t, text: t })));
  typeSelect.value = current;
}

/** Parameters every graph query carries: the edge type and as-of filters. */
function filterParams() {
  const asOf = asOfInput.value.trim();
  // mention edges (a document naming an entity) only when asked for
  const mentions = document.getElementById('filter-mentions')?.checked ? 'true' : '';
  return { type: typeSelect.value, as_of: asOfInput.checkValidity() ? asOf : '', mentions };
}

/** A partial date as a sortable key, padded the way the server pads it. */
function dateKey(value, end) {
  const digits = String(value || '').replace(/-/g, '').slice(0, 8);
  if (!/^[0-9]{4}([0-9]{2}){0,2}$/.test(digits)) return null;
  return digits.padEnd(8, end ? '9' : '0');
}

/** Hide edges the filters exclude (undated edges stay: unknown is not false). */
function applyFilters() {
  if (!cy) return;
  const { type, as_of: asOf } = filterParams();
  const at = asOf ? dateKey(asOf, false) : null;
  cy.batch(() => {
    cy.edges().forEach((edge) => {
      const record = edge.data('record');
      let show = !type || record.type === type;
      if (show && at) {
        const from = dateKey(record.start_date, false);
        const until = dateKey(record.end_date, true);
        show = (!from || from <= at) && (!until || until >= at);
      }
      edge.toggleClass('filtered', !show);
    });
  });
  updateStats();
}

// ---------------------------------------------------------------- layout and state

const READABLE_ZOOM = 1.3;

function runLayout(options = {}) {
  if (!cy || cy.elements().empty()) return;
  const name = options.name || $('layout').value;
  const common = { animate: false, fit: true, padding: 40 };
  const layouts = {
    cose: { name: 'cose', randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 90, nodeOverlap: 12, numIter: 1500 },
    breadthfirst: { name: 'breadthfirst', directed: true, spacingFactor: 1.1, avoidOverlap: true, roots: options.roots },
    concentric: { name: 'concentric', minNodeSpacing: 30 },
    circle: { name: 'circle', avoidOverlap: true },
  };
  cy.elements(':visible').layout({ ...common, ...(layouts[name] || layouts.cose) }).run();
  // Fitting two or three nodes zooms in until labels fill the canvas; keep
  // small graphs at a readable scale instead.
  if (cy.zoom() > READABLE_ZOOM) {
    cy.zoom(READABLE_ZOOM);
    cy.center(cy.elements(':visible'));
  }
}

function updateStats() {
  const nodes = cy ? cy.nodes().length : 0;
  const edges = cy ? cy.edges(':visible').length : 0;
  canvas.dataset.nodes = String(nodes);
  canvas.dataset.edges = String(edges);
  $('graph-stats').textContent = nodes ? `${nodes} entities · ${edges} links` : '';
  $('graph-empty').hidden = nodes > 0;
}

function selected() {
  if (!cy) return null;
  const nodes = cy.nodes(':selected');
  return nodes.nonempty() ? nodes[0] : null;
}

function selectNode(id) {
  const node = cy.getElementById(id);
  if (node.empty()) return;
  cy.elements(':selected').unselect();
  node.select();
  cy.animate({ center: { eles: node }, duration: 200 });
}

function clearHighlight() {
  if (!cy) return;
  cy.elements().removeClass('highlight faded');
}

/** Fade everything but `eles` and mark those. */
function highlight(eles) {
  cy.batch(() => {
    cy.elements().addClass('faded').removeClass('highlight');
    eles.removeClass('faded').addClass('highlight');
  });
}

function busy(flag) {
  document.body.classList.toggle('busy', flag);
}

// ---------------------------------------------------------------- details panel

function kv(label, ...value) {
  return [el('dt', { text: label }), el('dd', {}, ...value)];
}

// FtM's Document schema and its descendants: such a node opens the document page
const DOCUMENT_SCHEMATA = new Set(['Article', 'Audio', 'Document', 'Email', 'Folder', 'HyperText',
  'Image', 'Message', 'Package', 'Pages', 'PlainText', 'Table', 'Video', 'Workbook']);

function nodeDetails(node) {
  const d = node.data();
  const members = d.members || [];
  return [
    el('h4', { className: 'detail-title', text: d.caption }),
    el('dl', { className: 'kv' },
      kv('type', d.schema || (node.hasClass('pivot') ? 'shared value' : '')),
      kv('id', el('span', { className: 'mono small', text: d.id })),
      members.length > 1 ? kv('records', `${members.length} merged`) : null),
    el('div', { className: 'row wrap' },
      node.hasClass('pivot') ? null : DOCUMENT_SCHEMATA.has(d.schema)
        ? el('a', { className: 'btn', href: documentHref(d.id), testid: 'detail-document-link', text: 'Document page' })
        : el('a', { className: 'btn', href: entityHref(d.id), testid: 'detail-entity-link', text: 'Entity page' }),
      el('button', { type: 'button', testid: 'detail-expand', text: 'Expand', on: { click: () => expand(d.id) } }),
      el('button', { type: 'button', testid: 'detail-owners', text: 'Owners', on: { click: () => { $('owners-of').value = d.id; findOwners(); } } }),
      el('button', { type: 'button', text: 'Path from', on: { click: () => { $('path-from').value = d.id; } } }),
      el('button', { type: 'button', text: 'Path to', on: { click: () => { $('path-to').value = d.id; } } })),
  ];
}

function provenance(record) {
  const ids = record.statement_ids || [];
  return [
    kv('datasets', el('span', { className: 'chips' }, chips(record.datasets))),
    record.start_date || record.end_date ? kv('dates', `${record.start_date || '…'} – ${record.end_date || '…'}`) : null,
    ids.length ? kv('statements', el('span', { className: 'mono small statement-ids' },
      ids.slice(0, 6).map((id) => el('span', { title: id, text: id.length > 14 ? `${id.slice(0, 12)}…` : id })),
      ids.length > 6 ? ` +${ids.length - 6}` : '')) : null,
  ];
}

function caption(id) {
  const node = cy.getElementById(id);
  return node.nonempty() ? node.data('caption') : id;
}

function edgeDetails(edge) {
  const r = edge.data('record');
  return [
    el('h4', { className: 'detail-title', text: r.type }),
    el('dl', { className: 'kv' },
      kv('from', el('a', { href: entityHref(r.source), text: caption(r.source) })),
      kv('to', el('a', { href: entityHref(r.target), text: caption(r.target) })),
      r.label ? kv('label', r.label) : null,
      r.percentage !== null && r.percentage !== undefined ? kv('share', fmtPct(r.percentage)) : null,
      ...provenance(r),
      r.source_member && r.source_member !== r.source ? kv('source record', el('span', { className: 'mono small', text: r.source_member })) : null,
      r.target_member && r.target_member !== r.target ? kv('target record', el('span', { className: 'mono small', text: r.target_member })) : null),
    r.kind === 'link' ? el('a', { className: 'btn', href: entityHref(r.edge_id), text: `${r.type} record` }) : null,
  ];
}

function showDetails(ele) {
  const empty = !ele;
  $('details-empty').hidden = !empty;
  fill($('details-body'), empty ? [] : ele.isNode() ? nodeDetails(ele) : edgeDetails(ele));
  const node = ele && ele.isNode() ? ele : null;
  $('expand').disabled = !node;
  $('remove-node').disabled = !node;
}

// ---------------------------------------------------------------- expand

async function expand(id) {
  if (!cy || !id) return;
  busy(true);
  try {
    const data = await api(`/graph/neighbours/${encodeURIComponent(id)}`, {
      params: { depth: 1, limit: NEIGHBOUR_LIMIT, ...filterParams(), ...scopeParams() },
    });
    const wasEmpty = cy.nodes().empty();
    const center = addNode(data.center, null);
    cy.batch(() => {
      for (const node of data.nodes || []) addNode(node, center);
      for (const record of data.edges || []) addEdge(record);
    });
    center.addClass('expanded');
    await resolveStubs();
    if (data.truncated) toast(`Showing the first ${NEIGHBOUR_LIMIT} neighbours of ${data.center.caption}.`, 'info');
    applyFilters();
    runLayout();
    selectNode(data.center.id);
    if (wasEmpty) {
      if (!$('path-from').value) $('path-from').value = data.center.id;
      if (!$('owners-of').value) $('owners-of').value = data.center.id;
    }
  } catch {
    // shown by the wrapper
  } finally {
    busy(false);
  }
}

// ---------------------------------------------------------------- path

function hopItem(hop, index) {
  const edges = (hop.edges || []).map((r) => {
    const forward = r.source === hop.source;
    return el('li', { className: 'hop-edge' },
      el('div', {},
        el('span', { className: 'badge', text: r.type }),
        el('span', { className: 'muted', text: forward ? ' →' : ' ←', title: forward ? 'in the direction of the path' : 'against the direction of the path' }),
        r.percentage !== null && r.percentage !== undefined ? el('strong', { text: ` ${fmtPct(r.percentage)}` }) : null,
        r.label ? el('span', { className: 'muted small', text: ` ${r.label}` }) : null),
      el('dl', { className: 'kv small' }, ...provenance(r)));
  });
  return el('li', { className: 'hop', dataset: { hop: String(index) }, testid: 'hop' },
    el('div', { className: 'hop-ends' },
      el('button', { type: 'button', className: 'btn-link', text: caption(hop.source), on: { click: () => selectNode(hop.source) } }),
      ' → ',
      el('button', { type: 'button', className: 'btn-link', text: caption(hop.target), on: { click: () => selectNode(hop.target) } })),
    el('ul', { className: 'hop-edges' }, edges));
}

function pathElements(path) {
  let eles = cy.collection();
  for (const node of path.nodes || []) eles = eles.union(cy.getElementById(node.id));
  for (const hop of path.hops || []) {
    for (const record of hop.edges || []) eles = eles.union(cy.getElementById(edgeKey(record)));
  }
  return eles;
}

async function findPath() {
  if (!cy) return;
  const source = $('path-from').value.trim();
  const target = $('path-to').value.trim();
  if (!source || !target) {
    toast('Give two entities: select a node and press ◉, or paste ids.', 'error');
    return;
  }
  const maxDepth = Number($('path-depth').value) || 6;
  busy(true);
  try {
    const data = await api('/graph/path', {
      params: { source, target, all: $('path-all').checked, max_depth: maxDepth, ...filterParams(), ...scopeParams() },
    });
    const list = $('hop-list');
    $('path-panel').hidden = false;
    if (!data.found) {
      $('path-summary').textContent = '';
      fill(list, el('li', { className: 'empty', testid: 'no-path', text: `No path from ${data.source?.caption || source} to ${data.target?.caption || target} within ${maxDepth} hops.` }));
      clearHighlight();
      return;
    }
    const paths = data.paths || [];
    cy.batch(() => {
      for (const path of paths) {
        for (const node of path.nodes || []) addNode(node, cy.getElementById(data.source.id));
        for (const hop of path.hops || []) for (const record of hop.edges || []) addEdge(record);
      }
    });
    applyFilters();
    runLayout();
    let all = cy.collection();
    for (const path of paths) all = all.union(pathElements(path));
    highlight(all);
    const length = paths[0]?.length ?? (paths[0]?.hops || []).length;
    $('path-summary').textContent = `${paths.length} path${paths.length === 1 ? '' : 's'} of ${length} hop${length === 1 ? '' : 's'}`
      + (data.truncated ? ' (more exist)' : '');
    if (paths.length === 1) {
      fill(list, (paths[0].hops || []).map(hopItem));
    } else {
      fill(list, paths.map((path, i) => el('li', { className: 'path-group' },
        el('button', { type: 'button', className: 'btn-link path-head', text: `Path ${i + 1}`, on: { click: () => highlight(pathElements(path)) } }),
        el('ol', { className: 'hops' }, (path.hops || []).map(hopItem)))));
    }
  } catch {
    // shown by the wrapper
  } finally {
    busy(false);
  }
}

// ---------------------------------------------------------------- owners

/** "25%", "≥ 25%" (a lower bound: some chain has an unknown share) or "unknown". */
function shareText(holding) {
  if (holding.share === null || holding.share === undefined) return 'unknown';
  return holding.complete === false ? `≥ ${fmtPct(holding.share)}` : fmtPct(holding.share);
}

function hopShare(hop) {
  const shares = [...new Set((hop.edges || []).map((r) => r.percentage).filter((p) => p !== null && p !== undefined))];
  return shares.length ? shares.map(fmtPct).join(' / ') : '?';
}

function chainText(chain) {
  const parts = [];
  const hops = chain.hops || [];
  (chain.nodes || []).forEach((id, i) => {
    parts.push(caption(id));
    if (i < hops.length) parts.push(` —${hopShare(hops[i])}→ `);
  });
  const total = chain.share === null || chain.share === undefined ? 'unknown' : fmtPct(chain.share);
  return `${parts.join('')}  = ${total}`;
}

async function findOwners() {
  if (!cy) return;
  const id = $('owners-of').value.trim();
  if (!id) {
    toast('Choose whose owners to show: select a node and press ◉, or paste an id.', 'error');
    return;
  }
  const threshold = Number($('owners-threshold').value) || 0;
  busy(true);
  try {
    const data = await api(`/graph/owners/${encodeURIComponent(id)}`, {
      params: { threshold, all: $('owners-all').checked || undefined, as_of: filterParams().as_of, ...scopeParams() },
    });
    const owners = data.owners || data.holdings || [];
    const subject = addNode(data.subject, null);
    cy.batch(() => {
      for (const owner of owners) addNode(owner, subject);
      for (const owner of owners) {
        for (const chain of owner.chains || []) {
          for (const hop of chain.hops || []) for (const record of hop.edges || []) addEdge(record);
        }
      }
    });
    subject.addClass('subject');
    await resolveStubs();
    let eles = subject;
    for (const owner of owners) {
      eles = eles.union(cy.getElementById(owner.id));
      for (const chain of owner.chains || []) {
        for (const nodeId of chain.nodes || []) eles = eles.union(cy.getElementById(nodeId));
        for (const hop of chain.hops || []) for (const r of hop.edges || []) eles = eles.union(cy.getElementById(edgeKey(r)));
      }
    }
    applyFilters();
    const roots = owners.filter((o) => o.ultimate).map((o) => cy.getElementById(o.id));
    $('layout').value = 'breadthfirst';
    runLayout({ name: 'breadthfirst', roots: roots.length ? cy.collection(roots) : undefined });
    highlight(eles);
    renderOwners(data, owners, threshold);
  } catch {
    // shown by the wrapper
  } finally {
    busy(false);
  }
}

function renderOwners(data, owners, threshold) {
  $('owners-panel').hidden = false;
  $('owners-summary').textContent = `of ${data.subject.caption}` + (threshold ? `, ≥ ${fmtPct(threshold)}` : '')
    + (data.truncated ? ' (chains cut: too deep or too many)' : '');
  const sorted = [...owners].sort((a, b) => (b.share ?? -1) - (a.share ?? -1));
  const rows = sorted.map((o) => el('tr', { dataset: { entityId: o.id }, testid: 'owner-row' },
    el('td', {},
      el('button', { type: 'button', className: 'btn-link', text: o.caption, title: o.id, on: { click: () => selectNode(o.id) } }),
      o.ultimate ? el('span', { className: 'badge badge-ultimate', title: 'nobody known owns this owner', text: 'ultimate' }) : null,
      el('div', { className: 'muted small', text: o.schema || '' })),
    el('td', { className: `num share${o.complete === false ? ' partial' : ''}`, testid: 'owner-share', text: shareText(o) }),
    el('td', {},
      el('details', {},
        el('summary', { text: `${(o.chains || []).length} chain${(o.chains || []).length === 1 ? '' : 's'}` }),
        el('ul', { className: 'chains' }, (o.chains || []).map((c) => el('li', { text: chainText(c) })))))));
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 3, className: 'empty', text: 'No known owners.' })));
  fill($('owners-list'), rows);
}

// ---------------------------------------------------------------- search

async function searchEntities(event) {
  event.preventDefault();
  const q = $('graph-search-input').value.trim();
  if (!q) return;
  const list = $('graph-search-results');
  if (!hasScope()) {
    fill(list, el('li', { className: 'notice small', text: 'Pick a case or state a purpose in the header to search, or add an entity by id.' }));
    return;
  }
  try {
    const data = await api('/search', { params: { q, limit: 10, ...scopeParams() } });
    const results = data.results || [];
    fill(list, results.length === 0 ? el('li', { className: 'muted small', text: 'No entities match.' })
      : results.map((r) => el('li', {},
        el('button', { type: 'button', className: 'pick', testid: 'graph-search-result', title: r.id, on: { click: () => { expand(r.id); fill(list); } } },
          el('span', { text: r.caption }), el('span', { className: 'muted small', text: ` ${r.schema}` })))));
  } catch {
    // shown by the wrapper
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  // Tapping selects (one element at a time); the panel follows the selection,
  // however it was made.
  cy.on('select', 'node, edge', (event) => showDetails(event.target));
  cy.on('unselect', 'node, edge', () => { if (cy.$(':selected').empty()) showDetails(null); });
  cy.on('dbltap', 'node', (event) => { if (!event.target.hasClass('pivot')) expand(event.target.id()); });
  cy.on('add remove', updateStats);

  $('graph-search').addEventListener('submit', searchEntities);
  $('graph-add-id').addEventListener('click', () => {
    const id = $('graph-search-input').value.trim();
    if (id) expand(id);
  });
  $('expand').addEventListener('click', () => { const n = selected(); if (n) expand(n.id()); });
  $('remove-node').addEventListener('click', () => {
    const n = selected();
    if (n) { n.remove(); showDetails(null); }
  });
  $('relayout').addEventListener('click', () => runLayout());
  $('layout').addEventListener('change', () => runLayout());
  $('fit').addEventListener('click', () => cy.fit(undefined, 40));
  $('clear-highlight').addEventListener('click', clearHighlight);
  $('clear-graph').addEventListener('click', () => {
    cy.elements().remove();
    showDetails(null);
    $('path-panel').hidden = true;
    $('owners-panel').hidden = true;
  });
  const useSelected = (input) => () => {
    const n = selected();
    if (n) $(input).value = n.id();
    else toast('Select a node on the canvas first.', 'info');
  };
  $('path-from-selected').addEventListener('click', useSelected('path-from'));
  $('path-to-selected').addEventListener('click', useSelected('path-to'));
  $('owners-of-selected').addEventListener('click', useSelected('owners-of'));
  $('find-path').addEventListener('click', findPath);
  $('find-owners').addEventListener('click', findOwners);
  typeSelect.addEventListener('change', applyFilters);
  asOfInput.addEventListener('change', applyFilters);
}

function vendorMissing() {
  if (!canvas.querySelector('.vendor-missing')) {
    canvas.prepend(el('p', { className: 'vendor-missing', testid: 'vendor-missing', text: VENDOR_MISSING }));
  }
  $('graph-empty').hidden = true;
  for (const button of document.querySelectorAll('.graph-tools button, .graph-toolbar button')) button.disabled = true;
}

async function main() {
  await boot();
  if (typeof window.cytoscape !== 'function') {
    vendorMissing();
    return;
  }
  fill(typeSelect, el('option', { value: '', text: 'any' }), KNOWN_TYPES.map((t) => el('option', { value: t, text: t })));
  cy = window.cytoscape({
    container: canvas,
    style: STYLE,
    minZoom: 0.1,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: 'single',
  });
  // Browser tests drive the canvas through this handle (it holds nothing the
  // page's own API answers did not).
  window.threadlineGraph = cy;
  wire();
  updateStats();
  const startId = document.body.dataset.startId;
  if (startId) {
    $('path-from').value = startId;
    $('owners-of').value = startId;
    await expand(startId);
  }
}

start(main);
