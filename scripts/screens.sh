#!/usr/bin/env bash
# Retakes the window's screenshots in docs/screenshots/ from the real app
# (debug build) under Xvfb: the library browsed, a search, the viewer and the
# heatmap, at 640×420 and 1280×800, light and dark (tests/e2e/screens.e2e.mjs).
# The library is the test photos indexed with the random-weight fixture
# model, so rankings and maps mean nothing. Needs what scripts/e2e.sh needs,
# and ImageMagick's convert to save them as JPEG.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
app="$(realpath "$target/debug/clipdex-desktop")"
cli="$target/debug/clipdex"
out="${1:-docs/screenshots}"
[[ -x "$app" && -x "$cli" ]] || { echo "build first: npm --prefix ui run build && cargo build" >&2; exit 1; }
work=$(mktemp -d)
cleanup() { kill ${driver:-} ${xvfb:-} 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir "$work/photos"
cp tests/fixtures/photos/*.png tests/fixtures/photos/*.jpg "$work/photos/"
export CLIPDEX_LIBRARY="$work/library" CLIPDEX_MODEL="$PWD/tests/fixtures/tiny-clip"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
"$cli" index "$work/photos" >/dev/null
display=":$((70 + RANDOM % 20))"
Xvfb "$display" -screen 0 1400x900x24 >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display
tauri-driver --port 4444 >"$work/driver.log" 2>&1 &
driver=$!
sleep 1
node tests/e2e/screens.e2e.mjs "$app" "$out" || { cat "$work/driver.log" >&2; exit 1; }
# JPEG at quality 85: a fifth of the PNG's size, and these are mostly photos.
if command -v convert >/dev/null; then
  for f in "$out"/{browse,search,viewer,heatmap}-*.png; do convert "$f" -quality 85 "${f%.png}.jpg" && rm "$f"; done
fi
