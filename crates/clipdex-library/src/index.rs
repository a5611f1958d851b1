//! Indexing: walk folders, skip what is unchanged, decode and embed the rest
//! in batches on worker threads, write in batches.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clipdex_embed::{Model, Pixels};
use clipdex_store::{FailureRecord, FileStamp, ItemRecord};
use rayon::prelude::*;

/// Files decoded and embedded together.
pub const EMBED_BATCH: usize = 32;
/// Items written in one commit, at most.
const WRITE_BATCH: usize = 256;
/// A commit at least this often while indexing, so progress is durable.
const WRITE_EVERY: Duration = Duration::from_secs(5);
/// Files larger than this are not read (no photo is this big).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Shared flag that asks long work to stop at the next file boundary.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Where an indexing run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Walking the folders; `total` grows.
    Scanning,
    /// Decoding and embedding.
    Indexing,
    Finished,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// Files found so far that the indexer will look at.
    pub total: usize,
    /// Files dealt with (indexed, skipped or failed).
    pub done: usize,
    pub indexed: usize,
    pub skipped: usize,
    pub failed: usize,
    /// The last file dealt with.
    pub current: Option<String>,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSummary {
    pub indexed: usize,
    pub skipped: usize,
    /// Path and human reason for each file that failed in this run.
    pub failed: Vec<(String, String)>,
    pub cancelled: bool,
    pub elapsed: Duration,
}

/// A file found by the walk.
pub(crate) struct Candidate {
    pub path: PathBuf,
    pub key: String,
    pub stamp: FileStamp,
}

pub(crate) enum Found {
    File(Candidate),
    /// A path the walk could not enter or name, with the reason.
    Problem(String, String),
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_str().is_some_and(|n| n.starts_with('.'))
}

/// Walks the roots (files or folders), yielding supported media and problems.
/// Hidden files and folders, and anything under `exclude` (the library
/// itself), are passed over; symlinks are followed, with loops reported.
pub(crate) fn walk(roots: &[PathBuf], exclude: &Path, mut each: impl FnMut(Found) -> bool) {
    for root in roots {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !is_hidden(e) && !e.path().starts_with(exclude));
        for entry in walker {
            let found = match entry {
                Err(e) => {
                    let path = e.path().map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                    let reason = if e.loop_ancestor().is_some() {
                        "symbolic link loop".to_string()
                    } else {
                        match e.io_error() {
                            Some(io) => format!("cannot read: {io}"),
                            None => e.to_string(),
                        }
                    };
                    Found::Problem(path, reason)
                }
                Ok(e) if !e.file_type().is_file() || !clipdex_media::is_supported_path(e.path()) => continue,
                Ok(e) => {
                    let Some(key) = e.path().to_str().map(str::to_string) else {
                        each(Found::Problem(
                            e.path().to_string_lossy().into_owned(),
                            "the file name is not valid UTF-8".into(),
                        ));
                        continue;
                    };
                    match e.metadata() {
                        Ok(m) => Found::File(Candidate {
                            path: e.path().to_path_buf(),
                            key,
                            stamp: FileStamp { size: m.len(), mtime_ns: mtime_ns(&m) },
                        }),
                        Err(err) => Found::Problem(key, format!("cannot read: {err}")),
                    }
                }
            };
            if !each(found) {
                return;
            }
        }
    }
}

/// What came of one file.
pub(crate) enum Outcome {
    Ready { item: ItemRecord, pixels: Pixels },
    Failed(FailureRecord),
}

fn fail(c: &Candidate, reason: String) -> Outcome {
    Outcome::Failed(FailureRecord {
        path: c.key.clone(),
        size: c.stamp.size,
        mtime_ns: c.stamp.mtime_ns,
        reason,
        at_ms: now_ms(),
    })
}

/// Reads, hashes, decodes, thumbnails and preprocesses one file. CPU-bound.
fn prepare(c: &Candidate, model: &Model) -> Outcome {
    if c.stamp.size > MAX_FILE_BYTES {
        return fail(c, format!("the file is larger than {} GiB", MAX_FILE_BYTES >> 30));
    }
    let bytes = match std::fs::read(&c.path) {
        Ok(b) => b,
        Err(e) => return fail(c, format!("cannot read the file: {e}")),
    };
    let id = blake3::hash(&bytes).to_hex().to_string();
    let img = match clipdex_media::decode(&bytes) {
        Ok(i) => i,
        Err(e) => return fail(c, error_chain(&e)),
    };
    drop(bytes);
    let (width, height) = img.dimensions();
    let thumbnail = match clipdex_media::thumbnail(&img) {
        Ok((t, _, _)) => t,
        Err(e) => return fail(c, error_chain(&e)),
    };
    let pixels = model.preprocess(img);
    Outcome::Ready {
        item: ItemRecord {
            id,
            path: c.key.clone(),
            // The stamp from the walk: if the file changes after this, the next
            // run sees a different stamp and indexes it again.
            size: c.stamp.size,
            mtime_ns: c.stamp.mtime_ns,
            width,
            height,
            model_id: model.info().id.clone(),
            vector: Vec::new(),
            thumbnail,
            indexed_at_ms: now_ms(),
        },
        pixels,
    }
}

/// "outer: inner: innermost" — the whole reason, for people.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let msg = inner.to_string();
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = inner.source();
    }
    s
}

/// Decodes and embeds one batch. Runs on a blocking thread; the decode is
/// spread over rayon's pool, inference over ONNX Runtime's.
pub(crate) fn process_batch(batch: &[Candidate], model: &Model) -> (Vec<ItemRecord>, Vec<FailureRecord>) {
    let outcomes: Vec<Outcome> = batch.par_iter().map(|c| prepare(c, model)).collect();
    let mut items = Vec::new();
    let mut pixels = Vec::new();
    let mut failures = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Ready { item, pixels: p } => {
                items.push(item);
                pixels.push(p);
            }
            Outcome::Failed(f) => failures.push(f),
        }
    }
    if items.is_empty() {
        return (items, failures);
    }
    match model.embed_pixels(&pixels) {
        Ok(vectors) => {
            for (item, v) in items.iter_mut().zip(vectors) {
                item.vector = v;
            }
            (items, failures)
        }
        Err(e) => {
            let reason = format!("the model failed on this batch: {}", error_chain(&e));
            failures.extend(items.into_iter().map(|i| FailureRecord {
                path: i.path,
                size: i.size,
                mtime_ns: i.mtime_ns,
                reason: reason.clone(),
                at_ms: now_ms(),
            }));
            (Vec::new(), failures)
        }
    }
}

/// Splits candidates into those to index and those unchanged since last time.
pub(crate) fn partition_unchanged(
    found: Vec<Candidate>,
    known: &HashMap<String, FileStamp>,
) -> (Vec<Candidate>, usize) {
    let before = found.len();
    let todo: Vec<Candidate> = found.into_iter().filter(|c| known.get(&c.key) != Some(&c.stamp)).collect();
    let skipped = before - todo.len();
    (todo, skipped)
}

pub(crate) fn should_flush(pending: usize, since: Instant) -> bool {
    pending >= WRITE_BATCH || (pending > 0 && since.elapsed() >= WRITE_EVERY)
}
