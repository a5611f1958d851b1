//! Models: which CLIP-family exports Clipdex knows (the registry, as data),
//! getting them onto the disk safely (resumable downloads verified against
//! the hub's published digests, offline installs from a folder or archive,
//! atomic placement) and telling whether an installed model is still intact.
//!
//! This crate never runs a model; `clipdex-embed` does (and defines the
//! layout this crate installs). It knows files, bytes and digests.

mod archive;
mod digest;
mod error;
pub mod hub;
mod install;
pub mod manifest;
pub mod registry;
mod safe;

pub use error::{ModelsError, Result};
pub use hub::{Hub, Progress};
pub use install::{Installed, Models, PullReport, LAYOUT};
pub use manifest::{Depth, Integrity, Manifest};
pub use registry::{Entry, Quality, Registry};
pub use safe::check_relative;

/// Checks a model folder before it is used: every file of an install is
/// there with its recorded size (and hash, if it changed since); a folder
/// placed by hand only needs the layout's files.
pub fn check_before_use(dir: &std::path::Path) -> Result<()> {
    let report = manifest::check(dir, &LAYOUT, Depth::Quick)?;
    // Without a manifest there is nothing recorded to hold the files to;
    // the model loader names any missing layout file itself.
    if report.is_intact() || !report.has_manifest {
        return Ok(());
    }
    Err(ModelsError::Damaged {
        id: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        problems: report.problems.join("; "),
    })
}
