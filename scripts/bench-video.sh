#!/usr/bin/env bash
# Benchmark: indexing a 1080p video (images/s and real-time factor), Clipdex
# against a Python peer doing the same work (scripts/bench_video_peer.py:
# the same ffmpeg frame selection, Pillow preprocessing, ONNX Runtime), and
# against ffmpeg alone picking the frames (the decoding floor), in one run.
#   scripts/bench-video.sh MODEL_DIR PYTHON [SECONDS=120]
# MODEL_DIR: a full-size random-weight export (scripts/make_bench_model.py).
# PYTHON: a Python with onnxruntime, numpy and Pillow.
# Uses ${CARGO_TARGET_DIR:-target}/debug/clipdex (or CLIPDEX_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
python=$2
seconds=${3:-120}
bin="${CLIPDEX_BIN:-${CARGO_TARGET_DIR:-target}/debug/clipdex}"
python3 scripts/fetch_test_photos.py > /dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A 1080p H.264 video at 30 fps: the committed photos in turn, each panned
# slowly for 10 s (motion for the decoder, a scene change between photos).
names=(astronaut.png chelsea.png coffee.png motorcycle_left.png camera.png rocket.jpg hubble_deep_field.jpg retina.jpg coins.png horse.png brick.png logo.png)
shots=$(((seconds + 9) / 10))
args=() chains="" inputs=""
for ((i = 0; i < shots; i++)); do
  args+=(-loop 1 -framerate 30 -t 10 -i "tests/fixtures/photos/${names[$((i % ${#names[@]}))]}")
  chains+="[$i]scale=2304:1296:force_original_aspect_ratio=increase,crop=1920:1080:x='(iw-1920)*t/10':y='(ih-1080)/2',setsar=1,format=yuv420p[v$i];"
  inputs+="[v$i]"
done
mkdir -p "$work/media" "$work/warm"
ffmpeg -nostdin -loglevel error -y "${args[@]}" -filter_complex "${chains}${inputs}concat=n=$shots:v=1:a=0[out]" \
  -map "[out]" -t "$seconds" -c:v libx264 -preset veryfast -crf 20 "$work/media/clip.mp4"

# The tag vocabulary is embedded once per library and model: warm it first.
cp tests/fixtures/photos/rocket.jpg "$work/warm/"
"$bin" --library "$work/lib" index "$work/warm" --model "$model" --json > /dev/null

echo "1080p H.264, ${seconds} s at 30 fps; $(nproc) cores; model $(basename "$model")"
printf '%-34s %8s %9s %10s %10s\n' "pipeline (moment every)" frames seconds "images/s" "real-time"
for every in 10 2; do
  floor=$({ /usr/bin/time -f %e ffmpeg -nostdin -loglevel error -hwaccel auto -i "$work/media/clip.mp4" -an \
    -vf "scale=w='if(gte(iw,ih),-2,min(256,iw))':h='if(gte(iw,ih),min(256,ih),-2)',select='eq(n,0)+gt(scene,0.3)+gte(t-prev_selected_t,$every)'" \
    -fps_mode passthrough -f null - ; } 2>&1 | tail -1)
  peer=$("$python" scripts/bench_video_peer.py "$model" "$work/media/clip.mp4" "$every")
  rm -rf "$work/lib-$every"
  cp -r "$work/lib" "$work/lib-$every"
  mkdir -p "$work/in-$every" && ln -f "$work/media/clip.mp4" "$work/in-$every/clip.mp4"
  ours=$("$bin" --library "$work/lib-$every" index "$work/in-$every" --moment-every "$every" --json)
  SECONDS_=$seconds EVERY=$every FLOOR=$floor PEER=$peer OURS=$ours python3 - <<'PY'
import json, os
n, every = float(os.environ["SECONDS_"]), os.environ["EVERY"]
peer, ours, floor = json.loads(os.environ["PEER"]), json.loads(os.environ["OURS"]), float(os.environ["FLOOR"])
f = peer["frames"]
row = lambda name, s, frames=f: print(f"{name:<34} {frames:>8} {s:>9.2f} {frames / s:>10.1f} {n / s:>9.1f}x")
row(f"ffmpeg alone, picking frames ({every} s)", floor)
row(f"Python + ONNX Runtime ({every} s)", peer["seconds"])
row(f"Clipdex index ({every} s)", ours["seconds"])
print(f"  Clipdex / Python peer, time: {ours['seconds'] / peer['seconds']:.2f}  (peer's model load {peer['load_seconds']:.1f} s excluded; Clipdex's included)")
PY
done
