// The map: Leaflet with a background of tiles (when the service names a tile server) or, offline,
// the road network of the loaded extract drawn as a light vector layer.
/* global L */
import { el } from '/web/static/js/common.js';

// Distinguishable on white and for common colour-vision deficiencies (Okabe-Ito + GOV.UK colours).
export const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#1d70b8', '#E69F00', '#6f72af', '#00703c',
  '#912b88', '#b58840', '#28a197', '#d4351c', '#4c2c92', '#f499be', '#5694ca', '#85994b'];
// never a grey: the roads underneath are drawn in greys

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
/** How far apart two colours look (redmean-weighted RGB distance, 0 to about 765). */
export function colourDistance(a, b) {
  const [r1, g1, b1] = rgb(a); const [r2, g2, b2] = rgb(b);
  const rm = (r1 + r2) / 2;
  return Math.sqrt((2 + rm / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - rm) / 256) * (b1 - b2) ** 2);
}

/** Bounds ``a`` and ``b`` ([[south, west], [north, east]]) overlap once each is grown by ``pad`` degrees. */
function near(a, b, pad = 0.01) {
  return a[0][0] - pad <= b[1][0] && b[0][0] - pad <= a[1][0] && a[0][1] - pad <= b[1][1] && b[0][1] - pad <= a[1][1];
}

/** A colour for each route, given each route's bounds: routes whose areas overlap ("neighbours")
 * get colours that look as different as the palette allows (greedy, most-crowded route first). */
export function assignColours(boxes, palette = COLOURS) {
  const n = boxes.length;
  const neighbours = boxes.map((a, i) => boxes.map((b, j) => j).filter((j) => j !== i && near(a, boxes[j])));
  const order = [...Array(n).keys()].sort((i, j) => neighbours[j].length - neighbours[i].length || i - j);
  const out = new Array(n).fill(null);
  const used = new Map();
  for (const i of order) {
    let best = null; let bestScore = -1;
    for (const c of palette) {
      const near_ = neighbours[i].filter((j) => out[j] !== null).map((j) => colourDistance(c, out[j]));
      // the nearest neighbouring colour as far as possible; then the least-used colour overall
      const score = (near_.length ? Math.min(...near_) : 1000) * 100 - (used.get(c) || 0);
      if (score > bestScore) { best = c; bestScore = score; }
    }
    out[i] = best;
    used.set(best, (used.get(best) || 0) + 1);
  }
  return out;
}

/** Pixel offsets that spread ``n`` markers at one place around a circle (none for one), wide enough that
 * neighbours on it stay ``gap`` pixels apart, centre to centre (markers are at most 26 px across). */
export function spread(n, radius = 13, gap = 26) {
  if (n <= 1) return [[0, 0]];
  const r = Math.max(radius, Math.ceil(gap / (2 * Math.sin(Math.PI / n))));
  return [...Array(n).keys()].map((k) => {
    const a = (2 * Math.PI * k) / n - Math.PI / 2;
    return [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))];
  });
}

/** A "Fit the plan" button on the map (a real button: keyboard and screen readers reach it). */
export function fitControl(map, bounds, { label = 'Zoom to fit the plan' } = {}) {
  const ctl = L.control({ position: 'topleft' });
  ctl.onAdd = () => {
    const b = el('button', { type: 'button', class: 'sen-fit', id: 'map-fit', title: label, 'aria-label': label }, '⤢');
    L.DomEvent.disableClickPropagation(b);
    b.addEventListener('click', () => { const bb = bounds(); if (bb && bb.isValid()) map.fitBounds(bb.pad(0.1)); });
    return b;
  };
  ctl.addTo(map);
  return ctl;
}

let configPromise = null;
let roadsPromise = null;

function config() {
  configPromise = configPromise || fetch('/web/config.json').then((r) => r.json());
  return configPromise;
}

/** A Leaflet map in element ``id`` with its background; resolves when the background is drawn. */
export async function makeMap(id, { label = 'Map' } = {}) {
  const node = document.getElementById(id);
  node.setAttribute('role', 'region');
  node.setAttribute('aria-label', label);
  const map = L.map(node, { zoomControl: true, preferCanvas: false, keyboard: true }).setView([52.66, -0.64], 11);
  map.attributionControl.setPrefix(false);
  const cfg = await config();
  if (cfg.tile_url) {
    L.tileLayer(cfg.tile_url, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
    node.dataset.background = 'tiles';
  } else {
    roadsPromise = roadsPromise || fetch(cfg.roads_url).then((r) => (r.ok ? r.json() : null));
    const roads = await roadsPromise;
    map.attributionControl.addAttribution(`Roads: ${cfg.attribution} (drawn from the loaded extract)`);
    if (roads) {
      const renderer = L.canvas({ padding: 0.2 });
      L.geoJSON(roads, {
        renderer, interactive: false,
        style: (f) => ({ color: f.properties.major ? '#b1b4b6' : '#cfd2d4', weight: f.properties.major ? 2.5 : 1.2, opacity: 1 }),
      }).addTo(map);
      node.dataset.background = 'roads';
    }
  }
  return map;
}

/** Tooltip content as a DOM text node (never an HTML string: Leaflet puts strings in innerHTML,
 * so a child's or school's name holding markup would render). */
export function tip(text) {
  return el('span', { class: 'sen-tip' }, String(text));
}

/** A small round marker with text (stop number, initial), with a tooltip. Not a tab stop: every marker's
 * facts are also in the page's lists and tables, so tabbing doesn't walk through the map. */
export function labelMarker(latlng, text, { colour = '#0b0c0c', title = '', className = '', size = 22, shift = [0, 0] } = {}) {
  const html = el('span', { class: 'sen-pin-inner', style: `background:${colour}` }, text);
  const icon = L.divIcon({ className: `sen-pin ${className}`, html: html.outerHTML, iconSize: [size, size], iconAnchor: [size / 2 - shift[0], size / 2 - shift[1]] });
  return L.marker(latlng, { icon, title, alt: title, keyboard: false, riseOnHover: true });
}

/** A square school marker. */
export function schoolMarker(latlng, title, [dx, dy] = [0, 0]) {
  const icon = L.divIcon({ className: 'sen-school', html: el('span', { class: 'sen-school-inner', 'aria-hidden': 'true' }, 'S').outerHTML, iconSize: [26, 26], iconAnchor: [13 - dx, 13 - dy] });
  return L.marker(latlng, { icon, title, alt: title, keyboard: false, zIndexOffset: 500 });
}

export function legend(map, rows, { id = null } = {}) {
  const ctl = L.control({ position: 'bottomleft' });
  ctl.onAdd = () => el('div', { class: 'sen-legend', role: 'group', 'aria-label': 'Map key', ...(id ? { id } : {}) },
    rows.map(([sym, text]) => el('div', {}, sym, ' ', text)));
  ctl.addTo(map);
  return ctl;
}

export function swatch(colour, dashed = false) {
  return el('span', { class: `sen-swatch${dashed ? ' sen-swatch--dashed' : ''}`, style: `border-color:${colour}`, 'aria-hidden': 'true' });
}
