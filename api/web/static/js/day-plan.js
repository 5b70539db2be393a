// Day plans on the planner's pages: a vehicle's morning and afternoon duty over the week.
// Everything comes from the API: the plan's day KPIs (GET /v1/plans/{id}, kind "day"), the routes with both
// duties and each weekday's times (GET /v1/plans/{id}/day-routes) and the day comparison
// (GET /v1/plans/{a}/compare/{b}, kind "day"). The map draws each run as its own line ("D001-am", "D001-pm").
import { api, el, pounds, summaryList, table, tag } from '/web/static/js/common.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
const DAY_NAMES = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri' };
const RUN_NAMES = { am: 'Morning', pm: 'Afternoon' };

/** "Mon–Fri", or the days named: "Mon, Wed". */
export function daysText(days) {
  return days.length === 5 ? 'Mon–Fri' : days.map((d) => DAY_NAMES[d] || d).join(', ');
}

/** A day plan's headline cost (a mean school day), or a session plan's. */
export const planCost = (kpis) => (kpis.day_cost_pence ?? kpis.daily_cost_pence);

/** The map's lines and sheet rows of a day plan: one "route" per run, so each run is its own line. */
export function runGeo(geo) {
  return { ...geo, features: geo.features.map((f) => ({ ...f, properties: { ...f.properties, route: `${f.properties.route}-${f.properties.run}` } })) };
}
export function runSheets(rows) { return rows.map((r) => ({ ...r, route: `${r.route}-${r.run}` })); }

/** The KPIs of a day plan: per day, week and school year, vehicles, miles and dead miles, over-limit. */
export function dayKpis(plan) {
  const k = plan.kpis;
  const byType = Object.entries(k.vehicles_by_type).map(([t, n]) => `${n} × ${t}`).join(', ');
  const contract = k.contract_day_cost_pence !== null && k.contract_day_cost_pence !== undefined;
  return summaryList([
    ['Cost per school day', pounds(k.day_cost_pence)],
    ['Cost per week', pounds(k.week_cost_pence)],
    [`Cost per school year (${k.school_days_per_year} days)`, pounds(k.year_cost_pence)],
    contract ? ['At today\'s contract prices', `${pounds(k.contract_day_cost_pence)} a day, ${pounds(k.contract_year_cost_pence)} a year`] : null,
    ['Vehicles', `${k.vehicles}${byType ? ` (${byType})` : ''}`],
    ['Miles per day', `${k.miles_per_day} (${k.dead_miles_per_day} empty between runs)`],
    ['Waiting near school between runs', `${k.waiting_near_school} of ${k.vehicles} vehicles`],
    ['Afternoon', k.afternoon === 'same_vehicle' ? 'home on the vehicle that brought them' : 'planned freely'],
    ['Mean ride', `${k.mean_ride_min} min`],
    ['Longest ride', `${k.max_ride_min} min`],
    ['Children over ride limit on any weekday', String(k.over_limit_any_weekday)],
    ['Children carried', `${k.routed} of ${k.children}`],
    ['Validation (every weekday, both runs)', k.valid && plan.violations === 0 ? tag('Valid', 'green') : tag(`${plan.violations} findings`, 'red')],
  ], { class: 'govuk-summary-list govuk-summary-list--no-border sen-kpis', id: 'kpi-list', 'data-kind': 'day' });
}

function runTimes(run) {
  const days = run.weekdays;
  if (!days.length) return 'not driven';
  const first = days[0];
  return `${run.start[first]}–${run.end[first]}${run.times_differ ? ' (times vary by weekday)' : ''}`;
}

/** One run's stops: one time column, or one per weekday when the times differ; who is not carried on which day. */
export function dutyTable(route, run, { id = 'stops-table' } = {}) {
  const r = route[run];
  const days = r.weekdays;
  const perDay = r.times_differ;
  const head = ['#', 'Stop', 'Child', 'Needs', 'Days', ...(perDay ? days.map((d) => DAY_NAMES[d]) : ['Time'])];
  const rows = r.stops.map((s) => [String(s.stop), `${s.kind} – ${s.place}`, s.child, s.needs || '–', daysText(s.days),
    ...(perDay ? days.map((d) => s.times[d] || 'not today') : [s.times[days.find((d) => s.times[d])] || '–'])]);
  const skipped = Object.entries(r.skipped).map(([d, ids]) => `${DAY_NAMES[d]}: ${ids.join(', ')}`);
  return el('div', { class: 'sen-duty', dataset: { run } },
    table(`${route.route} ${RUN_NAMES[run].toLowerCase()} run (${daysText(days)}): ${route.vehicle_type}, ${route.layout}${route.assistant ? ', passenger assistant' : ''}`,
      head, rows, { id: `${id}-${run}`, class: 'govuk-table sen-needs' }),
    skipped.length ? el('p', { class: 'govuk-body-s', id: `${id}-${run}-skipped` }, `Not carried (not attending): ${skipped.join('; ')}.`) : null);
}

/** The route list of a day plan: per vehicle its morning and afternoon duty; choosing a run highlights it. */
export async function renderDayRoutes(plan, { list, box, colours, select }) {
  const routes = (await api(`/v1/plans/${plan.id}/day-routes`)).data;
  const show = (route, run) => {
    select(`${route.route}-${run}`);
    box.replaceChildren(dutyTable(route, 'am'), dutyTable(route, 'pm'));
    box.querySelector(`.sen-duty[data-run="${run}"]`)?.classList.add('sen-duty--chosen');
  };
  list.replaceChildren(...routes.map((route) => el('li', { class: 'sen-day-route govuk-body-s', dataset: { dayRoute: route.route } },
    el('strong', {}, route.route), ` ${route.vehicle_type}, ${route.children} ${route.children === 1 ? 'child' : 'children'}`,
    route.assistant ? ', assistant' : '', ` · ${daysText(route.weekdays)}`,
    route.between === 'wait' ? ' · waits near school' : ' · back to base between runs',
    ...['am', 'pm'].map((run) => el('button', {
      type: 'button', class: 'sen-route-button sen-run-button', 'aria-pressed': 'false',
      style: `--c:${colours(`${route.route}-${run}`)}`, dataset: { route: `${route.route}-${run}` }, onclick: () => show(route, run),
    }, `${RUN_NAMES[run]} ${runTimes(route[run])}`)),
    el('span', { class: 'sen-changed-tag' }))));
  box.replaceChildren();
  return routes;
}

/** Today's network (A) against a day plan (B): the saving per day and per year, vehicles, miles, over-limit, moves. */
export function dayComparison(cmp) {
  const a = cmp.a; const b = cmp.b;
  const diff = (x, y, f = (v) => v) => { const d = y - x; return d === 0 ? 'same' : `${d > 0 ? '+' : '−'}${f(Math.abs(d))}`; };
  const types = [...new Set([...Object.keys(a.vehicles_by_type), ...Object.keys(b.vehicles_by_type)])].sort();
  const aDay = a.contract_day_cost_pence ?? a.day_cost_pence;
  const aYear = a.contract_year_cost_pence ?? a.year_cost_pence;
  const contract = a.contract_day_cost_pence !== null && a.contract_day_cost_pence !== undefined;
  const saving = (p) => (p >= 0 ? `${pounds(p)} saved` : `${pounds(-p)} more`);
  return el('div', { id: 'day-comparison' },
    cmp.same_scenario ? '' : el('div', { class: 'govuk-warning-text', id: 'compare-warning' },
      el('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
      el('strong', { class: 'govuk-warning-text__text' }, el('span', { class: 'govuk-visually-hidden' }, 'Warning'),
        `These plans answer different scenarios (${cmp.a_scenario_id} and ${cmp.b_scenario_id}): the difference is not a saving.`)),
    el('div', { class: 'govuk-panel sen-saving', id: 'day-saving' },
      el('p', { class: 'govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1' },
        `Plan ${cmp.b_id} against plan ${cmp.a_id}${contract ? ' at today\'s contract prices' : ''}:`),
      el('p', { class: 'govuk-body govuk-!-margin-bottom-0' }, `${saving(cmp.saving_day_pence)} a school day, `,
        `${saving(cmp.saving_year_pence)} a school year (${cmp.school_days_per_year} days).`)),
    table(`Plan ${cmp.a_id} (A) against plan ${cmp.b_id} (B): difference is B − A`,
      ['', `A: plan ${cmp.a_id}`, `B: plan ${cmp.b_id}`, 'Difference (B − A)'], [
        [`Cost per day${contract ? ' (A at contract prices)' : ''}`, pounds(aDay), pounds(b.day_cost_pence), diff(aDay, b.day_cost_pence, pounds)],
        ['Cost per school year', pounds(aYear), pounds(b.year_cost_pence), diff(aYear, b.year_cost_pence, pounds)],
        contract ? ['Cost per day at the tariff', pounds(a.day_cost_pence), pounds(b.day_cost_pence), diff(a.day_cost_pence, b.day_cost_pence, pounds)] : null,
        ['Vehicles', String(a.vehicles), String(b.vehicles), diff(a.vehicles, b.vehicles)],
        ...types.map((t) => [`  ${t}`, String(a.vehicles_by_type[t] || 0), String(b.vehicles_by_type[t] || 0),
          diff(a.vehicles_by_type[t] || 0, b.vehicles_by_type[t] || 0)]),
        ['Miles per day', String(a.miles_per_day), String(b.miles_per_day), diff(a.miles_per_day, b.miles_per_day, (v) => v.toFixed(1))],
        ['Empty miles between runs', String(a.dead_miles_per_day), String(b.dead_miles_per_day), diff(a.dead_miles_per_day, b.dead_miles_per_day, (v) => v.toFixed(1))],
        ['Children over ride limit (any weekday)', String(a.over_limit_any_weekday), String(b.over_limit_any_weekday), diff(a.over_limit_any_weekday, b.over_limit_any_weekday)],
      ].filter(Boolean), { id: 'compare-table' }),
    el('p', { class: 'govuk-body', id: 'compare-routes' },
      cmp.children_moved ? `Children whose route changes (${cmp.children_moved}): ${cmp.children_moved_ids.join(', ')}.`
        : 'No child changes route.'),
    el('p', { class: 'govuk-body-s' }, 'A child\'s route changes when the children they ride with or the type of vehicle change.'));
}

/** Printable route sheets of a day plan: per vehicle and run, one time column or one per weekday. */
export async function renderDaySheets(planId, node) {
  const routes = (await api(`/v1/plans/${planId}/day-routes`)).data;
  node.replaceChildren(...routes.flatMap((route) => ['am', 'pm'].filter((run) => route[run].weekdays.length).map((run) => el('section', { class: 'sen-sheet', dataset: { route: route.route, run } },
    el('h2', { class: 'govuk-heading-m' }, `${route.route} ${RUN_NAMES[run].toLowerCase()}: ${route.vehicle_type} (${route.layout})${route.assistant ? ', passenger assistant on board' : ''}`),
    dutyTable(route, run, { id: `sheet-${route.route}` })))));
  return routes;
}
