//! Several models per library: switching the active model without losing
//! search meanwhile, and forgetting a model's vectors.
//!
//! Each model's vectors live in their own table. `use_model` records the new
//! model as the *target*, embeds every item the library holds with it (in
//! batches, taking the writer lock per batch so the watcher and indexing runs
//! go on in between), and only when its vectors are complete makes it the
//! active model. Until then searches keep using the old model's vectors, and
//! an interrupted switch resumes where it stopped.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_embed::Model;
use clipdex_store::FileRecord;

use super::Catalog;
use crate::control::{Cancel, Phase, Progress, Vocabulary};
use crate::describe::Describer;
use crate::error::{LibraryError, Result};
use crate::index::{self, steps, video};
use crate::state::{blocking, State};

/// Rounds of "embed what is missing" before giving up on items that keep
/// appearing (new files arriving while the switch runs are indexed by the
/// active model and picked up by the next round).
const ROUNDS: usize = 3;

/// What switching models did.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchSummary {
    pub embedded: usize,
    pub failed: Vec<(String, String)>,
    /// Items still without a vector from the new model (0 when complete).
    pub remaining: usize,
    /// Whether the new model is now the active one.
    pub activated: bool,
    pub cancelled: bool,
    pub elapsed: Duration,
}

/// Switches a library to one model.
pub(crate) struct Switcher<'a> {
    state: &'a State,
    model: Arc<Model>,
}

impl<'a> Switcher<'a> {
    pub fn new(state: &'a State, model: Arc<Model>) -> Self {
        Self { state, model }
    }

    /// Switches the library to `model`: embeds every item with it (resuming
    /// an interrupted switch), then makes it the active model, re-tags the
    /// items with its labels and recalibrates its cutoffs. The old model's
    /// vectors stay, and stay searchable, until [`Library::forget_model`].
    /// Cancelling keeps what is done; the old model stays active.
    pub async fn run(&self, cancel: &Cancel, mut progress: impl FnMut(&Progress)) -> Result<SwitchSummary> {
        let started = Instant::now();
        let (state, store, model) = (self.state, &self.state.store, &self.model);
        let catalog = Catalog::new(state);
        let info = model.info().clone();
        let mut summary = SwitchSummary {
            embedded: 0,
            failed: Vec::new(),
            remaining: 0,
            activated: false,
            cancelled: false,
            elapsed: Default::default(),
        };
        {
            let _lock = state.write_lock().await?;
            catalog.check_dim(model).await?;
            catalog.register(model).await?;
            match catalog.active().await? {
                // A new library: nothing to embed, the model simply becomes its own.
                None => {
                    catalog.activate(model).await?;
                    summary.activated = true;
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                }
                Some(rec) if rec.id == info.id => {
                    catalog.set_target(None).await?;
                    summary.activated = true;
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                }
                Some(_) => catalog.set_target(Some(&info.id)).await?,
            }
        }

        let mut p = Progress::starting(Phase::Indexing);
        let mut given_up: std::collections::HashSet<String> = Default::default();
        let mut embed_time = 0.0;
        'rounds: for _ in 0..ROUNDS {
            let missing: Vec<String> =
                store.missing_vectors(&info.id).await?.into_iter().filter(|id| !given_up.contains(id)).collect();
            if missing.is_empty() {
                break;
            }
            p.total = p.done + missing.len();
            progress(&p);
            for chunk in missing.chunks(index::EMBED_BATCH) {
                if cancel.is_cancelled() {
                    summary.cancelled = true;
                    break 'rounds;
                }
                let files = store.files_of(chunk).await?;
                let is_video = |id: &String| {
                    files.get(id).is_some_and(|f| f.iter().any(|r| clipdex_media::is_video_path(Path::new(&r.path))))
                };
                // Videos: their moments anew with this model (which frames merge depends on it).
                let videos: Vec<(String, Vec<FileRecord>)> = chunk
                    .iter()
                    .filter(|id| is_video(id))
                    .map(|id| (id.clone(), files.get(id).cloned().unwrap_or_default()))
                    .collect();
                if !videos.is_empty() {
                    let (m, c) = (model.clone(), cancel.clone());
                    let every_s = store.moment_every_s().await?.unwrap_or(video::DEFAULT_MOMENT_EVERY_S);
                    let (items, failed) = blocking(move || video::embed_known_videos(videos, &m, every_s, &c)).await?;
                    {
                        let _lock = state.write_lock().await?;
                        store.write_items(&items).await?;
                    }
                    let whole = items.iter().filter(|i| !clipdex_store::is_part(&i.id)).count();
                    summary.embedded += whole;
                    p.indexed += whole;
                    for (id, path, reason) in failed {
                        given_up.insert(id);
                        summary.failed.push((path, reason));
                        p.failed += 1;
                    }
                }
                let work: Vec<(String, Vec<String>)> = chunk
                    .iter()
                    .filter(|id| !is_video(id))
                    .map(|id| {
                        (
                            id.clone(),
                            files.get(id).map(|f| f.iter().map(|r| r.path.clone()).collect()).unwrap_or_default(),
                        )
                    })
                    .collect();
                let m = model.clone();
                let t0 = Instant::now();
                let (vectors, failed) = blocking(move || steps::embed_known(work, &m)).await?;
                embed_time += t0.elapsed().as_secs_f64();
                {
                    let _lock = state.write_lock().await?;
                    store.write_vectors(&info.id, &vectors).await?;
                }
                for (path, reason) in &failed {
                    // `failed` names a path (or the id when none was readable).
                    if let Some(id) = chunk
                        .iter()
                        .find(|id| files.get(*id).is_some_and(|f| f.iter().any(|r| &r.path == path)) || *id == path)
                    {
                        given_up.insert(id.clone());
                    }
                    summary.failed.push((path.clone(), reason.clone()));
                }
                summary.embedded += vectors.len();
                p.indexed += vectors.len();
                p.failed += failed.len();
                p.done += chunk.len();
                p.current =
                    vectors.last().and_then(|v| files.get(&v.id)).and_then(|f| f.first()).map(|f| f.path.clone());
                progress(&p);
            }
        }
        let _lock = state.write_lock().await?;
        catalog.record_throughput(&info.id, summary.embedded, embed_time).await?;
        let missing = store.missing_vectors(&info.id).await?;
        summary.remaining = missing.iter().filter(|id| !given_up.contains(*id)).count();
        if !summary.cancelled && summary.remaining == 0 {
            catalog.activate(model).await?;
            summary.activated = true;
            // Tags and cutoffs follow the active model.
            let describer = Describer::new(state, model.clone());
            let mut timings = crate::control::Timings::default();
            match describer.pending(Vocabulary::Prepare, cancel, &mut p, &mut progress, &mut timings).await {
                Ok(_) | Err(LibraryError::Cancelled) => {}
                Err(e) => return Err(e),
            }
            index::maintain(state, &info.id).await?;
        }
        p.phase = Phase::Finished;
        progress(&p);
        summary.elapsed = started.elapsed();
        Ok(summary)
    }
}

/// Deletes a model's vectors from the library (not the active model's).
/// `Ok(false)` if the library had none from it.
pub(crate) async fn forget(state: &State, model_id: &str) -> Result<bool> {
    let _lock = state.write_lock().await?;
    let catalog = Catalog::new(state);
    if catalog.active().await?.is_some_and(|r| r.id == model_id) {
        return Err(LibraryError::Unsupported(format!(
            "{model_id} is the active model; switch to another model first"
        )));
    }
    let dropped = state.store.drop_space(model_id).await?;
    let listed = catalog.unlist(model_id).await?;
    Ok(dropped || listed)
}
