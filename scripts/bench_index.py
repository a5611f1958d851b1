#!/usr/bin/env python3
"""The indexing benchmark suite (issue 18): how fast a first index is, next to
the model's own speed and to a Python indexer doing the same work, in one run.

    PYTHON scripts/bench_index.py MODEL_DIR [--files 1000 [10000]] [--scale 100000] [--append]

PYTHON: a Python with onnxruntime, numpy and Pillow (the peer's stack).
MODEL_DIR: a full-size random-weight export (scripts/make_bench_model.py):
cost does not depend on weight values. Clipdex is `$CLIPDEX_BIN`, else the
release build in `${CARGO_TARGET_DIR:-target}/release/clipdex` (build it once
with `cargo build --release -p clipdex-cli --bin clipdex` and reuse the target
folder; `--scale` also needs `cargo build --release -p clipdex-library
--example bench_scale`).

What it measures, on the same distinct 12-megapixel JPEGs (what phones
write; one in 20 is a PNG screenshot), made from the committed test photos
and kept in $BENCH_DIR (default /var/tmp/clipdex-bench) for later runs:
  1. ONNX Runtime alone on the image tower at batch 1, 8 and 32 (the ceiling);
  2. the Python peer: Pillow decodes on every core while ONNX Runtime embeds
     batches of 32, as a server's ML service does; plain, and with Pillow's
     draft() (JPEG DCT-domain downscaling);
  3. `clipdex index` into a new library: with this model's tag vocabulary
     not prepared yet (the default: tags wait), with `--tags` (prepared in
     the run, what the very first library pays), and with it prepared (a
     second library), with peak RSS and where the time went;
  4. the time until a search finds something while a first index runs;
  5. a rescan of the unchanged files;
  6. a cold `clipdex search` (a new process: start, model load, query);
  7. with --scale N: a library already holding N items (bench_scale: real
     files, synthetic rows), its rescan, and the first 1,000 photos indexed
     into it against the same photos into a new library (cost per file).
At 10,000 files and more only the peer with draft(), the default index and
the rescan run (the other rows scale linearly and take an hour there).
Prints a table; `--append` adds it to BENCHMARKS.md with the machine, the
command and the date. Benchmark figures, not timed tests.
"""

import argparse
import concurrent.futures as cf
import datetime
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
WIDTH, HEIGHT = 4032, 3024  # 12 MP, as phones write
QUERY = "a photo of a cat"


# ---- inputs ----

def make_photos(n: int, base: Path) -> Path:
    """n distinct 12-MP JPEGs (every 20th a PNG screenshot): 200 distinct
    pictures, each written as several files whose bytes differ (a comment
    segment), so every file is new content to an indexer."""
    out = base / f"photos-{n}"
    done = out / ".complete"
    if done.is_file():
        return out
    subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_test_photos.py")], check=True)
    sources = sorted(p for p in PHOTOS.iterdir() if p.suffix in (".png", ".jpg"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pictures = min(n, 200)
    with cf.ProcessPoolExecutor() as pool:
        made = list(pool.map(_picture, [(i, str(sources[i % len(sources)])) for i in range(pictures)]))
    for i in range(n):
        data, ext = made[i % pictures]
        name = out / f"IMG_{i:05d}.{ext}"
        if ext == "jpg":
            # A COM segment after SOI: the same pixels, new bytes.
            tag = f"clipdex bench {i}".encode()
            data = data[:2] + b"\xff\xfe" + (len(tag) + 2).to_bytes(2, "big") + tag + data[2:]
        else:
            data = data[:-12] + _png_text(i) + data[-12:]
        name.write_bytes(data)
    done.write_text("")
    return out


def _png_text(i: int) -> bytes:
    import zlib
    body = b"tEXt" + b"Comment\x00" + f"clipdex bench {i}".encode()
    return (len(body) - 4).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")


def _picture(args) -> tuple[bytes, str]:
    i, src = args
    rng = np.random.default_rng(i)
    img = Image.open(src).convert("RGB")
    w, h = img.size
    # A different crop, orientation and colour cast for each picture.
    cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    img = img.crop((x, y, x + cw, y + ch))
    buf = io.BytesIO()
    if i % 20 == 19:
        img.resize((1170, 2532), Image.BICUBIC).save(buf, "PNG")
        return buf.getvalue(), "png"
    size = (WIDTH, HEIGHT) if i % 3 else (HEIGHT, WIDTH)
    px = np.asarray(img.resize(size, Image.BICUBIC), dtype=np.float32)
    px = px * rng.uniform(0.85, 1.15, size=3) + rng.normal(0, 3, size=px.shape)  # cast and sensor noise
    Image.fromarray(np.clip(px, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue(), "jpg"


# ---- the model alone, and the Python peer ----

def preprocess_cfg(model: Path) -> tuple[int, np.ndarray, np.ndarray]:
    cfg = json.loads((model / "visual" / "preprocess_cfg.json").read_text())
    size = cfg["size"] if isinstance(cfg["size"], int) else cfg["size"][0]
    return size, np.array(cfg["mean"], np.float32).reshape(3, 1, 1), np.array(cfg["std"], np.float32).reshape(3, 1, 1)


def model_only(model: Path, batch: int, seconds: float = 20.0, threads: int = 0) -> float:
    """Images/s of the image tower alone: default session options, as
    Clipdex's, or ONNX Runtime's intra-op pool limited to `threads`."""
    size, _, _ = preprocess_cfg(model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    s = ort.InferenceSession(str(model / "visual" / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    x = np.random.default_rng(0).standard_normal((batch, 3, size, size), dtype=np.float32)
    s.run(None, {name: x})
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 2:
        s.run(None, {name: x})
        n += 1
    return n * batch / (time.perf_counter() - t0)


def text_only(model: Path, batch: int, seconds: float = 15.0) -> float:
    """Texts/s of the text tower alone, full context (what a padded query costs)."""
    s = ort.InferenceSession(str(model / "textual" / "model.onnx"), providers=["CPUExecutionProvider"])
    ctx = json.loads((model / "config.json").read_text())["text_cfg"].get("context_length", 77)
    feed = {i.name: np.ones((batch, ctx), np.int64 if "int64" in i.type else np.int32) for i in s.get_inputs()}
    s.run(None, feed)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 2:
        s.run(None, feed)
        n += 1
    return n * batch / (time.perf_counter() - t0)


def text_rows(clipdex: str, model: Path, base: Path, say, with_clipdex: bool = True) -> None:
    """The text tower: ONNX Runtime alone, and (`with_clipdex`) Clipdex
    preparing the tag vocabulary (a one-photo --tags run) and a cold search."""
    one, thirty_two = text_only(model, 1), text_only(model, 32)
    say("")
    say(f"Text tower alone (ONNX Runtime): {one:.1f} texts/s at batch 1 ({1000 / one:.0f} ms a query), "
        f"{thirty_two:.1f} at batch 32.")
    if not with_clipdex:
        return
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        work = Path(tmp)
        photo = work / "one"
        photo.mkdir()
        shutil.copy(PHOTOS / "chelsea.png", photo / "chelsea.png")
        env = dict(os.environ, CLIPDEX_CACHE=str(work / "cache"))
        lib = str(work / "lib")
        wall, rss, out = timed([clipdex, "--library", lib, "index", str(photo), "--model", str(model), "--json",
                                "--tags"], env)
        vocab = json.loads(out)["timings"]["vocabulary"]
        say(f"Clipdex preparing the tag vocabulary (a one-photo `index --tags`): {vocab:.1f} s"
            f" (run {wall:.1f} s, peak RSS {rss} MB).")
        wall, rss, _ = timed([clipdex, "--library", lib, "search", QUERY, "--model", str(model), "--json"], env)
        say(f"Cold `clipdex search`: {wall:.2f} s, peak RSS {rss} MB.")


def peer(model: Path, files: list[Path], draft: bool) -> float:
    """Images/s of a Python indexer: Pillow decodes and preprocesses as
    open_clip does (bicubic resize of the short side, centre crop,
    normalise) on a thread per core while ONNX Runtime embeds batches of 32.
    Model load excluded."""
    size, mean, std = preprocess_cfg(model)
    s = ort.InferenceSession(str(model / "visual" / "model.onnx"), providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name

    def load(path: Path) -> np.ndarray:
        img = Image.open(path)
        if draft:
            img.draft("RGB", (size, size))
        img = img.convert("RGB")
        scale = size / min(img.size)
        img = img.resize((max(size, round(img.width * scale)), max(size, round(img.height * scale))), Image.BICUBIC)
        left, top = (img.width - size) // 2, (img.height - size) // 2
        img = img.crop((left, top, left + size, top + size))
        return (np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0 - mean) / std

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(os.cpu_count()) as pool:
        for i in range(0, len(files), 32):
            s.run(None, {name: np.stack(list(pool.map(load, files[i:i + 32])))})
    return len(files) / (time.perf_counter() - t0)


def dct_parity(model: Path, files: list[Path]) -> tuple[float, float, float, float]:
    """What JPEG DCT-domain downscaling (Pillow's draft(): libjpeg's scaled
    IDCT) does to vectors and decode time: the least and mean cosine between
    each photo's vector from a full decode and from a scaled one (both then
    preprocessed as open_clip does), and ms per photo for each decode."""
    size, mean, std = preprocess_cfg(model)
    s = ort.InferenceSession(str(model / "visual" / "model.onnx"), providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name

    def tensor(img: Image.Image) -> np.ndarray:
        scale = size / min(img.size)
        img = img.resize((max(size, round(img.width * scale)), max(size, round(img.height * scale))), Image.BICUBIC)
        left, top = (img.width - size) // 2, (img.height - size) // 2
        img = img.crop((left, top, left + size, top + size))
        return (np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0 - mean) / std

    cos, full_ms, draft_ms = [], 0.0, 0.0
    jpegs = [f for f in files if f.suffix == ".jpg"]
    for f in jpegs:
        t0 = time.perf_counter()
        full = Image.open(f).convert("RGB")
        t1 = time.perf_counter()
        small = Image.open(f)
        small.draft("RGB", (size, size))
        small = small.convert("RGB")
        t2 = time.perf_counter()
        full_ms += (t1 - t0) * 1000
        draft_ms += (t2 - t1) * 1000
        a, b = s.run(None, {name: np.stack([tensor(full), tensor(small)])})[0]
        cos.append(float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))))
    return min(cos), sum(cos) / len(cos), full_ms / len(jpegs), draft_ms / len(jpegs)


# ---- Clipdex ----

def timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of one command, in a process
    of its own so the RSS is that command's."""
    probe = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
             "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
             "sys.stderr.write(p.stderr);"
             "print(json.dumps([time.perf_counter()-t,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
             "p.returncode,p.stdout]))")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, capture_output=True, text=True, check=True)
    wall, rss_kb, rc, stdout = json.loads(out.stdout)
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({rc}): {out.stderr[-2000:]}")
    return wall, rss_kb // 1024, stdout


def first_search(clipdex: str, model: Path, photos: Path, work: Path, env: dict) -> float:
    """Seconds from starting a first index until a search (another process)
    returns a hit."""
    lib = work / "lib-first-search"
    t0 = time.perf_counter()
    indexer = subprocess.Popen([clipdex, "--library", str(lib), "index", str(photos), "--model", str(model)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while indexer.poll() is None or time.perf_counter() - t0 < 1:
            if (lib / "db").is_dir():
                r = subprocess.run([clipdex, "--library", str(lib), "search", QUERY, "--model", str(model),
                                    "--json", "--limit", "1", "--min-score", "-1"],
                                   env=env, capture_output=True, text=True)
                if r.returncode == 0 and r.stdout.strip():  # a JSON line per hit
                    return time.perf_counter() - t0
            time.sleep(0.5)
        return float("nan")
    finally:
        indexer.kill()
        indexer.wait()


def rescan_line(what: str, wall: float, out: str) -> str:
    """A rescan's wall time, and how much of it was the index run itself
    (the rest is the process starting and loading the model)."""
    run = json.loads(out)
    return (f"Rescan of {what}: {wall:.2f} s (skipped {run['skipped']}), of which the run itself"
            f" {run['seconds']:.2f} s; the rest is the process starting and opening the model.")


def large_run(clipdex: str, model: Path, photos: Path, files: list[Path], n: int, best: float, base: Path,
              say) -> None:
    """At 10k files: the peer with draft(), a first index (tags waiting) and its rescan."""
    drafted = peer(model, files, draft=True)
    say(f"| Python + Pillow with draft() | {n} | {drafted:.1f} | {drafted / best:.2f} | – |")
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        work = Path(tmp)
        env = dict(os.environ, CLIPDEX_CACHE=str(work / "cache"))
        cmd = [clipdex, "--library", str(work / "lib"), "index", str(photos), "--model", str(model), "--json"]
        wall, rss, out = timed(cmd, env)
        say(f"| Clipdex index, tags waiting (default) | {n} | {n / wall:.1f} | {n / wall / best:.2f} | {rss} MB |")
        say("")
        say(f"Clipdex / Python peer with draft(), {n} files: {n / wall / drafted:.2f}×.")
        t = json.loads(out)["timings"]
        say(f"Where the time went, {n} files (seconds; cpu_ = summed over threads): "
            + ", ".join(f"{k} {v:.1f}" for k, v in t.items() if v))
        wall, _, out = timed(cmd, env)
        say(rescan_line(f"{n} unchanged files", wall, out))


def at_scale(clipdex: str, model: Path, photos: Path, n: int, items: int, empty_run, env: dict, base: Path,
             target: Path, say) -> None:
    """A library already holding `items` items: its rescan, and `n` new photos
    indexed into it against the same photos into a new library (`empty_run`)."""
    seeder = target / "release" / "examples" / "bench_scale"
    if not seeder.is_file():
        raise SystemExit(f"no {seeder}: cargo build --release -p clipdex-library --example bench_scale")
    lib, files = base / f"lib-{items}-{model.name}", base / f"files-{items}"
    t0 = time.perf_counter()
    subprocess.run([str(seeder), str(model), str(lib), str(files), str(items)], env=env, check=True)
    say("")
    say(f"A library of {items} items (bench_scale: real files, synthetic rows), filled in"
        f" {time.perf_counter() - t0:.0f} s (reused if there).")
    wall, rss, out = timed([clipdex, "--library", str(lib), "index", str(files), "--model", str(model), "--json"], env)
    say(rescan_line(f"its {items} unchanged files", wall, out) + f" Peak RSS {rss} MB.")
    # The new photos go in a copy, so a rerun measures the same thing.
    copy = base / f"lib-{items}-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(lib, copy)
    try:
        wall, rss, out = timed([clipdex, "--library", str(copy), "index", str(photos), "--model", str(model),
                                "--json"], env)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    empty = empty_run[0] / n
    say(f"Indexing {n} new photos into it: {wall / n * 1000:.1f} ms a file against {empty * 1000:.1f} ms into a new"
        f" library ({wall / n / empty:.2f}×), peak RSS {rss} MB; the run's split: "
        + ", ".join(f"{k} {v:.1f}" for k, v in json.loads(out)["timings"].items() if v))


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--files", type=int, nargs="+", default=[1000])
    ap.add_argument("--scale", type=int, help="also measure a library already holding this many items")
    ap.add_argument("--text-only", action="store_true", help="only the text tower (e.g. a multilingual one)")
    ap.add_argument("--append", action="store_true", help="add the table to BENCHMARKS.md")
    args = ap.parse_args()
    # This suite measures embedding; reading text in pictures (OCR) is the
    # last phase of a run and has its own benchmark (scripts/bench_ocr.py).
    os.environ["CLIPDEX_TESSERACT"] = ""
    model = args.model.resolve()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    clipdex = os.environ.get("CLIPDEX_BIN") or str(target / "release" / "clipdex")
    if not Path(clipdex).is_file():
        raise SystemExit(f"no {clipdex}: cargo build --release --bin clipdex (or set CLIPDEX_BIN)")
    base = Path(os.environ.get("BENCH_DIR", "/var/tmp/clipdex-bench"))
    lines: list[str] = []
    notes: list[str] = []

    def say(s: str) -> None:
        print(s, flush=True)
        lines.append(s)

    say(f"Machine: {machine()}. Model: {model.name} (random weights), ONNX Runtime {ort.__version__} on CPU.")
    say(f"Clipdex: {clipdex}. Date: {datetime.date.today()}.")
    if args.text_only:
        text_rows(clipdex, model, base, say)
        return finish(args, lines)
    ceiling = {}
    for b in (1, 8, 32):
        ceiling[b] = model_only(model, b)
    best = max(ceiling.values())
    say("")
    say("| pipeline | files | images/s | vs model-only | peak RSS |")
    say("|---|---:|---:|---:|---:|")
    for b, v in ceiling.items():
        say(f"| ONNX Runtime, model only, batch {b} | – | {v:.1f} | {v / best:.2f} | – |")
    single = model_only(model, 32, threads=1)
    say(f"| ONNX Runtime, model only, batch 32, one intra-op thread | – | {single:.1f} | {single / best:.2f} | – |")

    for k, n in enumerate(args.files):
        if k:
            say("")
            say("| pipeline | files | images/s | vs model-only | peak RSS |")
            say("|---|---:|---:|---:|---:|")
        photos = make_photos(n, base)
        files = sorted(p for p in photos.iterdir() if p.suffix in (".jpg", ".png"))
        if n >= 10_000:
            large_run(clipdex, model, photos, files, n, best, base, say)
            continue
        plain = peer(model, files, draft=False)
        drafted = peer(model, files, draft=True)
        say(f"| Python + Pillow, plain decode | {n} | {plain:.1f} | {plain / best:.2f} | – |")
        say(f"| Python + Pillow with draft() | {n} | {drafted:.1f} | {drafted / best:.2f} | – |")
        low, avg, full_ms, draft_ms = dct_parity(model, files[:40])
        notes.append(f"JPEG DCT-domain downscaling (Pillow draft(), 40 of the 12-MP JPEGs): decode {full_ms:.0f} → "
                     f"{draft_ms:.0f} ms a photo; vector cosine to the full decode's: least {low:.5f}, mean {avg:.5f}.")
        with tempfile.TemporaryDirectory(dir=base) as tmp:
            work = Path(tmp)
            env = dict(os.environ, CLIPDEX_CACHE=str(work / "cache"))
            index = lambda lib, *extra: timed(  # noqa: E731
                [clipdex, "--library", str(work / lib), "index", str(photos), "--model", str(model), "--json", *extra],
                env)
            runs = {}
            for label, lib, extra in (("tags waiting (default)", "lib-a", ()),
                                      ("--tags, vocabulary prepared in the run", "lib-b", ("--tags",)),
                                      ("vocabulary already prepared (a second library)", "lib-c", ())):
                wall, rss, out = index(lib, *extra)
                runs[label] = (wall, rss, json.loads(out))
                say(f"| Clipdex index, {label} | {n} | {n / wall:.1f} | {n / wall / best:.2f} | {rss} MB |")
            say("")
            for line in notes:
                say(line)
            notes.clear()
            ratio = (n / runs["vocabulary already prepared (a second library)"][0]) / drafted
            say("")
            say(f"Clipdex (vocabulary prepared) / Python peer with draft(): {ratio:.2f}×;"
                f" / plain Python peer: {ratio * drafted / plain:.2f}×")
            t = runs["vocabulary already prepared (a second library)"][2]["timings"]
            say("Where a Clipdex run's time went (seconds; cpu_ = summed over threads): "
                + ", ".join(f"{k} {v:.1f}" for k, v in t.items() if v))
            tb = runs["--tags, vocabulary prepared in the run"][2]["timings"]
            say(f"Preparing the tag vocabulary in the --tags run: {tb['vocabulary']:.1f} s.")
            wall, _, out = index("lib-c")
            say(rescan_line(f"{n} unchanged files", wall, out))
            wall, rss, _ = timed([clipdex, "--library", str(work / "lib-c"), "search", QUERY, "--model", str(model),
                                  "--json"], env)
            say(f"Cold `clipdex search` (new process, model load, query): {wall:.2f} s, peak RSS {rss} MB.")
            say(f"First search hit during a first index: {first_search(clipdex, model, photos, work, env):.1f} s"
                " after it started.")
            if args.scale:
                at_scale(clipdex, model, photos, n, args.scale, runs["vocabulary already prepared (a second library)"],
                         env, base, target, say)
    text_rows(clipdex, model, base, say, with_clipdex=False)
    finish(args, lines)


def finish(args, lines: list[str]) -> None:
    if args.append:
        cmd = f"{Path(sys.executable).name} scripts/bench_index.py {args.model}"
        if not args.text_only:
            cmd += f" --files {' '.join(map(str, args.files))}"
        if args.scale:
            cmd += f" --scale {args.scale}"
        if args.text_only:
            cmd += " --text-only"
        with open(ROOT / "BENCHMARKS.md", "a") as f:
            f.write(f"\n### Indexing suite run ({datetime.date.today()})\n\nCommand: `{cmd}`\n\n")
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
