// The officer's list to work from: search by reference, first name or postcode; filter by status,
// school and travel date (GOV.UK date input); sort; page. Everything is GET /v1/applications.
import { api, el, errorSummary, govukDate, table, tag } from '/web/static/js/common.js';
import { deadlineText } from '/web/static/js/casework.js';
import { fieldError, fieldHref, readDate } from '/web/static/js/forms.js';

export const PAGE_SIZE = 20;
const STATUS = { received: ['Undecided', 'grey'], eligible: ['Eligible', 'green'], not_eligible: ['Refused', 'red'] };

const DATE_FILTERS = [['find-date', 'Travel from', '3 9 2025'], ['find-from', 'Received on or after', '1 6 2025'],
  ['find-to', 'Received on or before', '30 6 2025']];

export function setUpList() {
  const form = document.getElementById('find');
  form.addEventListener('submit', (ev) => { ev.preventDefault(); search(0); });
  search(0);
}

async function search(offset) {
  const box = document.getElementById('find-results');
  const dates = {};
  const problems = [];
  for (const [id, name, example] of DATE_FILTERS) {
    dates[id] = readDate(id);
    const message = dates[id] === null ? `${name} must be a real date, for example ${example}` : '';
    fieldError(id, message);
    if (message) problems.push({ text: message, href: fieldHref(id) });
  }
  if (!problems.length && dates['find-from'] && dates['find-to'] && dates['find-to'] < dates['find-from']) {
    const message = 'Received on or before must be the same as or after received on or after';
    fieldError('find-to', message);
    problems.push({ text: message, href: fieldHref('find-to') });
  }
  if (problems.length) { errorSummary(document.getElementById('errors'), problems); return; }
  errorSummary(document.getElementById('errors'), []);
  const date = dates['find-date'];
  const q = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset), sort: document.getElementById('find-sort').value });
  const text = document.getElementById('find-q').value.trim();
  const status = document.getElementById('find-status').value;
  const school = document.getElementById('find-school').value.trim();
  if (text) q.set('q', text);
  if (status) q.set('status', status);
  if (school) q.set('school_id', school);
  if (date) q.set('travel_date', date);
  if (dates['find-from']) q.set('received_from', dates['find-from']);
  if (dates['find-to']) q.set('received_to', dates['find-to']);
  let page;
  try {
    page = await api(`/v1/applications?${q}`);
  } catch (e) { box.replaceChildren(el('p', { class: 'govuk-error-message' }, e.message)); return; }
  if (!page.count) { box.replaceChildren(el('p', { class: 'govuk-body', id: 'find-count' }, 'No applications match.')); return; }
  const last = offset + page.data.length;
  const nav = el('nav', { class: 'govuk-pagination govuk-pagination--block', 'aria-label': 'Pages of applications' },
    offset > 0 ? el('div', { class: 'govuk-pagination__prev' }, el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'find-prev', onclick: () => search(Math.max(0, offset - PAGE_SIZE)) }, 'Previous page')) : null,
    last < page.count ? el('div', { class: 'govuk-pagination__next' }, el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'find-next', onclick: () => search(offset + PAGE_SIZE) }, 'Next page')) : null);
  box.replaceChildren(
    el('p', { class: 'govuk-body', id: 'find-count' }, `Showing ${offset + 1} to ${last} of ${page.count} ${page.count === 1 ? 'application' : 'applications'}`),
    el('div', { class: 'sen-table-scroll' }, table('', ['Reference', 'First name', 'Postcode', 'School', 'Travel from', 'Review or appeal', 'Status'],
      page.data.map((a) => [
        el('a', { class: 'govuk-link', href: `/web/officer?application=${encodeURIComponent(a.id)}` }, a.id),
        a.application.first_name || '–', a.application.home.postcode || '–', a.school_id, govukDate(a.travel_date),
        a.open_case ? el('span', { class: 'sen-case-due' }, `Stage ${a.open_case.stage}: ${a.open_case.next_deadline_is} due `,
          el('span', { class: 'sen-nowrap' }, deadlineText(a.open_case.next_deadline, null)),
          a.open_case.next_deadline < new Date().toISOString().slice(0, 10) ? [' ', tag('Overdue', 'red')] : '') : '–',
        tag(...(STATUS[a.status] || [a.status, 'grey']))]), { id: 'find-table' })),
    nav);
}
