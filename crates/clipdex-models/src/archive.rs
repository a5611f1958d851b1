//! Unpacking a model archive for an offline install: `.tar`, `.tar.gz`,
//! `.tgz` or `.zip`, told apart by their first bytes, not their names.
//! Entries that would land outside the destination are refused, links and
//! devices are skipped, and the bytes written are capped (a compression bomb
//! stops at the cap instead of filling the disk).

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{io_err, ModelsError, Result};

/// No archive unpacks to more than this, whatever it claims.
const MAX_TOTAL: u64 = 32 << 30;
/// Nor to more than this many times its own size (model weights barely
/// compress; tokenizers do, about five to one), with a floor for small ones.
const MAX_RATIO: u64 = 8;
const MIN_CAP: u64 = 64 << 20;
/// Nor to more entries than this (a model is a handful of files).
const MAX_ENTRIES: usize = 10_000;

fn bad(path: &Path, reason: impl Into<String>) -> ModelsError {
    ModelsError::BadArchive { path: path.to_path_buf(), reason: reason.into() }
}

fn is_safe(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The most an archive of `size` bytes may unpack to.
pub(crate) fn cap_for(size: u64) -> u64 {
    size.saturating_mul(MAX_RATIO).clamp(MIN_CAP, MAX_TOTAL)
}

/// Copies one entry to `out`, counting against what is left of the cap.
struct Budget<'a> {
    src: &'a Path,
    cap: u64,
    written: u64,
    entries: usize,
    cancel: &'a AtomicBool,
}

impl Budget<'_> {
    fn entry(&mut self) -> Result<()> {
        self.entries += 1;
        if self.cancel.load(Ordering::SeqCst) {
            return Err(ModelsError::Cancelled);
        }
        if self.entries > MAX_ENTRIES {
            return Err(bad(self.src, format!("more than {MAX_ENTRIES} entries")));
        }
        Ok(())
    }

    fn copy(&mut self, reader: &mut dyn Read, out: &Path, rel: &Path) -> Result<()> {
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent, 0))?;
        }
        let mut f = std::fs::File::create(out).map_err(io_err(out, 0))?;
        let left = self.cap - self.written;
        // One byte more than is left tells "exactly at the cap" from "over it".
        let n = std::io::copy(&mut reader.take(left + 1), &mut f).map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => io_err(out, 0)(e),
            _ => bad(self.src, format!("{}: {e}", rel.display())),
        })?;
        if n > left {
            drop(f);
            let _ = std::fs::remove_file(out);
            return Err(ModelsError::TooLarge { path: self.src.to_path_buf(), limit_mb: self.cap >> 20 });
        }
        self.written += n;
        Ok(())
    }
}

pub(crate) fn unpack(src: &Path, dest: &Path, cancel: &AtomicBool) -> Result<()> {
    let mut magic = [0u8; 262];
    let (n, size) = {
        let mut f = std::fs::File::open(src).map_err(|source| ModelsError::Io { path: src.to_path_buf(), source })?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        let mut n = 0;
        while n < magic.len() {
            match f.read(&mut magic[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(source) => return Err(ModelsError::Io { path: src.to_path_buf(), source }),
            }
        }
        (n, size)
    };
    std::fs::create_dir_all(dest).map_err(io_err(dest, 0))?;
    let mut budget = Budget { src, cap: cap_for(size), written: 0, entries: 0, cancel };
    let open = || std::fs::File::open(src).map_err(|source| ModelsError::Io { path: src.to_path_buf(), source });
    if n >= 4 && magic[..4] == *b"PK\x03\x04" {
        let mut z = zip::ZipArchive::new(open()?).map_err(|e| bad(src, e.to_string()))?;
        for i in 0..z.len() {
            budget.entry()?;
            let mut entry = z.by_index(i).map_err(|e| bad(src, e.to_string()))?;
            let Some(rel) = entry.enclosed_name() else {
                return Err(bad(src, format!("entry {:?} points outside the archive", entry.name())));
            };
            let out = dest.join(&rel);
            if entry.is_dir() {
                std::fs::create_dir_all(&out).map_err(io_err(&out, 0))?;
            } else if entry.is_file() {
                budget.copy(&mut entry, &out, &rel)?;
            }
        }
        return Ok(());
    }
    let gz = n >= 2 && magic[..2] == [0x1f, 0x8b];
    let is_tar = n >= 262 && &magic[257..262] == b"ustar";
    if !gz && !is_tar {
        return Err(bad(src, "not a .zip, .tar or .tar.gz file"));
    }
    let reader: Box<dyn Read> = if gz { Box::new(flate2::read::GzDecoder::new(open()?)) } else { Box::new(open()?) };
    let mut ar = tar::Archive::new(reader);
    let entries = ar.entries().map_err(|e| bad(src, e.to_string()))?;
    for entry in entries {
        budget.entry()?;
        let mut entry = entry.map_err(|e| bad(src, e.to_string()))?;
        let rel: PathBuf = entry.path().map_err(|e| bad(src, e.to_string()))?.into_owned();
        if !is_safe(&rel) {
            return Err(bad(src, format!("entry {} points outside the archive", rel.display())));
        }
        let kind = entry.header().entry_type();
        let out = dest.join(&rel);
        if kind.is_dir() {
            std::fs::create_dir_all(&out).map_err(io_err(&out, 0))?;
        } else if kind.is_file() {
            budget.copy(&mut entry, &out, &rel)?;
        }
        // Links and devices have no place in a model.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_scales_with_the_archive_within_bounds() {
        assert_eq!(cap_for(0), MIN_CAP);
        assert_eq!(cap_for(1 << 30), 8 << 30);
        assert_eq!(cap_for(u64::MAX), MAX_TOTAL);
    }
}
