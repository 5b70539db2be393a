// Cohort import (officers): send the CSV or Excel workbook, bytes as they are, to the API and show its per-row report.
// The API detects the encoding (UTF-8 or Windows-1252) and reads .xlsx; the page must not decode the file itself.
import { api, downloadPdf as download, el, errorSummary, guard, summaryList, table, tag } from '/web/static/js/common.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

if (guard()) {
  document.getElementById('import').addEventListener('submit', submit);
  for (const format of ['csv', 'xlsx']) {
    document.getElementById(`template-${format}`).addEventListener('click', () => download(
      `/v1/applications/import-template?format=${format}`, `applications-template.${format}`)
      .catch((e) => errorSummary(document.getElementById('errors'), [{ text: e.message }])));
  }
}

async function submit(ev) {
  ev.preventDefault();
  const errors = document.getElementById('errors');
  const input = document.getElementById('csv-file');
  const group = document.getElementById('csv-file-group');
  const err = document.getElementById('csv-file-error');
  const file = input.files[0];
  const fail = (text) => {
    group.classList.add('govuk-form-group--error');
    err.replaceChildren(el('span', { class: 'govuk-visually-hidden' }, 'Error: '), text);
    err.hidden = false;
    errorSummary(errors, [{ text, href: '#csv-file' }]);
  };
  if (!file) { fail('Select a CSV or Excel file'); return; }
  const xlsx = /\.xlsx$/i.test(file.name);
  if (!xlsx && !/\.(csv|txt)$/i.test(file.name)) { fail('The file must be a CSV (.csv) or an Excel workbook (.xlsx)'); return; }
  group.classList.remove('govuk-form-group--error');
  err.hidden = true;
  const button = document.getElementById('import-button');
  button.disabled = true;
  let rep;
  try {
    rep = await api(`/v1/applications/import?assess=${document.getElementById('assess').checked}`,
      { method: 'POST', body: file, headers: { 'Content-Type': xlsx ? XLSX : 'text/csv' } });
  } catch (e) { fail(e.message); return; } finally { button.disabled = false; }
  errorSummary(errors, rep.errors ? [{ text: `${rep.errors} of ${rep.rows} rows could not be imported: see the reasons below`, href: '#report-table' }] : [],
    'Some rows have errors');
  const status = { created: ['created', 'green'], duplicate: ['already stored', 'grey'], error: ['error', 'red'] };
  document.getElementById('report').replaceChildren(
    el('h2', { class: 'govuk-heading-m' }, 'Import report'),
    summaryList([['Rows', String(rep.rows)], ['Created', String(rep.created)], ['Already stored', String(rep.duplicates)],
      ['Decided', String(rep.assessed)], ['Errors', String(rep.errors)]], { id: 'report-summary' }),
    table(null, ['Row', 'Reference', 'Status', 'Decision', 'Reason'], rep.report.map((r) => [
      String(r.row), r.application_id ? el('a', { class: 'govuk-link', href: `/web/officer?application=${encodeURIComponent(r.application_id)}` }, r.application_id) : '–',
      tag(...status[r.status]), r.eligible === null ? '–' : (r.eligible ? 'eligible' : 'not eligible'), r.reason || '–']), { id: 'report-table' }));
}
