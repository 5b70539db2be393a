// Lot view: lots open for tender (contractors and planners) and, for a contractor, its own awarded
// lots' routes with stops and times, exactly as the contractor feed gives them (the API refuses
// another operator's lot, and the page says so).
/* global L */
import { api, el, errorSummary, govukDate, guard, params, setParam, table, tag } from '/web/static/js/common.js';
import { COLOURS, labelMarker, makeMap, tip } from '/web/static/js/map.js';

const state = {};
const s = guard();
if (s) main();

async function main() {
  state.map = await makeMap('map', { label: 'Map of the awarded routes\' stops' });
  state.layer = L.layerGroup().addTo(state.map);
  const errors = document.getElementById('errors');
  try {
    const tenders = await api('/v1/tenders?status=published');  // open for tender only, never lots already awarded
    renderTenders(tenders.data);
  } catch (e) { errorSummary(errors, [{ text: e.message }]); }
  if (s.role === 'contractor') {
    const mine = await api('/v1/contractor/lots');
    const box = document.getElementById('awarded');
    box.replaceChildren(mine.count ? el('ul', { class: 'govuk-list', id: 'awarded-list' }, mine.data.map((a) => el('li', {},
      el('a', { class: 'govuk-link', href: `?lot=${a.lot_id}`, dataset: { lot: a.lot_id }, onclick: (ev) => { ev.preventDefault(); openLot(a.lot_id); } },
        `Lot ${a.lot_id}`), ` awarded ${govukDate(a.awarded_at)}`)))
      : el('p', { class: 'govuk-body' }, 'No lot has been awarded to you yet.'));
    document.getElementById('awarded-section').hidden = false;
  } else {
    document.getElementById('lot-group').hidden = true;
  }
  document.getElementById('lot-open').addEventListener('click', () => openLot(document.getElementById('lot-id').value.trim()));
  const want = params().get('lot');
  if (want && s.role === 'contractor') openLot(want);
}

const DAY_NAMES = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri' };
const RUN_NAMES = { am: 'Morning', pm: 'Afternoon' };
/** A day route's times in a tender: "Morning 08:07–08:36, afternoon 15:10–15:45 (Fri 13:40–14:10)". */
function runsText(r) {
  if (!r.runs) return `${r.start_time}–${r.end_time}`;
  return r.runs.map((run) => {
    const first = run.weekdays[0];
    const usual = `${run.start[first]}–${run.end[first]}`;
    const other = run.weekdays.filter((d) => `${run.start[d]}–${run.end[d]}` !== usual).map((d) => `${DAY_NAMES[d]} ${run.start[d]}–${run.end[d]}`);
    return `${RUN_NAMES[run.run]} ${usual}${other.length ? ` (${other.join(', ')})` : ''}`;
  }).join('; ');
}
/** A stop's weekday times: one time, or the times grouped ("08:16 Mon, Wed; 08:19 Tue, Thu, Fri"; "not Tue, Thu"). */
function weekTimes(st) {
  if (!st.times) return st.time;
  const groups = new Map();
  for (const [d, t] of Object.entries(st.times)) groups.set(t, [...(groups.get(t) || []), DAY_NAMES[d] || d]);
  if (groups.size === 1 && !groups.has(null)) return st.time;
  return [...groups.entries()].map(([t, days]) => `${t === null ? 'not' : t} ${days.join(', ')}`).join('; ');
}

function renderTenders(lots) {
  const box = document.getElementById('tenders');
  if (!lots.length) { box.replaceChildren(el('p', { class: 'govuk-body' }, 'No lot is open for tender.')); return; }
  box.replaceChildren(...lots.map((lot) => el('section', { class: 'sen-tender', dataset: { lot: lot.id } },
    el('h3', { class: 'govuk-heading-s' }, `Lot ${lot.id}: ${lot.name} `, tag(lot.status, lot.status === 'awarded' ? 'grey' : 'green')),
    el('p', { class: 'govuk-body-s' }, lot.routes[0] ? lot.routes[0].days : ''),
    table(null, ['Route', 'Vehicle', 'Seats + wheelchairs', 'Times', 'Miles', 'Area'],
      lot.routes.map((r) => [r.ref, `${r.vehicle_type}${r.assistant_needed ? ', assistant' : ''}`, `${r.seats} + ${r.wheelchair_spaces}`,
        r.runs ? `${runsText(r)} · ${r.days}` : `${r.start_time}–${r.end_time}`, String(r.estimated_miles), r.area]), { class: 'govuk-table sen-small-table' }))));
}

async function openLot(id) {
  const errors = document.getElementById('errors');
  const err = document.getElementById('lot-id-error');
  const group = document.getElementById('lot-group');
  const fail = (text) => {
    err.replaceChildren(el('span', { class: 'govuk-visually-hidden' }, 'Error: '), text);
    err.hidden = false;
    group.classList.add('govuk-form-group--error');
    errorSummary(errors, [{ text, href: '#lot-id' }]);
    document.getElementById('lot').replaceChildren();
    state.layer.clearLayers();
  };
  if (!/^\d+$/.test(String(id))) { fail('Enter a lot number, like 3'); return; }
  let lot;
  try {
    lot = await api(`/v1/contractor/lots/${id}`);
  } catch (e) {
    fail(e.status === 403 ? `Lot ${id} is not awarded to ${s.operator}: you cannot see its routes` : e.status === 404 ? `There is no lot ${id}` : e.message);
    return;
  }
  err.hidden = true;
  group.classList.remove('govuk-form-group--error');
  errorSummary(errors, []);
  setParam('lot', id);
  document.getElementById('lot-id').value = id;
  state.lot = lot;
  showRoute(null);
  const needs = (p) => [p.wheelchair ? 'wheelchair' : '', p.passenger_assistant ? 'passenger assistant' : '', p.travel_alone ? 'travels alone' : '',
    ...p.equipment, p.access_notes].filter(Boolean).join('; ') || '–';
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  document.getElementById('lot').replaceChildren(
    el('h2', { class: 'govuk-heading-m', id: 'lot-title' }, `Lot ${lot.id}: ${lot.name}`),
    el('p', { class: 'govuk-body-s' }, `Awarded to ${lot.operator} on ${govukDate(lot.awarded_at)}. ${lot.routes.every((r) => r.geometry) ? 'The lines are the routes on the roads.' : 'Dashed lines join the stops in order where the road route is not known.'}`),
    el('div', { class: 'govuk-form-group sen-no-print' },
      el('label', { class: 'govuk-label govuk-label--s', for: 'route-pick' }, 'Route on the map'),
      el('select', { class: 'govuk-select', id: 'route-pick', onchange: (ev) => showRoute(ev.target.value || null) },
        el('option', { value: '' }, 'All routes of the lot'), ...lot.routes.map((r) => el('option', { value: r.ref }, r.ref)))),
    ...lot.routes.map((r) => el('section', { class: 'sen-lot-route', dataset: { route: r.ref } },
      ...(r.runs ? ['am', 'pm'] : [null]).map((run) => table(
        `${r.ref}${run ? ` ${RUN_NAMES[run].toLowerCase()} run` : ''}: ${r.vehicle_type}, ${plural(r.seats, 'seat', 'seats')} + ${plural(r.wheelchair_spaces, 'wheelchair space', 'wheelchair spaces')}, ${r.days} ${run ? runsText({ ...r, runs: r.runs.filter((x) => x.run === run) }) : `${r.start_time}–${r.end_time}`}${r.assistant_needed ? ', passenger assistant needed' : ''}`,
        ['#', 'Time', 'Stop', 'Where to go', 'Passenger', 'Needs'],
        r.stops.filter((st) => (st.run || null) === run).map((st) => [String(st.order), weekTimes(st), `${st.kind} – ${st.place}`, st.where || st.postcode || '–',
          st.passenger ? `${st.passenger.name} (${st.passenger.id})` : '–', st.passenger ? needs(st.passenger) : '–']),
        { class: 'govuk-table sen-small-table lot-stops', dataset: run ? { run } : {} })),
      el('button', { type: 'button', class: 'govuk-button govuk-button--secondary sen-no-print sen-print-route', dataset: { route: r.ref }, onclick: () => printRoute(r.ref) },
        `Print ${r.ref}`))));
}

/** Draw one route of the open lot (or all of them) and fit the map to it. */
function showRoute(ref) {
  const lot = state.lot;
  state.layer.clearLayers();
  const bounds = L.latLngBounds([]);
  lot.routes.forEach((r, i) => {
    if (ref && r.ref !== ref) return;
    const colour = COLOURS[i % COLOURS.length];
    const pts = r.stops.map((st) => [st.lat, st.lon]);
    if (r.geometry) {
      const road = r.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
      L.polyline(road, { color: colour, weight: 4, className: `sen-lot-road sen-lot-road-${r.ref}` }).addTo(state.layer);
      road.forEach((p) => bounds.extend(p));
      if (r.geometry_pm) { // a day route's afternoon run, dashed
        L.polyline(r.geometry_pm.coordinates.map(([lon, lat]) => [lat, lon]), { color: colour, weight: 4, dashArray: '8 6', className: 'sen-lot-road sen-lot-road--pm' }).addTo(state.layer);
      }
    } else {
      L.polyline(pts, { color: colour, weight: 3, dashArray: '6 6', className: 'sen-stop-order' }).addTo(state.layer);
    }
    r.stops.forEach((st) => {
      const who = st.passenger ? `${st.passenger.name} (${st.passenger.id})` : '';
      const where = st.where || st.postcode;
      const title = `${r.ref} stop ${st.order} at ${st.time}: ${st.kind} ${st.place}${where ? ` ${where}` : ''} ${who}`;
      labelMarker([st.lat, st.lon], String(st.order), { colour, title }).bindTooltip(tip(title)).addTo(state.layer);
      bounds.extend([st.lat, st.lon]);
    });
  });
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.15));
  for (const sec of document.querySelectorAll('.sen-lot-route')) sec.classList.toggle('sen-lot-route--other', Boolean(ref) && sec.dataset.route !== ref);
}

/** Print one route: its map and stop table only (print CSS hides the other routes). */
function printRoute(ref) {
  document.getElementById('route-pick').value = ref;
  showRoute(ref);
  document.body.classList.add('sen-print-one');
  const done = () => { document.body.classList.remove('sen-print-one'); window.removeEventListener('afterprint', done); };
  window.addEventListener('afterprint', done);
  setTimeout(() => window.print(), 300);  // let the map redraw first
}
