// The printable decision letter (officers): the stored decision's explanation, distances and the
// measured route, laid out for print. The words are the engine's explanation, not written here.
/* global L */
import { api, downloadPdf, el, errorSummary, govukDate, guard, miles, params, summaryList } from '/web/static/js/common.js';
import { makeMap } from '/web/static/js/map.js';
import { KIND_WORDS, basisNames, decisionParts, drawDecision, mapKey, nearerSchool, offerText, refusalName } from '/web/static/js/decision-view.js';

if (guard()) main();

async function main() {
  document.getElementById('print').addEventListener('click', () => window.print());
  const ref = params().get('application');
  const errors = document.getElementById('errors');
  if (!ref) { errorSummary(errors, [{ text: 'Open a letter from an application on the decision screen.' }]); return; }
  document.getElementById('back').href = `/web/officer?application=${encodeURIComponent(ref)}`;
  document.getElementById('issue-letter').addEventListener('click', () => issue(ref, errors));
  let app; let history;
  try {
    [app, history] = await Promise.all([api(`/v1/applications/${encodeURIComponent(ref)}`), api(`/v1/applications/${encodeURIComponent(ref)}/decisions`)]);
  } catch (e) { errorSummary(errors, [{ text: e.message }]); return; }
  const current = history.data[history.data.length - 1];
  const doc = current && (current.document || [...history.data].reverse().find((d) => d.document)?.document);
  if (!doc) { errorSummary(errors, [{ text: `${ref} has no decision yet` }]); return; }
  const name = app.application.first_name || 'your child';
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  document.getElementById('letter-head').replaceChildren(`Reference: ${ref}`, el('br'), `Date: ${today}`, el('br'), 'To the parent or carer of ', name);
  document.getElementById('letter-title').textContent = current.eligible ? `Transport to school for ${name}: agreed` : `Transport to school for ${name}: not agreed`;
  const parts = decisionParts(doc, current);
  const eligible = current.eligible;
  document.getElementById('letter-body').replaceChildren(...[
    el('p', { class: 'govuk-body' }, `You applied for free home to school transport for ${name} to ${doc.school_name}, from ${govukDate(doc.inputs.travel_date)}.`),
    el('p', { class: 'govuk-body-l', id: 'letter-outcome' }, outcomeText(name, current, doc)),
    current.kind !== 'assessment' && current.reason ? el('p', { class: 'govuk-body' }, `Officer's reason: ${current.reason}`) : null,
    parts.explanation].filter(Boolean));
  document.getElementById('route-caption').textContent = `From home to ${doc.school_name}: walking ${miles(doc.walking_m)}, `
    + `safe walking ${miles(doc.safe_walking_m)}${(doc.unsafe_segments_avoided || []).length ? ` (avoiding assessed unsafe stretches ${doc.unsafe_segments_avoided.join(', ')})` : ''}.`
    + (nearerSchool(doc) ? ` The dotted line is the walking route to the nearer suitable school, ${nearerSchool(doc).name} (${miles(nearerSchool(doc).walking_m)}).` : '');
  document.getElementById('letter-reasons').replaceChildren(summaryList([
    ['Decided by', doc.decided_by], ['School considered nearest suitable', (doc.schools_considered || [])[0]?.name || '–'],
    ['Policy', `${doc.policy_id} ${doc.policy_version}`], ['Decision valid until', `${doc.valid_until}`]]), parts.schools);
  document.getElementById('letter').hidden = false;
  const map = await makeMap('map', { label: 'Map of the measured walking route' });
  const layer = L.layerGroup().addTo(map);
  mapKey(map);
  const bounds = await drawDecision(map, layer, doc);
  // printed on A4 the map changes size: fit home and school again, so both stay in frame on paper
  const refit = () => { map.invalidateSize({ animate: false }); if (bounds) map.fitBounds(bounds, { animate: false }); };
  window.addEventListener('beforeprint', refit);
  window.matchMedia('print').addEventListener('change', refit);
}

/** The outcome in one sentence: the engine's (bases and offer, or the refusal), or the officer's decision that replaced it. */
function outcomeText(name, current, doc) {
  if (!current.document && KIND_WORDS[current.kind]) {
    return `${name} is ${current.eligible ? 'eligible' : 'not eligible'}: ${KIND_WORDS[current.kind]} decided so.`;
  }
  return current.eligible ? `${name} is eligible (${basisNames(doc).join(', ')}). We offer ${offerText(doc.offer)}.`
    : `${name} is not eligible: ${refusalName(doc).toLowerCase()}.`;
}

/** Issue the stored PDF letter of the decision in force (the server renders and keeps it), then download it. */
async function issue(ref, errors) {
  let doc;
  try {
    doc = await api(`/v1/applications/${encodeURIComponent(ref)}/decision-letter`, { method: 'POST', json: {} });
  } catch (e) { errorSummary(errors, [{ text: e.message }]); return; }
  errorSummary(errors, []);
  const box = document.getElementById('issued');
  box.replaceChildren(el('div', { class: 'govuk-notification-banner govuk-notification-banner--success', role: 'alert', id: 'issued-banner' },
    el('div', { class: 'govuk-notification-banner__header' }, el('h2', { class: 'govuk-notification-banner__title' }, 'Letter issued')),
    el('div', { class: 'govuk-notification-banner__content' },
      el('p', { class: 'govuk-notification-banner__heading' }, `Document ${doc.id}${doc.supersedes_id ? ` (replaces document ${doc.supersedes_id}, which is kept)` : ''}`),
      summaryList([['Decision', `decision ${doc.decision_id}`], ['Policy', doc.policy_version],
        ['Review by', doc.sources.review_by], ['SHA-256', doc.sha256]], { id: 'issued-facts' }),
      el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'download-letter',
        onclick: () => downloadPdf(doc.pdf_url, `decision-letter-${ref}.pdf`).catch((e) => errorSummary(errors, [{ text: e.message }])) },
      'Download the PDF'))));
}
