#!/usr/bin/env python3
"""The peer for scripts/bench-video.sh: what a ten-line Python indexer does
with a video — ffmpeg picks and scales the frames (the same filter Clipdex
gives it), Pillow preprocesses them as open_clip does (bicubic resize of the
short side, centre crop, normalise), ONNX Runtime embeds them in batches of
16. Prints one JSON line: frames, seconds (wall, model load excluded), and
load_seconds.

    python3 scripts/bench_video_peer.py MODEL_DIR VIDEO EVERY_S
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image


def main() -> None:
    model, video, every = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    cfg = json.loads((model / "visual" / "preprocess_cfg.json").read_text())
    size = cfg["size"] if isinstance(cfg["size"], int) else cfg["size"][0]
    mean = np.array(cfg["mean"], dtype=np.float32).reshape(3, 1, 1)
    std = np.array(cfg["std"], dtype=np.float32).reshape(3, 1, 1)
    t0 = time.perf_counter()
    session = ort.InferenceSession(str(model / "visual" / "model.onnx"), providers=["CPUExecutionProvider"])
    load = time.perf_counter() - t0
    name = session.get_inputs()[0].name

    start = time.perf_counter()
    w, h = map(int, subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "csv=p=0", video], check=True, capture_output=True, text=True).stdout.strip().split(",")[:2])
    side = max(size, 256)
    # The same scaling and selection as Clipdex's ffmpeg pass.
    sw, sh = (round(w * min(side, h) / h / 2) * 2, min(side, h)) if w >= h else (min(side, w), round(h * min(side, w) / w / 2) * 2)
    vf = (f"scale=w='if(gte(iw,ih),-2,min({side},iw))':h='if(gte(iw,ih),min({side},ih),-2)',"
          f"select='eq(n,0)+gt(scene,0.3)+gte(t-prev_selected_t,{every})'")
    ff = subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-hwaccel", "auto", "-i", video, "-an",
                           "-vf", vf, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    frames, batch = 0, []

    def embed() -> None:
        session.run(None, {name: np.stack(batch)})
        batch.clear()

    assert ff.stdout is not None
    while True:
        raw = ff.stdout.read(sw * sh * 3)
        if len(raw) < sw * sh * 3:
            break
        img = Image.frombytes("RGB", (sw, sh), raw)
        scale = size / min(img.size)
        img = img.resize((max(size, round(img.width * scale)), max(size, round(img.height * scale))), Image.BICUBIC)
        left, top = (img.width - size) // 2, (img.height - size) // 2
        img = img.crop((left, top, left + size, top + size))
        x = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
        batch.append((x - mean) / std)
        frames += 1
        if len(batch) == 16:
            embed()
    if batch:
        embed()
    ff.wait()
    print(json.dumps({"frames": frames, "seconds": time.perf_counter() - start, "load_seconds": load}))


if __name__ == "__main__":
    main()
