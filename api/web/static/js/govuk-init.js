// Initialise GOV.UK Frontend's components (skip link, error summary, details, ...).
import { initAll } from '/web/static/vendor/govuk/govuk-frontend.min.js';
initAll();

// At phone width wide tables scroll inside themselves (app.css); a table that scrolls takes keyboard focus
// (tabindex 0) so it can be scrolled without a mouse.
function focusableScrollers() {
  for (const t of document.querySelectorAll('.govuk-main-wrapper .govuk-table')) {
    if (t.scrollWidth > t.clientWidth + 1) {
      if (!t.hasAttribute('tabindex')) {
        t.setAttribute('tabindex', '0');
        t.dataset.senScroll = '1';
      }
    } else if (t.dataset.senScroll) {
      t.removeAttribute('tabindex');
      delete t.dataset.senScroll;
    }
  }
}
new MutationObserver(focusableScrollers).observe(document.body, { childList: true, subtree: true });
window.addEventListener('resize', focusableScrollers);
focusableScrollers();
