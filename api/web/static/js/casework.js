// The officer's casework on the decision screen: the decision history, stage 1 reviews and stage 2 appeals
// with their deadlines (working days, from the API), hearings and outcomes, and overrides with the
// mandatory reason. Every action is a /v1 call; the API decides what is allowed and refuses the rest.
import { api, el, errorSummary, govukDate, summaryList, table, tag } from '/web/static/js/common.js';
import { apiErrors, checkbox, dateFields, fieldError, fieldHref, radioValue, radios, readDate, textArea } from '/web/static/js/forms.js';

const KIND = { assessment: 'Assessment', reassessment: 'Re-assessment', override: 'Officer override', review: 'Stage 1 review', appeal: 'Stage 2 appeal' };
const CASE_STATUS = { awaiting_review: ['Awaiting review answer', 'yellow'], awaiting_hearing: ['Awaiting panel hearing', 'yellow'],
  hearing_scheduled: ['Hearing scheduled', 'blue'], decided: ['Decided', 'grey'] };
const OUTCOME = { refusal_upheld: 'Refusal upheld', refusal_overturned: 'Refusal overturned: eligible' };

const today = () => new Date().toISOString().slice(0, 10);
const plural = (n, one) => `${n} working ${one}${Math.abs(n) === 1 ? '' : 's'}`;

/** "due 15 May 2025 (5 working days left)" or "(overdue by 2 working days)". */
export function deadlineText(date, left) {
  if (!date) return '–';
  if (left === null || left === undefined) return govukDate(date);
  if (left < 0) return `${govukDate(date)} (overdue by ${plural(-left, 'day')})`;
  return `${govukDate(date)} (${left === 0 ? 'due today' : `${plural(left, 'day')} left`})`;
}

/** The casework section for application ``ref``: ``history`` is its decisions, oldest first; ``reload`` re-opens it. */
export async function caseworkSection(ref, history, reload) {
  const { data: cases } = await api(`/v1/cases?application_id=${encodeURIComponent(ref)}&include_decided=true`);
  const current = history[history.length - 1];
  const box = el('section', { id: 'casework', 'aria-labelledby': 'casework-heading', class: 'sen-no-print' },
    el('h2', { class: 'govuk-heading-m', id: 'casework-heading' }, 'Reviews, appeals and overrides'));
  box.append(table('Decision history, oldest first', ['Date', 'Decision', 'Outcome', 'Reason'],
    history.map((d) => [govukDate(d.created_at), KIND[d.kind] || d.kind, d.eligible ? 'Eligible' : 'Not eligible', d.reason || '–']),
    { id: 'decision-history' }));
  for (const c of [...cases].sort((a, b) => a.stage - b.stage || a.id - b.id)) box.append(caseCard(c));

  const act = (title, id, body, submit, label) => el('details', { class: 'govuk-details', id: `${id}-details` },
    el('summary', { class: 'govuk-details__summary' }, el('span', { class: 'govuk-details__summary-text' }, title)),
    el('div', { class: 'govuk-details__text' }, el('form', { id, novalidate: true, onsubmit: (ev) => { ev.preventDefault(); submit(); } },
      ...body, el('button', { type: 'submit', class: 'govuk-button', id: `${id}-button` }, label))));

  const open = cases.find((c) => c.status !== 'decided');
  // a refusal gets one stage 1 review: none asked since the current decision was made
  const reviewed = current && cases.some((c) => c.stage === 1 && c.requested_on >= current.created_at.slice(0, 10));
  if (current && !current.eligible && !open && !reviewed) {
    box.append(act('Record a request for a stage 1 review', 'review', [
      dateFields('review-on', 'Date the parent asked'), textArea('review-grounds', 'Grounds for the review'),
      checkbox('review-late', 'Accept a late request (officer\'s discretion)')],
    () => requestCase(`/v1/applications/${encodeURIComponent(ref)}/reviews`, 'review', reload), 'Open the review'));
  }
  if (open && open.status !== 'awaiting_hearing') {
    const who = open.stage === 1 ? 'review' : 'panel\'s';
    box.append(act(`Record the ${who} outcome`, 'outcome', [
      radios('outcome-choice', 'Outcome', [['refusal_upheld', 'Refusal upheld'], ['refusal_overturned', 'Refusal overturned: the child is eligible']]),
      dateFields('outcome-on', 'Date decided'), textArea('outcome-reason', 'Reason', 'At least 10 characters; it is kept in the decision history')],
    () => recordOutcome(open, reload), 'Record the outcome'));
  }
  if (open && open.status === 'awaiting_hearing') {
    box.append(act('Schedule the panel hearing', 'hearing', [
      dateFields('hearing-on', 'Hearing date', `A working day by ${govukDate(open.hearing_by)}. For example, 27 3 2025`)],
    () => scheduleHearing(open, reload), 'Schedule the hearing'));
  }
  const upheld = cases.find((c) => c.stage === 1 && c.outcome === 'refusal_upheld' && !cases.some((x) => x.stage === 2));
  if (upheld) {
    box.append(act('Record a request for a stage 2 appeal', 'appeal', [
      el('p', { class: 'govuk-body' }, `The parent may ask by ${govukDate(upheld.appeal_deadline)}.`),
      dateFields('appeal-on', 'Date the parent asked'), textArea('appeal-grounds', 'Grounds for the appeal'),
      checkbox('appeal-late', 'Accept a late request (officer\'s discretion)')],
    () => requestCase(`/v1/cases/${upheld.id}/appeal`, 'appeal', reload), 'Open the appeal'));
  }
  if (current) {
    box.append(act('Override the decision', 'override', [
      el('p', { class: 'govuk-body' }, 'An override replaces the current decision. The reason is required and is kept in the decision history.'),
      radios('override-eligible', 'New decision', [['true', 'Eligible'], ['false', 'Not eligible']]),
      textArea('override-reason', 'Reason for the override', 'At least 10 characters, for example the evidence relied on')],
    () => override(ref, reload), 'Override'));
  }
  for (const id of ['review-on', 'outcome-on', 'appeal-on']) { if (box.querySelector(`#${id}-day`)) setDateIn(box, id, today()); }
  return box;
}

function setDateIn(box, id, iso) {
  const [y, mo, d] = iso.split('-');
  box.querySelector(`#${id}-day`).value = String(Number(d));
  box.querySelector(`#${id}-month`).value = String(Number(mo));
  box.querySelector(`#${id}-year`).value = y;
}

function caseCard(c) {
  const [status, colour] = CASE_STATUS[c.status] || [c.status, 'grey'];
  const name = c.stage === 1 ? 'Stage 1 review' : 'Stage 2 appeal';
  return el('div', { class: 'sen-case', id: `case-${c.id}` },
    el('h3', { class: 'govuk-heading-s' }, `${name} `, tag(status, colour)),
    summaryList([
      ['Asked on', `${govukDate(c.requested_on)}${c.in_time ? '' : ' (late, accepted)'}`],
      ['Last day to ask', govukDate(c.request_deadline)],
      c.stage === 2 ? ['Panel meets by', govukDate(c.hearing_by)] : null,
      c.hearing_on ? ['Hearing', govukDate(c.hearing_on)] : null,
      c.status !== 'decided' ? ['Next deadline', el('span', { class: 'sen-next-deadline' }, `${c.next_deadline_is}: ${deadlineText(c.next_deadline, c.working_days_left)}`)]
        : ['Outcome', `${OUTCOME[c.outcome] || c.outcome}, ${govukDate(c.decided_on)}: ${c.outcome_reason}`],
      c.appeal_deadline ? ['Stage 2 appeal asked by', govukDate(c.appeal_deadline)] : null,
    ], { class: 'govuk-summary-list govuk-summary-list--no-border' }));
}

function fail(items) { errorSummary(document.getElementById('errors'), items); }

/** Check the fields named in ``required`` ([id, message, kind]); show each problem; true when all are good. */
function check(required) {
  const problems = [];
  for (const [id, message, kind] of required) {
    let bad = '';
    if (kind === 'date') {
      const v = readDate(id);
      bad = v === '' ? message : v === null ? `${message.replace(/^Enter/, 'Enter a real date for')}, for example 27 3 2025` : '';
    } else if (kind === 'radio') bad = radioValue(id) ? '' : message;
    else {
      const v = document.getElementById(id).value.trim();
      bad = !v ? message : (kind === 'reason' && v.length < 10) ? 'The reason must be at least 10 characters' : '';
    }
    fieldError(id, bad);
    if (bad) problems.push({ text: bad, href: fieldHref(id) });
  }
  if (problems.length) fail(problems);
  return !problems.length;
}

async function send(path, json, fields, reload) {
  try {
    await api(path, { method: 'POST', json });
  } catch (e) { fail(apiErrors(e, fields)); return; }
  fail([]);
  await reload();
  document.getElementById('casework-heading')?.scrollIntoView({ block: 'start' });
}

function requestCase(path, prefix, reload) {
  if (!check([[`${prefix}-on`, 'Enter the date the parent asked', 'date'], [`${prefix}-grounds`, 'Enter the grounds']])) return;
  send(path, { requested_on: readDate(`${prefix}-on`), grounds: document.getElementById(`${prefix}-grounds`).value.trim(),
    accept_late: document.getElementById(`${prefix}-late`).checked },
  { requested_on: `${prefix}-on`, grounds: `${prefix}-grounds` }, reload);
}

function recordOutcome(c, reload) {
  if (!check([['outcome-choice', 'Choose the outcome', 'radio'], ['outcome-on', 'Enter the date decided', 'date'],
    ['outcome-reason', 'Enter the reason', 'reason']])) return;
  send(`/v1/cases/${c.id}/outcome`, { outcome: radioValue('outcome-choice'), decided_on: readDate('outcome-on'),
    reason: document.getElementById('outcome-reason').value.trim() },
  { outcome: 'outcome-choice', decided_on: 'outcome-on', reason: 'outcome-reason' }, reload);
}

function scheduleHearing(c, reload) {
  if (!check([['hearing-on', 'Enter the hearing date', 'date']])) return;
  send(`/v1/cases/${c.id}/hearing`, { hearing_on: readDate('hearing-on') }, { hearing_on: 'hearing-on' }, reload);
}

function override(ref, reload) {
  if (!check([['override-eligible', 'Choose the new decision', 'radio'], ['override-reason', 'Enter the reason for the override', 'reason']])) return;
  send(`/v1/applications/${encodeURIComponent(ref)}/override`, { eligible: radioValue('override-eligible') === 'true',
    reason: document.getElementById('override-reason').value.trim() },
  { eligible: 'override-eligible', reason: 'override-reason' }, reload);
}
