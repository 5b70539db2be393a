// Printable route sheets of a plan (planners): one table per route, from /v1/plans/{id}/route-sheets.
import { api, el, errorSummary, guard, params, pounds, table } from '/web/static/js/common.js';
import { renderDaySheets } from '/web/static/js/day-plan.js';

if (guard()) main();

async function main() {
  document.getElementById('print').addEventListener('click', () => window.print());
  const planId = params().get('plan');
  if (!planId) { errorSummary(document.getElementById('errors'), [{ text: 'Open the route sheets from a plan on the plan map.' }]); return; }
  let sheets;
  try { sheets = await api(`/v1/plans/${planId}/route-sheets`); } catch (e) { errorSummary(document.getElementById('errors'), [{ text: e.message }]); return; }
  document.getElementById('sheets-title').textContent = `Route sheets: plan ${planId}`;
  if (sheets.data.some((r) => r.run)) { // a day plan: a sheet per vehicle and run, the times of each weekday
    try { await renderDaySheets(planId, document.getElementById('sheets')); } catch (e) { errorSummary(document.getElementById('errors'), [{ text: e.message }]); }
    return;
  }
  const routes = new Map();
  for (const r of sheets.data) { if (!routes.has(r.route)) routes.set(r.route, []); routes.get(r.route).push(r); }
  // where to go: the pick-up's postcode or street in words; at a school, its bell time
  const where = (x) => (x.place === 'home' ? x.address || '–' : x.bell ? `bell ${x.bell}` : '–');
  const cost = (rows) => (rows[0].route_day_cost_pence === null || rows[0].route_day_cost_pence === undefined ? '' : `, ${pounds(rows[0].route_day_cost_pence)} a day`);
  document.getElementById('sheets').replaceChildren(...[...routes.entries()].map(([id, rows]) => el('section', { class: 'sen-sheet', dataset: { route: id } },
    el('h2', { class: 'govuk-heading-m' }, `${id}: ${rows[0].vehicle_type} (${rows[0].layout})${rows[0].assistant ? ', passenger assistant on board' : ''}`),
    el('p', { class: 'govuk-body sen-sheet-figures' }, `${rows[0].route_miles} miles${cost(rows)}`),
    table(null, ['#', 'Arrive', 'Depart', 'Stop', 'Where to go, bell', 'Child', 'Needs'],
      rows.map((x) => [String(x.stop), x.arrive, x.depart, `${x.kind} – ${x.place}`, where(x), x.child ? (x.operator_child ? `${x.child} (${x.operator} sees ${x.operator_child})` : x.child) : '–', x.needs || '–'])))));
}
