// The map: Leaflet with a background of tiles (when the service names a tile server) or, offline,
// the road network of the loaded extract drawn as a light vector layer.
/* global L */
import { el } from '/web/static/js/common.js';

// Distinguishable on white and for common colour-vision deficiencies (Okabe-Ito + GOV.UK colours).
export const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#1d70b8', '#E69F00', '#6f72af', '#00703c',
  '#912b88', '#b58840', '#28a197', '#d4351c', '#4c2c92', '#f499be', '#5694ca', '#85994b'];
// never a grey: the roads underneath are drawn in greys

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
export function labelMarker(latlng, text, { colour = '#0b0c0c', title = '', className = '', size = 22 } = {}) {
  const html = el('span', { class: 'sen-pin-inner', style: `background:${colour}` }, text);
  const icon = L.divIcon({ className: `sen-pin ${className}`, html: html.outerHTML, iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
  return L.marker(latlng, { icon, title, alt: title, keyboard: false, riseOnHover: true });
}

/** A square school marker. */
export function schoolMarker(latlng, title) {
  const icon = L.divIcon({ className: 'sen-school', html: el('span', { class: 'sen-school-inner', 'aria-hidden': 'true' }, 'S').outerHTML, iconSize: [26, 26], iconAnchor: [13, 13] });
  return L.marker(latlng, { icon, title, alt: title, keyboard: false, zIndexOffset: 500 });
}

export function legend(map, rows) {
  const ctl = L.control({ position: 'bottomleft' });
  ctl.onAdd = () => el('div', { class: 'sen-legend', 'aria-label': 'Map key' },
    rows.map(([sym, text]) => el('div', {}, sym, ' ', text)));
  ctl.addTo(map);
  return ctl;
}

export function swatch(colour, dashed = false) {
  return el('span', { class: `sen-swatch${dashed ? ' sen-swatch--dashed' : ''}`, style: `border-color:${colour}`, 'aria-hidden': 'true' });
}
