// Cases: the ones the analyst can see, and a form to open a new one.

import { $, api, caseHref, el, fill, fmtTime, start } from './api.js';
import { boot, refreshCases } from './shell.js';

async function load() {
  let data;
  try {
    data = await api('/cases');
  } catch {
    return;
  }
  const cases = data.cases || [];
  fill($('cases-list'), cases.length === 0
    ? el('tr', {}, el('td', { colspan: 4, className: 'empty', text: 'No cases yet: create one to keep entities and notes on a need-to-know basis.' }))
    : cases.map((c) => {
      const title = c.title ?? c.name ?? c.id;
      return el('tr', { dataset: { caseId: c.id } },
        el('td', {}, c.member === false ? el('span', { text: title }) : el('a', { href: caseHref(c.id), testid: 'case-link', text: title })),
        el('td', { text: c.owner || '' }),
        el('td', { text: fmtTime(c.created_at) }),
        el('td', {}, el('span', { className: `badge${c.member === false ? ' badge-muted' : ''}`, text: c.member === false ? 'not a member' : 'member' })));
    }));
}

async function main() {
  await boot();
  $('case-create').addEventListener('submit', async (event) => {
    event.preventDefault();
    const title = $('case-title').value.trim();
    if (!title) return;
    let created;
    try {
      created = await api('/cases', { method: 'POST', json: { title, description: $('case-description').value.trim() } });
    } catch {
      return;
    }
    await refreshCases();
    const id = created?.id ?? created?.case?.id;
    if (id) window.location.assign(caseHref(id));
    else load();
  });
  await load();
}

start(main);
