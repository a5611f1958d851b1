#!/usr/bin/env python3
"""Builds Clipdex's installable packages for this platform and prints their
paths, one per line (everything else goes to stderr).

    scripts/dev package [--debug]          # Linux: .deb and .rpm
    python3 scripts/package.py [--debug]   # any platform (the release workflow)

What a package carries besides the app (tauri.conf.json has the rest):
  - the `clipdex` command line, as a Tauri sidecar beside the app's
    executable (on Linux /usr/bin/clipdex, so on PATH);
  - the ONNX Runtime shared library, from the same pinned, SHA-256-checked
    `onnxruntime` wheel as the set-up (scripts/fetch_onnxruntime.py), as a
    resource under `onnxruntime/`. Both engines find it from their own
    executable's folder (clipdex_embed::runtime::bundled_dirs), with no
    environment variable.

These two are given to `tauri build` as a config overlay (--config) that
this script writes under the target dir, because plain `cargo build` (the
tests, `scripts/dev app`) must not need them: tauri-build checks every
resource and sidecar exists at compile time, and the sidecar is this
workspace's own output.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLES = {"Linux": "deb,rpm", "Windows": "msi,nsis", "Darwin": "app,dmg"}


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    say("$ " + " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, stdout=sys.stderr, **kw)


def host_triple() -> str:
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("host:"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debug", action="store_true", help="a debug build (minutes, not an hour; for tests)")
    ap.add_argument("--bundles", default=DEFAULT_BUNDLES.get(platform.system(), ""),
                    help="Tauri bundle formats, comma-separated (default for this platform: %(default)s)")
    args = ap.parse_args()

    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target").resolve()
    profile = "debug" if args.debug else "release"
    stage = target / "package-stage" / profile
    exe = ".exe" if platform.system() == "Windows" else ""

    # 1. ONNX Runtime, from the pinned wheel (cached across runs by its checksum).
    ort_cache = target / "package-stage" / "onnxruntime-wheel"
    run([sys.executable, ROOT / "scripts" / "fetch_onnxruntime.py", "--dest", ort_cache])
    ort = stage / "onnxruntime"
    shutil.rmtree(ort, ignore_errors=True)
    ort.mkdir(parents=True)
    libs = [p for p in ort_cache.iterdir() if p.is_file() and not p.name.startswith(".")]
    if not libs:
        say(f"no ONNX Runtime library in {ort_cache}")
        return 1
    for p in libs:
        shutil.copy2(p, ort / p.name)

    # 2. The command line, named as Tauri wants a sidecar: clipdex-<target triple>.
    # `--workspace --bin clipdex`, not `-p clipdex-cli`: features are then
    # unified over the whole workspace, as in `cargo test --workspace`, so the
    # test build's dependencies are reused (`-p` alone resolves other features
    # and rebuilt arrow, DataFusion and LanceDB: 13 minutes on a fresh machine).
    cargo = ["cargo", "build", "--locked", "--workspace", "--bin", "clipdex"]
    run(cargo if args.debug else cargo + ["--release"], cwd=ROOT)
    bins = stage / "bin"
    bins.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target / profile / f"clipdex{exe}", bins / f"clipdex-{host_triple()}{exe}")

    # 3. The overlay, then Tauri's own build and bundler (the app and the window).
    overlay = stage / "tauri.bundle.json"
    overlay.write_text(json.dumps({
        "bundle": {
            "resources": {ort.as_posix() + "/": "onnxruntime/"},
            "externalBin": [(bins / "clipdex").as_posix()],
        }
    }, indent=2))
    tauri = ROOT / "ui" / "node_modules" / ".bin" / ("tauri.cmd" if platform.system() == "Windows" else "tauri")
    if not tauri.exists():
        run(["npm", "--prefix", ROOT / "ui", "ci"], shell=platform.system() == "Windows")
    out = target / profile / "bundle"
    shutil.rmtree(out, ignore_errors=True)  # only this build's packages are printed
    cmd = [tauri, "build", "--ci", "--config", overlay]
    if args.debug:
        cmd.append("--debug")
    if args.bundles:
        cmd += ["--bundles", args.bundles]
    run(cmd, cwd=ROOT)

    # 4. What was made, one per line.
    made = sorted(p for p in out.rglob("*") if p.is_file() and p.suffix in {".deb", ".rpm", ".AppImage", ".msi", ".exe", ".dmg"})
    made += sorted(p for p in out.rglob("*.app") if p.is_dir())
    if not made:
        say(f"tauri build made no package under {out}")
        return 1
    for p in made:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
