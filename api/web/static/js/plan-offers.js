// Plan map (planners): mark the children for whom another offer is cheaper than their seat, from the
// plan's offers report (same pseudonymous ids as the route sheets), and list them.
import { api, el, pounds } from '/web/static/js/common.js';

const NAMES = { ptb: 'personal transport budget', pass: 'public transport pass', travel_training: 'travel training' };

document.getElementById('offers-button')?.addEventListener('click', showCheaper);

async function showCheaper() {
  const planId = document.getElementById('map').dataset.plan;
  const box = document.getElementById('offers-summary');
  if (!planId) return;
  box.replaceChildren(el('p', { class: 'govuk-body', id: 'offers-working' }, 'Working out each child\'s offers...'));
  let rep;
  try {
    rep = await api(`/v1/plans/${encodeURIComponent(planId)}/offers`);
  } catch (e) {
    box.replaceChildren(el('p', { class: 'govuk-error-message' }, `Offers could not be worked out: ${e.message}`));
    return;
  }
  const cheaper = rep.data.filter((c) => c.cheapest !== 'seat');
  document.querySelectorAll('.sen-pin-inner[data-child]').forEach((pin) => pin.classList.remove('sen-pin--cheaper'));
  for (const c of cheaper) {
    document.querySelectorAll(`.sen-pin-inner[data-child="${c.pseudonym}"]`).forEach((pin) => pin.classList.add('sen-pin--cheaper'));
  }
  const total = cheaper.reduce((sum, c) => sum + c.saving_vs_seat_pence, 0);
  const rows = cheaper.map((c) => el('tr', { class: 'govuk-table__row' },
    el('td', { class: 'govuk-table__cell' }, c.pseudonym),
    el('td', { class: 'govuk-table__cell' }, NAMES[c.cheapest] || c.cheapest),
    el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, pounds(c.saving_vs_seat_pence))));
  box.replaceChildren(
    el('p', { class: 'govuk-body', id: 'offers-count' },
      `${cheaper.length} of ${rep.count} children have a cheaper suitable offer (marked on the map with a dashed ring). `
      + `Their seats' marginal costs come to ${pounds(total)} a year more than those offers; seats interact, so the `
      + 'saving if families accept is re-planned, not added up: ask for it with the offers report.'),
    cheaper.length ? el('div', { class: 'sen-table-scroll' }, el('table', { class: 'govuk-table', id: 'offers-cheaper-table' },
      el('thead', { class: 'govuk-table__head' }, el('tr', { class: 'govuk-table__row' },
        ...['Child', 'Cheaper offer', 'Less than the seat, a year'].map((h) => el('th', { class: 'govuk-table__header', scope: 'col' }, h)))),
      el('tbody', { class: 'govuk-table__body' }, ...rows))) : null);
}
