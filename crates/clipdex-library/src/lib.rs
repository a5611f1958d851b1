//! The Clipdex engine: a *library* is a folder holding a LanceDB database of
//! indexed media, tied to the one model whose vectors it stores.
//!
//! Front ends (the `clipdex` CLI, the desktop app) call [`Library`] and
//! nothing below it. All methods are async; CPU-bound work (decoding,
//! preprocessing, inference) runs on blocking threads, never on the async
//! executor, and long work reports [`Progress`] and honours [`Cancel`].

mod error;
mod index;
pub mod paths;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub use clipdex_embed::{Device, Model, ModelInfo};
pub use clipdex_media::RgbImage;
pub use clipdex_store::{FailureRecord, Hit};
pub use error::{LibraryError, Result};
pub use index::{error_chain, Cancel, IndexSummary, Phase, Progress};

use clipdex_store::Store;
use index::{Candidate, Found};

const META_MODEL_ID: &str = "model_id";
const META_MODEL_DIR: &str = "model_dir";
const META_DIM: &str = "dim";

/// Facts about a library, for `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub library_dir: PathBuf,
    pub items: usize,
    pub failures: Vec<FailureRecord>,
    pub model_id: Option<String>,
    pub model_dir: Option<String>,
    pub dim: Option<usize>,
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
        Ok(Self { dir, store, runtime_dirs: Vec::new() })
    }

    /// Adds a folder to search for the ONNX Runtime library before the defaults.
    pub fn add_runtime_dir(&mut self, dir: PathBuf) {
        self.runtime_dirs.push(dir);
    }

    pub fn runtime_dirs(&self) -> &[PathBuf] {
        &self.runtime_dirs
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

    /// Indexes files and folders with `model`. Unchanged files (same path,
    /// size and mtime) are skipped; a file that fails is recorded with its
    /// reason and does not stop the run. Cancelling keeps everything indexed so far.
    pub async fn index(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        cancel: &Cancel,
        mut progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        let started = Instant::now();
        let mut resolved = Vec::new();
        for r in roots {
            let abs = r.canonicalize().map_err(|_| LibraryError::PathNotFound { path: r.clone() })?;
            resolved.push(abs);
        }
        self.check_model(&model).await?;
        self.store.ensure_items(model.info().dim).await?;
        let dir_text = model.info().dir.canonicalize().unwrap_or_else(|_| model.info().dir.clone());
        self.store
            .set_meta(&[
                (META_MODEL_ID, model.info().id.as_str()),
                (META_MODEL_DIR, &dir_text.to_string_lossy()),
                (META_DIM, &model.info().dim.to_string()),
            ])
            .await?;

        let mut p =
            Progress { phase: Phase::Scanning, total: 0, done: 0, indexed: 0, skipped: 0, failed: 0, current: None };
        progress(&p);

        // Walk on a blocking thread; the listing is small next to the pixels.
        let exclude = self.dir.clone();
        let walk_cancel = cancel.clone();
        let (found, problems) = blocking(move || {
            let mut files: Vec<Candidate> = Vec::new();
            let mut problems: Vec<(String, String)> = Vec::new();
            index::walk(&resolved, &exclude, |f| {
                match f {
                    Found::File(c) => files.push(c),
                    Found::Problem(path, reason) => problems.push((path, reason)),
                }
                !walk_cancel.is_cancelled()
            });
            (files, problems)
        })
        .await?;

        let known = self.store.stamps().await?;
        let (todo, skipped) = index::partition_unchanged(found, &known);
        let mut summary =
            IndexSummary { indexed: 0, skipped, failed: Vec::new(), cancelled: false, elapsed: Default::default() };
        let problem_records: Vec<FailureRecord> = problems
            .into_iter()
            .map(|(path, reason)| FailureRecord { path, size: 0, mtime_ns: 0, reason, at_ms: index::now_ms() })
            .collect();
        summary.failed.extend(problem_records.iter().map(|f| (f.path.clone(), f.reason.clone())));
        self.store.record_failures(&problem_records).await?;

        p.phase = Phase::Indexing;
        p.total = todo.len() + skipped + problem_records.len();
        p.skipped = skipped;
        p.failed = problem_records.len();
        p.done = skipped + problem_records.len();
        progress(&p);

        let mut pending_items = Vec::new();
        let mut pending_failures = Vec::new();
        let mut since_write = Instant::now();
        let mut todo = todo.into_iter().peekable();
        while todo.peek().is_some() {
            if cancel.is_cancelled() {
                summary.cancelled = true;
                break;
            }
            let batch: Vec<Candidate> = todo.by_ref().take(index::EMBED_BATCH).collect();
            let m = model.clone();
            let (items, failures) = blocking(move || index::process_batch(&batch, &m)).await?;
            p.indexed += items.len();
            p.failed += failures.len();
            p.done += items.len() + failures.len();
            p.current = items.last().map(|i| i.path.clone()).or_else(|| failures.last().map(|f| f.path.clone()));
            summary.indexed += items.len();
            summary.failed.extend(failures.iter().map(|f| (f.path.clone(), f.reason.clone())));
            pending_items.extend(items);
            pending_failures.extend(failures);
            if index::should_flush(pending_items.len() + pending_failures.len(), since_write) {
                self.flush(&mut pending_items, &mut pending_failures).await?;
                since_write = Instant::now();
            }
            progress(&p);
        }
        if cancel.is_cancelled() {
            summary.cancelled = true;
        }
        self.flush(&mut pending_items, &mut pending_failures).await?;
        p.phase = Phase::Finished;
        progress(&p);
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    async fn flush(&self, items: &mut Vec<clipdex_store::ItemRecord>, failures: &mut Vec<FailureRecord>) -> Result<()> {
        self.store.upsert_items(items).await?;
        self.store.record_failures(failures).await?;
        items.clear();
        failures.clear();
        Ok(())
    }

    /// Ranks the library's items by cosine similarity to a text, best first.
    pub async fn search_text(&self, model: Arc<Model>, text: &str, limit: usize) -> Result<Vec<Hit>> {
        let text = text.to_string();
        let m = model.clone();
        let vector = blocking(move || m.embed_texts(&[text])).await??.pop().ok_or(LibraryError::Model(
            clipdex_embed::EmbedError::BadOutput { context: "text embedding", expected: 1, got: 0 },
        ))?;
        Ok(self.store.search(&vector, limit).await?)
    }

    /// Ranks the library's items by cosine similarity to a vector.
    pub async fn search_vector(&self, vector: &[f32], limit: usize) -> Result<Vec<Hit>> {
        Ok(self.store.search(vector, limit).await?)
    }

    pub async fn status(&self) -> Result<Status> {
        let rec = self.model_record().await?;
        Ok(Status {
            library_dir: self.dir.clone(),
            items: self.store.count_items().await?,
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

    /// The stored vector for an indexed path.
    pub async fn vector_for_path(&self, path: &str) -> Result<Option<Vec<f32>>> {
        Ok(self.store.vector_for_path(path).await?)
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
