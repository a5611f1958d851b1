//! A model's identity: the part after `@` in its id. It changes when any
//! byte of any file the model loads changes, so vectors are never mixed
//! across two sets of weights that share a folder name.
//!
//! An installed model hands in the digest its install record holds (every
//! file hashed in full once, at install, and held to it before each use);
//! a folder placed by hand is hashed in full here, every time it opens.

use std::path::Path;

use crate::config;
use crate::error::{EmbedError, Result};

/// Files for other runtimes (Arm NN, Rockchip NPU) that exports keep beside
/// the ONNX graphs; Clipdex never loads them.
pub fn other_runtime(name: &str) -> bool {
    name.ends_with(".armnn") || name.ends_with(".rknn")
}

/// The files a model is made of: the layout, plus every other regular file
/// directly beside the graphs (external-data weights), sorted. Sub-folders
/// (`fp16/`, `rknpu/`) and other runtimes' formats are not part of it.
pub fn model_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = config::LAYOUT.iter().map(|s| s.to_string()).collect();
    for sub in ["visual", "textual"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()) && !other_runtime(&name) {
                out.push(format!("{sub}/{name}"));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Eight hex digits naming the model's content. `recorded` is a digest of
/// every file's full hash, from an install record checked before use.
pub fn fingerprint(dir: &Path, recorded: Option<&str>) -> Result<String> {
    let mut h = blake3::Hasher::new();
    match recorded {
        Some(digest) => {
            h.update(b"recorded\0");
            h.update(digest.as_bytes());
        }
        None => {
            for rel in model_files(dir) {
                let path = dir.join(&rel);
                let read_err = |source| EmbedError::ReadFile { path: path.clone(), source };
                let f = std::fs::File::open(&path).map_err(read_err)?;
                h.update(rel.as_bytes());
                h.update(&[0]);
                let len = f.metadata().map_err(read_err)?.len();
                h.update(&len.to_le_bytes());
                h.update_reader(f).map_err(read_err)?;
            }
        }
    }
    Ok(h.finalize().to_hex()[..8].to_string())
}
