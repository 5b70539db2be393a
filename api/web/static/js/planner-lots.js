// A plan's lots (planners): package the plan into lots, list them with their status, publish a draft,
// award a published lot to an operator, withdraw a lot and put a withdrawn lot's routes back to tender.
// Every action is one call to the public API; the API decides what is allowed (one grouping per plan,
// only drafts published, only published lots awarded, a route in one live lot) and the page shows its answer.
import { api, downloadPdf, el, errorSummary, guard, params, setParam, table, tag } from '/web/static/js/common.js';

const STATUS = { draft: 'grey', published: 'green', awarded: 'blue', withdrawn: 'red' };
const FIELDS = ['grouping', 'award-lot', 'award-operator', 'award-phone', 'letters-first-day'];
const state = { planId: null, lots: [] };
const s = guard();
if (s) main();

async function main() {
  const errors = document.getElementById('errors');
  state.planId = params().get('plan') || sessionStorage.getItem('sen-last-plan');
  if (!/^\d+$/.test(state.planId || '')) {  // the menu item with no plan opened yet: the newest plan
    try { state.planId = String((await api('/v1/plans?limit=1')).data[0]?.id || ''); } catch { state.planId = ''; }
  }
  if (/^\d+$/.test(state.planId)) setParam('plan', state.planId);
  if (!/^\d+$/.test(state.planId || '')) {
    errorSummary(errors, [{ text: 'Open this page from a plan on the plan map', href: '#back-link' }]);
    for (const id of ['create-form', 'award-form', 'letters-form']) document.getElementById(id).hidden = true;
    return;
  }
  document.getElementById('lots-title').textContent = `Lots of plan ${state.planId}`;
  document.getElementById('back-link').href = `/web/planner?plan=${state.planId}`;
  document.getElementById('create-form').addEventListener('submit', createLots);
  document.getElementById('award-form').addEventListener('submit', award);
  document.getElementById('letters-form').addEventListener('submit', issueLetters);
  loadOperators();
  await load();
}

/** Offer the operators that hold contractor keys in the award form's list. */
async function loadOperators() {
  try {
    const { data } = await api('/v1/operators');
    document.getElementById('operator-list').replaceChildren(
      ...data.map((o) => el('option', { value: o.operator }, `${o.operator} (${o.active_keys} key${o.active_keys === 1 ? '' : 's'})`)));
  } catch { /* the field still takes a name typed in */ }
}

/** Show field errors ({field, text}) beside their fields and in the summary; [] clears them. */
function showErrors(list) {
  for (const f of FIELDS) {
    const mine = list.find((e) => e.field === f);
    const err = document.getElementById(`${f}-error`);
    err.replaceChildren(...(mine ? [el('span', { class: 'govuk-visually-hidden' }, 'Error: '), mine.text] : []));
    err.hidden = !mine;
    document.getElementById(`${f}-group`).classList.toggle('govuk-form-group--error', Boolean(mine));
  }
  errorSummary(document.getElementById('errors'), list.map((e) => ({ text: e.text, href: e.field ? `#${e.field}` : null })));
}

async function load() {
  let res;
  try {
    res = await api(`/v1/plans/${state.planId}/lots`);
  } catch (e) {
    showErrors([{ text: e.status === 404 ? `There is no plan ${state.planId}` : e.message }]);
    return;
  }
  state.lots = res.data;
  render();
}

function render() {
  const box = document.getElementById('lots');
  if (!state.lots.length) {
    box.replaceChildren(el('p', { class: 'govuk-body', id: 'no-lots' }, 'This plan has no lots yet: package it above.'));
  } else {
    const drafts = state.lots.filter((lot) => lot.status === 'draft');
    box.replaceChildren(table(null, ['Select', 'Lot', 'Name', 'Grouping', 'Routes', 'Status', 'Operator', ''],
      state.lots.map((lot) => el('tr', { class: 'govuk-table__row', dataset: { lot: lot.id, status: lot.status } },
        el('td', { class: 'govuk-table__cell' }, lot.status === 'draft'
          ? el('div', { class: 'govuk-checkboxes govuk-checkboxes--small' }, el('div', { class: 'govuk-checkboxes__item' },
            el('input', { class: 'govuk-checkboxes__input sen-publish-pick', type: 'checkbox', id: `pick-${lot.id}`, value: lot.id }),
            el('label', { class: 'govuk-label govuk-checkboxes__label', for: `pick-${lot.id}` }, el('span', { class: 'govuk-visually-hidden' }, `Select lot ${lot.id}`))))
          : ''),
        el('td', { class: 'govuk-table__cell' }, String(lot.id)),
        el('td', { class: 'govuk-table__cell' }, lot.name),
        el('td', { class: 'govuk-table__cell' }, lot.grouping),
        el('td', { class: 'govuk-table__cell' }, lot.routes.map((r) => r.ref).join(', ')),
        el('td', { class: 'govuk-table__cell' }, tag(lot.status, STATUS[lot.status])),
        el('td', { class: 'govuk-table__cell' }, lot.operator || '–'),
        el('td', { class: 'govuk-table__cell' },
          lot.status === 'draft' ? el('button', { type: 'button', class: 'govuk-button govuk-button--secondary sen-inline-button', id: `publish-${lot.id}`,
            onclick: () => publish(lot.id) }, 'Publish', el('span', { class: 'govuk-visually-hidden' }, ` lot ${lot.id}`)) : '',
          lot.status !== 'withdrawn' ? el('button', { type: 'button', class: 'govuk-button govuk-button--warning sen-inline-button', id: `withdraw-${lot.id}`,
            onclick: () => withdraw(lot.id) }, 'Withdraw', el('span', { class: 'govuk-visually-hidden' }, ` lot ${lot.id}`))
            : el('button', { type: 'button', class: 'govuk-button govuk-button--secondary sen-inline-button', id: `retender-${lot.id}`,
              onclick: () => retender(lot.id) }, 'Re-tender', el('span', { class: 'govuk-visually-hidden' }, ` lot ${lot.id}'s routes`)))))
      , { class: 'govuk-table sen-small-table', id: 'lots-table' }),
    drafts.length > 1 ? el('div', { class: 'govuk-button-group' },
      el('button', { type: 'button', class: 'govuk-button', id: 'publish-selected', onclick: () => publishMany([...document.querySelectorAll('.sen-publish-pick:checked')].map((x) => x.value)) }, 'Publish selected lots'),
      el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'publish-all', onclick: () => publishMany(drafts.map((lot) => String(lot.id))) }, `Publish all ${drafts.length} drafts`)) : '');
  }
  const sel = document.getElementById('award-lot');
  const keep = sel.value;
  sel.replaceChildren(el('option', { value: '' }, 'Choose a published lot'),
    ...state.lots.filter((lot) => lot.status === 'published').map((lot) => el('option', { value: lot.id }, `Lot ${lot.id}: ${lot.name}`)));
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : '';
}

async function createLots(ev) {
  ev.preventDefault();
  const chosen = document.querySelector('input[name="grouping"]:checked');
  if (!chosen) { showErrors([{ field: 'grouping', text: 'Choose how to package the plan into lots' }]); return; }
  try {
    const made = await api(`/v1/plans/${state.planId}/lots`, { method: 'POST', json: { grouping: chosen.value } });
    showErrors([]);
    note(`${made.count} ${made.count === 1 ? 'lot' : 'lots'} created as drafts.`);
  } catch (e) {
    showErrors([{ field: 'grouping', text: e.message }]);
    return;
  }
  await load();
}

async function publish(id) {
  try {
    await api(`/v1/lots/${id}/publish`, { method: 'POST' });
    showErrors([]);
    note(`Lot ${id} is published for tender.`);
  } catch (e) {
    showErrors([{ text: `Lot ${id}: ${e.message}` }]);
  }
  await load();
}

/** Publish several drafts, one API call each; every refusal is listed, the rest still go ahead. */
async function publishMany(ids) {
  if (!ids.length) { showErrors([{ text: 'Select at least one draft lot to publish' }]); return; }
  const failed = [];
  for (const id of ids) {
    try { await api(`/v1/lots/${id}/publish`, { method: 'POST' }); } catch (e) { failed.push({ text: `Lot ${id}: ${e.message}` }); }
  }
  showErrors(failed);
  const done = ids.length - failed.length;
  note(`${done} ${done === 1 ? 'lot is' : 'lots are'} published for tender.`);
  await load();
}

/** Withdraw a lot: its operator loses access, it leaves the tenders, its routes can be packaged and awarded again. */
async function withdraw(id) {
  try {
    await api(`/v1/lots/${id}/withdraw`, { method: 'POST' });
    showErrors([]);
    note(`Lot ${id} is withdrawn: its operator can no longer see it, and its routes can be packaged again and re-awarded.`);
  } catch (e) {
    showErrors([{ text: `Lot ${id}: ${e.message}` }]);
  }
  await load();
}

/** Put a withdrawn lot's routes back to tender as a new draft lot; the plan's other lots stay as they are. */
async function retender(id) {
  try {
    const lot = await api(`/v1/lots/${id}/retender`, { method: 'POST' });
    showErrors([]);
    note(`Lot ${id}'s routes are back to tender as draft lot ${lot.id}: publish it, then award it.`);
  } catch (e) {
    showErrors([{ text: `Lot ${id}: ${e.message}` }]);
  }
  await load();
}

async function award(ev) {
  ev.preventDefault();
  const lot = document.getElementById('award-lot').value;
  const operator = document.getElementById('award-operator').value.trim();
  const phone = document.getElementById('award-phone').value.trim();
  const missing = [];
  if (!lot) missing.push({ field: 'award-lot', text: 'Choose a published lot to award' });
  if (!operator) missing.push({ field: 'award-operator', text: 'Enter the operator\'s name' });
  if (missing.length) { showErrors(missing); return; }
  try {
    const a = await api(`/v1/lots/${lot}/award`, { method: 'POST', json: phone ? { operator, phone } : { operator } });
    showErrors([]);
    note(`Lot ${a.lot_id} is awarded to ${a.operator}${a.phone ? ` (phone ${a.phone})` : ''}.`);
    document.getElementById('award-operator').value = '';
    document.getElementById('award-phone').value = '';
  } catch (e) {
    showErrors([{ field: 'award-lot', text: e.message }]);
    return;
  }
  await load();
}

/** Issue the travel letters of the plan's awarded routes; list them (with downloads) and the children left waiting. */
async function issueLetters(ev) {
  ev.preventDefault();
  const firstDay = document.getElementById('letters-first-day').value;
  if (!firstDay) { showErrors([{ field: 'letters-first-day', text: 'Enter the first day of the arrangements' }]); return; }
  let res;
  try {
    res = await api(`/v1/plans/${state.planId}/travel-letters`, { method: 'POST', json: { first_day: firstDay } });
  } catch (e) {
    showErrors([{ field: 'letters-first-day', text: e.message }]);
    return;
  }
  showErrors([]);
  note(`${res.count} travel ${res.count === 1 ? 'letter' : 'letters'} issued and recorded as sent; ${res.not_issued.length} ${res.not_issued.length === 1 ? 'child' : 'children'} not yet.`);
  const box = document.getElementById('letters');
  box.replaceChildren(
    res.count ? table('Letters issued', ['Child', 'Letter', 'SHA-256', ''], res.data.map((d) => el('tr', { class: 'govuk-table__row', dataset: { document: d.id } },
      el('td', { class: 'govuk-table__cell' }, d.subject),
      el('td', { class: 'govuk-table__cell' }, d.title),
      el('td', { class: 'govuk-table__cell sen-mono' }, d.sha256.slice(0, 12)),
      el('td', { class: 'govuk-table__cell' }, el('button', { type: 'button', class: 'govuk-button govuk-button--secondary sen-inline-button',
        onclick: () => downloadPdf(d.pdf_url, `travel-letter-${d.subject}.pdf`).catch((e) => showErrors([{ text: e.message }])) },
      'Download PDF', el('span', { class: 'govuk-visually-hidden' }, ` for ${d.subject}`))))), { class: 'govuk-table sen-small-table', id: 'letters-table' }) : null,
    res.not_issued.length ? table('No letter yet', ['Child', 'Why'], res.not_issued.map((n) => [n.subject, n.reason]),
      { class: 'govuk-table sen-small-table', id: 'not-issued-table' }) : null);
}

function note(text) {
  document.getElementById('banner').replaceChildren(
    el('div', { class: 'govuk-notification-banner govuk-notification-banner--success', role: 'alert', id: 'lots-banner' },
      el('div', { class: 'govuk-notification-banner__header' },
        el('h2', { class: 'govuk-notification-banner__title' }, 'Success')),
      el('div', { class: 'govuk-notification-banner__content' }, el('p', { class: 'govuk-notification-banner__heading' }, text))));
}
