#!/usr/bin/env python3
"""Makes tests/fixtures/media/raw/facts.cr3: a file in Canon's CR3 layout
that carries only its metadata, for the date, camera and lens filters.

No CR3 sample small enough to commit can be had here, so this builds the
container as Canon's cameras lay it out (ISO base media: an `ftyp` of brand
`crx `, and in `moov` Canon's `uuid` box 85c0b687-820f-11e0-8111-f4ce462b6a48
holding `CMT1`, the main TIFF directory, and `CMT2`, the EXIF directory, each
a whole TIFF), with the TIFFs written by tifffile, an independent writer.
It has no picture: reading its facts is what it is for.

Needs numpy and tifffile, e.g. in a venv:
    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy tifffile
    /tmp/v/bin/python scripts/make_cr3_sample.py
"""

import io
import struct
from pathlib import Path

import numpy as np
import tifffile

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "media" / "raw" / "facts.cr3"
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")


def tiff(tags):
    """A little-endian TIFF whose first directory holds these ASCII tags."""
    buf = io.BytesIO()
    extratags = [(code, "s", 0, text, True) for code, text in tags]
    tifffile.imwrite(buf, np.zeros((1, 1), dtype=np.uint8), extratags=extratags, metadata=None)
    return buf.getvalue()


def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def main():
    cmt1 = tiff([(271, "Canon"), (272, "Canon EOS R5")])  # Make, Model
    cmt2 = tiff([
        (36867, "2022:03:04 05:06:07"),  # DateTimeOriginal
        (36881, "+01:00"),  # OffsetTimeOriginal
        (42036, "RF24-105mm F4 L IS USM"),  # LensModel
    ])
    canon = box(b"uuid", CANON_UUID + box(b"CNCV", b"CanonCR3_001/01.09.00/00.00.00") + box(b"CMT1", cmt1)
                + box(b"CMT2", cmt2))
    ftyp = box(b"ftyp", b"crx " + struct.pack(">I", 1) + b"crx isom")
    data = ftyp + box(b"moov", canon) + box(b"mdat", b"")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"{OUT}: {len(data)} bytes")


if __name__ == "__main__":
    main()
