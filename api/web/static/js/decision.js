// Decision screen (officers): open or enter an application, see its decision explained and the
// measured walking route on the map. Decisions come from the API (the engine decides, not this page).
/* global L */
import { api, downloadPdf as download, el, errorSummary, guard, params, setParam } from '/web/static/js/common.js';
import { makeMap } from '/web/static/js/map.js';
import { KIND_WORDS, decisionParts, drawDecision, mapKey } from '/web/static/js/decision-view.js';
import { offersSection } from '/web/static/js/offers-view.js';
import { setUpList } from '/web/static/js/applications-list.js';
import { caseworkSection } from '/web/static/js/casework.js';
import { fieldError, fieldHref, readDate } from '/web/static/js/forms.js';

const state = {};

if (guard()) main();

async function main() {
  // the forms are live before the map has loaded, so an early click never submits the form natively
  const ready = makeMap('map', { label: 'Map of the measured walking route' }).then((map) => {
    state.map = map;
    state.layer = L.layerGroup().addTo(map);
    mapKey(map);
  });
  document.getElementById('open').addEventListener('submit', (ev) => { ev.preventDefault(); ready.then(() => openApplication(document.getElementById('ref').value.trim())); });
  document.getElementById('new').addEventListener('submit', (ev) => { ev.preventDefault(); ready.then(() => submitNew(true)); });
  document.getElementById('check-only').addEventListener('click', () => ready.then(() => submitNew(false)));
  setUpList();
  for (const fmt of ['csv', 'xlsx']) {  // fetched with the bearer token, so buttons and not plain links
    document.getElementById(`download-decisions-${fmt}`).addEventListener('click', () => download(`/v1/decisions.${fmt}`, `decisions.${fmt}`)
      .catch((e) => errorSummary(document.getElementById('errors'), [{ text: `Download decisions: ${e.message}` }])));
  }
  await ready;
  const ref = params().get('application');
  if (ref) { document.getElementById('ref').value = ref; openApplication(ref); }
  loadSchools();
}

/** Offer the known schools (URN and name) in the school fields' lists. */
async function loadSchools() {
  try {
    const { data: items } = await api('/v1/schools');
    document.getElementById('school-list').replaceChildren(
      ...items.map((s) => el('option', { value: s.id }, `${s.name} (${s.phase}${s.sen_provision !== 'none' ? `, ${s.sen_provision}` : ''})`)));
  } catch { /* the fields still take a URN typed in */ }
}

async function openApplication(ref) {
  const errors = document.getElementById('errors');
  fieldError('ref', '');
  if (!ref) { fieldError('ref', 'Enter an application reference'); errorSummary(errors, [{ text: 'Enter an application reference', href: '#ref' }]); return; }
  errorSummary(errors, []);
  let app; let history;
  try {
    app = await api(`/v1/applications/${encodeURIComponent(ref)}`);
    history = await api(`/v1/applications/${encodeURIComponent(ref)}/decisions`);
  } catch (e) {
    const text = e.status === 404 ? `No application ${ref}` : e.message;
    fieldError('ref', text);
    errorSummary(errors, [{ text, href: '#ref' }]);
    return;
  }
  setParam('application', ref);
  const current = history.data[history.data.length - 1];
  if (!current) { showUndecided(app); return; }
  const assessed = [...history.data].reverse().find((d) => d.document);
  await show(assessed?.document, current.document ? current : assessed || current, app, current.document ? null : current);
  const box = document.getElementById('decision');
  try {
    box.append(await caseworkSection(app.id, history.data, () => openApplication(app.id)));
  } catch (e) { box.append(el('p', { class: 'govuk-error-message' }, `Reviews and appeals could not be loaded: ${e.message}`)); }
}

/** The current decision when it is not the engine's (an override, or a review or appeal outcome). */
function currentPanel(d) {
  return el('div', { class: `govuk-panel ${d.eligible ? 'govuk-panel--confirmation' : 'sen-panel-refused'}`, id: 'decision-panel' },
    el('h2', { class: 'govuk-panel__title' }, d.eligible ? 'Eligible' : 'Not eligible'),
    el('div', { class: 'govuk-panel__body' }, `by ${KIND_WORDS[d.kind] || d.kind}`));
}

function showUndecided(app) {
  const box = document.getElementById('decision');
  box.replaceChildren(el('h2', { class: 'govuk-heading-m' }, `${app.id}: not decided yet`),
    el('button', { class: 'govuk-button', type: 'button', id: 'assess-button', onclick: () => assess(app.id) }, 'Decide now'));
  box.hidden = false;
  state.layer.clearLayers();
}

async function assess(ref) {
  try {
    await api(`/v1/applications/${encodeURIComponent(ref)}/assess`, { method: 'POST' });
    await openApplication(ref);
  } catch (e) { errorSummary(document.getElementById('errors'), [{ text: e.message }]); }
}

function formBody() {
  const v = (id) => document.getElementById(id).value.trim();
  const c = (id) => document.getElementById(id).checked;
  const body = {
    application_id: v('application_id'), first_name: v('first_name'), date_of_birth: readDate('date_of_birth'),
    home: { postcode: v('postcode').toUpperCase() }, school_id: v('school_id'), travel_date: readDate('travel_date'),
    ehc_plan: c('ehc_plan'), sen_mobility: c('sen_mobility'), low_income: c('low_income'), sen_evidence: v('sen_evidence'),
    needs: { wheelchair: c('wheelchair'), passenger_assistant: c('passenger_assistant'), travel_alone: c('travel_alone'),
      can_use_public_transport: c('can_use_public_transport'), travel_training_candidate: c('travel_training_candidate') },
  };
  if (v('ehc_named_school_id')) body.ehc_named_school_id = v('ehc_named_school_id');
  return body;
}

/** After "Save and decide" (or "Decide without saving") the page moves to the outcome. */
function focusOutcome() {
  const panel = document.getElementById('decision-panel');
  if (!panel) return;
  panel.setAttribute('tabindex', '-1');
  panel.focus();
  panel.scrollIntoView({ block: 'start' });
}

const DATES = { date_of_birth: 'Date of birth', travel_date: 'Travel from' };
const REQUIRED = [['application_id', 'Enter a reference'], ['date_of_birth', 'Enter the date of birth'], ['postcode', 'Enter the home postcode'],
  ['school_id', 'Enter the school URN'], ['travel_date', 'Enter the date travel starts']];

async function submitNew(save) {
  const errors = document.getElementById('errors');
  const problems = [];
  for (const [id, msg] of REQUIRED) {
    let problem = '';
    if (DATES[id]) {
      const value = readDate(id);
      problem = value === '' ? msg : value === null ? `${DATES[id]} must be a real date, for example ${id === 'date_of_birth' ? '30 6 2014' : '3 9 2025'}` : '';
    } else if (!document.getElementById(id).value.trim()) problem = msg;
    fieldError(id, problem);
    if (problem) problems.push({ text: problem, href: fieldHref(id) });
  }
  if (problems.length) { errorSummary(errors, problems); return; }
  const body = formBody();
  try {
    if (save) {
      await api('/v1/applications', { method: 'POST', json: body });
      await api(`/v1/applications/${encodeURIComponent(body.application_id)}/assess`, { method: 'POST' });
      document.getElementById('ref').value = body.application_id;
      await openApplication(body.application_id);
    } else {
      const doc = await api('/v1/eligibility/check', { method: 'POST', json: body });
      await show(doc, { kind: 'not saved' }, null);
    }
    errorSummary(errors, []);
    focusOutcome();
  } catch (e) {
    // the API names the field: put the message next to it when we have that field
    const list = Array.isArray(e.detail) ? e.detail : [{ loc: [], msg: e.message }];
    const items = list.map((d) => {
      const loc = (d.loc || []).filter((x) => x !== 'body');
      const id = loc[loc.length - 1] === 'postcode' ? 'postcode' : loc[loc.length - 1];
      const text = `${loc.length ? `${loc.join(' ')}: ` : ''}${d.msg}`;
      return { text, href: id && fieldError(id, d.msg) ? fieldHref(id) : undefined };
    });
    errorSummary(errors, items);
  }
}

/** Show the engine's decision ``doc``; ``replaced_by``: a later officer's decision now in force. */
async function show(doc, meta, app, replacedBy = null) {
  const box = document.getElementById('decision');
  const replaced = replacedBy ? [currentPanel(replacedBy),
    el('p', { class: 'govuk-body sen-explanation', id: 'current-explanation' }, replacedBy.explanation),
    doc ? el('h2', { class: 'govuk-heading-m' }, 'The engine\'s assessment it replaced') : null] : [];
  if (!doc) {
    box.replaceChildren(...replaced.filter(Boolean));
    box.hidden = false;
    state.layer.clearLayers();
    return;
  }
  const parts = decisionParts(doc, meta);
  if (replacedBy) parts.panel.id = 'assessment-panel';
  box.replaceChildren(...[...replaced, parts.panel,
    app ? el('p', { class: 'govuk-body sen-no-print' }, el('a', { class: 'govuk-link', id: 'letter-link', href: `/web/officer/letter?application=${encodeURIComponent(app.id)}` }, 'Printable decision letter')) : null,
    parts.caution, el('h2', { class: 'govuk-heading-m' }, 'Explanation'), parts.explanation,
    el('h2', { class: 'govuk-heading-m' }, 'The decision'), parts.summary, parts.schools, parts.checks].filter(Boolean));
  if (app && doc.eligible) box.append(await offersSection(app.id));
  box.hidden = false;
  await drawDecision(state.map, state.layer, doc);
}
