#!/usr/bin/env python3
"""Puts the test photos in tests/fixtures/photos/.

They are public-domain and CC0 sample images that ship inside the scikit-image
wheel on PyPI. The wheel is fetched with `pip download` at a pinned version
and checked against its SHA-256, so every machine tests the same pixels; only
the needed files are extracted. Nothing is installed.
"""

import sys
import tempfile
import zipfile
from pathlib import Path

import wheels

VERSION = "0.26.0"
# The manylinux x86_64 CPython 3.11 wheel: any platform can download and unzip it.
PLATFORM = "manylinux_2_24_x86_64"
WHEEL_SHA256 = "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af"
FILES = [
    "astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "camera.png", "horse.png",
    "rocket.jpg", "hubble_deep_field.jpg", "logo.png", "coins.png", "retina.jpg", "brick.png",
]

DEST = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos"


def main() -> int:
    if DEST.is_dir() and all((DEST / f).is_file() for f in FILES):
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wheel = wheels.download("scikit-image", VERSION, PLATFORM, WHEEL_SHA256, Path(tmp))
        except wheels.WheelError as e:
            print(e, file=sys.stderr)
            return 1
        DEST.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for f in FILES:
                (DEST / f).write_bytes(z.read(f"skimage/data/{f}"))
    print(f"test photos in {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
