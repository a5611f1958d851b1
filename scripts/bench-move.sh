#!/usr/bin/env bash
# Benchmark: re-indexing after a folder of photos is moved (Clipdex reuses the
# items by content hash) against embedding the same photos from scratch (what a
# path-keyed index must do).
#   scripts/bench-move.sh MODEL_DIR [FILES=240]
# MODEL_DIR: e.g. a full-size random-weight export from scripts/make_bench_model.py.
# Uses ${CARGO_TARGET_DIR:-target}/debug/clipdex (or CLIPDEX_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
files=${2:-240}
bin="${CLIPDEX_BIN:-${CARGO_TARGET_DIR:-target}/debug/clipdex}"
python3 scripts/fetch_test_photos.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/before"
names=(astronaut.png chelsea.png coffee.png motorcycle_left.png camera.png rocket.jpg hubble_deep_field.jpg retina.jpg)
for ((i = 0; i < files; i++)); do
  n=${names[$((i % ${#names[@]}))]}
  { cat "tests/fixtures/photos/$n"; printf 'bench-%d' "$i"; } > "$work/root/before/$(printf %05d "$i")-$n"
done
secs() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['seconds'])"; }
first=$("$bin" --library "$work/lib" index "$work/root" --model "$model" --json | secs)
mv "$work/root/before" "$work/root/after"
moved_json=$("$bin" --library "$work/lib" index "$work/root" --model "$model" --json)
moved=$(echo "$moved_json" | secs)
echo "first index:          $files photos in ${first}s"
echo "after moving them:    ${moved}s  ($(echo "$moved_json" | python3 -c "import json,sys; j=json.load(sys.stdin); print(f\"embedded {j['indexed']}, reused {j['reused']}, removed {j['removed']}\")"))"
python3 -c "print(f'ratio (moved / first): {$moved / $first:.3f}  — {$first / $moved:.0f}x faster than re-embedding')"
