// The jobs page: every job with its state and progress, refreshed while any
// is queued or running; a click shows a job's log; a job's owner (or an
// admin) may cancel it. Uploads start ingest jobs from the Ingest page.

import { $, api, el, fill, fmtTime, start, toast } from './api.js';
import { boot } from './shell.js';

const REFRESH_MS = 1000;
let me = null;
let shown = null;
let timer = null;

function progressCell(job) {
  const pct = Math.round((job.progress || 0) * 100);
  const fillBar = el('span', { className: 'meter-fill' });
  fillBar.style.width = `${pct}%`; // a CSSOM property: the CSP allows no style attributes
  return el('td', {}, el('span', { className: 'meter' }, fillBar), ` ${pct}% ${job.message || ''}`);
}

function cancelButton(job) {
  const mayCancel = !['done', 'failed', 'cancelled'].includes(job.state)
    && (me?.role === 'admin' || me?.name === job.owner);
  if (!mayCancel) return el('td');
  return el('td', {}, el('button', {
    type: 'button',
    testid: 'job-cancel',
    text: job.cancel_requested ? 'Stopping…' : 'Cancel',
    on: { click: () => cancel(job.id) },
  }));
}

function row(job) {
  return el('tr', { dataset: { state: job.state }, testid: 'job-row' },
    el('td', {}, el('a', { href: '#', text: job.id, on: { click: (e) => { e.preventDefault(); show(job.id); } } })),
    el('td', { text: job.kind }),
    el('td', { text: job.owner }),
    el('td', { text: job.state, testid: 'job-state' }),
    progressCell(job),
    el('td', { text: fmtTime(job.started_at || job.created_at) }),
    cancelButton(job));
}

async function show(id) {
  shown = id;
  const job = await api(`/jobs/${encodeURIComponent(id)}`);
  $('job-detail').hidden = false;
  fill($('job-title'), `${job.kind} ${job.id}: ${job.state}`);
  $('job-error').hidden = !job.error;
  fill($('job-error'), job.error || '');
  fill($('job-log'), (job.log || []).join('\n'));
}

async function cancel(id) {
  try {
    await api(`/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    toast('Asked the job to stop.');
  } catch {
    /* the error toast says why */
  }
  await load();
}

async function startJob() {
  try {
    const job = await api('/jobs', { method: 'POST', json: { kind: $('job-kind').value, params: {} } });
    toast(`Job ${job.id} queued.`);
  } catch {
    /* the error toast says why */
  }
  await load();
}

async function load() {
  const data = await api('/jobs');
  const jobs = data.jobs || [];
  fill($('jobs-rows'), ...jobs.map(row));
  $('jobs-empty').hidden = jobs.length > 0;
  if (shown) await show(shown);
  clearTimeout(timer);
  if (jobs.some((j) => j.state === 'queued' || j.state === 'running')) {
    timer = setTimeout(load, REFRESH_MS);
  }
}

async function main() {
  await boot();
  me = await api('/auth/me');
  $('job-start').addEventListener('click', startJob);
  $('job-start').hidden = me?.role !== 'analyst';
  await load();
}

start(main);
