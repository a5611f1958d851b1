#!/usr/bin/env python3
"""Installs the ONNX Runtime shared library Clipdex loads at run time.

Clipdex's `ort` crate is built with `load-dynamic` and `api-31`, so it needs
ONNX Runtime 1.31 as a shared library. This takes it from the official
`onnxruntime` wheel on PyPI: `pip download` fetches the pinned wheel for this
platform, its SHA-256 is checked against the table below, and the library is
copied to the folder Clipdex searches by default:

    Linux    ~/.local/share/clipdex/onnxruntime/libonnxruntime.so.1.31.1
    macOS    ~/Library/Application Support/clipdex/onnxruntime/libonnxruntime.1.31.1.dylib
    Windows  %LOCALAPPDATA%\\clipdex\\onnxruntime\\onnxruntime.dll

Usage: python3 scripts/fetch_onnxruntime.py [--dest DIR]
Nothing is installed into Python; only pip's download command is used.
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import wheels

VERSION = "1.31.1"

# (system, machine) -> (pip platform tag, wheel SHA-256, library file in the wheel)
WHEELS = {
    ("Linux", "x86_64"): ("manylinux_2_28_x86_64",
                          "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
                          f"libonnxruntime.so.{VERSION}"),
    ("Linux", "aarch64"): ("manylinux_2_28_aarch64",
                           "da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3",
                           f"libonnxruntime.so.{VERSION}"),
    ("Darwin", "arm64"): ("macosx_14_0_arm64",
                          "60b6b69bfe580eab576cacc5d132a0e9cf2a37fcfd18d46dd191042b1d1ed0d7",
                          f"libonnxruntime.{VERSION}.dylib"),
    ("Windows", "AMD64"): ("win_amd64",
                           "c3d91b5de31e2fc82d71bd65b2b22bddee8b49057a3a36338e9a868e0ea90c05",
                           "onnxruntime.dll"),
}


def default_dest() -> Path:
    """The same folder as Rust's `dirs::data_local_dir()/clipdex/onnxruntime`."""
    system = platform.system()
    if system == "Windows":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif system == "Darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "clipdex" / "onnxruntime"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dest", type=Path, default=default_dest(), help="where to put the library")
    args = ap.parse_args()

    key = (platform.system(), platform.machine())
    if key not in WHEELS:
        print(f"no pinned ONNX Runtime wheel for {key[0]} {key[1]}; install onnxruntime {VERSION} yourself "
              f"and set ORT_DYLIB_PATH to its shared library", file=sys.stderr)
        return 1
    tag, sha, lib = WHEELS[key]
    target = args.dest / lib
    if target.is_file() and (args.dest / ".sha256").is_file() and (args.dest / ".sha256").read_text().strip() == sha:
        print(f"ONNX Runtime {VERSION} already installed at {target}")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        try:
            wheel = wheels.download("onnxruntime", VERSION, tag, sha, Path(tmp))
        except wheels.WheelError as e:
            print(f"{e}; not installing", file=sys.stderr)
            return 1
        args.dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            names = [n for n in z.namelist() if n.startswith("onnxruntime/capi/")
                     and Path(n).name.startswith(("libonnxruntime", "onnxruntime.dll", "onnxruntime_providers"))]
            for n in names:
                # Write beside, then rename: a half-written library is never left in place.
                part = args.dest / (Path(n).name + ".part")
                with z.open(n) as src, open(part, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.replace(part, args.dest / Path(n).name)
        (args.dest / ".sha256").write_text(sha + "\n")
    print(f"installed ONNX Runtime {VERSION} at {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
