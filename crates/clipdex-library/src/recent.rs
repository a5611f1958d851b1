//! Which library a front end opened last: remembered across runs in a small
//! JSON file (`<platform config dir>/clipdex/recent.json`), so the window
//! opens where the user left it. Only folders the user chose are written
//! there, and a remembered folder that is gone is forgotten, never created.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{LibraryError, Result};

/// The file that remembers the last library.
#[derive(Debug, Clone)]
pub struct Recent {
    file: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    library: Option<PathBuf>,
}

impl Recent {
    /// Remembers in `file`.
    pub fn at(file: PathBuf) -> Self {
        Self { file }
    }

    /// `<platform config dir>/clipdex/recent.json` (XDG_CONFIG_HOME on Linux,
    /// Application Support on macOS, the roaming AppData on Windows).
    pub fn default_file() -> PathBuf {
        dirs::config_dir().unwrap_or_else(|| PathBuf::from(".")).join("clipdex").join("recent.json")
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The last library, if one was remembered and its folder still exists.
    /// An unreadable or damaged file reads as nothing remembered.
    pub fn library(&self) -> Option<PathBuf> {
        let text = std::fs::read(&self.file).ok()?;
        let saved: Saved = serde_json::from_slice(&text).ok()?;
        saved.library.filter(|d| d.is_dir())
    }

    /// Remembers `dir` as the last library (written whole, then renamed into
    /// place: a crash leaves the old choice or the new one, never half).
    pub fn remember_library(&self, dir: &Path) -> Result<()> {
        let io = |source| LibraryError::Io { path: self.file.clone(), source };
        if let Some(parent) = self.file.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let text = serde_json::to_vec_pretty(&Saved { library: Some(dir.to_path_buf()) })
            .map_err(|e| LibraryError::BadArgument(e.to_string()))?;
        let tmp = self.file.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&text).and_then(|_| f.sync_all()).map_err(io)?;
        std::fs::rename(&tmp, &self.file).map_err(io)
    }
}

/// Whether `dir` can be opened as a library: a Clipdex library already, an
/// empty folder, or a new folder in an existing one. A folder holding other
/// files (the user's photos, say) is refused, so a library never spreads its
/// database among someone's files. The folder must be absolute (as a
/// folder dialog gives it).
pub fn check_library_folder(dir: &Path) -> Result<()> {
    let bad = |why: &str| LibraryError::BadArgument(format!("{} {why}", dir.display()));
    if !dir.is_absolute() {
        return Err(bad("is not an absolute path; choose a folder"));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if !clipdex_store::holds_database(dir) && entries.next().is_some() {
                return Err(bad(
                    "already holds other files and is not a Clipdex library; choose an empty folder or an existing library",
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !dir.parent().is_some_and(Path::is_dir) {
                return Err(LibraryError::PathNotFound { path: dir.to_path_buf() });
            }
        }
        Err(source) => return Err(LibraryError::Io { path: dir.to_path_buf(), source }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_library_comes_back_until_its_folder_is_gone() {
        let tmp = tempfile::tempdir().expect("test set-up");
        let recent = Recent::at(tmp.path().join("config/clipdex/recent.json"));
        assert_eq!(recent.library(), None);
        let lib = tmp.path().join("photos-library");
        std::fs::create_dir(&lib).expect("test set-up");
        recent.remember_library(&lib).expect("test set-up");
        assert_eq!(recent.library(), Some(lib.clone()));
        std::fs::remove_dir(&lib).expect("test set-up");
        assert_eq!(recent.library(), None, "a folder that is gone is not offered");
        std::fs::write(recent.file(), b"{not json").expect("test set-up");
        assert_eq!(recent.library(), None);
    }

    #[test]
    fn only_a_library_an_empty_folder_or_a_new_one_can_be_opened() {
        let tmp = tempfile::tempdir().expect("test set-up");
        let photos = tmp.path().join("Pictures");
        std::fs::create_dir(&photos).expect("test set-up");
        std::fs::write(photos.join("a.jpg"), b"x").expect("test set-up");
        let err = check_library_folder(&photos).expect_err("refused");
        assert_eq!(err.code(), crate::ErrorCode::BadArgument, "{err}");
        assert!(err.to_string().contains("not a Clipdex library"), "{err}");

        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).expect("test set-up");
        assert!(check_library_folder(&empty).is_ok());
        assert!(check_library_folder(&tmp.path().join("new")).is_ok());
        let lost = tmp.path().join("no/such/parent");
        assert_eq!(check_library_folder(&lost).expect_err("refused").code(), crate::ErrorCode::PathNotFound);
        assert!(check_library_folder(Path::new("relative/lib")).is_err());

        let library = tmp.path().join("lib");
        std::fs::create_dir_all(library.join("db")).expect("test set-up");
        std::fs::write(library.join("captions.log"), b"").expect("test set-up");
        assert!(check_library_folder(&library).is_ok());
    }
}
