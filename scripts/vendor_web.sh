#!/usr/bin/env bash
# Vendor the browser libraries the web pages use (Leaflet, GOV.UK Frontend), Swagger UI (for /docs) and
# axe-core (the browser tests' accessibility check) into
# api/web/static/vendor/ from the versions pinned in web/package-lock.json, so the pages work
# with no internet once installed. Needs node/npm and the npm registry once; run it after a clone
# (.ci/run does). Idempotent: re-running replaces the vendor folder.
#
# Only distributable files are copied: leaflet.js/.css/images and govuk-frontend's compiled
# CSS/JS and images. The GDS Transport font is NOT copied and is removed from the CSS's
# font stacks: GOV.UK's font, crown and crest are for GOV.UK services only, which a council
# service is not (GOV.UK Frontend docs, "if your service is not on GOV.UK"). Text falls back to Arial.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${SEN_TRANSPORT_WEB_NPM_DIR:-${TMPDIR:-/tmp}/sen-transport-web-npm}"
DEST="$ROOT/api/web/static/vendor"

mkdir -p "$WORK"
cp "$ROOT/web/package.json" "$ROOT/web/package-lock.json" "$WORK/"
if ! cmp -s "$WORK/package-lock.json" "$WORK/.installed-lock" 2>/dev/null || [ ! -d "$WORK/node_modules" ]; then
  (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$WORK/package-lock.json" "$WORK/.installed-lock"
fi
NM="$WORK/node_modules"

rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp/leaflet/images" "$DEST.tmp/govuk/assets/images" "$DEST.tmp/swagger-ui"
cp "$NM/leaflet/dist/leaflet.js" "$NM/leaflet/dist/leaflet.css" "$DEST.tmp/leaflet/"
cp "$NM/leaflet/dist/images/"*.png "$DEST.tmp/leaflet/images/"
cp "$NM/leaflet/LICENSE" "$DEST.tmp/leaflet/LICENSE"
cp "$NM/govuk-frontend/dist/govuk/govuk-frontend.min.js" "$DEST.tmp/govuk/"
cp "$NM/govuk-frontend/dist/govuk/assets/images/"* "$DEST.tmp/govuk/assets/images/"
cp "$NM/swagger-ui-dist/swagger-ui-bundle.js" "$NM/swagger-ui-dist/swagger-ui.css" "$NM/swagger-ui-dist/favicon-32x32.png" \
   "$NM/swagger-ui-dist/LICENSE" "$DEST.tmp/swagger-ui/"
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST.tmp/swagger-ui/swagger-ui-bundle.js"  # the map is not vendored
# axe-core: the browser tests' accessibility check, loaded from 'self' so the pages' CSP allows it
mkdir -p "$DEST.tmp/axe"
cp "$NM/axe-core/axe.min.js" "$NM/axe-core/LICENSE" "$DEST.tmp/axe/"
printf "govuk-frontend: MIT licence (Crown copyright), https://github.com/alphagov/govuk-frontend/blob/main/LICENSE.txt\n" > "$DEST.tmp/govuk/LICENSE.txt"
# asset URLs relative to the CSS file; Arial instead of the GOV.UK-only font (its @font-face rules dropped)
python3 - "$NM/govuk-frontend/dist/govuk/govuk-frontend.min.css" "$DEST.tmp/govuk/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = css.replace("font-family:GDS Transport,arial", "font-family:arial").replace("url(/assets/", "url(assets/")
assert "GDS Transport" not in css and "/assets/fonts" not in css
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
python3 - "$NM" "$DEST.tmp/VERSIONS.json" <<'PY'
import json, sys
nm, out = sys.argv[1], sys.argv[2]
v = {p: json.load(open(f"{nm}/{p}/package.json"))["version"] for p in ("leaflet", "govuk-frontend", "swagger-ui-dist", "axe-core")}
json.dump(v, open(out, "w"), indent=1)
PY
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
echo "vendored $(cat "$DEST/VERSIONS.json" | tr -d '\n ') into ${DEST#$ROOT/}"
