#!/usr/bin/env bash
# Benchmark: the app's time to its first window, under a virtual X display.
#   scripts/bench-first-window.sh [debug|release] [RUNS=5]
# Starts the desktop binary RUNS times (the first one after dropping the page
# cache where allowed, so it reads its files from disk) and prints, for each,
# the seconds from the process start until the window is mapped and until it
# shows something (a screenshot of the window that is not a single colour).
# Uses a new, empty profile each time (HOME and XDG folders in a temporary
# folder): what a first start sees. Needs: apt install xvfb xdotool imagemagick
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
runs=${2:-5}
app="${CARGO_TARGET_DIR:-target}/$profile/clipdex-desktop"
for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt install xvfb xdotool imagemagick" >&2; exit 1; }
done
[[ -x "$app" ]] || { echo "build the app first: npm --prefix ui run build && cargo build ${profile/debug/} --bin clipdex-desktop" >&2; exit 1; }

display=":$((80 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
xvfb=$!
work=$(mktemp -d)
app_pid=""
trap 'kill $app_pid $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $profile build; $(date -u +%F)"
echo "| run | window mapped (s) | first paint (s) |"
echo "|---|---:|---:|"
for run in $(seq 1 "$runs"); do
  if [[ $run == 1 ]]; then sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; fi
  home="$work/home-$run"
  mkdir -p "$home"
  start=$(date +%s.%N)
  HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_CACHE_HOME=$home/.cache \
    DISPLAY=$display "$app" >"$work/app-$run.log" 2>&1 &
  app_pid=$!
  mapped="" painted="" window=""
  for _ in $(seq 1 1200); do
    if [[ -z "$window" ]]; then
      window=$(DISPLAY=$display xdotool search --onlyvisible --name '^Clipdex$' 2>/dev/null | head -1 || true)
      [[ -n "$window" ]] && mapped=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")
    fi
    if [[ -n "$window" ]]; then
      # More than one colour in the window: the page has painted.
      colours=$(DISPLAY=$display import -window "$window" -format '%k' info: 2>/dev/null || echo 0)
      if [[ ${colours:-0} -gt 8 ]]; then
        painted=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")
        break
      fi
    fi
    sleep 0.02
  done
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  echo "| $run | ${mapped:-none} | ${painted:-none} |"
done
