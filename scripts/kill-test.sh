#!/usr/bin/env bash
# Crash-safety soak: SIGKILL `clipdex index` at random moments, RUNS times,
# checking after each kill that the library opens with no duplicate or
# dangling rows and every indexed file's content matches its hash
# (`clipdex verify`). Ends with one full run that must make the index equal
# to the folder.
#   scripts/kill-test.sh [RUNS=50] [FILES=300]
# Uses ${CARGO_TARGET_DIR:-target}/debug/clipdex and the fixture model.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
files=${2:-300}
bin="${CARGO_TARGET_DIR:-target}/debug/clipdex"
model=tests/fixtures/tiny-clip
[[ -x "$bin" ]] || { echo "build first: cargo build -p clipdex-cli" >&2; exit 1; }
python3 scripts/fetch_test_photos.py

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib="$work/library"
photos="$work/photos"
mkdir -p "$photos"
names=(astronaut.png chelsea.png coffee.png motorcycle_left.png camera.png rocket.jpg)
for ((i = 0; i < files; i++)); do
  name=${names[$((i % ${#names[@]}))]}
  sub="$photos/set$((i % 5))"
  mkdir -p "$sub"
  # Bytes after the image's end marker make each file unique; decoders ignore them.
  { cat "tests/fixtures/photos/$name"; printf 'clipdex-kill-%d' "$i"; } > "$sub/$(printf %05d "$i")-$name"
done

# Each round changes a third of the files (new content, new mtime), so every
# run has real work to be killed in: hashing, embedding and commits.
mutate() {
  local round=$1
  for f in "$photos"/set*/*; do
    if ((RANDOM % 3 == 0)); then printf 'r%d' "$round" >> "$f"; fi
  done
}

kills=0
bad=0
for ((r = 1; r <= runs; r++)); do
  mutate "$r"
  "$bin" --library "$lib" index "$photos" --model "$model" >/dev/null 2>&1 &
  pid=$!
  delay=$(python3 -c "import random; print(round(random.uniform(0.02, 1.5), 3))")
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  if ! report=$("$bin" --library "$lib" verify --json); then
    bad=$((bad + 1))
    echo "run $r (killed after ${delay}s): INCONSISTENT: $report"
  fi
done

"$bin" --library "$lib" index "$photos" --model "$model" --json >/dev/null
final=$("$bin" --library "$lib" verify --json) || bad=$((bad + 1))
equal=$(python3 -c "import json,sys; v=json.loads(sys.argv[1]); print(v['files']==$files and v['items']==$files and v['stale']==0)" "$final")
echo "runs $runs, kills $kills, inconsistencies $bad, final index equals folder: $equal"
echo "final: $final"
[[ $bad -eq 0 && $equal == True ]]
