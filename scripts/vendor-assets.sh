#!/usr/bin/env bash
# Copy the front-end packages pinned in package.json into app/static/vendor
# (and axe-core, for the browser tests only, into tests/e2e/vendor).
# The copies are committed, so running Shopfloor never needs Node.js or a network;
# this script is only for refreshing them after a version bump (`make vendor`).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
dest=app/static/vendor
rm -rf "$dest"
mkdir -p "$dest/pico" "$dest/inter" "$dest/codemirror"
cp node_modules/@picocss/pico/css/pico.min.css node_modules/@picocss/pico/LICENSE.md "$dest/pico/"
inter=node_modules/@fontsource-variable/inter
cp "$inter/LICENSE" "$dest/inter/"
for subset in latin latin-ext; do
  cp "$inter/files/inter-$subset-wght-normal.woff2" "$dest/inter/"
done
# The package's CSS points at ./files/; ours keeps the fonts next to the stylesheet.
grep -A12 -E "^/\* inter-(latin|latin-ext)-wght-normal \*/" "$inter/wght.css" \
  | sed -e 's#\./files/#./#g' -e '/^--$/d' > "$dest/inter/inter.css"
# The lab workspace's code editor: CodeMirror 6 and our entry module, bundled into one
# minified IIFE that sets window.ShopfloorEditor (no module loader, no CDN, CSP-clean).
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
npx --no-install esbuild scripts/editor/editor.mjs --bundle --format=iife --minify \
  --target=es2020 --legal-comments=none --log-level=warning \
  --banner:js="/* Shopfloor lab editor: CodeMirror 6 (MIT), see LICENSE.txt */" \
  --metafile="$meta" --outfile="$dest/codemirror/editor.js"
node scripts/editor/licenses.mjs "$meta" "$dest/codemirror/LICENSE.txt"
# Live ipywidgets in the workspace: @jupyter-widgets' models and views with our manager, one
# IIFE (window.ShopfloorWidgets) and its stylesheet and icon font, loaded only by a page that
# shows a widget.
mkdir -p "$dest/widgets"
npx --no-install esbuild scripts/widgets/widgets.mjs --bundle --format=iife --minify \
  --target=es2020 --legal-comments=none --log-level=warning --loader:.woff2=file \
  --asset-names=[name] \
  --banner:js="/* Shopfloor lab widgets: Jupyter widgets (BSD-3-Clause) and what they use, see LICENSE.txt */" \
  --metafile="$meta" --outfile="$dest/widgets/widgets.js"
node scripts/editor/licenses.mjs "$meta" "$dest/widgets/LICENSE.txt"
echo "vendored: $(find "$dest" -type f | wc -l) files into $dest"
# axe-core checks every page the browser tests visit. It is test-only, so it lives
# beside the tests and is never served; the tests read it from disk (no network, no Node).
axe=tests/e2e/vendor/axe-core
rm -rf "$axe"
mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$axe/"
echo "vendored: axe-core $(node -p 'require("axe-core/package.json").version') into $axe"
