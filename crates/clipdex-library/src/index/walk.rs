//! Walking one library folder for media.
//!
//! Symbolic links are followed only where they lead back inside the folder
//! being walked: a link to `/usr` or to another disk is passed over, so a
//! library never grows past the folders the user chose. A folder that is
//! another (inner) library folder is left to that folder's own walk: each
//! file belongs to the innermost library folder holding it.

use std::path::{Path, PathBuf};

use clipdex_store::FileStamp;

use crate::index::steps::{mtime_ns, Candidate};

pub(crate) enum Found {
    File(Candidate),
    /// A path the walk could not enter or name, with the reason.
    Problem(String, String),
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_str().is_some_and(|n| n.starts_with('.'))
}

/// Whether a link found in the walk resolves to somewhere inside `root`.
fn leads_inside(path: &Path, root: &Path) -> bool {
    path.canonicalize().is_ok_and(|target| target.starts_with(root))
}

/// Walks one library folder (`root`, canonical), yielding supported media
/// and problems. Hidden files and folders, anything under `exclude` (the
/// library itself) or under one of `inner` (other library folders inside
/// this one), and links leading out of `root` are passed over; loops are
/// reported. A root that is no longer a real folder (replaced by a link) is
/// a problem, not walked, so its target never joins the library unasked.
pub(crate) fn walk(root: &Path, exclude: &Path, inner: &[PathBuf], mut each: impl FnMut(Found) -> bool) {
    let root_key = root.to_string_lossy().into_owned();
    let is_link = std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
    if is_link || root.canonicalize().is_ok_and(|c| c != root) {
        let target = root.canonicalize().map_or_else(|_| "nowhere".into(), |t| t.display().to_string());
        each(Found::Problem(
            root_key,
            format!("the folder is now a link (to {target}); links are not followed out of a library folder"),
        ));
        return;
    }
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        !is_hidden(e)
            && !e.path().starts_with(exclude)
            && (e.depth() == 0 || !inner.iter().any(|r| e.path() == r))
            && (!e.path_is_symlink() || leads_inside(e.path(), root))
    });
    for entry in walker {
        let found = match entry {
            Err(e) => {
                let path = e.path().map_or_else(|| root_key.clone(), |p| p.display().to_string());
                let reason = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    match e.io_error() {
                        Some(io) => format!("cannot read: {io}"),
                        None => e.to_string(),
                    }
                };
                Found::Problem(path, reason)
            }
            Ok(e) if !e.file_type().is_file() || !clipdex_media::is_supported_path(e.path()) => continue,
            Ok(e) => {
                let Some(key) = e.path().to_str().map(str::to_string) else {
                    let lossy = e.path().to_string_lossy().into_owned();
                    if !each(Found::Problem(lossy, "the file name is not valid UTF-8".into())) {
                        return;
                    }
                    continue;
                };
                match e.metadata() {
                    Ok(m) => {
                        let mut stamp = FileStamp { size: m.len(), mtime_ns: mtime_ns(&m) };
                        let sidecar = jpeg_sidecar(e.path()).map(|(jpeg, jm)| {
                            // A change to either file changes the pair.
                            stamp = FileStamp {
                                size: stamp.size.saturating_add(jm.len()),
                                mtime_ns: stamp.mtime_ns.max(mtime_ns(&jm)),
                            };
                            jpeg
                        });
                        Found::File(Candidate {
                            path: e.path().to_path_buf(),
                            key,
                            stamp,
                            root: root_key.clone(),
                            sidecar,
                        })
                    }
                    Err(err) => Found::Problem(key, format!("cannot read: {err}")),
                }
            }
        };
        if !each(found) {
            return;
        }
    }
}

/// A RAW file's JPEG twin: same folder, same name, `.jpg` or `.jpeg` in any
/// case. Cameras set to RAW+JPEG write both; the JPEG is the picture as the
/// camera rendered it.
fn jpeg_sidecar(path: &Path) -> Option<(PathBuf, std::fs::Metadata)> {
    if !clipdex_media::is_raw_path(path) {
        return None;
    }
    ["jpg", "JPG", "jpeg", "JPEG", "Jpg"].iter().find_map(|e| {
        let jpeg = path.with_extension(e);
        let meta = std::fs::metadata(&jpeg).ok().filter(|m| m.is_file())?;
        Some((jpeg, meta))
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn files(root: &Path, inner: &[PathBuf]) -> (Vec<String>, Vec<String>) {
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        walk(root, Path::new("/nonexistent-library"), inner, |f| {
            match f {
                Found::File(c) => ok.push(c.path.strip_prefix(root).expect("inside").display().to_string()),
                Found::Problem(p, why) => bad.push(format!("{p}: {why}")),
            }
            true
        });
        ok.sort();
        (ok, bad)
    }

    #[test]
    fn links_are_followed_only_inside_the_folder() {
        let tmp = tempfile::tempdir().expect("tmp");
        let base = tmp.path().canonicalize().expect("canonical");
        let (root, outside) = (base.join("root"), base.join("outside"));
        std::fs::create_dir_all(root.join("albums/2024")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(root.join("albums/2024/a.jpg"), b"a").expect("w");
        std::fs::write(outside.join("secret.jpg"), b"s").expect("w");
        std::os::unix::fs::symlink(&outside, root.join("to-outside")).expect("link");
        std::os::unix::fs::symlink(outside.join("secret.jpg"), root.join("one.jpg")).expect("link");
        std::os::unix::fs::symlink(root.join("albums"), root.join("favourites")).expect("link");
        let (ok, bad) = files(&root, &[]);
        assert_eq!(ok, ["albums/2024/a.jpg", "favourites/2024/a.jpg"], "{bad:?}");

        // A library folder replaced by a link is not walked.
        let moved = base.join("moved");
        std::fs::rename(&root, &moved).expect("move");
        std::os::unix::fs::symlink(&outside, &root).expect("link");
        let (ok, bad) = files(&root, &[]);
        assert!(ok.is_empty() && bad.len() == 1 && bad[0].contains("now a link"), "{ok:?} {bad:?}");
    }

    #[test]
    fn an_inner_library_folder_is_left_to_its_own_walk() {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("top.jpg"), b"t").expect("w");
        std::fs::write(root.join("sub/inner.jpg"), b"i").expect("w");
        assert_eq!(files(&root, &[]).0, ["sub/inner.jpg", "top.jpg"]);
        assert_eq!(files(&root, &[root.join("sub")]).0, ["top.jpg"]);
    }
}
