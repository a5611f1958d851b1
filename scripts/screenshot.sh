#!/usr/bin/env bash
# Opens the real Clipdex window under a virtual X display, types a query into
# the search box and saves a screenshot: a look at what a person sees.
#   scripts/screenshot.sh [QUERY] [OUT.png]
# SHOT_KEYS (xdotool key names, e.g. "ctrl+shift+m" for the models panel) are
# pressed after typing, before the screenshot.
# Uses the library in $CLIPDEX_LIBRARY (index one first with `clipdex index`)
# and the desktop binary in ${CARGO_TARGET_DIR:-target}/debug.
# Needs: apt install xvfb xdotool imagemagick
set -euo pipefail
cd "$(dirname "$0")/.."
query=${1:-a photo of an astronaut}
out=${2:-clipdex-window.png}
app="${CARGO_TARGET_DIR:-target}/debug/clipdex-desktop"
for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt install xvfb xdotool imagemagick" >&2; exit 1; }
done
[[ -x "$app" ]] || { echo "build the app first: npm --prefix ui run build && cargo build --bin clipdex-desktop" >&2; exit 1; }

display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app_pid $xvfb 2>/dev/null || true' EXIT
sleep 1
DISPLAY=$display "$app" &
app_pid=$!
window=""
for _ in $(seq 1 60); do
  window=$(DISPLAY=$display xdotool search --name '^Clipdex$' 2>/dev/null | head -1) && [[ -n "$window" ]] && break
  sleep 0.5
done
[[ -n "$window" ]] || { echo "the window did not appear" >&2; exit 1; }
sleep 3 # let the page load and focus the search box
DISPLAY=$display xdotool windowfocus "$window" type --delay 30 "$query"
sleep 3
if [[ -n "${SHOT_KEYS:-}" ]]; then
  for k in $SHOT_KEYS; do
    DISPLAY=$display xdotool key --window "$window" "$k"
    sleep "${SHOT_KEY_DELAY:-2.5}"
  done
  sleep "${SHOT_WAIT:-4}"
fi
DISPLAY=$display import -window root "$out"
echo "saved $out"
