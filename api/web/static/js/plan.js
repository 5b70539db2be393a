// Plan map (planners): routes on the real roads, stops and times, schools and bell times, children
// as pseudonymous markers with their needs; KPIs, route list, optimisation jobs, plan comparison.
/* global L */
import { api, downloadPdf as download, el, errorSummary, guard, params, pounds, setParam, sleep, summaryList, table, tag } from '/web/static/js/common.js';
import { dayComparison, dayKpis, planCost, renderDayRoutes, runGeo, runSheets } from '/web/static/js/day-plan.js';
import { COLOURS, assignColours, fitControl, labelMarker, legend, makeMap, schoolMarker, spread, swatch, tip } from '/web/static/js/map.js';

const NEEDS = { wheelchair: ['♿', 'wheelchair user'], PA: ['PA', 'needs a passenger assistant'], 'travels alone': ['Solo', 'travels alone'] };
const state = { plan: null, routes: new Map(), selected: null, sheets: [] };

function needsBadges(needs) {
  const list = (needs || '').split('; ').filter(Boolean);
  return list.map((n) => el('span', { class: 'sen-need', title: (NEEDS[n] || [n, n])[1] }, (NEEDS[n] || [n])[0],
    el('span', { class: 'govuk-visually-hidden' }, ` ${(NEEDS[n] || [n, n])[1]}`)));
}

function needsText(needs) { return (needs || '').split('; ').filter(Boolean).map((n) => (NEEDS[n] || [n, n])[1]).join(', '); }

const s = guard();
if (s) main();

async function main() {
  const errors = document.getElementById('errors');
  const map = await makeMap('map', { label: 'Map of the plan\'s routes' });
  state.map = map;
  state.layer = L.layerGroup().addTo(map);
  state.compareLayer = L.layerGroup();
  state.bounds = L.latLngBounds([]);
  fitControl(map, () => state.bounds);
  const pin = (text, colour, cls = '') => el('span', { class: `sen-pin-inner sen-legend-pin ${cls}`, style: `background:${colour}`, 'aria-hidden': 'true' }, text);
  legend(map, [
    [el('span', { class: 'sen-legend-swatches', 'aria-hidden': 'true' }, COLOURS.slice(0, 4).map((c) => swatch(c))), 'a route: one colour per vehicle, as in the route list'],
    [pin('3', COLOURS[0], 'sen-legend-stop'), 'a pick-up, numbered in the route\'s order'],
    [pin('D', '#505a5f'), 'depot (where the vehicle starts)'],
    [el('span', { class: 'sen-school-inner sen-legend-school', 'aria-hidden': 'true' }, 'S'), 'school (bell times in its label)'],
    [el('span', { class: 'sen-need' }, '♿'), 'wheelchair user'], [el('span', { class: 'sen-need' }, 'PA'), 'passenger assistant'],
    [el('span', { class: 'sen-need' }, 'Solo'), 'travels alone'],
    [swatch('#0b0c0c', true), 'the compared plan\'s routes (when comparing)'],
  ], { id: 'map-legend' });
  // Listen before loading: a plan can be chosen as soon as the plans are listed, while the scenarios still load.
  document.getElementById('plan-select').addEventListener('change', (ev) => openPlan(ev.target.value));
  document.getElementById('compare-select').addEventListener('change', (ev) => compare(ev.target.value));
  document.getElementById('launch').addEventListener('submit', launch);
  document.getElementById('rename').addEventListener('submit', rename);
  try {
    await Promise.all([loadPlans(), loadScenarios()]);
  } catch (e) { errorSummary(errors, [{ text: e.message }]); }
  const want = params().get('plan');
  if (want) openPlan(want);
}

const childrenText = (n) => `${n} ${n === 1 ? 'child' : 'children'}`;
// Children on board at once, from the route sheet: +1 at each pick-up, −1 at each drop-off.
function mostOnBoard(rows) {
  let on = 0; let most = 0;
  for (const r of rows) {
    if (!r.child) continue;
    if (r.kind === 'pickup') on += 1; else if (r.kind === 'delivery') on -= 1;
    most = Math.max(most, on);
  }
  return most;
}
// "8 children over the run, at most 4 on board" when the vehicle carries them in turns.
function loadText(id, n) {
  const most = mostOnBoard(state.sheets.filter((r) => r.route === id));
  return most > 0 && most < n ? `${childrenText(n)} over the run, at most ${most} on board` : childrenText(n);
}

async function loadPlans() {
  const plans = (await api('/v1/plans')).data;
  for (const id of ['plan-select', 'compare-select']) {
    const sel = document.getElementById(id);
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '' }, 'Choose a plan'),
      ...plans.map((p) => el('option', { value: p.id }, planLabel(p))));
    sel.value = keep;
  }
  return plans;
}

/** "Autumn term – £1,234.56 a day (plan 7, scenario 2, 29/11/2026, 23:40:00)": the name and cost first. */
function planLabel(p) {
  const when = new Date(p.created_at).toLocaleString('en-GB');
  return `${p.name || `Plan ${p.id}`} – ${pounds(planCost(p.kpis))} a ${p.kind === 'day' ? 'school day' : 'day'} (${p.name ? `plan ${p.id}, ` : ''}scenario ${p.scenario_id}, ${when})`;
}

async function loadScenarios() {
  const sc = await api('/v1/scenarios');
  const sel = document.getElementById('launch-source');
  sel.replaceChildren(el('option', { value: 'eligible' }, 'Children currently eligible for a seat'),
    ...sc.data.map((x) => el('option', { value: x.id }, `Scenario ${x.id}: ${x.name} (${x.session}, ${childrenText(x.children)})`)));
}

async function openPlan(planId) {
  const errors = document.getElementById('errors');
  errorSummary(errors, []);
  if (!planId) return;
  setParam('plan', planId);
  sessionStorage.setItem('sen-last-plan', String(planId));  // the planner's "Lots" menu item opens this plan's lots
  document.getElementById('plan-select').value = planId;
  let plan; let geo; let sheets; let scenario;
  try {
    [plan, geo, sheets] = await Promise.all([api(`/v1/plans/${planId}`), api(`/v1/plans/${planId}/routes.geojson`),
      api(`/v1/plans/${planId}/route-sheets`)]);
    scenario = await api(`/v1/scenarios/${plan.scenario_id}`).catch(() => null);
  } catch (e) { errorSummary(errors, [{ text: `Plan ${planId}: ${e.message}` }]); return; }
  state.plan = plan;
  const day = plan.kind === 'day'; // a day plan: each run is its own line on the map (D001-am, D001-pm)
  if (day) { geo = runGeo(geo); sheets = { ...sheets, data: runSheets(sheets.data) }; }
  state.sheets = sheets.data;
  document.getElementById('plan-title').textContent = plan.name ? `${plan.name} (plan ${plan.id})` : `Plan ${plan.id}`;
  document.getElementById('plan-name').value = plan.name || '';
  document.getElementById('sheets-link').href = `/web/planner/sheets?plan=${plan.id}`;
  document.getElementById('lots-link').href = `/web/planner/lots?plan=${plan.id}`;
  if (day) renderDayKpis(plan); else renderKpis(plan);
  renderDownloads(plan.id);
  draw(geo, sheets.data, scenario);
  if (day) {
    try {
      await renderDayRoutes(plan, { list: document.getElementById('route-list'), box: document.getElementById('route-stops'),
        colours: (id) => state.routes.get(id)?.colour || COLOURS[0], select: (id) => { if (state.selected !== id) selectRoute(id); } });
    } catch (e) { errorSummary(errors, [{ text: `Plan ${planId}: ${e.message}` }]); }
  } else renderRouteList(geo);
  document.getElementById('plan-info').hidden = false;
  document.getElementById('map').dataset.plan = plan.id;
  const other = params().get('compare');
  if (other) { document.getElementById('compare-select').value = other; compare(other); } else document.getElementById('comparison').replaceChildren();
}

function renderDayKpis(plan) {
  document.getElementById('kpis').replaceChildren(dayKpis(plan));
  renderUnassigned(plan.kpis);
}

function renderKpis(plan) {
  const k = plan.kpis;
  const byType = Object.entries(k.vehicles_by_type).map(([t, n]) => `${n} × ${t}`).join(', ');
  document.getElementById('kpis').replaceChildren(summaryList([
    ['Daily cost', pounds(k.daily_cost_pence)],
    ['Vehicles', `${k.vehicles}${byType ? ` (${byType})` : ''}`],
    ['Mileage', `${k.miles} miles`],
    ['Mean ride', `${k.mean_ride_min} min`],
    ['Longest ride', `${k.max_ride_min} min`],
    ['Children over ride limit', String(k.over_ride_limit)],
    ['Children carried', `${k.routed} of ${k.children}`],
    ['Validation', k.valid && plan.violations === 0 ? tag('Valid', 'green') : tag(`${plan.violations} findings`, 'red')],
  ], { class: 'govuk-summary-list govuk-summary-list--no-border sen-kpis', id: 'kpi-list' }));
  renderUnassigned(k);
}

function renderUnassigned(k) {
  const un = document.getElementById('unassigned');
  un.replaceChildren();
  if (k.unassigned.length) {
    un.append(table(`Not carried (${k.unassigned.length})`, ['Child', 'Reason', 'Detail'],
      k.unassigned.map((u) => [u.child_id, u.reason.replaceAll('_', ' '), u.detail || '–']), { id: 'unassigned-table' }));
  } else {
    un.append(el('p', { class: 'govuk-body' }, 'Every child is carried.'));
  }
}

/** "08:45:00" -> "08:45": bell times without seconds. */
const hhmm = (t) => String(t || '').slice(0, 5);

/** [[south, west], [north, east]] of a GeoJSON line's coordinates. */
function lineBox(coords) {
  const lats = coords.map((c) => c[1]); const lons = coords.map((c) => c[0]);
  return [[Math.min(...lats), Math.min(...lons)], [Math.max(...lats), Math.max(...lons)]];
}

/** Markers at (nearly) the same place: each row's pixel offset so that none hides another. */
function offsets(rows) {
  const groups = new Map();
  rows.forEach((row, k) => {
    const key = `${row.lat.toFixed(4)},${row.lon.toFixed(4)}`;
    groups.set(key, [...(groups.get(key) || []), k]);
  });
  const out = new Array(rows.length);
  for (const ks of groups.values()) spread(ks.length).forEach((o, j) => { out[ks[j]] = o; });
  return out;
}

function draw(geo, sheets, scenario) {
  state.layer.clearLayers();
  state.routes.clear();
  state.selected = null;
  const lines = geo.features.filter((f) => f.geometry.type === 'LineString');
  const bounds = L.latLngBounds([]);
  const colours = assignColours(lines.map((f) => lineBox(f.geometry.coordinates)));
  lines.forEach((f, i) => {
    const id = f.properties.route;
    const colour = colours[i];
    const latlngs = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    const halo = L.polyline(latlngs, { color: '#ffffff', weight: 8, opacity: 0.8, interactive: false, className: 'sen-route-halo' });
    const line = L.polyline(latlngs, { color: colour, weight: 4, opacity: 0.9, className: `sen-route sen-route-${id}` });
    line.bindTooltip(tip(`${id}: ${f.properties.vehicle_type}, ${loadText(id, f.properties.children)}${f.properties.assistant ? ', with assistant' : ''}`), { sticky: true });
    line.on('click', () => selectRoute(id));
    halo.addTo(state.layer);
    line.addTo(state.layer);
    line.getElement().dataset.route = id;
    latlngs.forEach((p) => bounds.extend(p));
    state.routes.set(id, { line, halo, colour, props: f.properties, markers: [] });
  });
  const bells = new Map((scenario ? scenario.schools : []).map((sc) => [sc.name, sc]));
  const schools = new Map();
  const isHome = (row) => state.routes.has(row.route) && (row.kind === 'pickup' || (row.kind === 'delivery' && row.place === 'home'));
  const homes = sheets.filter(isHome);
  const depots = new Map();  // one marker per depot, however many routes leave it
  for (const row of sheets) {
    if (!state.routes.has(row.route) || row.kind !== 'start') continue;
    const key = `${row.lat},${row.lon}`;
    const d = depots.get(key) || { lat: row.lat, lon: row.lon, leaves: [] };
    d.leaves.push(`${row.route} leaves at ${row.depart}`);
    depots.set(key, d);
  }
  for (const row of sheets) {
    if (!state.routes.has(row.route) || isHome(row) || row.place === 'depot' || !(row.kind === 'delivery' || row.kind === 'pickup')) continue;
    const key = `${row.lat},${row.lon}`;
    const sc = schools.get(key) || { name: row.place, at: [row.lat, row.lon], visits: [] };
    sc.visits.push(`${row.route} ${row.kind === 'delivery' ? 'arrives' : 'collects'} ${row.arrive}`);
    schools.set(key, sc);
  }
  const depotList = [...depots.values()];
  const schoolList = [...schools.values()];
  // children, depots and schools at one place are spread around it together, so none hides another
  const all = offsets([...homes, ...depotList, ...schoolList.map((sc) => ({ lat: sc.at[0], lon: sc.at[1] }))]);
  const shift = new Map(homes.map((row, k) => [row, all[k]]));
  const depotShift = all.slice(homes.length, homes.length + depotList.length);
  const schoolShift = all.slice(homes.length + depotList.length);
  for (const row of homes) {
    const r = state.routes.get(row.route);
    const at = [row.lat, row.lon];
    const [dx, dy] = shift.get(row);
    const title = `${row.route} stop ${row.stop}, ${row.arrive}: child ${row.child}${row.needs ? ` (${needsText(row.needs)})` : ''}`;
    const badges = needsBadges(row.needs);
    const pin = el('span', {}, el('span', { class: 'sen-pin-inner', 'data-child': String(row.child), style: `background:${r.colour}` }, String(row.stop)),
      badges.length ? el('span', { class: 'sen-badges' }, ...badges) : null);
    const html = pin.innerHTML;
    // children picked up at one place are spread around it (the offset is in the anchor, so the place stays exact)
    const m = L.marker(at, { icon: L.divIcon({ className: 'sen-pin sen-pin--child', html, iconSize: [22, 22], iconAnchor: [11 - dx, 11 - dy] }), title, alt: title, keyboard: false });
    m.bindTooltip(tip(title));
    m.on('click', () => selectRoute(row.route));
    m.addTo(state.layer);
    r.markers.push(m);
  }
  depotList.forEach((d, k) => {
    const title = `Depot: ${d.leaves.join(', ')}`;
    const m = labelMarker([d.lat, d.lon], 'D', { colour: '#505a5f', title, size: 18, className: 'sen-depot', shift: depotShift[k] });
    m.bindTooltip(tip(title));
    m.addTo(state.layer);
  });
  schoolList.forEach((sc, k) => {
    const b = bells.get(sc.name);
    const bell = b ? `bell ${hhmm(b.bell_start)}–${hhmm(b.bell_finish)}` : 'bell times not in the scenario';
    const title = `${sc.name}: ${bell}`;
    const m = schoolMarker(sc.at, title, schoolShift[k]);
    m.bindTooltip(el('div', {}, el('strong', {}, sc.name), el('br'), bell, el('br'), sc.visits.join('; ')));
    m.addTo(state.layer);
    bounds.extend(sc.at);
  });
  state.bounds = bounds;
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.1));
}

function renderRouteList(geo) {
  const list = document.getElementById('route-list');
  const lines = geo.features.filter((f) => f.geometry.type === 'LineString');
  list.replaceChildren(...lines.map((f) => {
    const id = f.properties.route;
    const rows = state.sheets.filter((r) => r.route === id);
    const times = rows.length ? `${rows.find((r) => r.kind !== 'start')?.arrive || rows[0].depart}–${rows[rows.length - 2]?.depart || rows[rows.length - 1].arrive}` : '';
    return el('li', {}, el('button', {
      type: 'button', class: 'sen-route-button', 'aria-pressed': 'false', style: `--c:${state.routes.get(id)?.colour || COLOURS[0]}`,
      dataset: { route: id }, onclick: () => selectRoute(id),
    }, el('strong', {}, id), ` ${f.properties.vehicle_type}, ${loadText(id, f.properties.children)}`,
    f.properties.assistant ? ', assistant' : '', times ? ` · ${times}` : '', el('span', { class: 'sen-changed-tag' })));
  }));
  document.getElementById('route-stops').replaceChildren();
}

function selectRoute(id) {
  state.selected = state.selected === id ? null : id;
  for (const [rid, r] of state.routes) {
    const on = state.selected === null || rid === state.selected;
    r.line.setStyle({ weight: rid === state.selected ? 7 : 4, opacity: on ? 0.95 : 0.2 });
    r.halo.setStyle({ opacity: on ? 0.8 : 0 });
    r.line.getElement().classList.toggle('sen-route--active', rid === state.selected);
    r.markers.forEach((m) => m.setOpacity(on ? 1 : 0.3));
    if (rid === state.selected) { r.halo.bringToFront(); r.line.bringToFront(); }
  }
  for (const b of document.querySelectorAll('#route-list button')) b.setAttribute('aria-pressed', String(b.dataset.route === state.selected));
  const box = document.getElementById('route-stops');
  if (state.selected === null) { box.replaceChildren(); return; }
  const r = state.routes.get(id);
  state.map.fitBounds(r.line.getBounds().pad(0.15));
  const rows = state.sheets.filter((x) => x.route === id);
  box.replaceChildren(table(`Stops on ${id} (${rows[0]?.vehicle_type}, ${rows[0]?.layout})`, ['#', 'Arrive', 'Depart', 'Stop', 'Child', 'Needs'],
    rows.map((x) => [String(x.stop), x.arrive, x.depart, `${x.kind} – ${x.place}`, childText(x), needsBadges(x.needs)]),
  { id: 'stops-table', class: 'govuk-table sen-needs' }));
}

function fieldError(group, input, errorBox, text) {
  const g = document.getElementById(group); const e = document.getElementById(errorBox);
  e.hidden = !text;
  e.replaceChildren(...(text ? [el('span', { class: 'govuk-visually-hidden' }, 'Error: '), text] : []));
  g.classList.toggle('govuk-form-group--error', Boolean(text));
  document.getElementById(input).classList.toggle('govuk-input--error', Boolean(text));
}

async function rename(ev) {
  ev.preventDefault();
  const errors = document.getElementById('errors');
  const name = document.getElementById('plan-name').value.trim();
  if (!name) {
    fieldError('plan-name-group', 'plan-name', 'plan-name-error', 'Enter a name for the plan');
    errorSummary(errors, [{ text: 'Enter a name for the plan', href: '#plan-name' }]);
    return;
  }
  try {
    const plan = await api(`/v1/plans/${state.plan.id}`, { method: 'PATCH', json: { name } });
    state.plan.name = plan.name;
    fieldError('plan-name-group', 'plan-name', 'plan-name-error', '');
    errorSummary(errors, []);
    document.getElementById('plan-title').textContent = `${plan.name} (plan ${plan.id})`;
    await loadPlans();
    document.getElementById('plan-name-saved').textContent = `Saved: the plan is now called “${plan.name}”.`;
  } catch (e) {
    fieldError('plan-name-group', 'plan-name', 'plan-name-error', e.message);
    errorSummary(errors, [{ text: `The name was not saved: ${e.message}`, href: '#plan-name' }]);
  }
}

async function launch(ev) {
  ev.preventDefault();
  const errors = document.getElementById('errors');
  const limitInput = document.getElementById('time-limit');
  const limit = Number(limitInput.value);
  const err = document.getElementById('time-limit-error');
  if (!Number.isFinite(limit) || limit <= 0) {
    err.textContent = 'Enter a time limit in seconds, more than 0';
    err.hidden = false;
    document.getElementById('time-group').classList.add('govuk-form-group--error');
    errorSummary(errors, [{ text: 'Enter a time limit in seconds, more than 0', href: '#time-limit' }]);
    return;
  }
  err.hidden = true;
  document.getElementById('time-group').classList.remove('govuk-form-group--error');
  const src = document.getElementById('launch-source').value;
  const newName = document.getElementById('launch-name').value.trim();
  const body = src === 'eligible' ? { from_eligible: { name: 'from the plan map', session: 'am' }, time_limit_s: limit }
    : { scenario_id: Number(src), time_limit_s: limit };
  const button = document.getElementById('launch-button');
  button.disabled = true;
  let job;
  try {
    job = await api('/v1/jobs', { method: 'POST', json: body });
  } catch (e) { errorSummary(errors, [{ text: `The optimisation could not start: ${e.message}` }]); button.disabled = false; return; }
  errorSummary(errors, []);
  const box = document.getElementById('job');
  const bar = document.getElementById('job-progress');
  const status = document.getElementById('job-status');
  const cancel = document.getElementById('job-cancel');
  box.hidden = false;
  cancel.hidden = false;
  cancel.onclick = () => api(`/v1/jobs/${job.id}/cancel`, { method: 'POST' }).catch(() => {});
  while (['queued', 'running'].includes(job.status)) {
    bar.value = job.progress;
    bar.textContent = `${Math.round(job.progress * 100)}%`;
    status.textContent = `${job.status === 'queued' ? 'Waiting to start' : 'Running'}: ${Math.round(job.progress * 100)}%, `
      + `${job.elapsed_s.toFixed(1)} of ${job.time_limit_s} s. Best validated plan so far: ${job.best_cost === null ? 'none yet' : `${pounds(job.best_cost)} a day`}.`;
    await sleep(500);
    try { job = await api(`/v1/jobs/${job.id}`); } catch (e) { status.textContent = e.message; break; }
  }
  cancel.hidden = true;
  button.disabled = false;
  bar.value = job.status === 'succeeded' ? 1 : bar.value;
  box.dataset.status = job.status;
  if (job.plan_id !== null && ['succeeded', 'cancelled'].includes(job.status)) {
    // a stopped search keeps its best validated plan so far (job.stopped says why it stopped)
    const stopped = { cancelled: 'Stopped', timed_out: 'Stopped at the time limit' }[job.stopped];
    if (newName) {
      await api(`/v1/plans/${job.plan_id}`, { method: 'PATCH', json: { name: newName } })
        .catch((e) => errorSummary(errors, [{ text: `The plan was stored but not named: ${e.message}`, href: '#plan-name' }]));
    }
    status.replaceChildren(stopped ? tag(stopped, 'yellow') : tag('Finished', 'green'),
      ` Best validated plan: ${pounds(job.best_cost)} a day${stopped ? ', the best plan found before the search was stopped' : ''}. `,
      el('a', { class: 'govuk-link', href: `/web/planner?plan=${job.plan_id}`, id: 'job-plan-link' }, `Plan ${job.plan_id}`), ' is open on the map.');
    await loadPlans();
    openPlan(String(job.plan_id));
  } else {
    status.replaceChildren(tag(job.status, 'red'), ` ${job.error || ''}`);
  }
}

async function compare(otherId) {
  // The comparison is the engine's (GET /v1/plans/{a}/compare/{b}); the page only shows it.
  const box = document.getElementById('comparison');
  setParam('compare', otherId);
  for (const t of document.querySelectorAll('.sen-changed-tag')) t.replaceChildren();
  showLayers(null);
  if (!otherId || !state.plan) { box.replaceChildren(); return; }
  let cmp; let otherGeo;
  try {
    [cmp, otherGeo] = await Promise.all([api(`/v1/plans/${state.plan.id}/compare/${otherId}`), api(`/v1/plans/${otherId}/routes.geojson`)]);
  } catch (e) { box.replaceChildren(el('p', { class: 'govuk-error-message' }, e.message)); return; }
  showLayers(cmp.a_id, cmp.b_id);
  drawCompared(otherGeo, new Set(cmp.changed_in_b));
  if (cmp.kind === 'day') { box.replaceChildren(dayComparison(cmp)); return; } // e.g. today's network against a day plan
  const a = cmp.a; const b = cmp.b;
  // Difference is B − A: plan B (the one compared with) less plan A (the one open). Negative = B is lower.
  const diff = (x, y, f = (v) => v) => { const d = y - x; return d === 0 ? 'same' : `${d > 0 ? '+' : '−'}${f(Math.abs(d))}`; };
  for (const id of cmp.changed_in_a) {
    const t = document.querySelector(`#route-list button[data-route="${id}"] .sen-changed-tag`);
    if (t) t.replaceChildren(' ', tag('changed', 'yellow'));
  }
  box.replaceChildren(
    cmp.same_scenario ? '' : el('div', { class: 'govuk-warning-text', id: 'compare-warning' },
      el('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
      el('strong', { class: 'govuk-warning-text__text' }, el('span', { class: 'govuk-visually-hidden' }, 'Warning'),
        `These plans answer different scenarios (${cmp.a_scenario_id} and ${cmp.b_scenario_id}): the children and schools may differ, so the difference is not a saving.`)),
    table(`Plan ${cmp.a_id} (A) against plan ${cmp.b_id} (B): difference is B − A, so a minus means plan ${cmp.b_id} is lower`,
      ['', `A: plan ${cmp.a_id}`, `B: plan ${cmp.b_id}`, 'Difference (B − A)'], [
      ['Daily cost', pounds(a.daily_cost_pence), pounds(b.daily_cost_pence), diff(a.daily_cost_pence, b.daily_cost_pence, pounds)],
      ['Vehicles', String(a.vehicles), String(b.vehicles), diff(a.vehicles, b.vehicles)],
      ['Mileage', `${a.miles}`, `${b.miles}`, diff(a.miles, b.miles, (v) => v.toFixed(1))],
      ['Mean ride (min)', `${a.mean_ride_min}`, `${b.mean_ride_min}`, diff(a.mean_ride_min, b.mean_ride_min, (v) => v.toFixed(1))],
      ['Longest ride (min)', `${a.max_ride_min}`, `${b.max_ride_min}`, diff(a.max_ride_min, b.max_ride_min, (v) => v.toFixed(1))],
      ['Over ride limit', String(a.over_ride_limit), String(b.over_ride_limit), diff(a.over_ride_limit, b.over_ride_limit)],
      ['Not carried', String(a.unassigned), String(b.unassigned), diff(a.unassigned, b.unassigned)],
    ], { id: 'compare-table' }),
    el('p', { class: 'govuk-body', id: 'compare-routes' },
      cmp.changed_in_a.length ? `Routes of plan ${cmp.a_id} that plan ${cmp.b_id} changes or drops: ${cmp.changed_in_a.join(', ')}.`
        : `Plan ${cmp.b_id} runs every route of plan ${cmp.a_id} unchanged.`,
      ' ', cmp.changed_in_b.length ? `New or different routes in plan ${cmp.b_id}: ${cmp.changed_in_b.join(', ')}.` : '',
      ` Children moved: ${cmp.children_moved}.`),
    el('p', { class: 'govuk-body-s' }, 'A route counts as the same when the same vehicle runs the same stops at the same times.'),
    downloadButtons([
      ['Comparison (CSV)', `/v1/plans/${cmp.a_id}/comparison/${cmp.b_id}.csv`, `compare-${cmp.a_id}-${cmp.b_id}.csv`],
      ['Comparison (Excel)', `/v1/plans/${cmp.a_id}/comparison/${cmp.b_id}.xlsx`, `compare-${cmp.a_id}-${cmp.b_id}.xlsx`],
    ]));
}

/** Plan B's routes as dashed lines on their own layer: its changed or new routes bold, the rest faint
 * (they run where plan A's do). */
function drawCompared(geo, changed) {
  state.compareLayer.clearLayers();
  for (const f of geo.features.filter((x) => x.geometry.type === 'LineString')) {
    const id = f.properties.route;
    const latlngs = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    const line = L.polyline(latlngs, {
      color: '#0b0c0c', weight: changed.has(id) ? 4 : 2, opacity: changed.has(id) ? 0.9 : 0.45, dashArray: '8 6',
      className: `sen-route-b${changed.has(id) ? ' sen-route-b--changed' : ''}`,
    });
    line.bindTooltip(tip(`Compared plan, ${id}: ${f.properties.vehicle_type}, ${childrenText(f.properties.children)}${changed.has(id) ? ' (changed or new)' : ' (unchanged)'}`), { sticky: true });
    line.addTo(state.compareLayer);
    line.getElement().dataset.route = id;
    state.bounds.extend(line.getBounds());
  }
}

/** The layer switch (checkboxes, so each plan's routes can be hidden): only while comparing. */
function showLayers(aId, bId) {
  if (state.layersCtl) { state.layersCtl.remove(); state.layersCtl = null; }
  if (aId === null) { state.compareLayer.remove(); state.compareLayer.clearLayers(); state.layer.addTo(state.map); return; }
  state.compareLayer.addTo(state.map);
  state.layersCtl = L.control.layers(null, {
    [`Plan ${aId} (A, open): coloured lines`]: state.layer,
    [`Plan ${bId} (B, compared): dashed lines`]: state.compareLayer,
  }, { collapsed: false, position: 'topright' }).addTo(state.map);
}

/** Download buttons (the bearer token goes in a header, so buttons rather than plain links). CSV files come
 * from the one formula-safe writer (transport/io/csv_out.py). */
function downloadButtons(items) {
  const errors = document.getElementById('errors');
  return el('ul', { class: 'govuk-list sen-downloads' }, items.map(([label, path, filename]) => el('li', {},
    el('button', { type: 'button', class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-1', dataset: { download: path },
      onclick: () => download(path, filename).catch((e) => errorSummary(errors, [{ text: `${label}: ${e.message}` }])) }, label))));
}

function renderDownloads(id) {
  document.getElementById('downloads').replaceChildren(downloadButtons([
    ['Route sheets (CSV)', `/v1/plans/${id}/route-sheets.csv`, `plan-${id}-route-sheets.csv`],
    ['Route sheets (Excel)', `/v1/plans/${id}/route-sheets.xlsx`, `plan-${id}-route-sheets.xlsx`],
    ['Routes on the roads (GeoJSON)', `/v1/plans/${id}/routes.geojson`, `plan-${id}-routes.geojson`],
    ['Plan for QGIS (GeoPackage)', `/v1/plans/${id}/plan.gpkg`, `plan-${id}.gpkg`],
    ['Lots (CSV)', `/v1/plans/${id}/lots.csv`, `plan-${id}-lots.csv`],
  ]));
}

/** The child's pseudonymous id and, on an awarded route, the id that operator's feed shows for the same child. */
function childText(x) {
  if (!x.child) return '–';
  return x.operator_child ? `${x.child} (${x.operator} sees ${x.operator_child})` : x.child;
}
