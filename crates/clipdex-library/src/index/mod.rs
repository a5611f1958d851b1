//! Indexing, end to end: [`Indexer`] owns walk → plan → hash → decode and
//! embed → write, flushing, housekeeping, retrying failures and removing
//! folders; [`watch`] keeps the library equal to its folders by running it,
//! and [`switch`] re-embeds the library with another model. The pure steps
//! are in [`steps`]; how long work is steered and reported, in
//! [`crate::control`].

pub(crate) mod activity;
pub(crate) mod budget;
pub(crate) mod steps;
pub(crate) mod switch;
pub(crate) mod video;
mod walk;
pub(crate) mod watch;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_embed::Model;
use clipdex_store::{FailureRecord, FileStamp, IndexAction};

pub use crate::control::{Cancel, IndexSummary, Phase, Progress, Timings, Vocabulary};
pub(crate) use crate::state::now_ms;
pub(crate) use steps::{mtime_ns, EMBED_BATCH};
use steps::{Candidate, Pending};
use walk::Found;

use crate::catalog::Catalog;
use crate::describe::{self, Describer};
use crate::error::{LibraryError, Result};
use crate::state::{blocking, State};
use crate::text::TextReader;

/// Indexes files with one model, the library's active one.
pub(crate) struct Indexer<'a> {
    state: &'a State,
    model: Arc<Model>,
    vocabulary: Vocabulary,
}

impl<'a> Indexer<'a> {
    pub fn new(state: &'a State, model: Arc<Model>) -> Self {
        Self { state, model, vocabulary: Vocabulary::Prepare }
    }

    /// Whether the run may embed the tag vocabulary (see [`Vocabulary`]).
    pub fn vocabulary(mut self, vocabulary: Vocabulary) -> Self {
        self.vocabulary = vocabulary;
        self
    }

    /// Indexes folders (or single files); each becomes one of the library's
    /// folders. Unchanged files (same path, size and mtime) are skipped;
    /// content the library already has is not embedded again (a moved or
    /// copied file reuses its item); paths that are gone are forgotten; a
    /// file that fails is recorded with its reason and does not stop the
    /// run. Files modified less than `settle` ago are left for a later run
    /// (they may still be being written). Cancelling keeps everything
    /// written so far. Takes the writer lock.
    pub async fn run(
        &self,
        roots: &[PathBuf],
        folders: Folders,
        cancel: &Cancel,
        settle: Option<Duration>,
        mut progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        let started = Instant::now();
        let (state, store, model) = (self.state, &self.state.store, &self.model);
        let mut timings = Timings::default();
        let mut resolved: Vec<PathBuf> = Vec::new();
        for r in roots {
            let abs = r.canonicalize().map_err(|_| LibraryError::PathNotFound { path: r.clone() })?;
            resolved.push(abs);
        }
        let catalog = Catalog::new(state);
        catalog.check_indexer(model).await?;
        let _lock = state.write_lock().await?;
        catalog.register(model).await?;
        // Record the model and folders only when they are new: an idle run commits nothing.
        catalog.adopt(model).await?;
        let mut known_roots = store.roots().await?;
        if folders == Folders::Existing {
            // Checked under the writer lock: a folder removed since this run
            // was asked for (by another process) is not brought back.
            resolved.retain(|r| known_roots.contains(&r.to_string_lossy().into_owned()));
            if resolved.is_empty() {
                return Ok(IndexSummary { elapsed: started.elapsed(), ..Default::default() });
            }
        }
        let root_keys: Vec<String> = resolved.iter().map(|r| r.to_string_lossy().into_owned()).collect();
        let new_roots: Vec<String> = root_keys.iter().filter(|r| !known_roots.contains(r)).cloned().collect();
        if !new_roots.is_empty() {
            store.add_roots(&new_roots, now_ms()).await?;
            known_roots.extend(new_roots);
        }
        // Whatever an interrupted run left: items no file points at.
        store.drop_dangling_files().await?;

        let mut p = Progress::starting(Phase::Scanning);
        progress(&p);

        // Walk on a blocking thread; the listing is small next to the pixels.
        let exclude = state.dir.clone();
        let walk_cancel = cancel.clone();
        let walk_roots = resolved.clone();
        let all_roots: Vec<PathBuf> = known_roots.iter().map(PathBuf::from).collect();
        let (found, problems) = blocking(move || {
            let mut files: Vec<Candidate> = Vec::new();
            let mut problems: Vec<(String, String, String)> = Vec::new();
            for root in &walk_roots {
                let root_key = root.to_string_lossy().into_owned();
                // Folders inside this one that are library folders too hold their own files.
                let inner: Vec<PathBuf> =
                    all_roots.iter().filter(|r| *r != root && r.starts_with(root)).cloned().collect();
                walk::walk(root, &exclude, &inner, |f| {
                    match f {
                        Found::File(c) => files.push(c),
                        Found::Problem(path, reason) => problems.push((path, reason, root_key.clone())),
                    }
                    !walk_cancel.is_cancelled()
                });
            }
            (files, problems)
        })
        .await?;
        if cancel.is_cancelled() {
            // A cut-short walk cannot tell what is gone: change nothing.
            p.phase = Phase::Finished;
            progress(&p);
            return Ok(IndexSummary { cancelled: true, elapsed: started.elapsed(), ..Default::default() });
        }

        let mut known = Vec::new();
        for r in &root_keys {
            known.push(store.known_under(r).await?);
        }
        let mut known = steps::merge_known(known);
        video::retry_skipped(&mut known, &store.failures().await?);
        let every_s = store.moment_every_s().await?.unwrap_or(video::DEFAULT_MOMENT_EVERY_S);
        let problem_paths: Vec<String> = problems.iter().map(|(p, _, _)| p.clone()).collect();
        let settled_before = settle.map(|d| steps::now_ns() - d.as_nanos().min(i64::MAX as u128) as i64);
        let plan = steps::plan(found, &known, &problem_paths, settled_before);
        timings.scan = started.elapsed();
        store.remove_paths(&plan.gone).await?;
        // Items whose set of paths changes: their path words are redone at the end.
        let mut touched: HashSet<String> =
            plan.gone.iter().filter_map(|g| known.files.get(g).map(|f| f.0.clone())).collect();

        let problem_records: Vec<FailureRecord> = problems
            .into_iter()
            .map(|(path, reason, root)| FailureRecord {
                path,
                stamp: FileStamp { size: 0, mtime_ns: 0 },
                reason,
                root,
                at_ms: now_ms(),
            })
            .collect();
        let mut summary = IndexSummary {
            skipped: plan.skipped,
            removed: plan.gone.len(),
            deferred: plan.deferred,
            failed: problem_records.iter().map(|f| (f.path.clone(), f.reason.clone())).collect(),
            ..Default::default()
        };
        // Problems already on record (same path, no stamp) are not written again.
        let new_problems: Vec<FailureRecord> =
            problem_records.iter().filter(|f| known.failures.get(&f.path) != Some(&f.stamp)).cloned().collect();
        store.record_failures(&new_problems).await?;

        p.phase = Phase::Indexing;
        p.total = plan.todo.len() + plan.skipped + problem_records.len();
        p.skipped = plan.skipped;
        p.removed = plan.gone.len();
        p.failed = problem_records.len();
        p.done = plan.skipped + problem_records.len();
        progress(&p);

        // Pending work is recorded only when there is some: an idle reconcile writes nothing.
        let to_do = plan.todo.len() + plan.deferred;
        if to_do > 0 {
            activity::record_pending(state, to_do).await?;
        }
        let wrote = to_do > 0 || !plan.gone.is_empty() || !new_problems.is_empty();
        let mut pending = Pending::default();
        let mut searchable = false;
        let mut embed_time = 0.0;
        let mut photos_embedded = 0;
        let mut todo = plan.todo.into_iter().peekable();
        let mut held_back = None;
        while held_back.is_some() || todo.peek().is_some() {
            if cancel.is_paused() {
                // What is done stays written while the run waits.
                self.flush(&mut pending, &mut timings).await?;
                cancel.wait_while_paused().await;
            }
            if cancel.is_cancelled() {
                break;
            }
            let batch: Vec<Candidate> = budget::next_batch(&mut todo, EMBED_BATCH, &mut held_back);
            let t0 = Instant::now();
            let (hashed, mut failures) = blocking(move || steps::hash_batch(batch)).await?;
            timings.read_hash += t0.elapsed();
            let ids = steps::ids_of(&hashed);
            let mut have = store.existing_ids(&model.info().id, &ids).await?;
            have.extend(pending.ids().cloned());
            let (m, c) = (model.clone(), cancel.clone());
            let t0 = Instant::now();
            let mut out = if hashed.first().is_some_and(|h| h.is_video()) {
                // A video is a batch of its own (see `budget::next_batch`).
                let out = blocking(move || video::embed_videos(hashed, &have, &m, every_s, &c)).await?;
                timings.videos += t0.elapsed();
                out
            } else {
                blocking(move || steps::embed_batch(hashed, &have, &m)).await?
            };
            timings += std::mem::take(&mut out.timings);
            if !out.items.is_empty() && !out.items.iter().any(|i| clipdex_store::is_part(&i.id)) {
                // Photos per second: a video's time is its own.
                embed_time += t0.elapsed().as_secs_f64();
                photos_embedded += out.items.len();
            }
            failures.extend(out.failures);

            let embedded = out.items.iter().filter(|i| !clipdex_store::is_part(&i.id)).count();
            p.indexed += embedded;
            p.reused += out.reused;
            p.done += out.deferred;
            summary.deferred += out.deferred;
            p.failed += failures.len();
            p.done += out.files.len() + failures.len();
            p.current = out.files.last().map(|f| f.path.clone()).or_else(|| failures.last().map(|f| f.path.clone()));
            summary.indexed += embedded;
            summary.reused += out.reused;
            summary.failed.extend(failures.iter().map(|f| (f.path.clone(), f.reason.clone())));
            touched.extend(out.files.iter().map(|f| f.id.clone()));
            touched.extend(failures.iter().filter_map(|f| known.files.get(&f.path).map(|k| k.0.clone())));
            pending.since.get_or_insert_with(Instant::now);
            pending.items.extend(out.items);
            pending.files.extend(out.files);
            pending.failures.extend(failures);
            // The run's first new items are written at once: a new library
            // is searchable after one batch, not after the first few seconds.
            if pending.should_flush() || (!searchable && !pending.items.is_empty()) {
                searchable |= !pending.items.is_empty();
                self.flush(&mut pending, &mut timings).await?;
            }
            progress(&p);
        }
        summary.cancelled = cancel.is_cancelled();
        self.flush(&mut pending, &mut timings).await?;
        catalog.record_throughput(&model.info().id, photos_embedded, embed_time).await?;
        if to_do > 0 {
            activity::record_pending(state, plan.deferred + todo.count()).await?;
        }
        // Describe what is new (or was described by another model), and
        // redo the path words of items that moved. Cancelling stops it; the
        // next run continues.
        let described = if cancel.is_cancelled() {
            0
        } else {
            let describer = Describer::new(state, model.clone());
            match describer.pending(self.vocabulary, cancel, &mut p, &mut progress, &mut timings).await {
                Ok((n, waiting)) => {
                    summary.tags_waiting = waiting;
                    n
                }
                Err(LibraryError::Cancelled) => 0,
                Err(e) => return Err(e),
            }
        };
        let rewritten = describe::refresh_words(state, &touched.into_iter().collect::<Vec<_>>()).await?;
        // Then the text in the pictures, once they are searchable.
        if !cancel.is_cancelled() {
            summary.text_read = TextReader::new(state).pending(cancel, &mut p, &mut progress, &mut timings).await?;
            // Stopped while reading: what was read is kept, the rest waits for the next run.
            summary.cancelled |= cancel.is_cancelled();
        }
        if wrote || described > 0 || rewritten > 0 || summary.text_read > 0 {
            let t0 = Instant::now();
            maintain(state, &model.info().id).await?;
            timings.maintain = t0.elapsed();
        }
        p.phase = Phase::Finished;
        progress(&p);
        summary.elapsed = started.elapsed();
        summary.timings = timings;
        Ok(summary)
    }

    async fn flush(&self, pending: &mut Pending, timings: &mut Timings) -> Result<()> {
        let t0 = Instant::now();
        let store = &self.state.store;
        // Items first: a file row never points at an item that is not written.
        store.write_items(&pending.items).await?;
        store.write_files(&pending.files).await?;
        store.record_failures(&pending.failures).await?;
        *pending = Pending::default();
        timings.write += t0.elapsed();
        Ok(())
    }

    /// Tries files that failed again (those in `paths`, or all when it is
    /// empty): their failure records are dropped and their folders indexed,
    /// so a file that reads now is indexed and one that still fails is
    /// recorded again with its reason. Failures under a folder that is gone
    /// are forgotten.
    pub async fn retry(
        &self,
        paths: &[String],
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        let store = &self.state.store;
        let chosen: Vec<FailureRecord> =
            store.failures().await?.into_iter().filter(|f| paths.is_empty() || paths.contains(&f.path)).collect();
        if chosen.is_empty() {
            return Err(LibraryError::NothingToRetry);
        }
        {
            let _lock = self.state.write_lock().await?;
            let forget: Vec<String> = chosen.iter().map(|f| f.path.clone()).collect();
            store.remove_paths(&forget).await?;
        }
        let mut roots: Vec<PathBuf> = chosen.iter().map(|f| PathBuf::from(&f.root)).filter(|r| r.exists()).collect();
        roots.sort();
        roots.dedup();
        if roots.is_empty() {
            // No roots would mean "every folder": there is nothing left to try.
            return Ok(IndexSummary { removed: chosen.len(), ..Default::default() });
        }
        self.run(&roots, Folders::Existing, cancel, None, progress).await
    }
}

/// Whether an indexing run may make its folders library folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Folders {
    /// The user chose them (`index`, the window's "Add folder"): they are added.
    Add,
    /// A reconcile (watcher, retry): only those still the library's are walked.
    Existing,
}

/// Forgets one of the library's folders: its files, failures, and items no
/// other path holds. `Ok(false)` if it is not one of the library's folders.
pub(crate) async fn remove_folder(state: &State, folder: &Path) -> Result<bool> {
    let key = folder.canonicalize().unwrap_or_else(|_| folder.to_path_buf()).to_string_lossy().into_owned();
    let roots = state.store.roots().await?;
    if !roots.contains(&key) {
        return Ok(false);
    }
    let _lock = state.write_lock().await?;
    let held: Vec<String> = state.store.known_under(&key).await?.files.into_values().map(|(id, _)| id).collect();
    // Files another library folder still covers stay: the innermost folder
    // holding this one takes them over (its next walk sees them as its own).
    let outer = roots.iter().filter(|r| **r != key && Path::new(&key).starts_with(r)).max_by_key(|r| r.len());
    match outer {
        Some(outer) => state.store.reassign_root(&key, outer).await?,
        None => state.store.remove_root(&key).await?,
    }
    // Items also held elsewhere lose this folder's path words.
    describe::refresh_words(state, &held).await?;
    Ok(true)
}

/// Housekeeping after writes: drops unused items, builds or retrains the
/// vector index when the library has grown past its threshold, folds new
/// rows into indexes, compacts and prunes old versions.
pub(crate) async fn maintain(state: &State, space: &str) -> Result<IndexAction> {
    state.store.collect_garbage().await?;
    let action = state.store.ensure_vector_index(space, state.settings.ann_threshold).await?;
    state.store.optimize(state.settings.version_retention_ms).await?;
    Ok(action)
}
