//! How long work is steered and reported: [`Cancel`] (stop or pause at the
//! next batch boundary), [`Progress`] and its [`Phase`], and what a run did
//! ([`IndexSummary`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Shared handle that asks long work to stop, or to pause, at the next
/// batch boundary. Pausing keeps everything done so far written.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
    /// Asks the work to wait at its next batch boundary until [`Cancel::resume`].
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    /// Waits while paused; cancelling ends the wait.
    pub async fn wait_while_paused(&self) {
        while self.is_paused() && !self.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    /// Whether both handles stop the same work.
    pub fn same_as(&self, other: &Cancel) -> bool {
        Arc::ptr_eq(&self.stop, &other.stop)
    }
    /// The flag itself, for work below the library that takes one (downloads).
    pub fn as_flag(&self) -> &AtomicBool {
        &self.stop
    }
}

/// Where an indexing run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Walking the folders.
    Scanning,
    /// Hashing, decoding and embedding.
    Indexing,
    /// Embedding the label vocabulary for this model (once per model):
    /// `done`/`total` count prompts.
    Labels,
    /// Reading EXIF and tagging new items: `done`/`total` count items.
    Describing,
    /// Reading the text in pictures (OCR), after the items are searchable:
    /// `done`/`total` count items and video moments.
    Reading,
    Finished,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// Files the run looks at.
    pub total: usize,
    /// Files dealt with (embedded, reused, skipped or failed).
    pub done: usize,
    /// Files whose content was new and got embedded.
    pub indexed: usize,
    /// Files whose content the library already had (moved, renamed, copied).
    pub reused: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Paths that were gone and have been forgotten.
    pub removed: usize,
    /// The last file dealt with.
    pub current: Option<String>,
}

impl Progress {
    /// Nothing done yet, in `phase`.
    pub fn starting(phase: Phase) -> Self {
        Self { phase, total: 0, done: 0, indexed: 0, reused: 0, skipped: 0, failed: 0, removed: 0, current: None }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexSummary {
    /// Files whose content was new and got embedded.
    pub indexed: usize,
    /// Files added without embedding: their content was already in the library.
    pub reused: usize,
    /// Unchanged files (same path, size and mtime).
    pub skipped: usize,
    /// Paths that no longer exist and were forgotten.
    pub removed: usize,
    /// Files left for a later run because they were still changing.
    pub deferred: usize,
    /// Path and human reason for each file that failed in this run.
    pub failed: Vec<(String, String)>,
    pub cancelled: bool,
    pub elapsed: Duration,
    /// Items described without tags because this model's tag vocabulary is
    /// not prepared yet (see [`Vocabulary::IfReady`]).
    pub tags_waiting: usize,
    /// Items and video moments whose text was read (OCR) in this run.
    pub text_read: usize,
    /// Where the run's time went.
    pub timings: Timings,
}

/// Whether a run may embed the model's tag vocabulary (about 100 s for
/// ViT-B/32 on two cores, once per model) when no cache holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Vocabulary {
    /// Embed it after the photos are written (and searchable), then tag.
    #[default]
    Prepare,
    /// Tag only with a vocabulary already prepared; otherwise items get their
    /// other details now and their tags from the first run that prepares it.
    IfReady,
}

/// Where an indexing run's time went. The steps run one after another,
/// except decode, thumbnail and preprocess, which run on every core at
/// once: theirs is thread time summed over the cores (`cpu_`), so it can
/// exceed the wall time of the step that holds them (`prepare`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timings {
    /// Walking the folders and planning.
    pub scan: Duration,
    /// Reading and hashing files (wall time).
    pub read_hash: Duration,
    /// Decoding, thumbnails and the model's preprocessing (wall time).
    pub prepare: Duration,
    pub cpu_decode: Duration,
    pub cpu_thumbnail: Duration,
    pub cpu_preprocess: Duration,
    /// The image tower.
    pub inference: Duration,
    /// Videos, end to end (ffmpeg and their moments' inference).
    pub videos: Duration,
    /// Writing rows.
    pub write: Duration,
    /// Embedding the tag vocabulary (zero when it was cached).
    pub vocabulary: Duration,
    /// Facts, tags and path words.
    pub describe: Duration,
    /// Reading text in pictures (OCR).
    pub text: Duration,
    /// Housekeeping: vector index, compaction.
    pub maintain: Duration,
}

impl std::ops::AddAssign for Timings {
    fn add_assign(&mut self, o: Self) {
        self.scan += o.scan;
        self.read_hash += o.read_hash;
        self.prepare += o.prepare;
        self.cpu_decode += o.cpu_decode;
        self.cpu_thumbnail += o.cpu_thumbnail;
        self.cpu_preprocess += o.cpu_preprocess;
        self.inference += o.inference;
        self.videos += o.videos;
        self.write += o.write;
        self.vocabulary += o.vocabulary;
        self.describe += o.describe;
        self.text += o.text;
        self.maintain += o.maintain;
    }
}
