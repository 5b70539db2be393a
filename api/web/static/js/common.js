// Shared by every page: sign-in state, calls to the public API, and small DOM helpers.
// All data comes from the /v1 API with the signed-in key's bearer token; nothing is decided here.

const STORE = 'sen-transport.session';

export function session() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { return null; }
}

export function signOut(message) {
  sessionStorage.removeItem(STORE);
  const q = message ? `?message=${encodeURIComponent(message)}` : '';
  window.location.assign(`/web/${q}`);
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : formatDetail(detail));
    this.status = status;
    this.detail = detail;
  }
}

function formatDetail(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((x) => x !== 'body').join('.')}: ${d.msg}`).join('; ');
  }
  return JSON.stringify(detail);
}

/** Call the API as the signed-in user; JSON in and out. A 401 (expired token) signs out. */
export async function api(path, { method = 'GET', json, body, headers = {}, token } = {}) {
  const s = session();
  const h = { Accept: 'application/json', ...headers };
  const bearer = token || (s && s.token);
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  let payload = body;
  if (json !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(json); }
  const resp = await fetch(path, { method, headers: h, body: payload });
  let data = null;
  const text = await resp.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (resp.status === 401 && !token) { signOut('Your session has ended: sign in again.'); }
  if (!resp.ok) throw new ApiError(resp.status, (data && data.detail) || `${resp.status} ${resp.statusText}`);
  return data;
}

/** Exchange an API key (sentk_<id>_<secret>) for a bearer token, and learn its role. */
export async function signIn(key) {
  const m = /^sentk_([0-9a-f]+)_(.+)$/.exec(key.trim());
  if (!m) throw new ApiError(422, 'Enter an API key in the form sentk_…');
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: m[1], client_secret: m[2] });
  const resp = await fetch('/v1/auth/token', { method: 'POST', body: form });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new ApiError(resp.status, resp.status === 401 ? 'The API key is not valid (unknown, revoked or mistyped)' : data.detail);
  const who = await api('/web/session', { token: data.access_token });
  const s = { token: data.access_token, expires: Date.now() + data.expires_in * 1000, ...who };
  sessionStorage.setItem(STORE, JSON.stringify(s));
  return s;
}

export const HOME = { planner: '/web/planner', officer: '/web/officer', contractor: '/web/contractor', admin: '/web/planner' };

/** Show the page only to its roles; otherwise say why. Returns the session or null. */
export function guard() {
  const roles = (document.body.dataset.roles || '').split(' ').filter(Boolean);
  const s = session();
  const who = document.getElementById('who');
  if (s) {
    document.getElementById('who-text').textContent =
      `Signed in: ${s.role}${s.operator ? ` (${s.operator})` : ''}`;
    who.hidden = false;
    document.getElementById('sign-out').addEventListener('click', () => signOut());
    for (const li of document.querySelectorAll('#nav-list [data-for]')) {
      li.hidden = !li.dataset.for.split(' ').includes(s.role);
    }
  }
  if (!roles.length) return s;
  if (!s || s.expires < Date.now()) { signOut(s ? 'Your session has ended: sign in again.' : 'Sign in to use this page.'); return null; }
  if (!roles.includes(s.role)) {
    showMessage('warning', `This page is for ${roles.filter((r) => r !== 'admin').join(' or ')} keys. You are signed in as ${s.role}.`,
      HOME[s.role]);
    return null;
  }
  document.getElementById('page-body').hidden = false;
  return s;
}

export function showMessage(kind, text, link) {
  const box = document.getElementById('page-message');
  box.replaceChildren(el('div', { class: 'govuk-warning-text' },
    el('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
    el('strong', { class: 'govuk-warning-text__text' },
      el('span', { class: 'govuk-visually-hidden' }, 'Warning'), text, ' ',
      link ? el('a', { class: 'govuk-link', href: link }, 'Go to your page') : '')));
  box.hidden = false;
}

/** Build an element: attributes, then children (strings become text nodes, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A GOV.UK error summary at the top of ``container`` listing ``errors`` ({text, href}). */
export function errorSummary(container, errors, title = 'There is a problem') {
  container.replaceChildren();
  if (!errors.length) { container.hidden = true; return; }
  const box = el('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1' },
    el('div', { role: 'alert' },
      el('h2', { class: 'govuk-error-summary__title' }, title),
      el('div', { class: 'govuk-error-summary__body' },
        el('ul', { class: 'govuk-list govuk-error-summary__list' },
          errors.map((e) => el('li', {}, e.href ? el('a', { href: e.href }, e.text) : e.text))))));
  container.append(box);
  container.hidden = false;
  box.focus();
}

/** A GOV.UK summary list from [key, value] rows (value may be a node). */
export function summaryList(rows, attrs = {}) {
  return el('dl', { class: 'govuk-summary-list', ...attrs },
    rows.filter(Boolean).map(([k, v]) => el('div', { class: 'govuk-summary-list__row' },
      el('dt', { class: 'govuk-summary-list__key' }, k),
      el('dd', { class: 'govuk-summary-list__value' }, v === null || v === undefined || v === '' ? '–' : v))));
}

/** A GOV.UK table: head labels and rows of cells (strings or nodes). */
export function table(caption, head, rows, attrs = {}) {
  return el('table', { class: 'govuk-table', ...attrs },
    caption ? el('caption', { class: 'govuk-table__caption govuk-table__caption--s' }, caption) : null,
    el('thead', { class: 'govuk-table__head' },
      el('tr', { class: 'govuk-table__row' }, head.map((h) => el('th', { scope: 'col', class: 'govuk-table__header' }, h)))),
    el('tbody', { class: 'govuk-table__body' },
      rows.map((r) => (r instanceof Node ? r : el('tr', { class: 'govuk-table__row' },
        r.map((c) => el('td', { class: 'govuk-table__cell' }, c)))))));
}

export function tag(text, colour) {
  return el('strong', { class: `govuk-tag${colour ? ` govuk-tag--${colour}` : ''}` }, text);
}

export const pounds = (pence) => (pence === null || pence === undefined ? '–'
  : `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);

export const miles = (m) => (m === null || m === undefined ? '–' : `${(m / 1609.344).toFixed(2)} mi`);

export function params() { return new URLSearchParams(window.location.search); }

export function setParam(name, value) {
  const u = new URL(window.location.href);
  if (value === null || value === undefined || value === '') u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  window.history.replaceState(null, '', u);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Download a stored PDF through the API (the bearer token goes in the header, so no plain link). */
export async function downloadPdf(url, filename) {
  const s = session();
  const resp = await fetch(url, { headers: s && s.token ? { Authorization: `Bearer ${s.token}` } : {} });
  if (!resp.ok) {
    let detail = `${resp.status} ${resp.statusText}`;
    try { detail = (await resp.json()).detail || detail; } catch { /* not JSON */ }
    throw new ApiError(resp.status, detail);
  }
  const href = URL.createObjectURL(await resp.blob());
  const a = el('a', { href, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

/** A date as GOV.UK writes it: "2025-09-03" (or a timestamp) -> "3 September 2025" (UTC for timestamps). */
export function govukDate(value) {
  if (!value) return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
