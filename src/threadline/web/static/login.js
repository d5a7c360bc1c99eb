// The login form: POST /auth/login (which sets the session cookie), then back
// to the page that sent the analyst here.

import { $, api } from './api.js';

/** Only a path on this site: never an open redirect to another origin. */
function safeNext() {
  const next = new URLSearchParams(window.location.search).get('next') || '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/login')) {
    return '/';
  }
  return next;
}

const form = $('login-form');
const error = $('login-error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('/auth/login', {
      method: 'POST',
      json: { username: $('login-username').value.trim(), password: $('login-password').value },
      quiet: true,
      authRedirect: false,
    });
    window.location.assign(safeNext());
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
    $('login-password').select();
  } finally {
    button.disabled = false;
  }
});
