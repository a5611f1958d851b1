//! What the servers' tests share: the fixtures, running the CLI on a
//! library, and a small tagged library of real photos.
#![allow(dead_code)] // each test binary uses a part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// `clipdex --library LIB ARGS…`, with the library's own shared cache (no
/// test sees a vocabulary another prepared).
pub fn clipdex(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipdex"))
        .arg("--library")
        .arg(lib)
        .args(args)
        .env("CLIPDEX_CACHE", lib.join("test-shared-cache"))
        .output()
        .expect("run")
}

pub const PHOTOS: [&str; 6] =
    ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "camera.png", "horse.png"];

/// A library of six photos indexed with the fixture model and tagged (so
/// `describe` has its vocabulary), and the folder of the photos.
pub fn tagged_library() -> (tempfile::TempDir, tempfile::TempDir) {
    let lib = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    for f in PHOTOS {
        let src = fixtures().join("photos").join(f);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        std::fs::copy(src, photos.path().join(f)).expect("copy");
    }
    let model = fixtures().join("tiny-clip");
    let out = clipdex(
        lib.path(),
        &["index", photos.path().to_str().expect("u"), "--model", model.to_str().expect("u"), "--tags"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (lib, photos)
}
