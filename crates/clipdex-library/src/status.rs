//! A library's state at a glance, for `status` and the window's footer.

use std::path::PathBuf;

use clipdex_store::{FailureRecord, VectorIndexInfo};

use crate::calibration::{Calibration, Calibrator};
use crate::catalog::{Catalog, LibraryModel};
use crate::error::Result;
use crate::index::activity;
use crate::state::State;

/// Facts about a library, for `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub library_dir: PathBuf,
    /// Distinct contents embedded.
    pub items: usize,
    /// How many of `items` are videos.
    pub videos: usize,
    /// Paths indexed (copies of one content count once in `items`).
    pub files: usize,
    pub folders: Vec<String>,
    /// Table versions kept on disk, all tables together.
    pub versions: usize,
    /// Folders being watched right now, by a live process, and how.
    pub watching: Vec<(String, String)>,
    /// Files a running indexer or watcher has still to do.
    pub pending: usize,
    /// Damaged table versions set aside (ever) in `<library>/db/quarantine/`.
    pub quarantined: usize,
    pub failures: Vec<FailureRecord>,
    /// Files left for later through no fault of theirs (videos while ffmpeg
    /// is missing), with the reason; not among `failures`.
    pub skipped: Vec<FailureRecord>,
    /// The ffmpeg videos are read with, if there is one.
    pub ffmpeg: Option<PathBuf>,
    pub model_id: Option<String>,
    /// The active model as people call it (the registry's name, else its folder name).
    pub model_name: Option<String>,
    pub model_dir: Option<String>,
    pub dim: Option<usize>,
    /// Every model with vectors here: the active one first, and any being switched to.
    pub models: Vec<LibraryModel>,
    pub vector_index: Option<VectorIndexInfo>,
    /// The default relevance cutoffs, once calibrated.
    pub calibration: Option<Calibration>,
    /// Items waiting for their tags until the active model's tag vocabulary
    /// is prepared (see [`crate::Vocabulary`]).
    pub tags_waiting: usize,
    /// Reading text in pictures (OCR): on or off, and how far.
    pub text: crate::TextStatus,
}

pub(crate) async fn status(state: &State) -> Result<Status> {
    let catalog = Catalog::new(state);
    let store = &state.store;
    let rec = catalog.active().await?;
    let space = rec.as_ref().map(|r| r.id.clone()).unwrap_or_default();
    let models = catalog.models().await?;
    let model_name =
        rec.as_ref().map(|r| models.iter().find(|m| m.id == r.id).map_or_else(|| r.id.clone(), |m| m.name.clone()));
    let (skipped, failures) =
        store.failures().await?.into_iter().partition(|f| f.reason == *crate::index::video::SKIPPED);
    Ok(Status {
        models,
        model_name,
        library_dir: state.dir.clone(),
        items: store.count_items().await?,
        videos: store.count_items_with_parts().await?,
        files: store.count_files().await?,
        folders: store.roots().await?,
        versions: store.version_count().await?,
        watching: activity::watching(state).await?,
        pending: activity::pending(state).await?,
        quarantined: store.quarantined(),
        failures,
        skipped,
        ffmpeg: clipdex_media::find_ffmpeg(),
        model_id: rec.as_ref().map(|r| r.id.clone()),
        model_dir: rec.map(|r| r.dir.display().to_string()),
        dim: store.space_dimension(&space).await?,
        vector_index: store.vector_index(&space).await?,
        calibration: Calibrator::new(state).of(&space).await?,
        tags_waiting: crate::describe::tags_waiting(state, &space).await?,
        text: crate::text::status(state).await?,
    })
}
