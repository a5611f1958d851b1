//! Several models per library: switching the active model without losing
//! search meanwhile, and forgetting a model's vectors.
//!
//! Each model's vectors live in their own table. `use_model` records the new
//! model as the *target*, embeds every item the library holds with it (in
//! batches, taking the writer lock per batch so the watcher and indexing runs
//! go on in between), and only when its vectors are complete makes it the
//! active model. Until then searches keep using the old model's vectors, and
//! an interrupted switch resumes where it stopped.

use std::sync::Arc;
use std::time::Instant;

use clipdex_embed::Model;

use crate::index::{self, Progress};
use crate::lock::WriterLock;
use crate::{
    blocking, Cancel, Library, LibraryError, Phase, Result, SwitchSummary, META_DIM, META_MODELS, META_MODEL_DIR,
    META_MODEL_ID, META_TARGET,
};

/// Rounds of "embed what is missing" before giving up on items that keep
/// appearing (new files arriving while the switch runs are indexed by the
/// active model and picked up by the next round).
const ROUNDS: usize = 3;

impl Library {
    /// Switches the library to `model`: embeds every item with it (resuming
    /// an interrupted switch), then makes it the active model, re-tags the
    /// items with its labels and recalibrates its cutoffs. The old model's
    /// vectors stay, and stay searchable, until [`Library::forget_model`].
    /// Cancelling keeps what is done; the old model stays active.
    pub async fn use_model(
        &self,
        model: Arc<Model>,
        cancel: &Cancel,
        mut progress: impl FnMut(&Progress),
    ) -> Result<SwitchSummary> {
        let started = Instant::now();
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
            let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
            self.check_dim(&model).await?;
            self.store.ensure_space(&info.id, info.dim).await?;
            self.register_model(&model).await?;
            match self.model_record().await? {
                // A new library: nothing to embed, the model simply becomes its own.
                None => {
                    self.activate(&model).await?;
                    summary.activated = true;
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                }
                Some(rec) if rec.id == info.id => {
                    self.store.set_meta(&[(META_TARGET, "")]).await?;
                    summary.activated = true;
                    summary.elapsed = started.elapsed();
                    return Ok(summary);
                }
                Some(_) => self.store.set_meta(&[(META_TARGET, &info.id)]).await?,
            }
        }

        let mut p = Progress::starting(Phase::Indexing);
        let mut given_up: std::collections::HashSet<String> = Default::default();
        let mut embed_time = 0.0;
        'rounds: for _ in 0..ROUNDS {
            let missing: Vec<String> =
                self.store.missing_vectors(&info.id).await?.into_iter().filter(|id| !given_up.contains(id)).collect();
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
                let files = self.store.files_of(chunk).await?;
                let work: Vec<(String, Vec<String>)> = chunk
                    .iter()
                    .map(|id| {
                        (
                            id.clone(),
                            files.get(id).map(|f| f.iter().map(|r| r.path.clone()).collect()).unwrap_or_default(),
                        )
                    })
                    .collect();
                let m = model.clone();
                let t0 = Instant::now();
                let (vectors, failed) = blocking(move || index::embed_known(work, &m)).await?;
                embed_time += t0.elapsed().as_secs_f64();
                {
                    let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
                    self.store.write_vectors(&info.id, &vectors).await?;
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
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        self.record_throughput(&info.id, summary.embedded, embed_time).await?;
        let missing = self.store.missing_vectors(&info.id).await?;
        summary.remaining = missing.iter().filter(|id| !given_up.contains(*id)).count();
        if !summary.cancelled && summary.remaining == 0 {
            self.activate(&model).await?;
            summary.activated = true;
            // Tags and cutoffs follow the active model.
            match self.describe_pending(&model, cancel, &mut p, &mut progress).await {
                Ok(_) | Err(LibraryError::Cancelled) => {}
                Err(e) => return Err(e),
            }
            self.maintain(&info.id).await?;
        }
        p.phase = Phase::Finished;
        progress(&p);
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// Makes `model` the one searches and new files use.
    async fn activate(&self, model: &Model) -> Result<()> {
        let info = model.info();
        let dir = info.dir.canonicalize().unwrap_or_else(|_| info.dir.clone()).to_string_lossy().into_owned();
        self.store
            .set_meta(&[
                (META_MODEL_ID, info.id.as_str()),
                (META_MODEL_DIR, &dir),
                (META_DIM, &info.dim.to_string()),
                (META_TARGET, ""),
            ])
            .await?;
        self.calibration_cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }

    /// Deletes a model's vectors from the library (not the active model's).
    /// `Ok(false)` if the library had none from it.
    pub async fn forget_model(&self, model_id: &str) -> Result<bool> {
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        if self.model_record().await?.is_some_and(|r| r.id == model_id) {
            return Err(LibraryError::Unsupported(format!(
                "{model_id} is the active model; switch to another with `clipdex models use` first"
            )));
        }
        let dropped = self.store.drop_space(model_id).await?;
        let current = self.store.meta(META_MODELS).await?.unwrap_or_default();
        let kept: Vec<&str> = current.lines().filter(|l| l.split('\t').next() != Some(model_id)).collect();
        let listed = kept.len() != current.lines().count();
        if listed {
            self.store.set_meta(&[(META_MODELS, &kept.join("\n"))]).await?;
        }
        if self.store.meta(META_TARGET).await?.as_deref() == Some(model_id) {
            self.store.set_meta(&[(META_TARGET, "")]).await?;
        }
        Ok(dropped || listed)
    }
}
