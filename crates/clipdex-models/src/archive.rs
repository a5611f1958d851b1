//! Unpacking a model archive for an offline install: `.tar`, `.tar.gz`,
//! `.tgz` or `.zip`, told apart by their first bytes, not their names.
//! Entries that would land outside the destination are refused.

use std::io::Read;
use std::path::{Component, Path};

use crate::error::{io_err, ModelsError, Result};

fn bad(path: &Path, reason: impl Into<String>) -> ModelsError {
    ModelsError::BadArchive { path: path.to_path_buf(), reason: reason.into() }
}

fn is_safe(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

pub(crate) fn unpack(src: &Path, dest: &Path) -> Result<()> {
    let mut magic = [0u8; 262];
    let n = {
        let mut f = std::fs::File::open(src).map_err(|source| ModelsError::Io { path: src.to_path_buf(), source })?;
        let mut n = 0;
        while n < magic.len() {
            match f.read(&mut magic[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(source) => return Err(ModelsError::Io { path: src.to_path_buf(), source }),
            }
        }
        n
    };
    std::fs::create_dir_all(dest).map_err(io_err(dest, 0))?;
    let open = || std::fs::File::open(src).map_err(|source| ModelsError::Io { path: src.to_path_buf(), source });
    if n >= 4 && magic[..4] == *b"PK\x03\x04" {
        let mut z = zip::ZipArchive::new(open()?).map_err(|e| bad(src, e.to_string()))?;
        for i in 0..z.len() {
            let mut entry = z.by_index(i).map_err(|e| bad(src, e.to_string()))?;
            let Some(rel) = entry.enclosed_name() else {
                return Err(bad(src, format!("entry {:?} points outside the archive", entry.name())));
            };
            let out = dest.join(&rel);
            if entry.is_dir() {
                std::fs::create_dir_all(&out).map_err(io_err(&out, 0))?;
                continue;
            }
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).map_err(io_err(parent, 0))?;
            }
            let mut f = std::fs::File::create(&out).map_err(io_err(&out, 0))?;
            std::io::copy(&mut entry, &mut f).map_err(|e| match e.kind() {
                std::io::ErrorKind::StorageFull => io_err(&out, 0)(e),
                _ => bad(src, format!("{}: {e}", rel.display())),
            })?;
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
        let mut entry = entry.map_err(|e| bad(src, e.to_string()))?;
        let rel = entry.path().map_err(|e| bad(src, e.to_string()))?.into_owned();
        if !is_safe(&rel) {
            return Err(bad(src, format!("entry {} points outside the archive", rel.display())));
        }
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue; // links and devices have no place in a model
        }
        let ok = entry.unpack_in(dest).map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => io_err(dest, 0)(e),
            _ => bad(src, format!("{}: {e}", rel.display())),
        })?;
        if !ok {
            return Err(bad(src, format!("entry {} points outside the archive", rel.display())));
        }
    }
    Ok(())
}
