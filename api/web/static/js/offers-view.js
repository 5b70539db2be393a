// The offers for one child on the officer's decision screen: seat, PTB, pass and travel training with
// their annual cost to the council, whether each suits the child (and why not), and the workings.
import { api, el, pounds } from '/web/static/js/common.js';

const NAMES = { seat: 'Seat on council transport', ptb: 'Personal transport budget', pass: 'Public transport pass',
  travel_training: 'Independent travel training, then a pass' };


/** A section listing the child's offers from the newest stored plan that carries them. */
export async function offersSection(ref) {
  const box = el('section', { id: 'offers', 'aria-labelledby': 'offers-heading' },
    el('h2', { class: 'govuk-heading-m', id: 'offers-heading' }, 'Offers'),
    el('p', { class: 'govuk-body', id: 'offers-status' }, 'Working out the offers...'));
  fill(box, ref);
  return box;
}

async function fill(box, ref) {
  let data;
  try {
    data = await api(`/v1/applications/${encodeURIComponent(ref)}/offers`);
  } catch (e) {
    box.querySelector('#offers-status').textContent = e.status === 404
      ? 'The child is not on a planned route yet: offers are worked out once a plan carries them.'
      : `Offers could not be worked out: ${e.message}`;
    return;
  }
  const cheapest = data.options.find((o) => o.kind === data.cheapest);
  const rows = data.options.map((o) => el('tr', { class: 'govuk-table__row', dataset: { offer: o.kind } },
    el('th', { class: 'govuk-table__header', scope: 'row' }, NAMES[o.kind] || o.name,
      o.kind === data.cheapest ? el('strong', { class: 'govuk-tag govuk-tag--green sen-tag-inline' }, 'cheapest suitable') : null),
    el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, pounds(o.annual_pence)),
    el('td', { class: 'govuk-table__cell' }, o.suitable ? 'Yes' : `No: ${o.reason}`)));
  const table = el('table', { class: 'govuk-table', id: 'offers-table' },
    el('caption', { class: 'govuk-table__caption govuk-table__caption--s' }, `Cost to the council a year (plan ${data.plan_id})`),
    el('thead', { class: 'govuk-table__head' }, el('tr', { class: 'govuk-table__row' },
      ...['Offer', 'Cost a year', 'Suitable'].map((h) => el('th', { class: 'govuk-table__header', scope: 'col' }, h)))),
    el('tbody', { class: 'govuk-table__body' }, ...rows));
  const workings = el('details', { class: 'govuk-details', id: 'offers-workings' },
    el('summary', { class: 'govuk-details__summary' }, el('span', { class: 'govuk-details__summary-text' }, 'How these were worked out')),
    el('div', { class: 'govuk-details__text' }, el('dl', { class: 'govuk-summary-list' },
      ...data.options.map((o) => el('div', { class: 'govuk-summary-list__row' },
        el('dt', { class: 'govuk-summary-list__key' }, NAMES[o.kind] || o.name),
        el('dd', { class: 'govuk-summary-list__value sen-workings' }, o.workings, el('br'), el('span', { class: 'govuk-hint' }, o.rule)))))));
  const summary = data.saving_vs_seat_pence > 0
    ? `${NAMES[cheapest.kind]} would cost ${pounds(data.saving_vs_seat_pence)} a year less than a seat.`
    : 'A seat is the cheapest suitable offer.';
  box.querySelector('#offers-status').textContent = summary;
  box.append(el('div', { class: 'sen-table-scroll' }, table), workings);
}
