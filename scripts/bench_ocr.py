#!/usr/bin/env python3
"""What reading text in pictures (OCR) costs, next to plain Tesseract on the
same files, in one run (issue 20).

    PYTHON scripts/bench_ocr.py MODEL_DIR [--files 200] [--append]

PYTHON: a Python with Pillow (the bench venv of scripts/bench_index.py).

MODEL_DIR: any model (the embedding is not timed; scripts/make_bench_model.py
makes a full-size one). Clipdex is `$CLIPDEX_BIN`, else the release build in
`${CARGO_TARGET_DIR:-target}/release/clipdex`. The photos are the first
FILES of $BENCH_DIR/photos-1000 (distinct 12-megapixel JPEGs made from the
test photos by scripts/bench_index.py), one in ten of them with a sign
drawn on (Pillow, DejaVu Sans Bold, 150 px), every other sign's photo saved
turned a quarter (sideways), so some pictures hold words and some of those
need a turn.

  1. `clipdex index --no-text` into a new library (not timed), then
     `clipdex text --read`: every picture read, on every core; milliseconds
     per picture, the share the cheap check skipped, and how many hold words;
  2. the peer, in the same run: `tesseract FILE stdout` on each file in turn
     (the full picture, Tesseract's own threads): what a script does.
Prints a table; `--append` adds it to BENCHMARKS.md with the machine, the
command and the date. Benchmark figures, not timed tests.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()}"


def photos(source: Path, n: int, work: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    out = work / "photos"
    out.mkdir()
    files = sorted(source.glob("*.jpg"))[:n]
    if len(files) < n:
        raise SystemExit(f"{source} holds {len(files)} JPEGs; run scripts/bench_index.py first to make them")
    font = ImageFont.truetype(FONT, 150)
    for i, f in enumerate(files):
        if i % 10 == 0:
            img = Image.open(f).convert("RGB")
            draw = ImageDraw.Draw(img)
            draw.rectangle((200, 200, 2600, 420), fill="white")
            draw.text((240, 370), f"ACME HARDWARE {1000 + i}", font=font, fill="black", anchor="ls")
            if i % 20 == 10:
                img = img.transpose(Image.Transpose.ROTATE_90)  # saved sideways
            img.save(out / f.name, quality=90)
        else:
            os.link(f, out / f.name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--append", action="store_true")
    args = ap.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    clipdex = os.environ.get("CLIPDEX_BIN") or str(target / "release" / "clipdex")
    tesseract = shutil.which("tesseract")
    if not tesseract or not Path(clipdex).is_file():
        raise SystemExit("needs tesseract on PATH and a release clipdex (cargo build --release --bin clipdex)")
    version = subprocess.run([tesseract, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    source = Path(os.environ.get("BENCH_DIR", "/var/tmp/clipdex-bench")) / "photos-1000"
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        work = Path(tmp)
        pics = photos(source, args.files, work)
        lib = str(work / "lib")
        subprocess.run([clipdex, "--library", lib, "index", str(pics), "--model", str(args.model.resolve()),
                        "--no-text", "--json"], check=True, capture_output=True)
        t = time.perf_counter()
        subprocess.run([clipdex, "--library", lib, "text", "--read"], check=True, capture_output=True)
        ours = time.perf_counter() - t
        status = json.loads(subprocess.run([clipdex, "--library", lib, "status", "--json"], check=True,
                                           capture_output=True, text=True).stdout)["text"]
        hits = subprocess.run([clipdex, "--library", lib, "search", "text:acme", "--limit", "1000", "--json"],
                              capture_output=True, text=True).stdout.strip().splitlines()
        # Each sign's whole line, as read ("ACME HARDWARE 1010"), whatever the search says.
        whole = sum(f"ACME HARDWARE {1000 + i}" in json.loads(subprocess.run(
            [clipdex, "--library", lib, "text", str(pics / f.name), "--json"], check=True, capture_output=True,
            text=True).stdout)["text"] for i, f in enumerate(sorted(pics.iterdir())) if i % 10 == 0)
        t = time.perf_counter()
        peer_words = 0
        for f in sorted(pics.iterdir()):
            out = subprocess.run([tesseract, str(f), "stdout"], capture_output=True, text=True).stdout
            peer_words += "ACME" in out
        peer = time.perf_counter() - t
    n = status["read"]
    signs = (args.files + 9) // 10
    sideways = (args.files + 9) // 20
    rows = [
        ("Clipdex `text --read` (check; upright page at 2,000 px; turns only when it saw unsure words; all cores)",
         f"{ours / n * 1000:,.0f}", "1.00",
         f"{status['skipped']} of {n} skipped ({status['skipped'] / n:.0%}); {status['with_text']} hold words; "
         f"{whole} of {signs} signs ({sideways} sideways) read whole; `text:acme` finds {len(hits)}"),
        ("peer: `tesseract FILE stdout` on each file (full size, one after another)",
         f"{peer / args.files * 1000:,.0f}", f"{(peer / args.files) / (ours / n):.2f}",
         f"ACME read in {peer_words} of {signs} signs"),
    ]
    today = datetime.date.today().isoformat()
    lines = [
        f"### Reading text in pictures ({today})",
        "",
        f"Command: `python3 scripts/bench_ocr.py {args.model} --files {args.files}` (Clipdex: {clipdex})",
        "",
        f"Machine: {machine()}. {version}, English. Photos: {args.files} distinct 12-MP JPEGs, one in ten with a sign "
        f"(every other one of those saved sideways).",
        "",
        "| pipeline | ms per picture | time vs Clipdex | what it found |",
        "|---|---:|---:|---|",
        *[f"| {a} | {b} | {c}× | {d} |" for a, b, c, d in rows],
        "",
    ]
    print("\n".join(lines))
    if args.append:
        with open(ROOT / "BENCHMARKS.md", "a") as f:
            f.write("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
