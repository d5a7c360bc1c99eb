// The page frame shared by every page but the login form: who is logged in
// (or off to /login), the navigation, log out, and the "working on" picker
// that sets the case or purpose sent with every audited read.

import {
  $, api, banner, clearScope, el, getScope, onScopeChange, setScope,
} from './api.js';

let casesCache = [];

/** The cases the user is a member of (as loaded by boot). */
export function myCases() {
  return casesCache;
}

function caseTitle(c) {
  return c.title ?? c.name ?? c.id;
}

function renderScope() {
  const select = $('scope-case');
  const purpose = $('scope-purpose');
  const scope = getScope();
  const options = [el('option', { value: '', text: '— no case —' })];
  for (const c of casesCache) options.push(el('option', { value: c.id, text: caseTitle(c) }));
  // A case chosen earlier that is no longer listed stays visible, so the
  // analyst sees what is being sent (the API will refuse it if it is gone).
  if (scope.case && !casesCache.some((c) => c.id === scope.case)) {
    options.push(el('option', { value: scope.case, text: scope.case }));
  }
  select.replaceChildren(...options);
  select.value = scope.case;
  purpose.value = scope.purpose;
  purpose.disabled = Boolean(scope.case);
  purpose.title = scope.case ? 'A case is chosen: its id is recorded as the purpose.' : '';
  document.body.classList.toggle('no-scope', !scope.case && !scope.purpose);
}

function wireScope() {
  const form = $('scope');
  const select = $('scope-case');
  const purpose = $('scope-purpose');
  select.addEventListener('change', () => setScope({ case: select.value }));
  purpose.addEventListener('input', () => setScope({ purpose: purpose.value }, false));
  purpose.addEventListener('change', () => setScope({ purpose: purpose.value }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setScope({ purpose: purpose.value });
  });
  onScopeChange(renderScope);
}

/** Reload the case list in the picker (after creating or joining a case). */
export async function refreshCases() {
  try {
    const data = await api('/cases', { quiet: true });
    casesCache = (data?.cases || []).filter((c) => c.member !== false);
  } catch {
    casesCache = [];
  }
  renderScope();
  return casesCache;
}

/**
 * Check the session and set up the frame. Resolves to the user
 * ({name, role}); on 401 the API wrapper has already gone to /login.
 */
export async function boot() {
  let me;
  try {
    me = await api('/auth/me');
  } catch (error) {
    if (error.status !== 401) banner(`Cannot reach Threadline: ${error.message}`);
    throw error;
  }
  $('user-name').textContent = me.name;
  $('user-role').textContent = me.role;
  for (const link of document.querySelectorAll('[data-nav="admin"]')) link.hidden = me.role !== 'admin';
  $('logout').addEventListener('click', async () => {
    try {
      await api('/auth/logout', { method: 'POST', quiet: true, authRedirect: false });
    } finally {
      clearScope();
      window.location.assign('/login');
    }
  });
  wireScope();
  await refreshCases();
  return me;
}
