import { HOME, el, errorSummary, guard, params, signIn } from '/web/static/js/common.js';

const s = guard();
const msg = params().get('message');
const errors = document.getElementById('errors');
if (msg) errorSummary(errors, [{ text: msg }], 'Sign in');
if (s) {
  const box = document.getElementById('signed-in');
  box.append(el('div', { class: 'govuk-inset-text' }, `You are signed in as ${s.role}${s.operator ? ` for ${s.operator}` : ''}. `,
    el('a', { class: 'govuk-link', href: HOME[s.role] }, 'Go to your page'), '.'));
  box.hidden = false;
}

document.getElementById('signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = document.getElementById('api-key');
  const group = document.getElementById('key-group');
  const err = document.getElementById('api-key-error');
  try {
    const who = await signIn(input.value);
    window.location.assign(HOME[who.role]);
  } catch (e) {
    group.classList.add('govuk-form-group--error');
    input.classList.add('govuk-input--error');
    err.replaceChildren(el('span', { class: 'govuk-visually-hidden' }, 'Error: '), e.message);
    err.hidden = false;
    errorSummary(errors, [{ text: e.message, href: '#api-key' }]);
  }
});
