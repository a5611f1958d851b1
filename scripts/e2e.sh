#!/usr/bin/env bash
# End-to-end test of the real desktop app: a real library indexed with the
# fixture model, the debug app under Xvfb, driven over WebDriver by
# tauri-driver (cargo install tauri-driver --version 2.1.0) and WebKitWebDriver
# (apt webkit2gtk-driver). Saves screenshots to ${SHOTS:-target/e2e-shots}.
# Expects the debug build (cargo build) and the test photos.
#   scripts/e2e.sh                  the end-to-end test (tests/e2e/app.e2e.mjs)
#   scripts/e2e.sh screens [DIR]    the README's window screenshots instead
#                                   (tests/e2e/screens.e2e.mjs; JPEG with ImageMagick)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
app="$(realpath "$target/debug/clipdex-desktop")"
cli="$target/debug/clipdex"
shots="${SHOTS:-$target/e2e-shots}"
[[ -x "$app" && -x "$cli" ]] || { echo "build first: cargo build" >&2; exit 1; }
if ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi
for tool in Xvfb WebKitWebDriver; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup-debian.sh --test installs it)" >&2; exit 1; }
done

work=$(mktemp -d)
cleanup() { kill ${driver:-} ${xvfb:-} 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir "$work/photos"
cp tests/fixtures/photos/*.png tests/fixtures/photos/*.jpg "$work/photos/"
# A shop sign on one photo (DejaVu Sans Bold, fonts-dejavu-core): the app finds it by its words.
ffmpeg -nostdin -loglevel error -y -i tests/fixtures/photos/brick.png -vf \
  "drawbox=x=12:y=40:w=488:h=72:color=white:t=fill,drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='ACME HARDWARE':x=24:y=56:fontsize=44:fontcolor=black" \
  "$work/photos/brick.png"
export CLIPDEX_LIBRARY="$work/library" CLIPDEX_MODEL="$PWD/tests/fixtures/tiny-clip"
# The set-up put ONNX Runtime under the user's data folder, which is replaced
# just below: name the library file itself.
if [[ -z "${ORT_DYLIB_PATH:-}" ]]; then
  for f in "${XDG_DATA_HOME:-$HOME/.local/share}"/clipdex/onnxruntime/libonnxruntime.so.*; do
    [[ -f "$f" ]] && export ORT_DYLIB_PATH="$f"
  done
fi
# The web view keeps its storage (the window's settings) under these: a fresh one each run.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
# --tags: the library as a tagged one is (vocabulary prepared, cutoffs
# calibrated), so the window shows scores in words from its first search.
"$cli" index "$work/photos" --tags >/dev/null
# A video the test adds to the watched folder while the app runs: horse.png
# for 2 s, then coffee.png for 4 s (WebM, VP8: GStreamer's good plugins play it).
ffmpeg -nostdin -loglevel error -loop 1 -framerate 25 -t 2 -i tests/fixtures/photos/horse.png \
  -loop 1 -framerate 25 -t 4 -i tests/fixtures/photos/coffee.png -filter_complex \
  "[0]scale=640:360,setsar=1[a];[1]scale=640:360,setsar=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p" \
  -c:v libvpx -b:v 1M "$work/holiday.webm"

display=":$((70 + RANDOM % 20))"
Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display
tauri-driver --port 4444 >"$work/driver.log" 2>&1 &
driver=$!
sleep 1
if [[ "${1:-}" == screens ]]; then
  out="${2:-docs/screenshots}"
  node tests/e2e/screens.e2e.mjs "$app" "$out" || { cat "$work/driver.log" >&2; exit 1; }
  # JPEG at quality 85: a fifth of the PNG's size, and these are mostly photos.
  if command -v convert >/dev/null; then
    for f in "$out"/{browse,search,viewer,heatmap}-*.png; do convert "$f" -quality 85 "${f%.png}.jpg" && rm "$f"; done
  fi
else
  node tests/e2e/app.e2e.mjs "$app" "$CLIPDEX_LIBRARY" "$work/photos" "$shots" "$work/holiday.webm" || { cat "$work/driver.log" >&2; exit 1; }
fi
