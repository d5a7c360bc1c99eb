// One document: where it sits (folders, archives, the e-mail it came with),
// its text page by page with the search terms, known people and companies
// and e-mail addresses, phones and IBANs marked, the entities it mentions,
// its members or attachments, e-mail headers and thread, and the original
// as a download. Text arrives as segments and is set as text, never HTML.

import {
  $, api, apiUrl, chips, el, entityLink, fill, getScope, hasScope, onScopeChange, propLabel,
  scopeParams, start, toast, documentLink,
} from './api.js';
import { boot, myCases } from './shell.js';

const documentId = document.body.dataset.documentId || '';
const query = new URLSearchParams(window.location.search).get('q') || '';
let doc = null;

function segmentNode(segment) {
  if (!segment.kind) return segment.text;
  if (segment.masked) {
    return el('span', { className: 'masked-inline', title: `a ${segment.kind}, masked for you here`, text: `[${segment.kind} masked]` });
  }
  if (segment.kind === 'mention') {
    return el('a', {
      className: 'mark-mention', href: '/entities/' + encodeURIComponent(segment.entity_id),
      title: segment.caption || segment.entity_id, testid: 'mention-link', text: segment.text,
    });
  }
  const kind = segment.kind === 'term' ? 'mark-term' : 'mark-pattern';
  return el('mark', { className: kind, title: segment.kind, testid: `mark-${segment.kind}`, text: segment.text });
}

function renderPages(data) {
  const pages = data.pages || [];
  fill($('doc-pages'), pages.length === 0
    ? el('p', { className: 'empty', text: 'No text was read from this file.' })
    : pages.map((page) => el('section', { className: 'doc-page', dataset: { page: String(page.number ?? '') }, testid: 'doc-page' },
      page.number ? el('h3', { className: 'page-number', text: `Page ${page.number}` }) : null,
      el('div', { className: 'page-text' }, page.segments.map(segmentNode)))));
}

function renderParents(data) {
  const crumbs = (data.parents || []).map((p) => documentLink(p.id, p.file_name || p.caption));
  fill($('doc-parents'), crumbs.flatMap((c, i) => (i ? [' › ', c] : [c])));
}

function renderMentions(data) {
  const mentions = data.mentions || [];
  $('doc-mentions-count').textContent = mentions.length ? String(mentions.length) : '';
  fill($('doc-mentions'), mentions.length === 0
    ? el('li', { className: 'empty', text: 'No known people or companies are named.' })
    : mentions.map((m) => el('li', {},
      entityLink(m.id, m.caption, { testid: 'doc-mention' }),
      el('span', { className: 'muted small', text: ` ${m.schema}${m.pages.length ? ` · page ${m.pages.join(', ')}` : ''}` }))));
}

function renderChildren(data) {
  const children = data.children || [];
  $('children-panel').hidden = children.length === 0;
  $('doc-children-count').textContent = String(children.length);
  fill($('doc-children'), children.map((c) => el('li', {}, documentLink(c.id, c.file_name || c.caption),
    el('span', { className: 'muted small', text: ` ${c.schema}` }))));
}

function renderProperties(data) {
  const rows = [];
  for (const [prop, values] of Object.entries(data.properties || {}).sort()) {
    for (const item of values) {
      rows.push(el('tr', {},
        el('td', { className: 'prop', title: prop, text: propLabel(prop) }),
        el('td', { className: 'value', text: item.masked ? 'masked' : item.value }),
        el('td', { className: 'source small', title: item.source || '', text: `${item.source || ''}${item.source_line ? `:${item.source_line}` : ''}` })));
    }
  }
  fill($('doc-properties'), rows);
}

function party(p) {
  const who = p.name || p.email || (p.masked ? '[masked]' : p.id);
  return p.email && p.name ? `${p.name} <${p.email}>` : who;
}

function renderEmail(data) {
  const email = data.email;
  $('email-panel').hidden = !email;
  if (!email) return;
  const h = email.headers;
  const rows = [['Subject', h.subject], ['Date', h.date]];
  for (const prop of ['from', 'sender', 'to', 'cc', 'bcc']) {
    if ((h[prop] || []).length) rows.push([prop === 'from' ? 'From' : propLabel(prop), h[prop].map(party).join(', ')]);
  }
  if (h.message_id) rows.push(['Message-ID', h.message_id]);
  fill($('email-headers'), rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  fill($('email-thread'), (email.thread || []).map((m) => el('li', {
    className: m.current ? 'current' : '', dataset: { depth: String(Math.min(m.depth, 4)) }, testid: 'thread-message',
  }, m.current ? el('strong', { text: m.subject }) : documentLink(m.id, m.subject),
  el('span', { className: 'muted small', text: m.date ? ` ${m.date}` : '' }))));
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
  doc = data;
  document.title = `${data.file_name || data.caption} · Threadline`;
  $('doc-caption').textContent = data.file_name || data.caption;
  $('doc-schema').textContent = data.schema;
  $('doc-mime').textContent = [data.mime_type, data.file_size ? `${Number(data.file_size).toLocaleString()} bytes` : ''].filter(Boolean).join(' · ');
  $('doc-id').textContent = data.id;
  fill($('doc-datasets'), chips(data.datasets));
  $('doc-error').hidden = !data.error;
  $('doc-error').textContent = data.error ? `Not read: ${data.error}` : '';
  const download = $('doc-download');
  download.hidden = !data.content_hash || data.masked;
  download.href = apiUrl(`/documents/${encodeURIComponent(data.id)}/download`, scopeParams());
  renderParents(data);
  renderEmail(data);
  renderPages(data);
  renderMentions(data);
  renderChildren(data);
  renderProperties(data);
  renderCasePicker();
  $('document').hidden = false;
}

async function load() {
  const needed = !hasScope();
  $('scope-needed').hidden = !needed;
  if (needed) return;
  try {
    render(await api('/documents/' + encodeURIComponent(documentId), { params: { q: query, ...scopeParams() } }));
  } catch {
    // shown by the wrapper
  }
}

async function main() {
  await boot();
  $('add-to-case').addEventListener('submit', async (event) => {
    event.preventDefault();
    const caseId = $('add-case-select').value;
    if (!doc || !caseId) return;
    try {
      await api(`/cases/${encodeURIComponent(caseId)}/entities`, { method: 'POST', json: { entity_id: doc.id } });
    } catch {
      return; // shown by the wrapper
    }
    const title = $('add-case-select').selectedOptions[0]?.textContent || caseId;
    toast(`Added ${doc.file_name || doc.caption} to ${title} as evidence.`, 'ok');
  });
  onScopeChange(() => {
    if (!doc) load();
    else renderCasePicker();
  });
  await load();
}

start(main);
