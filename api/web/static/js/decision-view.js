// Showing one decision (used by the decision screen and the letter): the map of the measured
// walking route, the entrance used and the unsafe segments avoided, and the decision's text parts.
/* global L */
import { api, el, miles, summaryList, table, tag } from '/web/static/js/common.js';
import { labelMarker, legend, schoolMarker, swatch, tip } from '/web/static/js/map.js';

let unsafePromise = null;

export const words = (code) => (code || '').replaceAll('-', ' ');

/** Who made a decision that is not the engine's, in words ("an officer's override"). */
export const KIND_WORDS = { override: 'an officer\'s override', review: 'a stage 1 review', appeal: 'a stage 2 appeal', reassessment: 're-assessment' };

/** The policy's names of the decision's bases ("SEN, disability or mobility"); ids in words for a decision stored before labels. */
export const basisNames = (doc) => ((doc.basis_labels || []).length ? doc.basis_labels : (doc.bases || []).map(words));

/** The policy's name of the refusal ("Not the nearest suitable school"). */
export const refusalName = (doc) => doc.refusal_label || words(doc.refusal);

/** Draw the decision's walking route, home, entrance and avoided unsafe segments on ``map``'s ``layer``;
 * returns the bounds that keep home and school (and any nearer school) in frame. */
export async function drawDecision(map, layer, doc) {
  layer.clearLayers();
  if (!doc || !doc.route || doc.route.length < 2) return;
  const latlngs = doc.route.map(([lon, lat]) => [lat, lon]);
  const attended = (doc.schools_considered || []).find((s) => s.school_id === doc.school_id) || {};
  L.polyline(latlngs, { color: '#ffffff', weight: 9, opacity: 0.9, interactive: false }).addTo(layer);
  const line = L.polyline(latlngs, { color: '#1d70b8', weight: 5, opacity: 1, className: 'sen-walk-route' }).addTo(layer);
  line.bindTooltip(tip(`Measured walking route: ${miles(doc.safe_walking_m ?? doc.walking_m)}`), { sticky: true });
  const home = labelMarker(latlngs[0], 'H', { colour: '#0b0c0c', title: 'Home (as geocoded)', className: 'sen-home' }).addTo(layer);
  home.bindTooltip(tip('Home'));
  const ent = schoolMarker(latlngs[latlngs.length - 1], `${doc.school_name}: ${attended.entrance || 'entrance'}`).addTo(layer);
  ent.bindTooltip(el('div', {}, el('strong', {}, doc.school_name), el('br'), `Entrance used: ${attended.entrance || 'school point'}`));
  ent.getElement()?.classList.add('sen-entrance');
  let bounds = line.getBounds();
  const nearer = nearerSchool(doc);
  if (nearer) {  // a "not the nearest suitable school" refusal: the walk to the school that decided it
    const path = doc.nearer_route.map(([lon, lat]) => [lat, lon]);
    L.polyline(path, { color: '#ffffff', weight: 9, opacity: 0.9, interactive: false }).addTo(layer);
    const near = L.polyline(path, { color: NEARER_COLOUR, weight: 5, opacity: 1, dashArray: '2 8', lineCap: 'round', className: 'sen-nearer-route' }).addTo(layer);
    near.bindTooltip(tip(`Walking route to the nearer suitable school, ${nearer.name}: ${miles(nearer.walking_m)}`), { sticky: true });
    const mark = schoolMarker(path[path.length - 1], `Nearer suitable school: ${nearer.name} (${nearer.entrance})`).addTo(layer);
    mark.bindTooltip(el('div', {}, el('strong', {}, nearer.name), el('br'), `Nearer suitable school, ${miles(nearer.walking_m)}`));
    mark.getElement()?.classList.add('sen-nearer-school');
    bounds = bounds.extend(near.getBounds());
  }
  if ((doc.unsafe_segments_avoided || []).length) {
    unsafePromise = unsafePromise || api('/web/data/unsafe-segments.geojson');
    const all = await unsafePromise;
    const wanted = new Set(doc.unsafe_segments_avoided);
    L.geoJSON({ type: 'FeatureCollection', features: all.features.filter((f) => wanted.has(f.properties.id)) }, {
      style: () => ({ color: '#d4351c', weight: 6, dashArray: '8 6', className: 'sen-unsafe' }),
      onEachFeature: (f, l) => l.bindTooltip(tip(`Unsafe segment ${f.properties.id} avoided: ${f.properties.reason} (assessed ${f.properties.assessed_on})`)),
    }).addTo(layer);
  }
  map.fitBounds(bounds.pad(0.2));
  setNearerKey(map, nearer);
  return bounds.pad(0.2);
}

const NEARER_COLOUR = '#912b88';

/** The nearer suitable school that decided a "not the nearest suitable school" refusal, when its route is on the decision. */
export function nearerSchool(doc) {
  if (doc.refusal !== 'not-nearest-suitable-school' || !(doc.nearer_route || []).length || !(doc.nearer_schools || []).length) return null;
  return (doc.schools_considered || []).find((s) => s.school_id === doc.nearer_schools[0]) || null;
}

/** The map key's line for the nearer school's route, shown only when the map draws one. */
function setNearerKey(map, nearer) {
  const key = map.getContainer().querySelector('.sen-legend');
  if (!key) return;
  key.querySelector('.sen-legend-nearer')?.remove();
  if (nearer) key.append(el('div', { class: 'sen-legend-nearer' }, el('span', { class: 'sen-swatch sen-swatch--dotted', style: `border-color:${NEARER_COLOUR}`, 'aria-hidden': 'true' }), ' ', `walking route to the nearer suitable school (${nearer.name})`));
}

export function mapKey(map) {
  return legend(map, [[swatch('#1d70b8'), 'measured walking route'], [swatch('#d4351c', true), 'unsafe segment avoided'],
    [el('span', { class: 'sen-school-inner sen-legend-school' }, 'S'), 'school entrance used'],
    [el('span', { class: 'sen-pin-inner sen-legend-home' }, 'H'), 'home']]);
}

/** The offer in words: "a seat on council-arranged transport, free of charge; or a personal transport budget of £2,000.00 a year". */
export function offerText(offer) {
  if (!offer) return '–';
  const p = (x) => `£${(x / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const charge = offer.annual_charge_pence ? `, for a charge of ${p(offer.annual_charge_pence)} a year` : ', free of charge';
  return `${offer.name}${offer.kind === 'ptb' ? '' : charge}`
    + `${offer.ptb_annual_pence && offer.kind !== 'ptb' ? `; or instead a personal transport budget of ${p(offer.ptb_annual_pence)} a year` : ''}`;
}

/** Where the distances were measured from, in words (Decision.home_measured_from). */
const MEASURED_FROM = { uprn: 'the address point (UPRN)', coordinates: 'the coordinates given', 'postcode centroid': 'the postcode centroid' };

/** The decision's parts as GOV.UK components. */
export function decisionParts(doc, meta = {}) {
  const eligible = doc.eligible;
  const panel = el('div', { class: `govuk-panel ${eligible ? 'govuk-panel--confirmation' : 'sen-panel-refused'}`, id: 'decision-panel' },
    el('h2', { class: 'govuk-panel__title' }, eligible ? 'Eligible' : 'Not eligible'),
    el('div', { class: 'govuk-panel__body' }, eligible ? basisNames(doc).join(', ') : refusalName(doc)));
  const summary = summaryList([
    ['Application', doc.application_id],
    ['School', `${doc.school_name} (URN ${doc.school_id})`],
    [eligible ? 'Bases' : 'Refusal reason', eligible ? el('ul', { class: 'govuk-list' }, basisNames(doc).map((b) => el('li', {}, b))) : refusalName(doc)],
    ['Decided by', el('span', { id: 'inequality' }, doc.decided_by)],
    ['Measured from', el('span', { id: 'measured-from' }, MEASURED_FROM[doc.home_measured_from] || doc.home_measured_from || '–',
      doc.measure_from_address ? el('strong', { class: 'govuk-tag govuk-tag--yellow sen-measure-tag' }, 'measure from the address') : '')],
    ['Walking route (measured)', miles(doc.walking_m)],
    ['Safe walking route', miles(doc.safe_walking_m)],
    ['Road route', miles(doc.road_m)],
    ['Straight line', miles(doc.straight_line_m)],
    nearerSchool(doc) ? ['Nearer suitable school', el('span', { id: 'nearer-school' }, `${nearerSchool(doc).name}: ${miles(nearerSchool(doc).walking_m)} walking (dotted on the map)`)] : null,
    ['Unsafe segments avoided', (doc.unsafe_segments_avoided || []).join(', ') || 'none'],
    ['Offer', offerText(doc.offer)],
    ['Valid until', `${doc.valid_until} (${doc.valid_until_reason})`],
    ['Policy', `${doc.policy_id} ${doc.policy_version}`],
    meta.kind ? ['Decision', `${meta.kind}${meta.created_at ? `, ${new Date(meta.created_at).toLocaleString('en-GB')}` : ''}`] : null,
  ], { id: 'decision-summary' });
  const caution = doc.measure_from_address ? el('div', { class: 'govuk-warning-text', id: 'measure-from-address' },
    el('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
    el('strong', { class: 'govuk-warning-text__text' }, el('span', { class: 'govuk-visually-hidden' }, 'Warning'),
      `Measure from the address: ${doc.measure_from_address}.`)) : null;
  const explanation = el('div', { class: 'govuk-inset-text sen-explanation', id: 'explanation' }, doc.explanation);
  const schools = table('Suitable schools considered, nearest first', ['Rank', 'School', 'Walking', 'Entrance', 'Note'],
    (doc.schools_considered || []).map((s) => [String(s.rank), el('span', {}, s.name, s.attended ? ' ' : '', s.attended ? tag('attended', 'blue') : ''),
      s.walking_miles === null ? '–' : `${s.walking_miles.toFixed(2)} mi`, s.entrance, s.note || '–']), { id: 'schools-table' });
  const checks = el('details', { class: 'govuk-details' },
    el('summary', { class: 'govuk-details__summary' }, el('span', { class: 'govuk-details__summary-text' }, `Every rule checked (${(doc.checks || []).length})`)),
    el('div', { class: 'govuk-details__text' }, table(null, ['Rule', 'Holds', 'Test', 'Cites'],
      (doc.checks || []).map((c) => [c.label ? el('span', {}, c.label, el('br'), el('span', { class: 'govuk-hint sen-rule-id' }, c.rule)) : c.rule, c.holds ? 'yes' : 'no', c.test, c.cites]))));
  return { panel, summary, caution, explanation, schools, checks };
}
