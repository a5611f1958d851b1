"""Fetching one pinned, checksum-verified wheel from PyPI with `pip download`.

Shared by fetch_onnxruntime.py and fetch_test_photos.py. Only pip's download
command is used; nothing is installed into Python.
"""

import hashlib
import subprocess
import sys
from pathlib import Path


class WheelError(Exception):
    pass


def download(package: str, version: str, platform_tag: str, sha256: str, dest: Path) -> Path:
    """Downloads `package==version` for `platform_tag` (CPython 3.11 tags, so the
    same file is fetched on every machine) into `dest`, checks its SHA-256 and
    returns its path. Raises WheelError on a mismatch."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--platform", platform_tag, "--python-version", "3.11", "--implementation", "cp",
           "-d", str(dest), f"{package}=={version}"]
    subprocess.check_call(cmd)
    wheels = list(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise WheelError(f"expected one wheel, got {[w.name for w in wheels]}")
    digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    if digest != sha256:
        raise WheelError(f"checksum mismatch for {wheels[0].name}: got {digest}, expected {sha256}")
    return wheels[0]
