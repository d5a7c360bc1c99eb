// The one way pages talk to the JSON API, plus the small DOM and formatting
// helpers every page shares.
//
// Every request sends `X-Threadline-Request: 1` (the API's CSRF guard for
// cookie sessions) and the session cookie; every error comes back in one
// shape, {"error": {"status", "code", "message"}}, whose message is written
// for analysts, so it is shown as is. A 401 means the session is gone: the
// page goes to the login form and comes back afterwards.
//
// Data is never parsed as HTML: `el` builds nodes and sets text with
// textContent, so a value holding markup stays text.

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** The API URL for `path` with `params` (empty values left out, arrays repeated). */
export function apiUrl(path, params) {
  const url = new URL(API_BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const item of value) url.searchParams.append(key, String(item));
    } else {
      url.searchParams.set(key, String(value));
    }
  }
  return url.pathname + url.search;
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function describeFields(fields) {
  if (!Array.isArray(fields) || fields.length === 0) return '';
  const parts = fields.map((f) => {
    if (typeof f === 'string') return f;
    const where = f.field ?? (Array.isArray(f.loc) ? f.loc.filter((x) => x !== 'body').join('.') : '');
    const what = f.message ?? f.msg ?? '';
    return where ? `${where}: ${what}` : what;
  });
  return ' (' + parts.join('; ') + ')';
}

function toError(response, data) {
  const err = data && typeof data === 'object' ? data.error : null;
  if (err && typeof err === 'object') {
    const message = String(err.message || err.code || `HTTP ${response.status}`);
    return new ApiError(
      Number(err.status) || response.status,
      String(err.code || 'error'),
      message + describeFields(err.fields),
      err.fields,
    );
  }
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText || ''}`.trim() + '.',
  );
}

/** Go to the login form, coming back to this page afterwards. */
export function redirectToLogin() {
  const here = window.location.pathname + window.location.search;
  window.location.assign('/login?next=' + encodeURIComponent(here));
}

/**
 * Call the API. Options: method, params (query), json (body), form (FormData),
 * quiet (do not show the error), authRedirect (default true: go to /login on 401).
 * Resolves to the parsed JSON; rejects with an ApiError.
 */
export async function api(path, options = {}) {
  const { method = 'GET', params, json, form, quiet = false, authRedirect = true } = options;
  const headers = { 'X-Threadline-Request': '1', Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser sets the multipart boundary
  }
  let response;
  try {
    response = await fetch(apiUrl(path, params), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    });
  } catch {
    const error = new ApiError(0, 'network_error', 'The server cannot be reached: check the connection and try again.');
    if (!quiet) toast(error.message, 'error');
    throw error;
  }
  const data = await readJson(response);
  if (response.ok) return data;
  const error = toError(response, data);
  if (response.status === 401 && authRedirect) {
    redirectToLogin();
    throw error;
  }
  if (!quiet) toast(error.message, 'error');
  throw error;
}

// ---------------------------------------------------------------- DOM

/**
 * Build an element. `props`: text (textContent), className, dataset (object),
 * testid (data-testid), on (object of event listeners), hidden, title, and any
 * other attribute (set with setAttribute). Children: nodes or strings (text).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'testid') node.dataset.testid = value;
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'hidden') node.hidden = Boolean(value);
    else if (key === 'value') node.value = String(value);
    else if (key === 'checked') node.checked = Boolean(value);
    else if (key === 'disabled') node.disabled = Boolean(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page element #${id} is missing`);
  return node;
}

// ---------------------------------------------------------------- links and text

export const entityHref = (id) => '/entities/' + encodeURIComponent(id);
export const graphHref = (id) => '/graph?id=' + encodeURIComponent(id);
export const caseHref = (id) => '/cases/' + encodeURIComponent(id);
/** A document's page; with `q`, the search terms it marks in the text. */
export const documentHref = (id, q) => '/documents/' + encodeURIComponent(id) + (q ? `?q=${encodeURIComponent(q)}` : '');

/** A link to a document page showing its file name (or caption). */
export function documentLink(id, caption, props = {}, q = '') {
  return el('a', { href: documentHref(id, q), title: id, ...props }, caption || id);
}

/** Snippet parts ({text, match}) as text, the matches in <mark>. */
export function snippetNodes(parts) {
  return (parts || []).map((p) => (p.match ? el('mark', { text: p.text }) : p.text));
}

/** A link to an entity page showing its caption (or its id). */
export function entityLink(id, caption, props = {}) {
  return el('a', { href: entityHref(id), title: id, ...props }, caption || id);
}

/** "2024-05-01 13:07" from an ISO timestamp; the input when it is not one. */
export function fmtTime(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A percentage with at most two decimals: 25, 33.33, 0.5. */
export function fmtPct(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '';
  return `${Number(Number(value).toFixed(2))}%`;
}

/** "birthDate" -> "birth date": FtM property names read as words. */
export function propLabel(name) {
  return String(name).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A row of small labels (datasets, countries). */
export function chips(values, className = 'chip') {
  return (values || []).map((v) => el('span', { className, text: v }));
}

// ---------------------------------------------------------------- toasts

/** Show a message for a while: kind is "info", "ok" or "error". */
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) {
    console.warn(message);
    return;
  }
  const close = el('button', { type: 'button', className: 'toast-close', 'aria-label': 'Dismiss', text: '×' });
  const node = el('div', { className: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: `toast-${kind}` },
    el('span', { text: message }), close);
  const remove = () => node.remove();
  close.addEventListener('click', remove);
  region.append(node);
  setTimeout(remove, kind === 'error' ? 10000 : 4000);
}

/** A lasting banner under the header (a page that cannot work, and why). */
export function banner(message) {
  const node = document.getElementById('banner');
  if (!node) return;
  node.textContent = message;
  node.hidden = !message;
}

/**
 * Run a page's main function. API errors were already shown (or led to the
 * login form); anything else is a bug, reported on the page and the console
 * instead of leaving a half-drawn page with no word.
 */
export function start(main) {
  // data-ready tells browser tests (and anyone scripting the page) that its
  // handlers are in place
  main().then(() => { document.body.dataset.ready = 'true'; }).catch((error) => {
    if (error instanceof ApiError) return;
    console.error(error);
    banner(`This page failed: ${error.message}. Reload it; if that does not help, report it.`);
  });
}

// ---------------------------------------------------------------- case / purpose

// Every search and entity view is audited with the case or purpose it serves.
// The choice lives in sessionStorage: it follows the analyst from page to
// page in this tab and is forgotten when the tab closes.
const CASE_KEY = 'threadline.case';
const PURPOSE_KEY = 'threadline.purpose';
export const SCOPE_EVENT = 'threadline:scope';

export function getScope() {
  return {
    case: sessionStorage.getItem(CASE_KEY) || '',
    purpose: (sessionStorage.getItem(PURPOSE_KEY) || '').trim(),
  };
}

export function setScope({ case: caseId, purpose }, announce = true) {
  if (caseId !== undefined) sessionStorage.setItem(CASE_KEY, caseId || '');
  if (purpose !== undefined) sessionStorage.setItem(PURPOSE_KEY, purpose || '');
  if (announce) window.dispatchEvent(new CustomEvent(SCOPE_EVENT, { detail: getScope() }));
}

export function clearScope() {
  sessionStorage.removeItem(CASE_KEY);
  sessionStorage.removeItem(PURPOSE_KEY);
}

export function hasScope() {
  const scope = getScope();
  return Boolean(scope.case || scope.purpose);
}

/** The `case` or `purpose` query parameter for audited reads (a case wins). */
export function scopeParams() {
  const scope = getScope();
  if (scope.case) return { case: scope.case };
  if (scope.purpose) return { purpose: scope.purpose };
  return {};
}

export function onScopeChange(fn) {
  window.addEventListener(SCOPE_EVENT, () => fn(getScope()));
}
