//! The library's API token: what a local server (`clipdex serve`) asks of
//! every request. 256 random bits from the operating system, hex, kept in
//! `<library>/api-token` where only its owner may read it. Made on first
//! use; rotating replaces it, and a running server reads the file again
//! when it changes, so an old token stops working at once.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{LibraryError, Result};

const FILE: &str = "api-token";
/// Random bytes in a token (256 bits).
const BYTES: usize = 32;

/// Where a library keeps its token.
pub fn token_path(library: &Path) -> PathBuf {
    library.join(FILE)
}

/// The library's token, made now if it has none.
pub fn api_token(library: &Path) -> Result<String> {
    match read(library)? {
        Some(token) => Ok(token),
        None => rotate_api_token(library),
    }
}

/// A new token, replacing the old one (which stops working at once).
pub fn rotate_api_token(library: &Path) -> Result<String> {
    let token = fresh()?;
    let path = token_path(library);
    let tmp = library.join(format!(".{FILE}.{}", std::process::id()));
    let io = |source| LibraryError::Io { path: path.clone(), source };
    std::fs::create_dir_all(library).map_err(io)?;
    let write = || -> std::io::Result<()> {
        let mut f = owner_only(&tmp)?;
        f.write_all(token.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(token)
}

/// The token as stored, `None` when there is none (or the file holds
/// something that is not one, which then counts as none).
pub fn read(library: &Path) -> Result<Option<String>> {
    let path = token_path(library);
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let t = s.trim();
            Ok((t.len() == 2 * BYTES && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LibraryError::Io { path, source }),
    }
}

/// The same bytes, compared in time that does not depend on where they differ.
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn fresh() -> Result<String> {
    let mut bytes = [0u8; BYTES];
    getrandom::fill(&mut bytes).map_err(|e| LibraryError::Io {
        path: PathBuf::from("(system random source)"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new file only its owner can read or write (mode 0600 on Unix; on
/// Windows the library folder's own ACL, which is the user's profile).
fn owner_only(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let f = opts.open(path)?;
        // An existing file keeps its mode through open(): set it.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(f)
    }
    #[cfg(not(unix))]
    {
        opts.open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_kept_and_rotated() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(read(dir.path()).expect("read"), None);
        let a = api_token(dir.path()).expect("made");
        assert_eq!(a.len(), 64);
        assert_eq!(api_token(dir.path()).expect("kept"), a);
        let b = rotate_api_token(dir.path()).expect("rotated");
        assert_ne!(a, b);
        assert_eq!(read(dir.path()).expect("read"), Some(b));
    }

    #[cfg(unix)]
    #[test]
    fn only_the_owner_may_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(token_path(dir.path()), "loose\n").expect("write");
        std::fs::set_permissions(token_path(dir.path()), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        // A file that is not a token counts as none and is replaced.
        api_token(dir.path()).expect("made");
        let mode = std::fs::metadata(token_path(dir.path())).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same_token("abcd", "abcd"));
        assert!(!same_token("abce", "abcd"));
        assert!(!same_token("abc", "abcd"));
        assert!(!same_token("", "abcd"));
    }
}
