// September readiness (planners, officers): one call to /v1/readiness for the chosen first day of term;
// the states, counts and reasons are the API's, shown here as they come.
import { api, el, errorSummary, guard, params, setParam, table, tag } from '/web/static/js/common.js';

const LABELS = {
  ready: ['On an awarded route, travel letter sent', 'green'],
  awarded_no_letter: ['On an awarded route, no travel letter yet', 'yellow'],
  planned_not_awarded: ['On a planned route not yet awarded', 'orange'],
  offer_awaiting_family: ['Offered a PTB or pass, awaiting the family', 'purple'],
  eligible_not_planned: ['Eligible, not yet planned', 'red'],
  awaiting_decision: ['Awaiting a decision', 'grey'],
};

let latest = 0; // the newest request: an older answer that arrives after it is dropped

if (guard()) main();

function main() {
  const input = document.getElementById('first-day');
  const now = new Date();
  const year = now.getMonth() > 8 || (now.getMonth() === 8 && now.getDate() > 3) ? now.getFullYear() + 1 : now.getFullYear();
  input.value = params().get('first_day') || `${year}-09-03`;
  document.getElementById('readiness-form').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  load();
}

function fieldError(text) {
  const err = document.getElementById('first-day-error');
  err.replaceChildren(...(text ? [el('span', { class: 'govuk-visually-hidden' }, 'Error: '), text] : []));
  err.hidden = !text;
  document.getElementById('first-day-group').classList.toggle('govuk-form-group--error', Boolean(text));
  errorSummary(document.getElementById('errors'), text ? [{ text, href: '#first-day' }] : []);
}

async function load() {
  const day = document.getElementById('first-day').value;
  if (!day) { fieldError('Enter the first day of term'); return; }
  const mine = ++latest;
  let v;
  try {
    v = await api(`/v1/readiness?first_day=${encodeURIComponent(day)}`);
  } catch (e) { if (mine === latest) fieldError(e.message); return; }
  if (mine !== latest) return;
  fieldError('');
  setParam('first_day', day);
  const notReady = v.total - v.ready;
  document.getElementById('headline').replaceChildren(
    el('h2', { class: 'govuk-heading-l govuk-!-margin-bottom-2', id: 'ready-count' }, `${v.ready} of ${v.total} ready`),
    el('p', { class: 'govuk-body-l govuk-!-margin-bottom-0', id: 'days-to-go' }, v.days_to_go >= 0
      ? `${v.days_to_go} ${v.days_to_go === 1 ? 'day' : 'days'} to go; ${notReady} not ready`
      : `term started ${-v.days_to_go} days ago; ${notReady} not ready`));
  document.getElementById('states').replaceChildren(table(null, ['State', 'Children'],
    Object.entries(v.states).map(([s, n]) => el('tr', { class: 'govuk-table__row', dataset: { state: s } },
      el('td', { class: 'govuk-table__cell' }, tag(LABELS[s][0], LABELS[s][1])),
      el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, String(n)))),
    { class: 'govuk-table sen-small-table', id: 'states-table' }));
  const keys = Object.keys(LABELS);
  document.getElementById('schools').replaceChildren(v.by_school.length ? table(null, ['School', 'Ready', 'Not ready', 'Total'],
    v.by_school.map((r) => el('tr', { class: 'govuk-table__row', dataset: { school: r.school_id } },
      el('td', { class: 'govuk-table__cell' }, r.school_name),
      el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, String(r.ready)),
      el('td', { class: 'govuk-table__cell govuk-table__cell--numeric', title: keys.filter((k) => k !== 'ready' && r[k]).map((k) => `${LABELS[k][0]}: ${r[k]}`).join('; ') }, String(r.total - r.ready)),
      el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, String(r.total)))),
    { class: 'govuk-table sen-small-table', id: 'schools-table' }) : el('p', { class: 'govuk-body' }, 'No applications yet.'));
  document.getElementById('not-ready').replaceChildren(v.not_ready.length ? table(null, ['Application', 'School', 'State', 'Why'],
    v.not_ready.map((c) => el('tr', { class: 'govuk-table__row', dataset: { reference: c.reference, state: c.state } },
      el('td', { class: 'govuk-table__cell' }, c.reference),
      el('td', { class: 'govuk-table__cell' }, c.school_name),
      el('td', { class: 'govuk-table__cell' }, tag(LABELS[c.state][0], LABELS[c.state][1])),
      el('td', { class: 'govuk-table__cell' }, c.reason))),
    { class: 'govuk-table sen-small-table', id: 'not-ready-table' }) : el('p', { class: 'govuk-body', id: 'all-ready' }, 'Every child is ready.'));
  document.getElementById('countdown').replaceChildren(table(null, ['Day', 'Days to go', 'Ready', 'Not ready'],
    v.countdown.map((d) => el('tr', { class: 'govuk-table__row', dataset: { date: d.date } },
      el('td', { class: 'govuk-table__cell' }, new Date(`${d.date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })),
      el('td', { class: 'govuk-table__cell' }, String(d.days_to_go)),
      el('td', { class: 'govuk-table__cell' }, d.ready === null ? '' : String(d.ready)),
      el('td', { class: 'govuk-table__cell' }, d.not_ready === null ? '' : String(d.not_ready)))),
    { class: 'govuk-table sen-small-table sen-countdown', id: 'countdown-table' }));
  const shown = document.getElementById('readiness');
  shown.dataset.firstDay = day;
  shown.hidden = false;
}
