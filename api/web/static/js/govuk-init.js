// Initialise GOV.UK Frontend's components (skip link, error summary, details, ...).
import { initAll } from '/web/static/vendor/govuk/govuk-frontend.min.js';
initAll();
