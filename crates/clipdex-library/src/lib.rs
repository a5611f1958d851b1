//! The Clipdex engine: a *library* is a folder holding a LanceDB database of
//! indexed media and the models whose vectors it stores.
//!
//! Front ends (the `clipdex` CLI, the desktop app) call [`Library`] and
//! nothing below it. [`Library`] is a façade: each of its methods hands the
//! call to the subsystem that owns the flow — indexing ([`index`]), querying
//! ([`query`]), the library's models (`catalog`), descriptions (`describe`),
//! calibration, audits, heatmaps. All methods are async; CPU-bound work
//! (decoding, preprocessing, inference) runs on blocking threads, never on
//! the async executor, and long work reports [`Progress`] and honours
//! [`Cancel`].

mod audit;
mod calibration;
mod catalog;
mod code;
mod control;
mod describe;
mod error;
pub mod heatmap;
mod index;
mod journal;
pub mod labels;
mod lock;
pub mod paths;
pub mod playback;
pub mod query;
mod recent;
mod relevance;
mod state;
mod status;
mod text;
mod token;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The model handle front ends hold: opened once ([`open_model`]), passed back
/// in; the one type from below the engine that front ends name.
pub use clipdex_embed::{Device, Model, ModelInfo};
use clipdex_store::{Details, FileRecord, VectorIndexInfo};
/// Items from which searches use an approximate vector index, by default.
pub const DEFAULT_ANN_THRESHOLD: usize = clipdex_store::DEFAULT_ANN_THRESHOLD;

pub use audit::{Duplicates, NearDuplicate, Optimized, Verification};
pub use calibration::Calibration;
pub use catalog::shelf::{
    DownloadSource, Fetched, Got, InstalledModel, KnownModel, ModelCheck, ModelListing, ModelShelf, QualityFigure,
    Transfer,
};
pub use catalog::{LibraryModel, ModelRecord};
/// A word read in a picture, with its box (fractions of the upright picture) and confidence.
pub use clipdex_ocr::Word as TextWord;
pub use code::ErrorCode;
pub use describe::Description;
pub use error::{error_chain, LibraryError, Result};
pub use heatmap::{HeatMatrix, RegionMap};
pub use index::switch::SwitchSummary;
pub use index::video::DEFAULT_MOMENT_EVERY_S;
pub use index::watch::{is_watch_limit, polling_reason, WatchEvent, WatchMode, WatchOptions};
pub use index::{Cancel, IndexSummary, Phase, Progress, Timings, Vocabulary};
pub use labels::{LabelSet, RankedLabel};
pub use lock::WriterLock;
pub use playback::{parse_range, video_mime, VideoChunk};
pub use query::compare::{Comparison, ModelRun, ScoreStats};
pub use query::{
    clock, decode_image_file, split_at_time, Hit, Mode, MomentHit, Month, SearchOptions, SearchResults, Sort, Why,
    MOMENTS_SHOWN, QUERY_IMAGES_HELD, QUERY_IMAGE_MAX_BYTES,
};
pub use recent::{check_library_folder, Recent};
pub use relevance::{Level, Marks, Strictness};
pub use state::{is_item_id, DEFAULT_LOCK_WAIT, DEFAULT_VERSION_RETENTION};
pub use status::Status;
pub use text::{tesseract_code, ItemText, TextReading, TextStatus, DEFAULT_LANGUAGE};
pub use token::same_token;

/// Decoding HEIC/HEIF, AVIF and RAW files in a worker process, so that a
/// decoder's crash on a malformed file is that file's failure, not the app's.
pub mod decode_worker {
    pub use clipdex_media::{run_worker_if_asked, use_worker, WORKER_ARG};

    /// Call first thing in `main`. When this process was started as a
    /// worker, it decodes one file and returns the exit code to end with;
    /// otherwise it makes this executable the worker for every later decode
    /// and returns `None`.
    pub fn start() -> Option<i32> {
        if let Some(code) = run_worker_if_asked() {
            return Some(code);
        }
        if let Ok(exe) = std::env::current_exe() {
            use_worker(exe);
        }
        None
    }
}

use audit::Auditor;
use calibration::Calibrator;
use catalog::Catalog;
use describe::Describer;
use heatmap::Heatmaps;
use index::switch::Switcher;
use index::{Folders, Indexer};
use query::Searcher;
use state::State;

/// Opens a model on a blocking thread (reading graphs takes a while).
pub async fn open_model(dir: &Path, runtime_dirs: &[PathBuf]) -> Result<Arc<Model>> {
    let dir = dir.to_path_buf();
    let runtime_dirs = runtime_dirs.to_vec();
    let model = state::blocking(move || {
        // An installed model is held to its install record first: a damaged
        // file is named before ONNX Runtime trips over it.
        // Its identity is then the record's full hashes; a folder placed by
        // hand is hashed in full.
        clipdex_models::check_before_use(&dir)?;
        let recorded = clipdex_models::manifest::content_digest(&dir)?;
        Model::open_recorded(&dir, &runtime_dirs, recorded.as_deref()).map_err(LibraryError::from)
    })
    .await??;
    Ok(Arc::new(model))
}

/// One library: the façade front ends call.
pub struct Library {
    state: State,
}

impl Library {
    /// Opens the library in `dir`, creating it if needed.
    pub async fn open(dir: &Path) -> Result<Self> {
        Ok(Self { state: State::open(dir).await? })
    }

    pub fn dir(&self) -> &Path {
        &self.state.dir
    }

    /// Adds a folder to search for the ONNX Runtime library before the defaults.
    pub fn add_runtime_dir(&mut self, dir: PathBuf) {
        self.state.settings.runtime_dirs.push(dir);
    }

    /// Keeps what every library can share (each model's prepared tag
    /// vocabulary) in `dir` too, the user's cache folder
    /// ([`paths::shared_cache_dir`]): a new library with a model used before
    /// never embeds its vocabulary again.
    pub fn share_cache(&mut self, dir: PathBuf) {
        self.state.settings.shared_cache = Some(dir);
    }

    pub fn runtime_dirs(&self) -> &[PathBuf] {
        &self.state.settings.runtime_dirs
    }

    /// How long a writer waits for another to finish before giving up.
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.state.settings.lock_wait = wait;
    }

    /// Table versions older than this are pruned after each run.
    pub fn set_version_retention(&mut self, retention: Duration) {
        self.state.settings.version_retention_ms = retention.as_millis().min(i64::MAX as u128) as i64;
    }

    /// Items from which an approximate vector index is built (default
    /// [`DEFAULT_ANN_THRESHOLD`]); below it, search is exact.
    pub fn set_ann_threshold(&mut self, items: usize) {
        self.state.settings.ann_threshold = items;
    }

    /// Tables opened at an older version because the newest was unreadable
    /// (a damaged disk or a torn write); the next indexing run redoes the rest.
    pub fn rolled_back(&self) -> &[String] {
        self.state.store.rolled_back()
    }

    // ---- the library's models (catalog) ----

    /// The model searches and new files use, if the library has one yet.
    pub async fn model_record(&self) -> Result<Option<ModelRecord>> {
        Catalog::new(&self.state).active().await
    }

    /// Every model the library has vectors from, the active one first.
    pub async fn models(&self) -> Result<Vec<LibraryModel>> {
        Catalog::new(&self.state).models().await
    }

    /// Checks that `model` may index new files into this library: it is the
    /// active model (or the library has none yet). Other models join through
    /// [`Library::use_model`].
    pub async fn check_model(&self, model: &Model) -> Result<()> {
        Catalog::new(&self.state).check_indexer(model).await
    }

    /// Checks that the library has vectors from `model` to search with.
    pub async fn check_searchable(&self, model: &Model) -> Result<()> {
        Catalog::new(&self.state).check_searchable(model).await
    }

    /// Opens the model to search with: `explicit` if given (the library must
    /// have its vectors), else the active one.
    pub async fn model_for_search(&self, explicit: Option<&Path>) -> Result<Arc<Model>> {
        Catalog::new(&self.state).model_for_search(explicit).await
    }

    /// Opens the model that indexes new files: `explicit` if given, else the
    /// library's active model, else `default` (a new library's first model).
    pub async fn model_for_indexing(&self, explicit: Option<&Path>, default: &Path) -> Result<Arc<Model>> {
        Catalog::new(&self.state).model_for_indexing(explicit, default).await
    }

    /// Switches the library to `model` in the background of searches (see
    /// `catalog::switch`): the old model answers until the new one is complete.
    pub async fn use_model(
        &self,
        model: Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<SwitchSummary> {
        Switcher::new(&self.state, model).run(cancel, progress).await
    }

    /// Deletes a model's vectors (not the active model's). `Ok(false)` if the
    /// library had none from it.
    pub async fn forget_model(&self, model_id: &str) -> Result<bool> {
        index::switch::forget(&self.state, model_id).await
    }

    /// Runs one query on each model and measures how they differ.
    pub async fn compare(
        &self,
        models: &[Arc<Model>],
        text: &str,
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Comparison> {
        query::compare::compare(&self.state, models, text, k, opts).await
    }

    // ---- indexing ----

    /// Indexes folders (or single files) with `model` (see [`Indexer`]),
    /// preparing the model's tag vocabulary if no cache holds it yet.
    pub async fn index(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        self.index_with(roots, model, Vocabulary::Prepare, cancel, progress).await
    }

    /// [`Library::index`], saying whether the run may prepare the model's
    /// tag vocabulary (see [`Vocabulary`]).
    pub async fn index_with(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        vocabulary: Vocabulary,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        Indexer::new(&self.state, model).vocabulary(vocabulary).run(roots, Folders::Add, cancel, None, progress).await
    }

    /// [`Library::index`], leaving files modified less than `settle` ago for a
    /// later run (they may still be being written).
    pub async fn index_settled(
        &self,
        roots: &[PathBuf],
        model: Arc<Model>,
        cancel: &Cancel,
        settle: Option<Duration>,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        Indexer::new(&self.state, model).run(roots, Folders::Add, cancel, settle, progress).await
    }

    /// Tries files that failed again (those in `paths`, or all when empty).
    pub async fn retry_failures(
        &self,
        paths: &[String],
        model: Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<IndexSummary> {
        Indexer::new(&self.state, model).retry(paths, cancel, progress).await
    }

    /// Forgets one of the library's folders: its files, failures, and items
    /// no other path holds.
    pub async fn remove_folder(&self, folder: &Path) -> Result<bool> {
        index::remove_folder(&self.state, folder).await
    }

    /// Watches the library's folders (or `folders`) until `cancel`, keeping
    /// the index equal to them.
    pub async fn watch(
        &self,
        folders: &[PathBuf],
        model: Arc<Model>,
        opts: WatchOptions,
        cancel: &Cancel,
        on_event: impl FnMut(WatchEvent),
    ) -> Result<()> {
        index::watch::watch(&self.state, folders, model, opts, cancel, on_event).await
    }

    /// The library's folders.
    pub async fn folders(&self) -> Result<Vec<String>> {
        Ok(self.state.store.roots().await?)
    }

    /// Every indexed path with its content id and stamp.
    pub async fn files(&self) -> Result<Vec<FileRecord>> {
        Ok(self.state.store.files().await?)
    }

    // ---- querying ----

    /// Runs a query in the query language (see [`query`]).
    pub async fn search(&self, model: Arc<Model>, text: &str, opts: &SearchOptions) -> Result<SearchResults> {
        Searcher::new(&self.state, model).search(text, opts).await
    }

    /// Registers a picture dropped or pasted into a query: decoded and
    /// embedded with `model` now (a bad file is refused here), then held.
    /// Returns the token [`SearchOptions::image_tokens`] names it by.
    pub async fn register_query_image(&self, model: Arc<Model>, bytes: Vec<u8>) -> Result<String> {
        query::images::register(&self.state, &model, bytes).await
    }

    /// "More like this": items nearest to a library item or any image file.
    pub async fn similar(
        &self,
        model: Arc<Model>,
        path_or_id: &str,
        limit: usize,
        min_score: Option<f32>,
    ) -> Result<SearchResults> {
        Searcher::new(&self.state, model).similar(path_or_id, limit, min_score).await
    }

    // ---- descriptions ----

    /// The label vocabulary embedded by `model` (cached per model).
    pub async fn labels(
        &self,
        model: &Arc<Model>,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize),
    ) -> Result<Arc<LabelSet>> {
        Describer::new(&self.state, model.clone()).labels(cancel, progress).await
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
        Describer::new(&self.state, model).describe(path_or_id, limit, cancel, progress).await
    }

    /// As [`Library::describe`] for an item by content id, only with a
    /// prepared vocabulary (else `NotReady`): embeds and writes nothing.
    pub async fn describe_if_ready(&self, model: Arc<Model>, id: &str, limit: usize) -> Result<Vec<Description>> {
        Describer::new(&self.state, model).describe_if_ready(id, limit).await
    }

    /// Sets the longest a video may go between two of its moments, in
    /// seconds (0.5 to 3,600), for videos indexed from now on. Takes the writer lock.
    pub async fn set_moment_every(&self, seconds: f64) -> Result<()> {
        index::video::set_moment_every(&self.state, seconds).await
    }

    /// Sets (or clears, with `None`) the caption of a library item, by path
    /// or id. Returns the item's id. Takes the writer lock.
    pub async fn set_caption(&self, path_or_id: &str, caption: Option<&str>) -> Result<String> {
        describe::set_caption(&self.state, path_or_id, caption).await
    }

    /// Everything known about one library item (by path or id).
    pub async fn item_details(&self, path_or_id: &str) -> Result<Option<Details>> {
        describe::item_details(&self.state, path_or_id).await
    }

    /// The token local servers require of every request, made on first use
    /// (256 random bits, in the library folder, readable by its owner only).
    pub fn api_token(&self) -> Result<String> {
        token::api_token(self.dir())
    }

    /// A new API token; the old one stops working at once, also for a server
    /// that is running (it reads the token again for each request).
    pub fn rotate_api_token(&self) -> Result<String> {
        token::rotate_api_token(self.dir())
    }

    /// The API token as stored now, `None` if there is none.
    pub fn current_api_token(&self) -> Result<Option<String>> {
        token::read(self.dir())
    }

    /// One item by content id, with its paths and details (score 0): for
    /// servers, which reach items by id only; never reads a file.
    pub async fn item(&self, id: &str) -> Result<Hit> {
        query::browse::item(&self.state, id).await
    }

    /// JPEG thumbnail bytes of the item with this content id.
    pub async fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.state.store.thumbnail(id).await?)
    }

    /// The file to read for a library item (by path or id) or any image file.
    pub async fn image_file(&self, path_or_id: &str) -> Result<(Option<String>, PathBuf)> {
        self.state.image_file(path_or_id).await
    }

    /// The picture of an item (by id) for a preview: the file itself when
    /// every web view shows its format, else a JPEG at most `side` pixels on
    /// its longer side. Bytes and MIME type.
    pub async fn preview(&self, id: &str, side: u32) -> Result<(Vec<u8>, &'static str)> {
        describe::preview(&self.state, id, side).await
    }

    /// Whether this id is a video's (one of its files is a video).
    pub async fn is_video(&self, id: &str) -> bool {
        playback::is_video(&self.state, id).await
    }

    /// Bytes of a video the library holds, by item id and byte range (at
    /// most [`playback::MAX_CHUNK`]), for a player.
    pub async fn video_chunk(&self, id: &str, start: u64, end: Option<u64>) -> Result<VideoChunk> {
        playback::video_chunk(&self.state, id, start, end).await
    }

    /// Writes `map` over the item's picture as a colour overlay (PNG or JPEG, by `out`'s extension).
    pub async fn save_region_overlay(&self, path_or_id: &str, map: &RegionMap, out: &Path) -> Result<()> {
        heatmap::save_overlay(&self.state, path_or_id, map, out).await
    }

    /// The cameras the library's photos were taken with, most photos first
    /// (what `camera:` can match), with how many photos each.
    pub async fn cameras(&self) -> Result<Vec<(String, usize)>> {
        Ok(self.state.store.cameras().await?)
    }

    // ---- calibration, status, audits ----

    /// The library's default cutoffs for the active model, if calibrated.
    pub async fn calibration(&self) -> Result<Option<Calibration>> {
        match self.model_record().await? {
            Some(rec) => self.calibration_for(&rec.id).await,
            None => Ok(None),
        }
    }

    /// The library's default cutoffs for a model, if calibrated.
    pub async fn calibration_for(&self, model_id: &str) -> Result<Option<Calibration>> {
        Calibrator::new(&self.state).of(model_id).await
    }

    pub async fn status(&self) -> Result<Status> {
        status::status(&self.state).await
    }

    /// The active model's approximate vector index, if the library is big
    /// enough to have one.
    pub async fn vector_index(&self) -> Result<Option<VectorIndexInfo>> {
        match self.model_record().await? {
            Some(rec) => Ok(self.state.store.vector_index(&rec.id).await?),
            None => Ok(None),
        }
    }

    /// Runs the housekeeping an indexing run does after writing, now.
    pub async fn optimize(&self) -> Result<Optimized> {
        Auditor::new(&self.state).optimize().await
    }

    /// Checks the library against itself and the disk.
    pub async fn verify(&self) -> Result<Verification> {
        Auditor::new(&self.state).verify().await
    }

    /// Exact and near duplicates, kept apart.
    pub async fn duplicates(&self, threshold: f32) -> Result<Duplicates> {
        Auditor::new(&self.state).duplicates(threshold).await
    }

    // ---- heatmaps ----

    /// Prompts × items cosines with `model`.
    pub async fn heatmap_matrix(
        &self,
        model: Arc<Model>,
        prompts: &[String],
        items: &[String],
        lang: Option<&str>,
    ) -> Result<HeatMatrix> {
        Heatmaps::new(&self.state, model).matrix(prompts, items, lang).await
    }

    /// Where `text` matches in one image.
    pub async fn heatmap_region(
        &self,
        model: Arc<Model>,
        path_or_id: &str,
        text: &str,
        lang: Option<&str>,
        cancel: &Cancel,
        progress: impl FnMut(usize, usize) + Send + 'static,
    ) -> Result<RegionMap> {
        Heatmaps::new(&self.state, model).region(path_or_id, text, lang, cancel, progress).await
    }
}
