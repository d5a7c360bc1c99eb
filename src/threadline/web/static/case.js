// One case: its members (the owner adds and removes them), the entities and
// notes it holds, and its activity from the audit log. Only members can read
// any of it; the API enforces that, this page just shows what comes back.

import {
  $, api, apiUrl, documentLink, el, entityLink, fill, fmtTime, setScope, start, toast,
} from './api.js';
import { boot, refreshCases } from './shell.js';

const caseId = document.body.dataset.caseId || '';
const base = `/cases/${encodeURIComponent(caseId)}`;
let me = null;

function renderMembers(data) {
  const owner = data.owner === me.name;
  $('member-add').hidden = !owner;
  fill($('case-members'), (data.members || []).map((m) => el('li', { dataset: { member: m.name } },
    el('span', { className: 'member-name', text: m.name }),
    el('span', { className: `badge${m.relation === 'owner' ? ' badge-owner' : ''}`, text: m.relation }),
    owner && m.relation !== 'owner'
      ? el('button', {
        type: 'button', className: 'btn-link danger', testid: 'remove-member', text: 'remove',
        on: { click: () => removeMember(m.name) },
      })
      : null)));
}

function renderEntities(data) {
  const entities = data.entities || [];
  fill($('case-entities'), entities.length === 0
    ? el('tr', {}, el('td', { colspan: 3, className: 'empty', text: 'No entities yet: add them from an entity page or by id.' }))
    : entities.map((e) => el('tr', {},
      el('td', {}, e.document ? documentLink(e.entity_id, e.caption) : entityLink(e.entity_id, e.caption),
        e.document ? el('span', { className: 'badge', text: 'document' }) : null),
      el('td', { text: e.added_by || '' }),
      el('td', { text: fmtTime(e.added_at) }))));
}

function renderNotes(data) {
  const notes = data.notes || [];
  fill($('case-notes'), notes.length === 0
    ? el('li', { className: 'empty', text: 'No notes yet.' })
    : notes.map((n) => el('li', { className: 'note', dataset: { noteId: String(n.id) } },
      el('div', { className: 'note-meta' },
        el('strong', { text: n.author || '' }),
        el('span', { className: 'muted small', text: ` ${fmtTime(n.created_at)}` }),
        n.entity_id ? el('span', { className: 'small' }, ' · about ', entityLink(n.entity_id, n.entity_caption)) : null),
      el('p', { className: 'note-text', text: n.text ?? n.body ?? '' }))));
}

// Entity ids run to 80 characters; the activity list shows their start
// (the full text stays in the element's title).
const LONG_ID = /\b[0-9a-f]{16,}(\.[0-9a-f]{16,})?\b/g;

function describe(event) {
  const details = event.details && Object.keys(event.details).length ? JSON.stringify(event.details) : '';
  return [event.target || '', details].filter(Boolean).join(' ');
}

function shorten(text) {
  return text.replace(LONG_ID, (id) => `${id.slice(0, 10)}…`);
}

async function loadActivity() {
  let data;
  try {
    data = await api(`${base}/activity`, { quiet: true });
  } catch (error) {
    fill($('case-activity'), el('li', { className: 'muted small', text: error.message }));
    return;
  }
  const events = data.events || [];
  fill($('case-activity'), events.length === 0
    ? el('li', { className: 'empty', text: 'No activity yet.' })
    : [...events].reverse().map((e) => el('li', {},
      el('span', { className: 'muted small', text: fmtTime(e.ts) }), ' ',
      el('strong', { text: e.actor || '' }), ' ',
      el('span', { className: 'badge', text: e.action }), ' ',
      el('span', { className: 'small', title: describe(e), text: shorten(describe(e)) }))));
}

async function load() {
  let data;
  try {
    data = await api(base);
  } catch {
    return;
  }
  document.title = `${data.title ?? data.name} · Threadline`;
  $('case-title').textContent = data.title ?? data.name ?? caseId;
  $('case-id').textContent = data.id;
  $('case-description').textContent = data.description || '';
  $('case-owner').textContent = data.owner || '';
  $('export-ftm').href = apiUrl('/export', { format: 'ftm', case: data.id });
  $('export-csv').href = apiUrl('/export', { format: 'csv', case: data.id });
  renderMembers(data);
  renderEntities(data);
  renderNotes(data);
  $('case').hidden = false;
  await loadActivity();
}

async function post(path, json, done) {
  try {
    await api(base + path, { method: 'POST', json });
  } catch {
    return false;
  }
  if (done) toast(done, 'ok');
  await load();
  return true;
}

async function removeMember(name) {
  if (!window.confirm(`Remove ${name} from this case? They lose access at once.`)) return;
  try {
    await api(`${base}/members/${encodeURIComponent(name)}`, { method: 'DELETE' });
  } catch {
    return;
  }
  toast(`${name} removed.`, 'ok');
  await load();
}

async function main() {
  me = await boot();
  $('use-case').addEventListener('click', () => {
    setScope({ case: caseId });
    toast('Searches and views are now recorded for this case.', 'ok');
  });
  $('member-add').addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = $('member-name').value.trim();
    if (username && await post('/members', { username }, `${username} added.`)) {
      $('member-name').value = '';
      await refreshCases();
    }
  });
  $('entity-add').addEventListener('submit', async (event) => {
    event.preventDefault();
    const entityId = $('entity-add-id').value.trim();
    if (entityId && await post('/entities', { entity_id: entityId }, 'Entity added.')) $('entity-add-id').value = '';
  });
  $('note-add').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('note-text').value.trim();
    if (!text) return;
    const json = { text };
    const entityId = $('note-entity').value.trim();
    if (entityId) json.entity_id = entityId;
    if (await post('/notes', json, 'Note added.')) {
      $('note-text').value = '';
      $('note-entity').value = '';
    }
  });
  await load();
}

start(main);
