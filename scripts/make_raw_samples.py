#!/usr/bin/env python3
"""Makes the small DNG files in tests/fixtures/media/raw/ from a test photo.

No RAW sample small enough to commit ships in a package this project can
fetch (rawler's crate carries only digests of its camera samples), so these
are built with tifffile, an independent TIFF/DNG writer, from chelsea.png
(tests/fixtures/photos/, fetched by scripts/fetch_test_photos.py):

- `cfa.dng`: the photo as a Bayer mosaic (RGGB, 16-bit linear) and nothing
  else: it must be demosaiced and developed to be seen. Its colour matrix
  makes the camera's space linear sRGB, so a correct develop gives the
  photo back.
- `preview.dng`: a mosaic of flat grey (half the size), with the photo as the full-size
  JPEG preview in a SubIFD, stored turned a quarter (Orientation 6, "rotate
  90° clockwise to view"), plus a small thumbnail in IFD0 as DNG wants.
  Only a reader that prefers the preview and applies the orientation sees
  the cat upright; one that demosaics sees grey.

Both carry Make, Model and DateTime for the date and camera filters.
Needs numpy, Pillow, tifffile and imagecodecs (JPEG), e.g. in a venv:
    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy pillow tifffile imagecodecs
    /tmp/v/bin/python scripts/make_raw_samples.py
"""

import io
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "fixtures" / "photos" / "chelsea.png"
OUT = ROOT / "tests" / "fixtures" / "media" / "raw"

# XYZ (D65) to linear sRGB: with it as ColorMatrix1 the camera's space is linear sRGB.
XYZ_TO_SRGB = [
    [3.2404542, -1.5371385, -0.4985314],
    [-0.9692660, 1.8760108, 0.0415560],
    [0.0556434, -0.2040259, 1.0572252],
]


def srational(values, den=10000):
    out = []
    for v in values:
        out += [int(round(v * den)), den]
    return out


def to_linear(rgb8):
    c = rgb8.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def mosaic(linear):
    """RGGB Bayer mosaic of a linear RGB picture, 16-bit."""
    h, w, _ = linear.shape
    out = np.zeros((h, w), dtype=np.float64)
    out[0::2, 0::2] = linear[0::2, 0::2, 0]
    out[0::2, 1::2] = linear[0::2, 1::2, 1]
    out[1::2, 0::2] = linear[1::2, 0::2, 1]
    out[1::2, 1::2] = linear[1::2, 1::2, 2]
    return np.clip(np.round(out * 65535), 0, 65535).astype(np.uint16)


def root_tags(orientation):
    return [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (271, "s", 0, "Clipdex", True),  # Make
        (272, "s", 0, "Fixture DNG", True),  # Model
        (306, "s", 0, "2021:06:05 14:30:00", True),  # DateTime
        (274, "H", 1, orientation, True),  # Orientation
        (50708, "s", 0, "Clipdex Fixture DNG", True),  # UniqueCameraModel
        (50721, "2i", 9, srational(sum(XYZ_TO_SRGB, [])), True),  # ColorMatrix1
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
    ]


RAW_TAGS = [
    (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
    (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
    (50710, "B", 3, (0, 1, 2), True),  # CFAPlaneColor
    (50711, "H", 1, 1, True),  # CFALayout: rectangular
    (50714, "H", 1, 0, True),  # BlackLevel
    (50717, "H", 1, 65535, True),  # WhiteLevel
]


def write_dng(path, cfa, orientation, preview=None):
    thumb = Image.fromarray(cfa_to_grey(cfa)).convert("RGB")
    if preview is not None:
        thumb = Image.fromarray(preview)
    thumb.thumbnail((128, 128))
    with tifffile.TiffWriter(path) as tif:
        tif.write(
            np.asarray(thumb), photometric="rgb", subfiletype=1, subifds=2 if preview is not None else 1,
            extratags=root_tags(orientation), metadata=None,
        )
        tif.write(cfa, photometric=32803, subfiletype=0, extratags=RAW_TAGS, metadata=None)
        if preview is not None:
            # A camera's JPEG (baseline JFIF, YCbCr), by Pillow, stored as it is in one strip.
            jpeg = io.BytesIO()
            Image.fromarray(preview).save(jpeg, "JPEG", quality=95)
            tif.write(
                iter([jpeg.getvalue()]), shape=preview.shape, dtype=np.uint8, photometric="ycbcr",
                subsampling=(2, 2), subfiletype=1, compression="jpeg", rowsperstrip=preview.shape[0], metadata=None,
            )


def subifds_as_long(path):
    """Types the SubIFDs tag LONG, as cameras and Adobe's converter write it
    (tifffile writes the TIFF-EP type IFD, which some readers skip)."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"II*\0", "little-endian classic TIFF expected"
    ifd = int.from_bytes(data[4:8], "little")
    for i in range(int.from_bytes(data[ifd:ifd + 2], "little")):
        entry = ifd + 2 + 12 * i
        if int.from_bytes(data[entry:entry + 2], "little") == 330:
            data[entry + 2:entry + 4] = (4).to_bytes(2, "little")
    path.write_bytes(bytes(data))


def cfa_to_grey(cfa):
    return (cfa >> 8).astype(np.uint8)


def main():
    photo = np.asarray(Image.open(SOURCE).convert("RGB"))
    h, w = (photo.shape[0] // 2) * 2, (photo.shape[1] // 2) * 2
    photo = photo[:h, :w]
    OUT.mkdir(parents=True, exist_ok=True)
    write_dng(OUT / "cfa.dng", mosaic(to_linear(photo)), orientation=1)
    # Stored a quarter turn anticlockwise; Orientation 6 turns it back clockwise.
    stored = np.ascontiguousarray(np.rot90(photo, 1))
    # The sensor data is never looked at: a quarter of the size keeps the file small.
    grey = np.full((stored.shape[0] // 2, stored.shape[1] // 2, 3), 128, dtype=np.uint8)
    write_dng(OUT / "preview.dng", mosaic(to_linear(grey)), orientation=6, preview=stored)
    for f in sorted(OUT.glob("*.dng")):
        subifds_as_long(f)
        print(f"{f.relative_to(ROOT)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
