#!/usr/bin/env python3
"""Drop what a long-lived cargo target dir keeps but no build will use again.

CI reuses one target dir across clones, so every clone path and every change to
a crate's dependencies leaves another ~550 MB copy of each test executable and
another incremental cache behind; a few weeks of that filled the disk and CI
failed at link time. For each test executable name in `<profile>/deps` and each
crate in `<profile>/incremental`, this keeps the newest and removes the rest.
A wrong guess costs one relink, never a wrong result: cargo rebuilds whatever is
missing.

Usage: scripts/prune_target.py [TARGET_DIR]   (default: $CARGO_TARGET_DIR)
"""

import os
import re
import shutil
import stat
import sys
from collections import defaultdict
from pathlib import Path

HASHED = re.compile(r"(.+)-([0-9a-z]{13,16})")


def newest_first(paths):
    return sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True)


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def stale_executables(deps: Path):
    groups = defaultdict(list)
    for entry in deps.iterdir():
        match = HASHED.fullmatch(entry.name)
        mode = entry.lstat().st_mode
        if match and stat.S_ISREG(mode) and mode & stat.S_IXUSR:
            groups[match.group(1)].append(entry)
    for paths in groups.values():
        yield from newest_first(paths)[1:]


def stale_incremental(incremental: Path):
    groups = defaultdict(list)
    for entry in incremental.iterdir():
        match = HASHED.fullmatch(entry.name)
        if match and entry.is_dir():
            groups[match.group(1)].append(entry)
    for paths in groups.values():
        yield from newest_first(paths)[1:]


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target"))
    freed = 0
    for profile in ("debug", "release"):
        base = target / profile
        doomed = []
        if (base / "deps").is_dir():
            doomed += stale_executables(base / "deps")
        if (base / "incremental").is_dir():
            doomed += stale_incremental(base / "incremental")
        for path in doomed:
            freed += size(path)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    print(f"prune_target: freed {freed / 1e9:.1f} GB of stale build outputs in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
