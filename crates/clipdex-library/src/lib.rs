//! The Clipdex engine: a *library* is a folder holding a LanceDB database of
//! indexed media, tied to the one model whose vectors it stores.
//!
//! Front ends (the `clipdex` CLI, the desktop app) call [`Library`] and
//! nothing below it. All methods are async; CPU-bound work (decoding,
//! preprocessing, inference) runs on blocking threads, never on the async
//! executor, and long work reports [`Progress`] and honours [`Cancel`].

mod compare;
mod error;
pub mod heatmap;
mod index;
pub mod labels;
mod lock;
pub mod paths;
pub mod query;
pub mod search;
mod switch;
mod watch;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use clipdex_embed::{cosine, Device, Model, ModelInfo};
pub use clipdex_media::RgbImage;
pub use clipdex_media::{heat_overlay, iso_utc, jpeg_within, web_mime as media_web_mime, PhotoFacts};
/// Known exports, installs and integrity (the `models` commands).
pub use clipdex_models as models;
pub use clipdex_store::DEFAULT_ANN_THRESHOLD;
pub use clipdex_store::{
    Audit, Details, FailureRecord, FileRecord, FileStamp, Hit, IndexAction, Tag, VectorIndexInfo, Why,
};
pub use compare::{Comparison, ModelRun, ScoreStats};
pub use error::{LibraryError, Result};
pub use heatmap::{HeatMatrix, RegionMap};
pub use index::{error_chain, Cancel, IndexSummary, Phase, Progress};
pub use labels::{LabelSet, RankedLabel};
pub use search::{Mode, SearchOptions, SearchResults, Sort};

use clipdex_store::Store;
use index::{Candidate, Found, Pending};
pub use lock::WriterLock;
pub use watch::{is_watch_limit, polling_reason, WatchEvent, WatchMode, WatchOptions};

/// How long a writer waits for another one by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Old table versions are kept this long (for readers mid-query, and for
/// recovery), then pruned.
pub const DEFAULT_VERSION_RETENTION: Duration = Duration::from_secs(600);

pub(crate) const META_MODEL_ID: &str = "model_id";
pub(crate) const META_MODEL_DIR: &str = "model_dir";
pub(crate) const META_DIM: &str = "dim";
const META_WATCH: &str = "watch";
const META_WATCH_PID: &str = "watch_pid";
const META_PENDING: &str = "pending";
/// Per model: `calibration:<model id>`.
const META_CALIBRATION: &str = "calibration";
/// Every model the library has vectors from: lines of `id\tdir\tdim`.
pub(crate) const META_MODELS: &str = "models";
/// The model being switched to (`clipdex models use`), until its vectors are complete.
pub(crate) const META_TARGET: &str = "target";
/// Per model: `throughput:<model id>` = `items\tseconds` embedded on this library.
const META_THROUGHPUT: &str = "throughput";

/// Item vectors sampled to calibrate the default cutoffs.
const CALIBRATION_SAMPLE: usize = 400;
/// The default cutoff passes this share of random (item, label) or
/// (item, item) pairs: a match must fit about as well as an item's ~1% best
/// labels, whatever band the model's raw cosines sit in.
const CALIBRATION_QUANTILE: f64 = 0.99;
/// Items described per commit.
const DESCRIBE_BATCH: usize = 256;

/// A model's default relevance cutoffs, calibrated on this library.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// For text queries: cosine of an item to its ~1% best labels.
    pub text: f32,
    /// For image queries: cosine of the ~1% most similar item pairs (needs
    /// a few dozen items).
    pub image: Option<f32>,
    /// Items in the library when calibrated.
    pub items: usize,
    /// The label set (model and vocabulary) it was computed with.
    pub key: String,
    /// The median item–label cosine: what "unrelated text" scores with this
    /// model (the bottom of the heatmap's colour scale).
    pub text_floor: Option<f32>,
}

impl Calibration {
    fn encode(&self) -> String {
        let opt = |v: Option<f32>| v.map_or(String::new(), |x| x.to_string());
        format!("{}\t{}\t{}\t{}\t{}", self.key, self.items, self.text, opt(self.image), opt(self.text_floor))
    }
    fn decode(s: &str) -> Option<Self> {
        let mut it = s.split('\t');
        let key = it.next()?.to_string();
        let items = it.next()?.parse().ok()?;
        let text = it.next()?.parse().ok()?;
        let image = it.next().and_then(|x| x.parse().ok());
        let text_floor = it.next().and_then(|x| x.parse().ok());
        Some(Self { text, image, items, key, text_floor })
    }
}

/// A ranked description of one image (see [`Library::describe`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    pub text: String,
    /// `label` (from the vocabulary) or `caption` (a user's).
    pub source: &'static str,
    pub cosine: f32,
    /// Share of a softmax over all candidates at CLIP's temperature (100).
    pub probability: f32,
}

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
    /// Every model with vectors here: the active one first, and any being switched to.
    pub models: Vec<LibraryModel>,
    pub vector_index: Option<VectorIndexInfo>,
    /// The default relevance cutoffs, once calibrated.
    pub calibration: Option<Calibration>,
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

/// A model the library has vectors from.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryModel {
    pub id: String,
    pub dir: PathBuf,
    pub dim: usize,
    /// Items with a vector from this model.
    pub vectors: usize,
    /// Items the library holds (what "complete" means).
    pub items: usize,
    /// The model searches and new files use.
    pub active: bool,
    /// Being switched to: indexing in the background until complete.
    pub target: bool,
    /// Images per second this model embedded on this library (decode,
    /// preprocess and inference), once it has indexed some.
    pub images_per_second: Option<f64>,
}

impl LibraryModel {
    pub fn is_complete(&self) -> bool {
        self.vectors >= self.items
    }
}

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

pub struct Library {
    dir: PathBuf,
    store: Store,
    lock_wait: Duration,
    version_retention_ms: i64,
    /// Items from which searches use an approximate vector index.
    ann_threshold: usize,
    /// The label vocabulary as embedded by the model last used.
    labels: std::sync::Mutex<Option<Arc<LabelSet>>>,
    /// Calibrations by model id, remembered for a second (every search reads one).
    calibration_cache: std::sync::Mutex<HashMap<String, (Instant, Option<Calibration>)>>,
    /// Extra places to look for the ONNX Runtime library (an app's resources).
    runtime_dirs: Vec<PathBuf>,
}

/// Opens a model on a blocking thread (reading graphs takes a while).
pub async fn open_model(dir: &Path, runtime_dirs: &[PathBuf]) -> Result<Arc<Model>> {
    let dir = dir.to_path_buf();
    let runtime_dirs = runtime_dirs.to_vec();
    let model = tokio::task::spawn_blocking(move || {
        // An installed model is held to its install record first: a damaged
        // file is named before ONNX Runtime trips over it.
        clipdex_models::check_before_use(&dir)?;
        Model::open(&dir, &runtime_dirs).map_err(LibraryError::from)
    })
    .await
    .map_err(|e| LibraryError::Task(e.to_string()))??;
    Ok(Arc::new(model))
}

pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
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
            labels: std::sync::Mutex::new(None),
            calibration_cache: std::sync::Mutex::new(HashMap::new()),
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

    /// Checks that `model` may index new files into this library: it is the
    /// active model (or the library has none yet). Other models join through
    /// [`Library::use_model`].
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
        self.check_dim(model).await
    }

    async fn check_dim(&self, model: &Model) -> Result<()> {
        if let Some(stored) = self.store.space_dimension(&model.info().id).await? {
            if stored != model.info().dim {
                return Err(clipdex_store::StoreError::DimensionMismatch { stored, given: model.info().dim }.into());
            }
        }
        Ok(())
    }

    /// Checks that the library has vectors from `model` to search with.
    pub async fn check_searchable(&self, model: &Model) -> Result<()> {
        match self.store.space_dimension(&model.info().id).await? {
            None => Err(LibraryError::NotIndexedWith(model.info().id.clone())),
            Some(stored) if stored != model.info().dim => {
                Err(clipdex_store::StoreError::DimensionMismatch { stored, given: model.info().dim }.into())
            }
            Some(_) => Ok(()),
        }
    }

    /// Opens the model to search with: `explicit` if given (the library must
    /// have its vectors), else the active one.
    pub async fn model_for_search(&self, explicit: Option<&Path>) -> Result<Arc<Model>> {
        let dir = match (explicit, self.model_record().await?) {
            (Some(d), _) => paths::model_dir(Some(d)),
            (None, Some(rec)) => rec.dir,
            (None, None) => return Err(LibraryError::NoModel),
        };
        let model = open_model(&dir, &self.runtime_dirs).await?;
        self.check_searchable(&model).await?;
        Ok(model)
    }

    /// Every model the library has vectors from, the active one first.
    pub async fn models(&self) -> Result<Vec<LibraryModel>> {
        let active = self.model_record().await?;
        let target = self.store.meta(META_TARGET).await?;
        let mut rows: Vec<(String, PathBuf, usize)> = self
            .store
            .meta(META_MODELS)
            .await?
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                let (id, dir, dim) = (f.next()?, f.next()?, f.next()?.parse().ok()?);
                Some((id.to_string(), PathBuf::from(dir), dim))
            })
            .collect();
        // Libraries from before several models: the active model is the only one.
        if let Some(a) = &active {
            if !rows.iter().any(|r| r.0 == a.id) {
                let dim = self.store.space_dimension(&a.id).await?.unwrap_or(0);
                rows.insert(0, (a.id.clone(), a.dir.clone(), dim));
            }
        }
        let items = self.store.count_items().await?;
        let mut out = Vec::new();
        for (id, dir, dim) in rows {
            let throughput = self.store.meta(&format!("{META_THROUGHPUT}:{id}")).await?;
            out.push(LibraryModel {
                vectors: self.store.count_vectors(&id).await?,
                items,
                active: active.as_ref().is_some_and(|a| a.id == id),
                target: target.as_deref() == Some(id.as_str()),
                images_per_second: throughput.as_deref().and_then(parse_throughput),
                id,
                dir,
                dim,
            });
        }
        out.sort_by_key(|m| !m.active);
        Ok(out)
    }

    /// Records that the library holds vectors from `model` (idempotent).
    async fn register_model(&self, model: &Model) -> Result<()> {
        let info = model.info();
        let dir = info.dir.canonicalize().unwrap_or_else(|_| info.dir.clone()).to_string_lossy().into_owned();
        let line = format!("{}\t{dir}\t{}", info.id, info.dim);
        let current = self.store.meta(META_MODELS).await?.unwrap_or_default();
        if current.lines().any(|l| l == line) {
            return Ok(());
        }
        let mut lines: Vec<&str> = current.lines().filter(|l| l.split('\t').next() != Some(info.id.as_str())).collect();
        lines.push(&line);
        self.store.set_meta(&[(META_MODELS, &lines.join("\n"))]).await?;
        Ok(())
    }

    /// Adds `items` embedded in `seconds` to a model's measured throughput.
    async fn record_throughput(&self, model_id: &str, items: usize, seconds: f64) -> Result<()> {
        if items == 0 {
            return Ok(());
        }
        let key = format!("{META_THROUGHPUT}:{model_id}");
        let (n0, s0) = self.store.meta(&key).await?.as_deref().and_then(parse_pair).unwrap_or((0, 0.0));
        self.store.set_meta(&[(key.as_str(), &format!("{}\t{:.3}", n0 + items, s0 + seconds))]).await?;
        Ok(())
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
        self.store.ensure_space(&model.info().id, model.info().dim).await?;
        self.register_model(&model).await?;
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

        let mut p = Progress::starting(Phase::Scanning);
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
        let mut embed_time = 0.0;
        let mut todo = plan.todo.into_iter().peekable();
        while todo.peek().is_some() {
            if cancel.is_paused() {
                // What is done stays written while the run waits.
                self.flush(&mut pending).await?;
                cancel.wait_while_paused().await;
            }
            if cancel.is_cancelled() {
                break;
            }
            let batch: Vec<Candidate> = todo.by_ref().take(index::EMBED_BATCH).collect();
            let (hashed, mut failures) = blocking(move || index::hash_batch(batch)).await?;
            let ids = index::ids_of(&hashed);
            let mut have = self.store.existing_ids(&model.info().id, &ids).await?;
            have.extend(pending.ids().cloned());
            let m = model.clone();
            let t0 = Instant::now();
            let out = blocking(move || index::embed_batch(hashed, &have, &m)).await?;
            if !out.items.is_empty() {
                embed_time += t0.elapsed().as_secs_f64();
            }
            failures.extend(out.failures);

            p.indexed += out.items.len();
            p.reused += out.reused;
            p.failed += failures.len();
            p.done += out.files.len() + failures.len();
            p.current = out.files.last().map(|f| f.path.clone()).or_else(|| failures.last().map(|f| f.path.clone()));
            summary.indexed += out.items.len();
            summary.reused += out.reused;
            summary.failed.extend(failures.iter().map(|f| (f.path.clone(), f.reason.clone())));
            touched.extend(out.files.iter().map(|f| f.id.clone()));
            touched.extend(failures.iter().filter_map(|f| known.files.get(&f.path).map(|k| k.0.clone())));
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
        self.record_throughput(&model.info().id, summary.indexed, embed_time).await?;
        if to_do > 0 {
            self.record_pending(plan.deferred + todo.count()).await?;
        }
        // Describe what is new (or was described by another model), and
        // redo the path words of items that moved. Cancelling stops it; the
        // next run continues.
        let described = if cancel.is_cancelled() {
            0
        } else {
            match self.describe_pending(&model, cancel, &mut p, &mut progress).await {
                Ok(n) => n,
                Err(LibraryError::Cancelled) => 0,
                Err(e) => return Err(e),
            }
        };
        let rewritten = self.refresh_words(&touched.into_iter().collect::<Vec<_>>()).await?;
        if wrote || described > 0 || rewritten > 0 {
            self.maintain(&model.info().id).await?;
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
    async fn maintain(&self, space: &str) -> Result<IndexAction> {
        self.store.collect_garbage().await?;
        let action = self.store.ensure_vector_index(space, self.ann_threshold).await?;
        self.store.optimize(self.version_retention_ms).await?;
        Ok(action)
    }

    /// The vocabulary embedded by `model`, from memory, the library's cache,
    /// or (once per model) the text encoder.
    pub async fn labels(
        &self,
        model: &Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize),
    ) -> Result<Arc<LabelSet>> {
        let want = format!("{}+{}", model.info().id, labels::vocabulary_key());
        if let Some(set) = self.labels.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if set.key == want {
                return Ok(set.clone());
            }
        }
        let set = LabelSet::load_or_build(model.clone(), &self.dir.join("cache"), cancel, progress).await?;
        *self.labels.lock().unwrap_or_else(|p| p.into_inner()) = Some(set.clone());
        Ok(set)
    }

    /// Gives every undescribed item (new, or tagged by another model) its
    /// details: EXIF facts, tags, path words, caption. Then recalibrates the
    /// default cutoffs if the library changed enough. Returns how many.
    async fn describe_pending(
        &self,
        model: &Arc<Model>,
        cancel: &Cancel,
        p: &mut Progress,
        progress: &mut impl FnMut(&Progress),
    ) -> Result<usize> {
        let key = format!("{}+{}", model.info().id, labels::vocabulary_key());
        let todo = self.store.undescribed(&key).await?;
        if todo.is_empty() {
            self.calibrate_if_stale(model, cancel).await?;
            return Ok(0);
        }
        let (saved_total, saved_done) = (p.total, p.done);
        p.phase = Phase::Labels;
        let labels = {
            let mut report = |done: usize, total: usize| {
                p.total = total;
                p.done = done;
                progress(p);
            };
            self.labels(model, cancel, &mut report).await?
        };
        p.phase = Phase::Describing;
        p.total = todo.len();
        p.done = 0;
        progress(p);
        let mut n = 0;
        for chunk in todo.chunks(DESCRIBE_BATCH) {
            if cancel.is_cancelled() {
                break;
            }
            let rows = self.describe_ids(chunk, &labels).await?;
            self.store.write_details(&rows).await?;
            n += rows.len();
            p.done += chunk.len();
            progress(p);
        }
        (p.total, p.done) = (saved_total, saved_done);
        p.phase = Phase::Indexing;
        self.calibrate_if_stale(model, cancel).await?;
        Ok(n)
    }

    /// Details for these items, computed now (not written).
    async fn describe_ids(&self, ids: &[String], labels: &Arc<LabelSet>) -> Result<Vec<Details>> {
        let files = self.store.files_of(ids).await?;
        let vectors = self.store.vectors_of(labels.model_id(), ids).await?;
        let captions = self.store.captions(Some(ids)).await?;
        let ids = ids.to_vec();
        let labels = labels.clone();
        blocking(move || {
            ids.iter()
                .filter_map(|id| {
                    let vector = vectors.get(id)?;
                    let held = files.get(id)?;
                    // The first copy that has EXIF facts (copies share bytes, but one may be gone).
                    let facts = held
                        .iter()
                        .map(|f| clipdex_media::read_facts(Path::new(&f.path)))
                        .find(|f| !f.is_empty())
                        .unwrap_or_default();
                    Some(Details {
                        id: id.clone(),
                        taken_at_ms: facts.taken_at_ms,
                        camera: facts.camera,
                        lens: facts.lens,
                        tags: labels.tags(vector),
                        tags_model: labels.key.clone(),
                        words: words_of(held),
                        caption: captions.get(id).cloned(),
                    })
                })
                .collect()
        })
        .await
    }

    /// Redoes the path words (and keywords) of items whose paths changed.
    async fn refresh_words(&self, ids: &[String]) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        let details = self.store.details_of(ids).await?;
        let files = self.store.files_of(ids).await?;
        let changed: Vec<Details> = details
            .into_values()
            .filter_map(|mut d| {
                let words = words_of(files.get(&d.id)?);
                (words != d.words).then(|| {
                    d.words = words;
                    d
                })
            })
            .collect();
        self.store.write_details(&changed).await?;
        Ok(changed.len())
    }

    /// The library's default cutoffs for the active model, if calibrated.
    pub async fn calibration(&self) -> Result<Option<Calibration>> {
        match self.model_record().await? {
            Some(rec) => self.calibration_for(&rec.id).await,
            None => Ok(None),
        }
    }

    /// The library's default cutoffs for a model, if calibrated.
    pub async fn calibration_for(&self, model_id: &str) -> Result<Option<Calibration>> {
        if let Some((at, c)) = self.calibration_cache.lock().unwrap_or_else(|p| p.into_inner()).get(model_id) {
            if at.elapsed() < Duration::from_secs(1) {
                return Ok(c.clone());
            }
        }
        let key = format!("{META_CALIBRATION}:{model_id}");
        let c = self.store.meta(&key).await?.as_deref().and_then(Calibration::decode);
        self.calibration_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(model_id.to_string(), (Instant::now(), c.clone()));
        Ok(c)
    }

    /// Recomputes the default cutoffs when there are none for this model's
    /// labels, or the library has grown or shrunk by a quarter since.
    async fn calibrate_if_stale(&self, model: &Arc<Model>, cancel: &Cancel) -> Result<()> {
        let items = self.store.count_items().await?;
        if items == 0 {
            return Ok(());
        }
        let key = format!("{}+{}", model.info().id, labels::vocabulary_key());
        if let Some(c) = self.calibration_for(&model.info().id).await? {
            let ratio = items as f64 / c.items.max(1) as f64;
            // Calibrations from before the heatmap's scale lack its floor: redo them.
            if c.key == key && c.text_floor.is_some() && (0.8..=1.25).contains(&ratio) {
                return Ok(());
            }
        }
        let labels = self.labels(model, cancel, |_, _| {}).await?;
        let sample = self.store.sample_vectors(&model.info().id, CALIBRATION_SAMPLE).await?;
        let (text, image, text_floor) = blocking(move || calibrate(&labels, &sample)).await?;
        let Some(text) = text else { return Ok(()) };
        let c = Calibration { text, image, items, key, text_floor };
        let meta_key = format!("{META_CALIBRATION}:{}", model.info().id);
        self.store.set_meta(&[(meta_key.as_str(), &c.encode())]).await?;
        self.calibration_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(&model.info().id);
        Ok(())
    }

    /// Runs the housekeeping an indexing run does after writing, now (for
    /// `clipdex optimize`, and after bulk loads). Takes the writer lock.
    pub async fn optimize(&self) -> Result<IndexAction> {
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        let mut action = IndexAction::None;
        for m in self.models().await? {
            let a = self.maintain(&m.id).await?;
            if m.active {
                action = a;
            }
        }
        Ok(action)
    }

    /// The active model's approximate vector index, if the library is big
    /// enough to have one.
    pub async fn vector_index(&self) -> Result<Option<VectorIndexInfo>> {
        match self.model_record().await? {
            Some(rec) => Ok(self.store.vector_index(&rec.id).await?),
            None => Ok(None),
        }
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
        let held: Vec<String> = self.store.known_under(&key).await?.files.into_values().map(|(id, _)| id).collect();
        self.store.remove_root(&key).await?;
        // Items also held elsewhere lose this folder's path words.
        self.refresh_words(&held).await?;
        Ok(true)
    }

    /// Tries files that failed again (those in `paths`, or all when it is
    /// empty): their failure records are dropped and their folders indexed,
    /// so a file that reads now is indexed and one that still fails is
    /// recorded again with its reason. Failures under a folder that is gone
    /// are forgotten.
    pub async fn retry_failures(
        &self,
        paths: &[String],
        model: Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        let chosen: Vec<clipdex_store::FailureRecord> =
            self.store.failures().await?.into_iter().filter(|f| paths.is_empty() || paths.contains(&f.path)).collect();
        if chosen.is_empty() {
            return Err(LibraryError::NothingToRetry);
        }
        {
            let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
            let forget: Vec<String> = chosen.iter().map(|f| f.path.clone()).collect();
            self.store.remove_paths(&forget).await?;
        }
        let mut roots: Vec<PathBuf> = chosen.iter().map(|f| PathBuf::from(&f.root)).filter(|r| r.exists()).collect();
        roots.sort();
        roots.dedup();
        if roots.is_empty() {
            // No roots would mean "every folder": there is nothing left to try.
            return Ok(IndexSummary { removed: chosen.len(), ..Default::default() });
        }
        self.index(&roots, model, cancel, progress).await
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

    /// Runs a query in the query language (see [`query`]): the terms' vectors
    /// are combined as a weighted sum and searched; in hybrid and keyword
    /// modes the text terms also search path words, tags, EXIF and captions
    /// (BM25), and the lists are fused by reciprocal rank. Vector matches
    /// below the cutoff (`min_score`, else the calibrated default) are left
    /// out; keyword matches stay, whatever their cosine. Filters apply last.
    /// Every hit carries its cosine, its details and why it matched.
    pub async fn search(&self, model: Arc<Model>, text: &str, opts: &SearchOptions) -> Result<SearchResults> {
        let mut q = query::parse(text)?;
        if opts.paths_as_text {
            q.paths_as_text();
        }
        self.check_searchable(&model).await?;
        for p in &opts.images {
            q.terms.push(query::Term { weight: 1.0, kind: query::TermKind::Image(p.clone()) });
        }
        if q.terms.is_empty() && opts.image_bytes.is_empty() {
            return Err(LibraryError::EmptyQuery);
        }
        let filters = ItemFilter::from_query(&q.filters)?;
        let has_text = q.terms.iter().any(|t| matches!(t.kind, query::TermKind::Text(_)));
        let has_image =
            !opts.image_bytes.is_empty() || q.terms.iter().any(|t| !matches!(t.kind, query::TermKind::Text(_)));
        let keyword_text: String = q
            .terms
            .iter()
            .filter(|t| t.weight > 0.0)
            .filter_map(|t| match &t.kind {
                query::TermKind::Text(s) => Some(s.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ");
        let limit = opts.limit.max(1);
        // Pages past the first rank everything before them too.
        let reach = opts.offset.saturating_add(limit).min(usize::MAX / 16);
        // Without filters or date sorting, only the page asked for needs its paths and details.
        let page_only = filters.is_empty() && opts.sort == Sort::Relevance;
        // Past the first page a list adds little to the fusion; filters and date sorting need a deeper pool.
        let fetch = if page_only { (reach + reach / 2 + 5).max(search::FUSE_DEPTH) } else { (reach * 8).max(400) };

        // The keyword list needs no vector: it runs while the query is embedded.
        let embed = self.query_vector(&model, &q, opts);
        let keywords = async {
            if opts.mode != Mode::Vector && !keyword_text.trim().is_empty() {
                let found = self.store.keyword_search(&keyword_text, fetch).await?;
                Ok::<_, LibraryError>(found.into_iter().map(|(id, _)| id).collect::<Vec<String>>())
            } else {
                Ok(Vec::new())
            }
        };
        let (vector, keyword_ids) = tokio::join!(embed, keywords);
        let (vector, keyword_ids) = (vector?, keyword_ids?);

        let (cutoff, default_cutoff) = match opts.min_score {
            Some(m) => (Some(m), false),
            None => {
                let c = self.calibration_for(&model.info().id).await?;
                let d = c.and_then(|c| match (has_text, has_image) {
                    (true, false) => Some(c.text),
                    (false, _) => c.image,
                    (true, true) => Some(c.image.map_or(c.text, |i| i.min(c.text))),
                });
                (d, d.is_some())
            }
        };

        // The vector list, and the keyword matches' own rows and details, side by side.
        let nearest = async {
            if opts.mode == Mode::Keyword {
                Ok(Vec::new())
            } else {
                self.store.nearest(&model.info().id, &vector, fetch, false).await
            }
        };
        let (near, keyword_rows) =
            tokio::try_join!(nearest, self.store.scored_by_id(&model.info().id, &keyword_ids, &vector))?;
        let passes = |score: f32| cutoff.is_none_or(|c| score >= c);
        let below_cutoff = near.iter().filter(|r| !passes(r.score)).count();
        let vector_ids: Vec<String> = near.iter().filter(|r| passes(r.score)).map(|r| r.id.clone()).collect();
        let fused: Vec<(String, f32)> = match opts.mode {
            Mode::Vector => vector_ids.iter().map(|id| (id.clone(), 0.0)).collect(),
            Mode::Keyword => search::rrf(&[&keyword_ids]),
            Mode::Hybrid => search::fuse(&[&vector_ids, &keyword_ids], search::FUSE_DEPTH),
        };
        let mut rows: HashMap<String, clipdex_store::Scored> =
            keyword_rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        rows.extend(near.into_iter().map(|r| (r.id.clone(), r)));
        let ordered = fused.iter().filter_map(|(id, _)| rows.remove(id));
        let ordered: Vec<clipdex_store::Scored> =
            if page_only { ordered.skip(opts.offset).take(limit).collect() } else { ordered.collect() };
        let ids: Vec<String> = ordered.iter().map(|r| r.id.clone()).collect();
        let (paths, details) = tokio::try_join!(self.store.paths_of(&ids), self.store.details_of(&ids))?;
        let fused_score: HashMap<String, f32> = fused.into_iter().collect();
        let mut by_id: HashMap<String, Hit> =
            clipdex_store::with_paths(ordered, paths).into_iter().map(|h| (h.id.clone(), h)).collect();
        let mut hits = Vec::new();
        for id in ids {
            let Some(mut h) = by_id.remove(&id) else { continue };
            let fused_score = fused_score.get(&id).copied().unwrap_or(0.0);
            h.details = details.get(&id).cloned();
            let keyword_rank = keyword_ids.iter().position(|k| *k == id).map(|r| r + 1);
            let mut fields = match (&h.details, keyword_rank) {
                (Some(d), Some(_)) => search::matched_fields(d, &keyword_text),
                _ => Vec::new(),
            };
            if keyword_rank.is_some() && fields.is_empty() {
                fields.push("keywords".into());
            }
            h.why = Why {
                vector_rank: vector_ids.iter().position(|v| *v == id).map(|r| r + 1),
                keyword_rank,
                keyword_fields: fields,
                fused: fused_score,
            };
            if let Some(h) = filters.apply(h) {
                hits.push(h);
            }
        }
        if opts.sort == Sort::Date {
            hits.sort_by_key(|h| std::cmp::Reverse(h.date_ns()));
        }
        if !page_only {
            hits.drain(..opts.offset.min(hits.len()));
        }
        hits.truncate(limit);
        Ok(SearchResults { hits, cutoff, default_cutoff, below_cutoff })
    }

    /// The query's unit vector: its terms (text, image files, `similar:`)
    /// and the query images' bytes, weighted and combined.
    async fn query_vector(&self, model: &Arc<Model>, q: &query::Query, opts: &SearchOptions) -> Result<Vec<f32>> {
        let mut parts = Vec::new();
        for term in &q.terms {
            parts.push((term.weight, self.term_vector(model, &term.kind, opts.lang.as_deref()).await?));
        }
        for (n, bytes) in opts.image_bytes.iter().enumerate() {
            let img = clipdex_media::decode(bytes).map_err(|e| LibraryError::Decode {
                path: PathBuf::from(format!("<query image {}>", n + 1)),
                reason: error_chain(&e),
            })?;
            let m = model.clone();
            let v = blocking(move || m.embed_images(vec![img])).await??.pop().ok_or(LibraryError::EmptyQuery)?;
            parts.push((1.0, v));
        }
        query::combine(&parts).ok_or(LibraryError::EmptyQuery)
    }

    /// The unit vector of one query term.
    async fn term_vector(&self, model: &Arc<Model>, kind: &query::TermKind, lang: Option<&str>) -> Result<Vec<f32>> {
        let v = match kind {
            query::TermKind::Text(t) => {
                let (m, t, lang) = (model.clone(), t.clone(), lang.map(str::to_string));
                blocking(move || m.embed_texts_in(&[t], lang.as_deref())).await??.pop()
            }
            query::TermKind::Image(p) => {
                let path = expand_home(p);
                let img = decode_image_file(&path)?;
                let m = model.clone();
                blocking(move || m.embed_images(vec![img])).await??.pop()
            }
            query::TermKind::Similar(id) => Some(
                self.store.vector(&model.info().id, id).await?.ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?,
            ),
        };
        v.ok_or(LibraryError::EmptyQuery)
    }

    /// The item a path (indexed) or content id names; `Ok(None)` for an
    /// existing file the library does not hold.
    async fn resolve_item(&self, path_or_id: &str) -> Result<Option<String>> {
        let as_path = expand_home(Path::new(path_or_id));
        match as_path.canonicalize() {
            Ok(k) => Ok(self.store.id_for_path(&k.to_string_lossy()).await?),
            Err(_) if path_or_id.len() == 64 && path_or_id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                let id = path_or_id.to_ascii_lowercase();
                if !self.store.item_exists(&id).await? {
                    return Err(LibraryError::NoSuchItem(id));
                }
                Ok(Some(id))
            }
            Err(_) => Err(LibraryError::PathNotFound { path: as_path }),
        }
    }

    /// The vector of a library item (by path or id), or of any image file (embedded now).
    async fn vector_of(&self, model: &Arc<Model>, path_or_id: &str) -> Result<(Option<String>, Vec<f32>)> {
        let id = self.resolve_item(path_or_id).await?;
        let vector = match &id {
            Some(id) => {
                self.store.vector(&model.info().id, id).await?.ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?
            }
            None => self.term_vector(model, &query::TermKind::Image(PathBuf::from(path_or_id)), None).await?,
        };
        Ok((id, vector))
    }

    /// "More like this": items nearest to a library item (by id or indexed
    /// path, using its stored vector) or to any image file (embedded on the
    /// fly). The item itself is left out. The default cutoff is the
    /// calibrated one for image queries.
    pub async fn similar(
        &self,
        model: Arc<Model>,
        path_or_id: &str,
        limit: usize,
        min_score: Option<f32>,
    ) -> Result<SearchResults> {
        self.check_searchable(&model).await?;
        let (id, vector) = self.vector_of(&model, path_or_id).await?;
        let (cutoff, default_cutoff) = match min_score {
            Some(m) => (Some(m), false),
            None => {
                let d = self.calibration_for(&model.info().id).await?.and_then(|c| c.image);
                (d, d.is_some())
            }
        };
        let found = self.store.search(&model.info().id, &vector, limit + 1).await?;
        let found: Vec<Hit> = found.into_iter().filter(|h| Some(&h.id) != id.as_ref()).collect();
        let below_cutoff = found.iter().filter(|h| cutoff.is_some_and(|c| h.score < c)).count();
        let mut hits: Vec<Hit> =
            found.into_iter().filter(|h| cutoff.is_none_or(|c| h.score >= c)).take(limit).collect();
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        let details = self.store.details_of(&ids).await?;
        for (rank, h) in hits.iter_mut().enumerate() {
            h.details = details.get(&h.id).cloned();
            h.why = Why { vector_rank: Some(rank + 1), ..Why::default() };
        }
        Ok(SearchResults { hits, cutoff, default_cutoff, below_cutoff })
    }

    /// Ranks the label vocabulary, plus every caption users wrote, as
    /// descriptions of one image (a library item, or any image file).
    pub async fn describe(
        &self,
        model: Arc<Model>,
        path_or_id: &str,
        limit: usize,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize),
    ) -> Result<Vec<Description>> {
        self.check_searchable(&model).await?;
        let (_, vector) = self.vector_of(&model, path_or_id).await?;
        let labels = self.labels(&model, cancel, progress).await?;
        let captions: Vec<String> = {
            let mut c: Vec<String> = self.store.captions(None).await?.into_values().collect();
            c.sort();
            c.dedup();
            c
        };
        let caption_vectors = if captions.is_empty() {
            Vec::new()
        } else {
            let (m, c) = (model.clone(), captions.clone());
            blocking(move || m.embed_texts(&c)).await??
        };
        let mut out: Vec<Description> = labels
            .cosines(&vector)
            .into_iter()
            .zip(&labels.labels)
            .map(|(cosine, text)| Description { text: text.clone(), source: "label", cosine, probability: 0.0 })
            .collect();
        out.extend(captions.into_iter().zip(&caption_vectors).map(|(text, v)| Description {
            text,
            source: "caption",
            cosine: clipdex_embed::cosine(v, &vector),
            probability: 0.0,
        }));
        // Softmax at CLIP's temperature, stabilised by the best score.
        let best = out.iter().map(|d| d.cosine).fold(f32::MIN, f32::max);
        let total: f32 = out.iter().map(|d| ((d.cosine - best) * 100.0).exp()).sum();
        for d in &mut out {
            d.probability = ((d.cosine - best) * 100.0).exp() / total.max(f32::MIN_POSITIVE);
        }
        out.sort_by(|a, b| b.cosine.total_cmp(&a.cosine));
        out.truncate(limit.max(1));
        Ok(out)
    }

    /// Sets (or clears, with `None`) the caption of a library item, by path
    /// or id. Captions are searchable words and join `describe`'s
    /// candidates. Returns the item's id. Takes the writer lock.
    pub async fn set_caption(&self, path_or_id: &str, caption: Option<&str>) -> Result<String> {
        let id = self.resolve_item(path_or_id).await?.ok_or_else(|| LibraryError::NotInLibrary(path_or_id.into()))?;
        let caption = caption.map(str::trim).filter(|c| !c.is_empty());
        let _lock = WriterLock::acquire(&self.dir, self.lock_wait).await?;
        self.store.set_caption(&id, caption, index::now_ms()).await?;
        if let Some(mut d) = self.store.details_of(std::slice::from_ref(&id)).await?.remove(&id) {
            d.caption = caption.map(str::to_string);
            self.store.write_details(&[d]).await?;
        }
        Ok(id)
    }

    /// Everything known about one library item (by path or id).
    pub async fn item_details(&self, path_or_id: &str) -> Result<Option<Details>> {
        let Some(id) = self.resolve_item(path_or_id).await? else { return Ok(None) };
        Ok(self.store.details_of(std::slice::from_ref(&id)).await?.remove(&id))
    }

    pub async fn status(&self) -> Result<Status> {
        let rec = self.model_record().await?;
        let space = rec.as_ref().map(|r| r.id.clone()).unwrap_or_default();
        Ok(Status {
            models: self.models().await?,
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
            dim: self.store.space_dimension(&space).await?,
            vector_index: self.store.vector_index(&space).await?,
            calibration: self.calibration_for(&space).await?,
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
        let space = self.model_record().await?.map(|r| r.id).unwrap_or_default();
        let vectors: Vec<(String, Vec<f32>)> =
            self.store.all_vectors(&space).await?.into_iter().filter(|(id, _)| by_id.contains_key(id)).collect();
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
    /// Lower case; a hit's camera must contain one.
    cameras: Vec<String>,
    types: Vec<String>,
}

/// The words of an item's paths, each below its library folder.
fn words_of(files: &[FileRecord]) -> String {
    let mut seen = Vec::new();
    for f in files {
        let w = search::path_words(&f.path, &f.root);
        if !seen.contains(&w) {
            seen.push(w);
        }
    }
    seen.join(" ")
}

/// The value at quantile `q` of `xs` (sorted in place).
fn quantile(xs: &mut [f32], q: f64) -> Option<f32> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f32::total_cmp);
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    Some(xs[i])
}

/// Default cutoffs from a sample of item vectors: for text queries, the
/// [`CALIBRATION_QUANTILE`] of item–label cosines; for image queries, that
/// of item–item cosines (from 20 items up).
/// (text cutoff, image cutoff, text floor): see [`Calibration`].
fn calibrate(labels: &LabelSet, sample: &[Vec<f32>]) -> (Option<f32>, Option<f32>, Option<f32>) {
    let mut text: Vec<f32> = sample.iter().flat_map(|v| labels.cosines(v)).collect();
    let mut image = Vec::new();
    if sample.len() >= 20 {
        for i in 0..sample.len() {
            for j in i + 1..sample.len() {
                image.push(clipdex_embed::cosine(&sample[i], &sample[j]));
            }
        }
    }
    let floor = quantile(&mut text, 0.5);
    (quantile(&mut text, CALIBRATION_QUANTILE), quantile(&mut image, CALIBRATION_QUANTILE), floor)
}

use clipdex_media::days_from_civil;

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
                // The EXIF date taken, else the file's modification time.
                query::Filter::After(d) => f.after_ns = Some(date_ns(d)),
                query::Filter::Before(d) => f.before_ns = Some(date_ns(d)),
                query::Filter::Camera(c) => f.cameras.push(c.to_lowercase()),
                query::Filter::Type(t) => match t.to_lowercase().as_str() {
                    "photo" | "image" => f.types.push("photo".into()),
                    "gif" => f.types.push("gif".into()),
                    "video" => {
                        return Err(LibraryError::Unsupported(
                            "type:video: videos are not indexed yet (only photos and GIFs)".into(),
                        ))
                    }
                    other => {
                        return Err(LibraryError::Unsupported(format!("type:{other}: use type:photo or type:gif")))
                    }
                },
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
            && self.cameras.is_empty()
            && self.types.is_empty()
    }

    /// The hit with only the paths that pass (`None` if none do).
    fn apply(&self, mut hit: Hit) -> Option<Hit> {
        if self.min_size.is_some_and(|n| hit.width < n || hit.height < n) {
            return None;
        }
        let date = hit.date_ns();
        if self.after_ns.is_some_and(|t| date < t) || self.before_ns.is_some_and(|t| date >= t) {
            return None;
        }
        if !self.cameras.is_empty() {
            let camera = hit.details.as_ref().and_then(|d| d.camera.as_deref()).unwrap_or("").to_lowercase();
            if !self.cameras.iter().any(|c| camera.contains(c.as_str())) {
                return None;
            }
        }
        hit.paths.retain(|p| {
            let path = Path::new(p);
            (self.folders.is_empty() || self.folders.iter().any(|f| path.starts_with(f)))
                && (self.exts.is_empty()
                    || path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| self.exts.contains(&e.to_ascii_lowercase())))
                && (self.types.is_empty() || self.types.iter().any(|t| t == clipdex_media::media_type(path)))
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

/// `items\tseconds` → images per second.
fn parse_throughput(v: &str) -> Option<f64> {
    let (n, secs) = parse_pair(v)?;
    (secs > 0.0).then(|| n as f64 / secs)
}

fn parse_pair(v: &str) -> Option<(usize, f64)> {
    let (n, secs) = v.split_once('\t')?;
    Some((n.parse().ok()?, secs.parse().ok()?))
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
