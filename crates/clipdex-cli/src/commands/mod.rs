//! One module per command or family of commands, and the library and model plumbing they share.

pub(crate) mod audit;
pub(crate) mod compare;
pub(crate) mod describe;
pub(crate) mod embed;
pub(crate) mod heatmap;
pub(crate) mod index;
pub(crate) mod models;
pub(crate) mod search;
pub(crate) mod serve;
pub(crate) mod status;
pub(crate) mod text;
pub(crate) mod watch;

use std::path::PathBuf;

use anyhow::Result;
use clipdex_library::{paths, Library};

async fn open_library(dir: Option<PathBuf>) -> Result<Library> {
    let dir = dir.unwrap_or_else(paths::default_library_dir);
    let mut lib = Library::open(&dir).await?;
    lib.share_cache(paths::shared_cache_dir());
    for note in lib.rolled_back() {
        eprintln!("warning: {note}");
    }
    Ok(lib)
}

/// Opens a model, saying so on stderr when an accelerator could not start
/// (the provider in use and the reason), never falling back silently.
async fn open_model(
    dir: &std::path::Path,
    runtime_dirs: &[PathBuf],
) -> clipdex_library::Result<std::sync::Arc<clipdex_library::Model>> {
    Ok(warned(clipdex_library::open_model(dir, runtime_dirs).await?))
}

fn warned(m: std::sync::Arc<clipdex_library::Model>) -> std::sync::Arc<clipdex_library::Model> {
    if let Some(note) = &m.info().device_note {
        eprintln!("warning: {note}");
    }
    m
}
