// Administration: accounts (create, change role, disable, end sessions) and
// the audit log with a check of its hash chain.

import { $, api, banner, el, fill, fmtTime, start, toast } from './api.js';
import { boot } from './shell.js';

const ROLES = ['admin', 'analyst', 'viewer'];

const listOf = (data, key) => (Array.isArray(data) ? data : data?.[key] || []);
const isDisabled = (user) => user.disabled === true || user.active === false;

async function patch(name, body, done) {
  try {
    await api(`/users/${encodeURIComponent(name)}`, { method: 'PATCH', json: body });
    toast(done, 'ok');
  } catch {
    // shown by the wrapper
  }
  await loadUsers();
}

function userRow(user, me) {
  const role = el('select', { 'aria-label': `Role of ${user.name}`, testid: 'user-role-select' },
    ROLES.map((r) => el('option', { value: r, text: r })));
  role.value = user.role;
  role.addEventListener('change', () => patch(user.name, { role: role.value }, `${user.name} is now ${role.value}.`));
  const disabled = isDisabled(user);
  const self = user.name === me.name;
  return el('tr', { dataset: { user: user.name }, className: disabled ? 'disabled' : '' },
    el('td', {}, el('strong', { text: user.name }), self ? el('span', { className: 'muted small', text: ' (you)' }) : null),
    el('td', {}, role),
    el('td', {}, el('span', { className: `badge${disabled ? ' badge-muted' : ' badge-ok'}`, text: disabled ? 'disabled' : 'active' })),
    el('td', { text: fmtTime(user.last_login_at) }),
    el('td', { className: 'actions' },
      el('button', {
        type: 'button', testid: disabled ? 'enable-user' : 'disable-user', text: disabled ? 'Enable' : 'Disable',
        on: { click: () => patch(user.name, { disabled: !disabled }, `${user.name} ${disabled ? 'enabled' : 'disabled'}.`) },
      }),
      el('button', {
        type: 'button', testid: 'revoke-sessions', text: 'End sessions',
        on: {
          click: async () => {
            try {
              await api(`/users/${encodeURIComponent(user.name)}/revoke`, { method: 'POST' });
              toast(`Every session of ${user.name} has ended.`, 'ok');
            } catch {
              // shown by the wrapper
            }
          },
        },
      })));
}

let me = null;

async function loadUsers() {
  try {
    const users = listOf(await api('/users'), 'users');
    fill($('users'), users.map((u) => userRow(u, me)));
  } catch {
    // shown by the wrapper
  }
}

async function loadAudit() {
  try {
    const entries = listOf(await api('/audit', { params: { limit: 100 } }), 'entries');
    const rows = [...entries].sort((a, b) => b.seq - a.seq).map((e) => el('tr', {},
      el('td', { className: 'num', text: e.seq }),
      el('td', { className: 'nowrap', text: fmtTime(e.ts) }),
      el('td', { text: e.actor }),
      el('td', {}, el('span', { className: 'badge', text: e.action })),
      el('td', { className: 'mono small', text: e.case_id || '' }),
      el('td', { text: e.purpose || '' }),
      el('td', { className: 'mono small', text: e.target || '' }),
      el('td', { className: 'mono small details', text: e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : '' })));
    fill($('audit'), rows.length ? rows : el('tr', {}, el('td', { colspan: 8, className: 'empty', text: 'The audit log is empty.' })));
  } catch {
    // shown by the wrapper
  }
}

async function verify() {
  const out = $('verify-result');
  out.className = 'muted';
  out.textContent = 'checking…';
  try {
    const report = await api('/audit/verify');
    const bad = report.first_bad ?? report.first_bad_seq;
    if (report.ok) {
      out.className = 'ok-text';
      out.textContent = `✓ chain intact: ${Number(report.entries).toLocaleString()} entries`;
    } else {
      out.className = 'error-text';
      out.textContent = `✗ chain broken at entry #${bad}` + (report.reason ? `: ${report.reason}` : '');
    }
  } catch (error) {
    out.className = 'error-text';
    out.textContent = error.message;
  }
}

async function main() {
  me = await boot();
  if (me.role !== 'admin') {
    banner('Administration is for administrators: ask one to change your role if you need it.');
    return;
  }
  $('user-create').addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = $('new-username').value.trim();
    try {
      await api('/users', {
        method: 'POST',
        json: { username, password: $('new-password').value, role: $('new-role').value },
      });
    } catch {
      return;
    }
    toast(`User ${username} created.`, 'ok');
    $('user-create').reset();
    await loadUsers();
  });
  $('audit-refresh').addEventListener('click', loadAudit);
  $('verify-chain').addEventListener('click', verify);
  await Promise.all([loadUsers(), loadAudit()]);
}

start(main);
