//! What every subsystem of a library reads: its folder, its store, its
//! settings, and the caches that outlive one call. Subsystems borrow a
//! [`State`]; none of them holds another.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clipdex_store::{Recovery, Store, StoreError};

use crate::calibration::Calibration;
use crate::error::{LibraryError, Result};
use crate::labels::LabelSet;
use crate::lock::WriterLock;
use crate::query::images::QueryImages;
use crate::text::{EngineCache, TextReading};

/// How long a writer waits for another one by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);
/// Old table versions are kept this long (for readers mid-query, and for
/// recovery), then pruned.
pub const DEFAULT_VERSION_RETENTION: Duration = Duration::from_secs(600);

/// Tunables a front end or a test may set.
pub(crate) struct Settings {
    pub lock_wait: Duration,
    pub version_retention_ms: i64,
    /// Items from which searches use an approximate vector index.
    pub ann_threshold: usize,
    /// Extra places to look for the ONNX Runtime library (an app's resources).
    pub runtime_dirs: Vec<PathBuf>,
    /// The user's cache shared by every library (prepared tag vocabularies).
    pub shared_cache: Option<PathBuf>,
    /// Whether and with what pictures' text is read (OCR).
    pub text_reading: TextReading,
    /// The window's language (a tag such as `de` or `pt-BR`), for the
    /// default OCR languages; else the environment's locale. Set at any
    /// time (the window tells it when the user picks another).
    pub ui_language: std::sync::Mutex<Option<String>>,
}

/// Opens the database. A damaged table is rolled back only by whoever holds
/// the writer lock (so a reader never rewrites the library under a writer);
/// with the lock held elsewhere the damage is reported and nothing changes.
async fn open_store(dir: &Path) -> Result<Store> {
    match Store::open(dir).await {
        Err(damaged @ StoreError::Damaged { older: true, .. }) => {
            let Ok(_lock) = WriterLock::acquire(dir, Duration::ZERO).await else {
                return Err(damaged.into());
            };
            let mut store = Store::open_with(dir, Recovery::RollBack).await?;
            // Captions are the user's own words: the journal puts back any
            // the rollback lost (other tables are redone by the next run).
            let restored = crate::journal::replay(dir, &store, now_ms()).await?;
            if restored > 0 {
                store.note(format!("captions: {restored} restored from {}", crate::journal::JOURNAL));
            }
            Ok(store)
        }
        other => Ok(other?),
    }
}

pub(crate) struct State {
    pub dir: PathBuf,
    pub store: Store,
    pub settings: Settings,
    /// The label vocabulary as embedded by the model last used.
    pub labels: Mutex<Option<Arc<LabelSet>>>,
    /// Calibrations by model id, remembered for a second (every search reads one).
    pub calibrations: Mutex<HashMap<String, (Instant, Option<Calibration>)>>,
    /// Pictures dropped or pasted into a query, by token.
    pub query_images: Mutex<QueryImages>,
    /// The OCR engine, once found.
    pub text_engine: EngineCache,
}

impl State {
    pub async fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| LibraryError::Io { path: dir.to_path_buf(), source })?;
        let dir = dir.canonicalize().map_err(|source| LibraryError::Io { path: dir.to_path_buf(), source })?;
        let store = open_store(&dir).await?;
        Ok(Self {
            dir,
            store,
            settings: Settings {
                lock_wait: DEFAULT_LOCK_WAIT,
                version_retention_ms: DEFAULT_VERSION_RETENTION.as_millis() as i64,
                ann_threshold: clipdex_store::DEFAULT_ANN_THRESHOLD,
                runtime_dirs: Vec::new(),
                shared_cache: None,
                text_reading: TextReading::default(),
                ui_language: std::sync::Mutex::new(None),
            },
            labels: Mutex::new(None),
            calibrations: Mutex::new(HashMap::new()),
            query_images: Mutex::new(QueryImages::default()),
            text_engine: EngineCache::default(),
        })
    }

    /// The library's writer lock (one writer per library, across processes).
    /// Once held, the store reads what the last writer committed.
    pub async fn write_lock(&self) -> Result<WriterLock> {
        let lock = WriterLock::acquire(&self.dir, self.settings.lock_wait).await?;
        self.store.refresh().await?;
        Ok(lock)
    }

    /// The item a path (indexed) or content id names; `Ok(None)` for an
    /// existing file the library does not hold. A video's moment is named
    /// by its id (`<id>#<ms>`) or by the video and a time, `path@mm:ss`
    /// (the moment showing that time).
    pub async fn resolve_item(&self, path_or_id: &str) -> Result<Option<String>> {
        match self.resolve_whole(path_or_id).await {
            Err(LibraryError::PathNotFound { path }) => {
                let Some((video, t)) = crate::query::split_at_time(path_or_id) else {
                    return Err(LibraryError::PathNotFound { path });
                };
                let id =
                    self.resolve_whole(video).await?.ok_or_else(|| LibraryError::NotInLibrary(video.to_string()))?;
                Ok(Some(crate::index::video::moment_near(self, &id, t).await?))
            }
            other => other,
        }
    }

    /// An id is an id: a string of that shape never touches the file
    /// system (a server passes ids from requests through here).
    async fn resolve_whole(&self, path_or_id: &str) -> Result<Option<String>> {
        if is_item_id(path_or_id) {
            let id = path_or_id.to_ascii_lowercase();
            if !self.store.item_exists(&id).await? {
                return Err(LibraryError::NoSuchItem(id));
            }
            return Ok(Some(id));
        }
        let as_path = expand_home(Path::new(path_or_id));
        match as_path.canonicalize() {
            Ok(k) => Ok(self.store.id_for_path(&k.to_string_lossy()).await?),
            Err(_) => Err(LibraryError::PathNotFound { path: as_path }),
        }
    }

    /// The file to read for a library item (by path or content id: its first
    /// path) or for any image file, with the item's id when it is one.
    pub async fn image_file(&self, path_or_id: &str) -> Result<(Option<String>, PathBuf)> {
        let id = self.resolve_item(path_or_id).await?;
        let path = match &id {
            Some(id) => {
                // A video's moment: the video's file.
                let whole = clipdex_store::whole_of(id).to_string();
                let files = self.store.files_of(std::slice::from_ref(&whole)).await?;
                // A RAW file paired with its JPEG holds the JPEG's item: the JPEG is its picture.
                let held = files
                    .get(&whole)
                    .and_then(|f| f.iter().find(|f| !clipdex_media::is_raw_path(Path::new(&f.path))).or(f.first()))
                    .map(|f| PathBuf::from(&f.path));
                held.ok_or_else(|| LibraryError::NoSuchItem(id.clone()))?
            }
            None => PathBuf::from(path_or_id),
        };
        Ok((id, path))
    }
}

/// Whether `s` has the shape of an item id: a BLAKE3 content hash, 64 hex
/// digits (a video's moment adds `#` and its milliseconds).
pub fn is_item_id(s: &str) -> bool {
    let (whole, part) = match s.split_once(clipdex_store::PART_MARK) {
        Some((w, p)) => (w, Some(p)),
        None => (s, None),
    };
    whole.len() == 64
        && whole.bytes().all(|b| b.is_ascii_hexdigit())
        && part.is_none_or(|p| !p.is_empty() && p.len() <= 12 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `~/x` to the home folder.
pub(crate) fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

/// Runs CPU-bound work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| LibraryError::Task(e.to_string()))
}

/// Milliseconds since the epoch (0 before it).
pub(crate) fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Locks a cache, whether or not a thread panicked while holding it (a
/// cache holds nothing that a panic could leave half-written).
pub(crate) fn cache<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
