// GOV.UK form parts built in the page (the casework forms) and read back: the date pattern (day, month,
// year), text areas, radios, and errors shown beside the field and in the error summary.
import { el } from '/web/static/js/common.js';

const PARTS = [['day', 'Day', 2], ['month', 'Month', 2], ['year', 'Year', 4]];

/** A GOV.UK date input (day, month, year) with its legend, hint and error line; ids ``{id}-day`` etc. */
export function dateFields(id, legend, hint = 'For example, 27 3 2025') {
  return el('div', { class: 'govuk-form-group', id: `${id}-group` },
    el('fieldset', { class: 'govuk-fieldset', role: 'group', 'aria-describedby': `${id}-hint` },
      el('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, legend),
      el('div', { class: 'govuk-hint', id: `${id}-hint` }, hint),
      el('p', { class: 'govuk-error-message', id: `${id}-error`, hidden: true }),
      el('div', { class: 'govuk-date-input', id },
        PARTS.map(([p, label, w]) => el('div', { class: 'govuk-date-input__item' }, el('div', { class: 'govuk-form-group' },
          el('label', { class: 'govuk-label govuk-date-input__label', for: `${id}-${p}` }, label),
          el('input', { class: `govuk-input govuk-date-input__input govuk-input--width-${w}`, id: `${id}-${p}`, name: `${id}-${p}`, type: 'text', inputmode: 'numeric' })))))));
}

/** The ISO date of a GOV.UK date input: '' when all three are empty, null when not a real date. */
export function readDate(id) {
  const [d, mo, y] = ['day', 'month', 'year'].map((p) => document.getElementById(`${id}-${p}`).value.trim());
  if (!d && !mo && !y) return '';
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(mo) || !/^\d{4}$/.test(y)) return null;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(mo) - 1) return null;
  return `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** Fill a GOV.UK date input from an ISO date. */
export function setDate(id, iso) {
  const [y, mo, d] = (iso || '').split('-');
  document.getElementById(`${id}-day`).value = d ? String(Number(d)) : '';
  document.getElementById(`${id}-month`).value = mo ? String(Number(mo)) : '';
  document.getElementById(`${id}-year`).value = y || '';
}

export function textArea(id, label, hint = '') {
  return el('div', { class: 'govuk-form-group', id: `${id}-group` },
    el('label', { class: 'govuk-label govuk-label--s', for: id }, label),
    hint ? el('div', { class: 'govuk-hint', id: `${id}-hint` }, hint) : null,
    el('p', { class: 'govuk-error-message', id: `${id}-error`, hidden: true }),
    el('textarea', { class: 'govuk-textarea', id, name: id, rows: '3', 'aria-describedby': hint ? `${id}-hint` : null }));
}

/** GOV.UK radios: ``options`` are [value, label]; ids ``{id}-{value}``. */
export function radios(id, legend, options) {
  return el('div', { class: 'govuk-form-group', id: `${id}-group` },
    el('fieldset', { class: 'govuk-fieldset' },
      el('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, legend),
      el('p', { class: 'govuk-error-message', id: `${id}-error`, hidden: true }),
      el('div', { class: 'govuk-radios govuk-radios--small', id },
        options.map(([value, label]) => el('div', { class: 'govuk-radios__item' },
          el('input', { class: 'govuk-radios__input', id: `${id}-${value}`, name: id, type: 'radio', value }),
          el('label', { class: 'govuk-label govuk-radios__label', for: `${id}-${value}` }, label))))));
}

export function checkbox(id, label) {
  return el('div', { class: 'govuk-form-group' }, el('div', { class: 'govuk-checkboxes govuk-checkboxes--small' },
    el('div', { class: 'govuk-checkboxes__item' },
      el('input', { class: 'govuk-checkboxes__input', id, name: id, type: 'checkbox' }),
      el('label', { class: 'govuk-label govuk-checkboxes__label', for: id }, label))));
}

export const radioValue = (id) => document.querySelector(`input[name="${id}"]:checked`)?.value || '';

/** Show (or clear, with '') a field's error beside it; false when the page has no such field. */
export function fieldError(id, message) {
  const group = document.getElementById(`${id}-group`);
  const err = document.getElementById(`${id}-error`);
  if (!group || !err) return false;
  group.classList.toggle('govuk-form-group--error', Boolean(message));
  const input = document.getElementById(id);
  if (input && /^(INPUT|TEXTAREA|SELECT)$/.test(input.tagName)) input.classList.toggle(input.tagName === 'TEXTAREA' ? 'govuk-textarea--error' : 'govuk-input--error', Boolean(message));
  for (const p of ['day', 'month', 'year']) document.getElementById(`${id}-${p}`)?.classList.toggle('govuk-input--error', Boolean(message));
  err.replaceChildren(...(message ? [el('span', { class: 'govuk-visually-hidden' }, 'Error: '), message] : []));
  err.hidden = !message;
  return true;
}

/** Where the error summary's link for a field goes: the first input of a date or radios group. */
export function fieldHref(id) {
  if (document.getElementById(`${id}-day`)) return `#${id}-day`;
  const radio = document.querySelector(`input[name="${id}"]`);
  return radio ? `#${radio.id}` : `#${id}`;
}

/** Errors of an API refusal as summary items, each also shown beside its field (``fields`` maps API names to ids). */
export function apiErrors(e, fields = {}) {
  const list = Array.isArray(e.detail) ? e.detail : [{ loc: [], msg: e.message }];
  return list.map((d) => {
    const loc = (d.loc || []).filter((x) => x !== 'body');
    const id = fields[loc[loc.length - 1]];
    const text = String(d.msg).replace(/^Value error, /, '');
    return { text, href: id && fieldError(id, text) ? fieldHref(id) : undefined };
  });
}
