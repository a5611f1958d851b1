//! The Clipdex engine: a *library* is a folder holding a LanceDB database of
//! indexed media, tied to the one model whose vectors it stores.
//!
//! Front ends (the `clipdex` CLI, the desktop app) call [`Library`] and
//! nothing below it. All methods are async; CPU-bound work (decoding,
//! preprocessing, inference) runs on blocking threads, never on the async
//! executor, and long work reports [`Progress`] and honours [`Cancel`].

mod error;
mod index;
mod lock;
pub mod paths;
pub mod query;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use clipdex_embed::{Device, Model, ModelInfo};
pub use clipdex_media::RgbImage;
pub use clipdex_store::{Audit, FailureRecord, FileRecord, FileStamp, Hit, IndexAction, VectorIndexInfo};
pub use error::{LibraryError, Result};
pub use index::{error_chain, Cancel, IndexSummary, Phase, Progress};

use clipdex_store::Store;
use index::{Candidate, Found, Pending};
pub use lock::WriterLock;
pub use watch::{is_watch_limit, polling_reason, WatchEvent, WatchMode, WatchOptions};

/// How long a writer waits for another one by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Old table versions are kept this long (for readers mid-query, and for
/// recovery), then pruned.
pub const DEFAULT_VERSION_RETENTION: Duration = Duration::from_secs(600);

const META_MODEL_ID: &str = "model_id";
const META_MODEL_DIR: &str = "model_dir";
const META_DIM: &str = "dim";
const META_WATCH: &str = "watch";
const META_WATCH_PID: &str = "watch_pid";
const META_PENDING: &str = "pending";

/// Facts about a library, for `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub library_dir: PathBuf,
    /// Distinct contents embedded.
    pub items: usize,
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
    pub model_id: Option<String>,
    pub model_dir: Option<String>,
    pub dim: Option<usize>,
}

/// One member of a near-duplicate group.
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicate {
    pub id: String,
    pub paths: Vec<String>,
    /// Its highest cosine to another member.
    pub score: f32,
}

/// What [`Library::duplicates`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicates {
    /// Paths holding identical bytes, a group each.
    pub exact: Vec<Vec<String>>,
    /// Different files that look alike, a group each.
    pub near: Vec<Vec<NearDuplicate>>,
}

/// What [`Library::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub audit: Audit,
    /// Indexed files that changed or vanished since: the next run re-queues them.
    pub stale: usize,
    /// Indexed files unchanged on disk whose content does not hash to their item.
    pub hash_mismatches: Vec<String>,
}

impl Verification {
    /// True when nothing is wrong (stale files are expected, not wrong).
    pub fn is_consistent(&self) -> bool {
        let a = &self.audit;
        a.duplicate_files == 0 && a.duplicate_items == 0 && a.dangling_files == 0 && self.hash_mismatches.is_empty()
    }
}

/// The model a library was built with, as recorded in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRecord {
    pub id: String,
    pub dir: PathBuf,
}

pub struct Library {
    dir: PathBuf,
    store: Store,
    lock_wait: Duration,
    version_retention_ms: i64,
    /// Items from which searches use an approximate vector index.
    ann_threshold: usize,
    /// Extra places to look for the ONNX Runtime library (an app's resources).
    runtime_dirs: Vec<PathBuf>,
}

/// Opens a model on a blocking thread (reading graphs takes a while).
pub async fn open_model(dir: &Path, runtime_dirs: &[PathBuf]) -> Result<Arc<Model>> {
    let dir = dir.to_path_buf();
    let runtime_dirs = runtime_dirs.to_vec();
    let model = tokio::task::spawn_blocking(move || Model::open(&dir, &runtime_dirs))
        .await
        .map_err(|e| LibraryError::Task(e.to_string()))??;
    Ok(Arc::new(model))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| LibraryError::Task(e.to_string()))
}

impl Library {
    /// Opens the library in `dir`, creating it if needed.
    pub async fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| LibraryError::Io { path: dir.to_path_buf(), source })?;
        let dir = dir.canonicalize().map_err(|source| LibraryError::Io { path: dir.to_path_buf(), source })?;
        let store = Store::open(&dir).await?;
        Ok(Self {
            dir,
            store,
            runtime_dirs: Vec::new(),
            lock_wait: DEFAULT_LOCK_WAIT,
            version_retention_ms: DEFAULT_VERSION_RETENTION.as_millis() as i64,
            ann_threshold: clipdex_store::DEFAULT_ANN_THRESHOLD,
        })
    }

    /// Adds a folder to search for the ONNX Runtime library before the defaults.
    pub fn add_runtime_dir(&mut self, dir: PathBuf) {
        self.runtime_dirs.push(dir);
    }

    pub fn runtime_dirs(&self) -> &[PathBuf] {
        &self.runtime_dirs
    }

    /// Tables opened at an older version because the newest was unreadable
    /// (a damaged disk or a torn write); the next indexing run redoes the rest.
    pub fn rolled_back(&self) -> &[String] {
        self.store.rolled_back()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The model this library's vectors came from, if it has any yet.
    pub async fn model_record(&self) -> Result<Option<ModelRecord>> {
        let id = self.store.meta(META_MODEL_ID).await?;
        let dir = self.store.meta(META_MODEL_DIR).await?;
        Ok(id.map(|id| ModelRecord { id, dir: PathBuf::from(dir.unwrap_or_default()) }))
    }

    /// Checks that `model` may write to or search this library.
    pub async fn check_model(&self, model: &Model) -> Result<()> {
        if let Some(rec) = self.model_record().await? {
            if rec.id != model.info().id {
                return Err(LibraryError::ModelMismatch {
                    library: rec.id,
                    library_dir: rec.dir.display().to_string(),
                    given: format!("{} ({})", model.info().id, model.info().dir.display()),
                });
            }
        }
        if let Some(stored) = self.store.dimension().await? {
            if stored != model.info().dim {
                return Err(clipdex_store::StoreError::DimensionMismatch { stored, given: model.info().dim }.into());
            }
        }
        Ok(())
    }

    /// Opens the model to search with: `explicit` if given (checked against
    /// the library), else the one the library records.
    pub async fn model_for_search(&self, explicit: Option<&Path>) -> Result<Arc<Model>> {
        let dir = match (explicit, self.model_record().await?) {
            (Some(d), _) => d.to_path_buf(),
            (None, Some(rec)) => rec.dir,
            (None, None) => return Err(LibraryError::NoModel),
        };
        let model = open_model(&dir, &self.runtime_dirs).await?;
        self.check_model(&model).await?;
        Ok(model)
    }

    /// Indexes folders (or single files) with `model`; each becomes one of the
    /// library's folders. Unchanged files (same path, size and mtime) are
    /// skipped; content the library already has is not embedded again (a moved
    /// or copied file reuses its item); paths that are gone are forgotten; a
    /// file that fails is recorded with its reason and does not stop the run.
    /// Cancelling keeps everything written so far. Takes the writer lock.
    pub async fn index(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        self.index_settled(roots, model, cancel, None, progress).await
    }

    /// [`Library::index`], leaving files modified less than `settle` ago for a
    /// later run (they may still be being written). The watcher uses this.
    pub async fn index_settled(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        cancel: &Cancel,
        settle: Option<Duration>,
        mut progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        let started = Instant::now();
        let mut resolved = Vec::new();
        for r in roots {
            let abs = r.canonicalize().map_err(|_| LibraryError::PathNotFound { path: r.clone() })?;
            resolved.push(abs);
        }
        self.check_model(&model).await?;
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        self.store.ensure_items(model.info().dim).await?;
        // Record the model and folders only when they are new: an idle run commits nothing.
        let dir_text = model.info().dir.canonicalize().unwrap_or_else(|_| model.info().dir.clone());
        let dir_text = dir_text.to_string_lossy().into_owned();
        let recorded = self.model_record().await?;
        if recorded.as_ref().is_none_or(|r| r.id != model.info().id || r.dir.to_string_lossy() != dir_text) {
            self.store
                .set_meta(&[
                    (META_MODEL_ID, model.info().id.as_str()),
                    (META_MODEL_DIR, &dir_text),
                    (META_DIM, &model.info().dim.to_string()),
                ])
                .await?;
        }
        let known_roots = self.store.roots().await?;
        let root_keys: Vec<String> = resolved.iter().map(|r| r.to_string_lossy().into_owned()).collect();
        let new_roots: Vec<String> = root_keys.iter().filter(|r| !known_roots.contains(r)).cloned().collect();
        if !new_roots.is_empty() {
            self.store.add_roots(&new_roots, index::now_ms()).await?;
        }
        // Whatever an interrupted run left: items no file points at.
        self.store.drop_dangling_files().await?;

        let mut p = Progress {
            phase: Phase::Scanning,
            total: 0,
            done: 0,
            indexed: 0,
            reused: 0,
            skipped: 0,
            failed: 0,
            removed: 0,
            current: None,
        };
        progress(&p);

        // Walk on a blocking thread; the listing is small next to the pixels.
        let exclude = self.dir.clone();
        let walk_cancel = cancel.clone();
        let walk_roots = resolved.clone();
        let (found, problems) = blocking(move || {
            let mut files: Vec<Candidate> = Vec::new();
            let mut problems: Vec<(String, String, String)> = Vec::new();
            for root in &walk_roots {
                let root_key = root.to_string_lossy().into_owned();
                index::walk(root, &exclude, |f| {
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
            return Ok(IndexSummary {
                indexed: 0,
                reused: 0,
                skipped: 0,
                removed: 0,
                deferred: 0,
                failed: Vec::new(),
                cancelled: true,
                elapsed: started.elapsed(),
            });
        }

        let mut known = Vec::new();
        for r in &root_keys {
            known.push(self.store.known_under(r).await?);
        }
        let known = index::merge_known(known);
        let problem_paths: Vec<String> = problems.iter().map(|(p, _, _)| p.clone()).collect();
        let settled_before = settle.map(|d| index::now_ns() - d.as_nanos().min(i64::MAX as u128) as i64);
        let plan = index::plan(found, &known, &problem_paths, settled_before);
        self.store.remove_paths(&plan.gone).await?;

        let problem_records: Vec<FailureRecord> = problems
            .into_iter()
            .map(|(path, reason, root)| FailureRecord {
                path,
                stamp: FileStamp { size: 0, mtime_ns: 0 },
                reason,
                root,
                at_ms: index::now_ms(),
            })
            .collect();
        let mut summary = IndexSummary {
            indexed: 0,
            reused: 0,
            skipped: plan.skipped,
            removed: plan.gone.len(),
            deferred: plan.deferred,
            failed: problem_records.iter().map(|f| (f.path.clone(), f.reason.clone())).collect(),
            cancelled: false,
            elapsed: Default::default(),
        };
        // Problems already on record (same path, no stamp) are not written again.
        let new_problems: Vec<FailureRecord> =
            problem_records.iter().filter(|f| known.failures.get(&f.path) != Some(&f.stamp)).cloned().collect();
        self.store.record_failures(&new_problems).await?;

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
            self.record_pending(to_do).await?;
        }
        let wrote = to_do > 0 || !plan.gone.is_empty() || !new_problems.is_empty();
        let mut pending = Pending::default();
        let mut todo = plan.todo.into_iter().peekable();
        while todo.peek().is_some() {
            if cancel.is_cancelled() {
                break;
            }
            let batch: Vec<Candidate> = todo.by_ref().take(index::EMBED_BATCH).collect();
            let (hashed, mut failures) = blocking(move || index::hash_batch(batch)).await?;
            let ids = index::ids_of(&hashed);
            let mut have = self.store.existing_ids(&ids).await?;
            have.extend(pending.ids().cloned());
            let m = model.clone();
            let out = blocking(move || index::embed_batch(hashed, &have, &m)).await?;
            failures.extend(out.failures);

            p.indexed += out.items.len();
            p.reused += out.reused;
            p.failed += failures.len();
            p.done += out.files.len() + failures.len();
            p.current = out.files.last().map(|f| f.path.clone()).or_else(|| failures.last().map(|f| f.path.clone()));
            summary.indexed += out.items.len();
            summary.reused += out.reused;
            summary.failed.extend(failures.iter().map(|f| (f.path.clone(), f.reason.clone())));
            pending.since.get_or_insert_with(Instant::now);
            pending.items.extend(out.items);
            pending.files.extend(out.files);
            pending.failures.extend(failures);
            if pending.should_flush() {
                self.flush(&mut pending).await?;
            }
            progress(&p);
        }
        summary.cancelled = cancel.is_cancelled();
        self.flush(&mut pending).await?;
        if to_do > 0 {
            self.record_pending(plan.deferred + todo.count()).await?;
        }
        if wrote {
            self.maintain().await?;
        }
        p.phase = Phase::Finished;
        progress(&p);
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    async fn flush(&self, pending: &mut Pending) -> Result<()> {
        // Items first: a file row never points at an item that is not written.
        self.store.write_items(&pending.items).await?;
        self.store.write_files(&pending.files).await?;
        self.store.record_failures(&pending.failures).await?;
        *pending = Pending::default();
        Ok(())
    }

    /// Housekeeping after writes: drops unused items, builds or retrains the
    /// vector index when the library has grown past its threshold, folds new
    /// rows into indexes, compacts and prunes old versions.
    async fn maintain(&self) -> Result<IndexAction> {
        self.store.collect_garbage().await?;
        let action = self.store.ensure_vector_index(self.ann_threshold).await?;
        self.store.optimize(self.version_retention_ms).await?;
        Ok(action)
    }

    /// Runs the housekeeping an indexing run does after writing, now (for
    /// `clipdex optimize`, and after bulk loads). Takes the writer lock.
    pub async fn optimize(&self) -> Result<IndexAction> {
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        self.maintain().await
    }

    /// The approximate vector index, if the library is big enough to have one.
    pub async fn vector_index(&self) -> Result<Option<VectorIndexInfo>> {
        Ok(self.store.vector_index().await?)
    }

    /// Items from which an approximate vector index is built (default
    /// [`clipdex_store::DEFAULT_ANN_THRESHOLD`]); below it, search is exact.
    pub fn set_ann_threshold(&mut self, items: usize) {
        self.ann_threshold = items;
    }

    /// Forgets one of the library's folders: its files, failures, and items no other path holds.
    pub async fn remove_folder(&self, folder: &Path) -> Result<bool> {
        let key = folder.canonicalize().unwrap_or_else(|_| folder.to_path_buf()).to_string_lossy().into_owned();
        let roots = self.store.roots().await?;
        if !roots.contains(&key) {
            return Ok(false);
        }
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        self.store.remove_root(&key).await?;
        Ok(true)
    }

    /// The library's folders.
    pub async fn folders(&self) -> Result<Vec<String>> {
        Ok(self.store.roots().await?)
    }

    /// Records which folders this process watches and how ("" when it stops).
    pub(crate) async fn record_watch(&self, modes: &str) -> Result<()> {
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        let pid = std::process::id().to_string();
        self.store.set_meta(&[(META_WATCH, modes), (META_WATCH_PID, &pid)]).await?;
        Ok(())
    }

    /// Records how many files this run still has to do (or left for later).
    async fn record_pending(&self, n: usize) -> Result<()> {
        Ok(self.store.set_meta(&[(META_PENDING, &format!("{} {n}", std::process::id()))]).await?)
    }

    /// Files a live indexer or watcher has still to index; work a dead
    /// process left undone is redone by the next run, so it does not count.
    async fn pending(&self) -> Result<usize> {
        let Some(v) = self.store.meta(META_PENDING).await? else { return Ok(0) };
        let mut it = v.split_whitespace().filter_map(|x| x.parse::<usize>().ok());
        match (it.next(), it.next()) {
            (Some(pid), Some(n)) if pid_alive(pid as u32) => Ok(n),
            _ => Ok(0),
        }
    }

    /// Folders a live watcher reported, with their mode.
    async fn watching(&self) -> Result<Vec<(String, String)>> {
        let modes = self.store.meta(META_WATCH).await?.unwrap_or_default();
        let alive = self.store.meta(META_WATCH_PID).await?.and_then(|p| p.parse::<u32>().ok()).is_some_and(pid_alive);
        if !alive {
            return Ok(Vec::new());
        }
        Ok(modes.lines().filter_map(|l| l.split_once('\t')).map(|(f, m)| (f.to_string(), m.to_string())).collect())
    }

    /// How long a writer waits for another to finish before giving up.
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// Table versions older than this are pruned after each run.
    pub fn set_version_retention(&mut self, retention: Duration) {
        self.version_retention_ms = retention.as_millis().min(i64::MAX as u128) as i64;
    }

    /// Runs a query in the query language (see [`query`]) plus any extra
    /// image files: the terms' vectors are combined as a weighted sum, then
    /// filters and `min_score` apply. Best first.
    pub async fn search_query(
        &self,
        model: Arc<Model>,
        text: &str,
        extra_images: &[PathBuf],
        limit: usize,
        min_score: Option<f32>,
    ) -> Result<Vec<Hit>> {
        let mut q = query::parse(text)?;
        for p in extra_images {
            q.terms.push(query::Term { weight: 1.0, kind: query::TermKind::Image(p.clone()) });
        }
        if q.terms.is_empty() {
            return Err(LibraryError::EmptyQuery);
        }
        let mut parts = Vec::new();
        for term in &q.terms {
            let vector = match &term.kind {
                query::TermKind::Text(t) => {
                    let (m, t) = (model.clone(), t.clone());
                    blocking(move || m.embed_texts(&[t])).await??.pop()
                }
                query::TermKind::Image(p) => {
                    let path = expand_home(p);
                    let img = decode_image_file(&path)?;
                    let m = model.clone();
                    blocking(move || m.embed_images(vec![img])).await??.pop()
                }
                query::TermKind::Similar(id) => {
                    Some(self.store.vector(id).await?.ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?)
                }
            };
            parts.push((term.weight, vector.ok_or(LibraryError::EmptyQuery)?));
        }
        let vector = query::combine(&parts).ok_or(LibraryError::EmptyQuery)?;
        let filters = ItemFilter::from_query(&q.filters)?;
        // Filters apply after the nearest-neighbour step, so fetch more when filtering.
        let fetch = if filters.is_empty() { limit } else { (limit * 8).max(200) };
        let hits = self.store.search(&vector, fetch).await?;
        Ok(hits
            .into_iter()
            .filter(|h| min_score.is_none_or(|m| h.score >= m))
            .filter_map(|h| filters.apply(h))
            .take(limit)
            .collect())
    }

    /// "More like this": items nearest to a library item (by id or indexed
    /// path, using its stored vector) or to any image file (embedded on the
    /// fly). The item itself is left out.
    pub async fn similar(
        &self,
        model: Arc<Model>,
        path_or_id: &str,
        limit: usize,
        min_score: Option<f32>,
    ) -> Result<Vec<Hit>> {
        let as_path = expand_home(Path::new(path_or_id));
        let key = as_path.canonicalize().ok().map(|p| p.to_string_lossy().into_owned());
        let id = match &key {
            Some(k) => self.store.id_for_path(k).await?,
            None if path_or_id.len() == 64 && path_or_id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(path_or_id.to_ascii_lowercase())
            }
            None => return Err(LibraryError::PathNotFound { path: as_path }),
        };
        let vector = match &id {
            Some(id) => self.store.vector(id).await?.ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?,
            None => {
                let img = decode_image_file(&as_path)?;
                blocking(move || model.embed_images(vec![img])).await??.pop().ok_or(LibraryError::EmptyQuery)?
            }
        };
        let hits = self.store.search(&vector, limit + 1).await?;
        Ok(hits
            .into_iter()
            .filter(|h| Some(&h.id) != id.as_ref())
            .filter(|h| min_score.is_none_or(|m| h.score >= m))
            .take(limit)
            .collect())
    }

    pub async fn status(&self) -> Result<Status> {
        let rec = self.model_record().await?;
        Ok(Status {
            library_dir: self.dir.clone(),
            items: self.store.count_items().await?,
            files: self.store.count_files().await?,
            folders: self.store.roots().await?,
            versions: self.store.version_count().await?,
            watching: self.watching().await?,
            pending: self.pending().await?,
            quarantined: self.store.quarantined(),
            failures: self.store.failures().await?,
            model_id: rec.as_ref().map(|r| r.id.clone()),
            model_dir: rec.map(|r| r.dir.display().to_string()),
            dim: self.store.dimension().await?,
        })
    }

    /// JPEG thumbnail bytes of the item with this content id.
    pub async fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.store.thumbnail(id).await?)
    }

    /// Checks the library against itself and the disk. Reads every indexed
    /// file whose size and mtime still match, to confirm its content hash.
    pub async fn verify(&self) -> Result<Verification> {
        let audit = self.store.audit().await?;
        let files = self.store.files().await?;
        let (stale, hash_mismatches) = blocking(move || {
            let mut stale = 0;
            let mut bad = Vec::new();
            for f in &files {
                let now =
                    std::fs::metadata(&f.path).ok().map(|m| FileStamp { size: m.len(), mtime_ns: index::mtime_ns(&m) });
                if now != Some(f.stamp) {
                    stale += 1; // changed or gone: the next run re-queues it
                    continue;
                }
                match std::fs::read(&f.path) {
                    Ok(bytes) if blake3::hash(&bytes).to_hex().as_str() == f.id => {}
                    _ => bad.push(f.path.clone()),
                }
            }
            (stale, bad)
        })
        .await?;
        Ok(Verification { audit, stale, hash_mismatches })
    }

    /// Duplicates, kept apart: exact ones (one content at several paths) and
    /// near ones (different content whose vectors have cosine ≥ `threshold`),
    /// grouped transitively. Compares every pair: fine for tens of thousands
    /// of items, not yet for millions.
    pub async fn duplicates(&self, threshold: f32) -> Result<Duplicates> {
        let files = self.store.files().await?;
        let mut by_id: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for f in files {
            by_id.entry(f.id).or_default().push(f.path);
        }
        let exact: Vec<Vec<String>> = by_id.values().filter(|p| p.len() > 1).cloned().collect();
        let vectors: Vec<(String, Vec<f32>)> =
            self.store.all_vectors().await?.into_iter().filter(|(id, _)| by_id.contains_key(id)).collect();
        let near_pairs = blocking(move || {
            // Union-find over pairs above the threshold.
            let n = vectors.len();
            let mut parent: Vec<usize> = (0..n).collect();
            fn root(parent: &mut [usize], mut i: usize) -> usize {
                while parent[i] != i {
                    parent[i] = parent[parent[i]];
                    i = parent[i];
                }
                i
            }
            let mut best = vec![0f32; n];
            for i in 0..n {
                for j in i + 1..n {
                    let c = clipdex_embed::cosine(&vectors[i].1, &vectors[j].1);
                    if c >= threshold {
                        let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                        parent[a] = b;
                        best[i] = best[i].max(c);
                        best[j] = best[j].max(c);
                    }
                }
            }
            let mut groups: std::collections::BTreeMap<usize, Vec<(String, f32)>> = Default::default();
            for i in 0..n {
                let r = root(&mut parent, i);
                groups.entry(r).or_default().push((vectors[i].0.clone(), best[i]));
            }
            groups.into_values().filter(|g| g.len() > 1).collect::<Vec<_>>()
        })
        .await?;
        let near = near_pairs
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|(id, score)| NearDuplicate { paths: by_id.get(&id).cloned().unwrap_or_default(), id, score })
                    .collect()
            })
            .collect();
        Ok(Duplicates { exact, near })
    }

    /// Every indexed path with its content id and stamp.
    pub async fn files(&self) -> Result<Vec<FileRecord>> {
        Ok(self.store.files().await?)
    }
}

/// `~/x` to the home folder.
fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

/// The query's filters, ready to apply to hits.
#[derive(Default)]
struct ItemFilter {
    folders: Vec<PathBuf>,
    exts: Vec<String>,
    min_size: Option<u32>,
    after_ns: Option<i64>,
    before_ns: Option<i64>,
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` (already validated by the parser) to nanoseconds at UTC midnight.
fn date_ns(s: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0);
    days_from_civil(n(0..4), n(5..7), n(8..10)) * 86_400 * 1_000_000_000
}

impl ItemFilter {
    fn from_query(filters: &[query::Filter]) -> Result<Self> {
        let mut f = ItemFilter::default();
        for filter in filters {
            match filter {
                query::Filter::Folder(p) => f
                    .folders
                    .push(expand_home(Path::new(p)).canonicalize().unwrap_or_else(|_| expand_home(Path::new(p)))),
                query::Filter::Ext(e) => f.exts.push(e.clone()),
                query::Filter::MinSize(n) => f.min_size = Some(f.min_size.map_or(*n, |m| m.max(*n))),
                // Dates use the file's modification time until EXIF dates are indexed.
                query::Filter::After(d) => f.after_ns = Some(date_ns(d)),
                query::Filter::Before(d) => f.before_ns = Some(date_ns(d)),
                query::Filter::Camera(_) | query::Filter::Type(_) => {
                    return Err(LibraryError::Unsupported(
                        "camera: and type: filters need EXIF and media types, which are not indexed yet".into(),
                    ))
                }
            }
        }
        Ok(f)
    }

    fn is_empty(&self) -> bool {
        self.folders.is_empty()
            && self.exts.is_empty()
            && self.min_size.is_none()
            && self.after_ns.is_none()
            && self.before_ns.is_none()
    }

    /// The hit with only the paths that pass (`None` if none do).
    fn apply(&self, mut hit: Hit) -> Option<Hit> {
        if self.min_size.is_some_and(|n| hit.width < n || hit.height < n) {
            return None;
        }
        if self.after_ns.is_some_and(|t| hit.mtime_ns < t) || self.before_ns.is_some_and(|t| hit.mtime_ns >= t) {
            return None;
        }
        hit.paths.retain(|p| {
            let path = Path::new(p);
            (self.folders.is_empty() || self.folders.iter().any(|f| path.starts_with(f)))
                && (self.exts.is_empty()
                    || path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| self.exts.contains(&e.to_ascii_lowercase())))
        });
        hit.path = hit.paths.first()?.clone();
        Some(hit)
    }
}

/// Is this process still running? (Linux checks; elsewhere, assumed so.)
fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Decodes an image file the way the indexer does (upright, opaque RGB).
pub fn decode_image_file(path: &Path) -> Result<RgbImage> {
    if !path.exists() {
        return Err(LibraryError::PathNotFound { path: path.to_path_buf() });
    }
    clipdex_media::decode_file(path)
        .map_err(|e| LibraryError::Decode { path: path.to_path_buf(), reason: error_chain(&e) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_midnight() {
        assert_eq!(date_ns("1970-01-01"), 0);
        assert_eq!(date_ns("1970-01-02"), 86_400 * 1_000_000_000);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}
