//! What was installed, and whether it is still intact.
//!
//! Every install (hub or local) writes `clipdex-model.json` beside the model
//! files: each file's size and SHA-256, and where the model came from. A
//! quick check (every load) finds missing, truncated, grown or since-modified
//! files; a full check (`clipdex models verify`) rehashes everything.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::error::{ModelsError, Result};

pub const MANIFEST: &str = "clipdex-model.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// Downloaded from a hub; `commit` is the revision the files came from.
    Hub { endpoint: String, repo: String, revision: String, commit: String },
    /// Copied from a folder or unpacked from an archive.
    Local { path: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// How the bytes were checked when installed: "hub sha256", "hub git
    /// blob sha1", or "hashed at install" (local installs have nothing to
    /// check against).
    pub checked: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub source: Source,
    pub files: Vec<ManifestFile>,
    pub installed_at_ms: i64,
}

impl Manifest {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// One SHA-256 over every file's path and full SHA-256, in path order:
    /// it changes when any byte of any file does. Where the files came
    /// from plays no part.
    pub fn content_digest(&self) -> String {
        let mut files: Vec<&ManifestFile> = self.files.iter().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut h = sha2::Sha256::new();
        for f in files {
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(f.sha256.as_bytes());
            h.update([b'\n']);
        }
        hex(&h.finalize())
    }
}

/// The content digest of an installed model's files, when it has an
/// install record (`None` for a folder placed by hand).
pub fn content_digest(dir: &Path) -> Result<Option<String>> {
    Ok(read(dir)?.map(|m| m.content_digest()))
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Reads a model folder's manifest; `None` for folders installed by hand.
pub fn read(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(MANIFEST);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| ModelsError::Damaged {
            id: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            problems: format!("{MANIFEST} is unreadable ({e})"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ModelsError::Io { path, source }),
    }
}

pub(crate) fn write(dir: &Path, m: &Manifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    let body = serde_json::to_vec_pretty(m)
        .map_err(|e| ModelsError::Io { path: path.clone(), source: std::io::Error::other(e) })?;
    std::fs::write(&path, body).map_err(crate::error::io_err(&path, 0))
}

/// SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf)? {
            0 => break,
            n => h.update(&buf[..n]),
        }
    }
    Ok(hex(&h.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Presence and size of every file; hashes only files modified since install.
    Quick,
    /// Hash every file.
    Full,
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Integrity {
    /// Whether the folder has a manifest to check against.
    pub has_manifest: bool,
    pub files: usize,
    pub hashed_bytes: u64,
    /// Human-readable problems; empty when intact.
    pub problems: Vec<String>,
}

impl Integrity {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a model folder against its manifest. A folder without one (a
/// model the user placed by hand) is only checked for the layout's files.
pub fn check(dir: &Path, layout: &[&str], depth: Depth) -> Result<Integrity> {
    let mut out = Integrity::default();
    let Some(m) = read(dir)? else {
        for rel in layout {
            if !dir.join(rel).is_file() {
                out.problems.push(format!("{rel} is missing"));
            }
        }
        out.files = layout.len();
        return Ok(out);
    };
    out.has_manifest = true;
    out.files = m.files.len();
    for f in &m.files {
        if let Err(reason) = crate::safe::check_relative(&f.path) {
            out.problems.push(format!("the install record names an unsafe path: {reason}"));
            continue;
        }
        let path: PathBuf = dir.join(&f.path);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => meta,
            _ => {
                out.problems.push(format!("{} is missing", f.path));
                continue;
            }
        };
        if meta.len() != f.size {
            out.problems.push(format!("{} is {} bytes, expected {}", f.path, meta.len(), f.size));
            continue;
        }
        let modified_ms =
            meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_millis() as i64);
        // Files keep their download time as mtime; one written after the
        // install finished has been changed by something.
        if depth == Depth::Full || modified_ms > m.installed_at_ms + 2_000 {
            let got = sha256_file(&path).map_err(|source| ModelsError::Io { path: path.clone(), source })?;
            out.hashed_bytes += f.size;
            if got != f.sha256 {
                out.problems.push(format!("{} does not match its SHA-256 (changed or damaged)", f.path));
            }
        }
    }
    for rel in layout {
        if !m.files.iter().any(|f| f.path == *rel) {
            out.problems.push(format!("{rel} is not part of the install"));
        }
    }
    Ok(out)
}
