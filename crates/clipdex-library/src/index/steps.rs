//! The indexer's pure steps: walk folders, plan what changed, hash, decode
//! and embed a batch (reusing content the library already has), and the
//! rows waiting to be written. No step here touches the store.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clipdex_embed::{Model, Pixels};
use clipdex_store::{FailureRecord, FileRecord, FileStamp, ItemRecord, Known, VectorRecord};
use rayon::prelude::*;

use crate::control::Timings;
use crate::error::error_chain;
use crate::state::now_ms;

/// Files hashed, decoded and embedded together.
pub const EMBED_BATCH: usize = 32;
/// Rows written in one commit, at most.
const WRITE_BATCH: usize = 256;
/// A commit at least this often while indexing, so progress is durable.
const WRITE_EVERY: Duration = Duration::from_secs(5);
use clipdex_media::MAX_FILE_BYTES;

use crate::index::budget::{FILE_BYTES, PIXELS};

/// A file found by the walk.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub path: PathBuf,
    pub key: String,
    pub stamp: FileStamp,
    pub root: String,
    /// A RAW file's JPEG of the same name in the same folder: the picture
    /// that is hashed, shown and embedded for it (so the pair is one item).
    /// The stamp then covers both files.
    pub sidecar: Option<PathBuf>,
}

pub(crate) fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

pub(crate) fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

/// What the walk found against what the library knew, for one run.
pub(crate) struct Plan {
    pub todo: Vec<Candidate>,
    pub skipped: usize,
    /// Files modified too recently to be read safely (possibly still being written).
    pub deferred: usize,
    /// Known paths that are gone.
    pub gone: Vec<String>,
}

/// Splits the walk into work, unchanged files and vanished paths. Paths
/// under a folder the walk could not read are neither work nor gone.
/// Files modified after `settled_before_ns` are left for a later run.
pub(crate) fn plan(found: Vec<Candidate>, known: &Known, problems: &[String], settled_before_ns: Option<i64>) -> Plan {
    let seen: HashSet<&str> = found.iter().map(|c| c.key.as_str()).collect();
    let blocked = |p: &str| problems.iter().any(|b| p == b || Path::new(p).starts_with(b));
    let mut gone: Vec<String> = known
        .files
        .keys()
        .chain(known.failures.keys())
        .filter(|p| !seen.contains(p.as_str()) && !blocked(p))
        .cloned()
        .collect();
    gone.sort();
    gone.dedup();
    let mut skipped = 0;
    let mut deferred = 0;
    let mut todo = Vec::new();
    for c in found {
        let unchanged =
            known.files.get(&c.key).is_some_and(|(_, s)| *s == c.stamp) || known.failures.get(&c.key) == Some(&c.stamp);
        if unchanged {
            skipped += 1;
        } else if settled_before_ns.is_some_and(|t| c.stamp.mtime_ns > t) {
            deferred += 1;
        } else {
            todo.push(c);
        }
    }
    Plan { todo, skipped, deferred, gone }
}

pub(crate) fn failure(c: &Candidate, reason: String) -> FailureRecord {
    FailureRecord { path: c.key.clone(), stamp: c.stamp, reason, root: c.root.clone(), at_ms: now_ms() }
}

/// A file read and hashed.
pub(crate) struct Hashed {
    pub candidate: Candidate,
    pub id: String,
    /// The file's bytes (none for a video: it is read by ffmpeg).
    pub bytes: Vec<u8>,
}

impl Hashed {
    pub fn is_video(&self) -> bool {
        self.bytes.is_empty() && clipdex_media::is_video_path(&self.candidate.path)
    }
}

/// A video's content id, streamed through BLAKE3 (never held whole).
fn hash_video(c: Candidate) -> Result<Hashed, FailureRecord> {
    let read = || -> std::io::Result<String> {
        let file = std::fs::File::open(&c.path)?;
        if !file.metadata()?.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(std::io::BufReader::with_capacity(1 << 20, file))?;
        Ok(hasher.finalize().to_hex().to_string())
    };
    match read() {
        Ok(id) => Ok(Hashed { id, candidate: c, bytes: Vec::new() }),
        Err(e) => Err(failure(&c, format!("cannot read the file: {e}"))),
    }
}

/// The file's stamp now, to tell whether it changed while it was read.
pub(crate) fn stamp_now(path: &Path) -> Option<FileStamp> {
    std::fs::metadata(path).ok().map(|m| FileStamp { size: m.len(), mtime_ns: mtime_ns(&m) })
}

/// Reads and hashes a batch in parallel. CPU- and I/O-bound: run it on a blocking thread.
pub(crate) fn hash_batch(batch: Vec<Candidate>) -> (Vec<Hashed>, Vec<FailureRecord>) {
    let results: Vec<Result<Hashed, FailureRecord>> = batch
        .into_par_iter()
        .map(|c| {
            if clipdex_media::is_video_path(&c.path) {
                return hash_video(c);
            }
            if c.stamp.size > MAX_FILE_BYTES {
                return Err(failure(&c, format!("the file is larger than {} GiB", MAX_FILE_BYTES >> 30)));
            }
            match clipdex_media::read_capped(c.sidecar.as_ref().unwrap_or(&c.path), MAX_FILE_BYTES) {
                Ok(bytes) => Ok(Hashed { id: blake3::hash(&bytes).to_hex().to_string(), candidate: c, bytes }),
                Err(e) => Err(failure(&c, format!("cannot read the file: {}", error_chain(&e)))),
            }
        })
        .collect();
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(h) => ok.push(h),
            Err(f) => failed.push(f),
        }
    }
    (ok, failed)
}

/// The result of embedding a batch.
#[derive(Default)]
pub(crate) struct Embedded {
    pub items: Vec<ItemRecord>,
    pub files: Vec<FileRecord>,
    pub failures: Vec<FailureRecord>,
    /// Files that reused an existing item.
    pub reused: usize,
    /// Files that changed while they were read (a video still being
    /// written): nothing is recorded, and the next run reads them again.
    pub deferred: usize,
    /// Where the batch's time went (prepare, inference and the threads' split).
    pub timings: Timings,
}

/// Thread time spent in one step, summed over the threads that ran it.
#[derive(Default)]
struct ThreadTime(AtomicU64);

impl ThreadTime {
    fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let t0 = Instant::now();
        let out = f();
        self.0.fetch_add(t0.elapsed().as_nanos().min(u64::MAX as u128) as u64, Ordering::Relaxed);
        out
    }

    fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

/// The smallest picture indexing can use: twice the model's input on the
/// short side and twice a thumbnail on the long side, so a large JPEG is
/// decoded at 1/2–1/8 scale (see `clipdex_media::decode_at_least`) and the
/// resizes after it still average many pixels into each. At that margin a
/// 12-MP photo's vector is within cosine 0.9999 of a full decode's (0.99996
/// with the test model; 0.9990 at the next scale down, which is why the
/// margin is two): `tests/scaled_decode.rs`, BENCHMARKS.md.
fn picture_need(model: &Model) -> clipdex_media::Need {
    let (w, h) = model.info().image_size;
    clipdex_media::Need { short: 2 * w.max(h), long: 2 * clipdex_media::THUMBNAIL_SIZE }
}

/// Decodes and embeds the content the library does not have yet (`known_ids`),
/// once per distinct content; every other file just points at its item.
/// Runs on a blocking thread: decoding is spread over rayon's pool, inference
/// over ONNX Runtime's.
pub(crate) fn embed_batch(hashed: Vec<Hashed>, known_ids: &HashSet<String>, model: &Model) -> Embedded {
    let mut out = Embedded::default();
    let mut to_embed: Vec<Hashed> = Vec::new();
    let mut pointing: Vec<Hashed> = Vec::new();
    let mut firsts: HashSet<String> = HashSet::new();
    for h in hashed {
        if known_ids.contains(&h.id) || !firsts.insert(h.id.clone()) {
            pointing.push(h);
        } else {
            to_embed.push(h);
        }
    }

    let need = picture_need(model);
    let (decode, thumb, pre) = (ThreadTime::default(), ThreadTime::default(), ThreadTime::default());
    let t0 = Instant::now();
    let prepared: Vec<Result<(ItemRecord, Pixels, Hashed), FailureRecord>> = to_embed
        .into_par_iter()
        .map(|h| {
            // Pixels in flight are shared by every thread: wait for room.
            let (decoded, _permit) = decode
                .time(|| clipdex_media::decode_at_least(&h.bytes, need, |n| PIXELS.take(n)))
                .map_err(|e| failure(&h.candidate, error_chain(&e)))?;
            let (img, (width, height)) = (decoded.image, decoded.full_size);
            let (thumbnail, _, _) =
                thumb.time(|| clipdex_media::thumbnail(&img)).map_err(|e| failure(&h.candidate, error_chain(&e)))?;
            let pixels = pre.time(|| model.preprocess(img));
            let item = ItemRecord {
                id: h.id.clone(),
                width,
                height,
                model_id: model.info().id.clone(),
                vector: Vec::new(),
                thumbnail,
                indexed_at_ms: now_ms(),
            };
            Ok((item, pixels, Hashed { bytes: Vec::new(), ..h }))
        })
        .collect();

    out.timings.prepare = t0.elapsed();
    out.timings.cpu_decode = decode.total();
    out.timings.cpu_thumbnail = thumb.total();
    out.timings.cpu_preprocess = pre.total();
    let mut items = Vec::new();
    let mut pixels = Vec::new();
    let mut embedded_files = Vec::new();
    let mut failed_ids = HashSet::new();
    for p in prepared {
        match p {
            Ok((item, px, h)) => {
                items.push(item);
                pixels.push(px);
                embedded_files.push(h);
            }
            Err(f) => out.failures.push(f),
        }
    }
    if !items.is_empty() {
        let t0 = Instant::now();
        let embedded = model.embed_pixels(&pixels);
        out.timings.inference = t0.elapsed();
        match embedded {
            Ok(vectors) => {
                for (item, v) in items.iter_mut().zip(vectors) {
                    item.vector = v;
                }
                out.items = items;
            }
            Err(e) => {
                let reason = format!("the model failed on this batch: {}", error_chain(&e));
                for h in embedded_files.drain(..) {
                    failed_ids.insert(h.id.clone());
                    out.failures.push(failure(&h.candidate, reason.clone()));
                }
            }
        }
    }
    let embedded_ids: HashSet<&str> = out.items.iter().map(|i| i.id.as_str()).collect();
    for h in embedded_files {
        out.files.push(FileRecord {
            path: h.candidate.key,
            id: h.id,
            stamp: h.candidate.stamp,
            root: h.candidate.root,
        });
    }
    for h in pointing {
        // A copy of content that failed to decode in this batch fails the same way.
        if known_ids.contains(&h.id) || embedded_ids.contains(h.id.as_str()) {
            out.reused += 1;
            out.files.push(FileRecord {
                path: h.candidate.key,
                id: h.id,
                stamp: h.candidate.stamp,
                root: h.candidate.root,
            });
        } else {
            let reason = if failed_ids.contains(&h.id) {
                "the model failed on this batch".to_string()
            } else {
                "the image could not be decoded (an identical file failed too)".to_string()
            };
            out.failures.push(failure(&h.candidate, reason));
        }
    }
    out
}

/// Embeds content the library already holds with another model (switching
/// models): each item is read from the first of its paths whose bytes still
/// hash to its id, decoded, and embedded. Items none of whose files still
/// hold that content fail with a reason (the next indexing run sees the
/// changed files). Runs on a blocking thread.
pub(crate) fn embed_known(
    items: Vec<(String, Vec<String>)>,
    model: &Model,
) -> (Vec<VectorRecord>, Vec<(String, String)>) {
    let prepared: Vec<Result<(VectorRecord, Pixels), (String, String)>> = items
        .into_par_iter()
        .map(|(id, paths)| {
            let mut why = "no file holds it any more".to_string();
            for path in &paths {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                let _bytes_permit = FILE_BYTES.take(size);
                let bytes = match clipdex_media::read_capped(Path::new(path), MAX_FILE_BYTES) {
                    Ok(b) => b,
                    Err(e) => {
                        why = format!("{path}: cannot read the file: {}", error_chain(&e));
                        continue;
                    }
                };
                if blake3::hash(&bytes).to_hex().as_str() != id {
                    why = format!("{path}: changed since it was indexed (the next indexing run picks it up)");
                    continue;
                }
                let (decoded, _pixels_permit) =
                    match clipdex_media::decode_at_least(&bytes, picture_need(model), |n| PIXELS.take(n)) {
                        Ok(decoded) => decoded,
                        Err(e) => return Err((path.clone(), error_chain(&e))),
                    };
                let (img, (width, height)) = (decoded.image, decoded.full_size);
                let rec = VectorRecord { id: id.clone(), width, height, vector: Vec::new(), indexed_at_ms: now_ms() };
                return Ok((rec, model.preprocess(img)));
            }
            Err((paths.first().cloned().unwrap_or_else(|| id.clone()), why))
        })
        .collect();
    let mut records = Vec::new();
    let mut pixels = Vec::new();
    let mut failed = Vec::new();
    for p in prepared {
        match p {
            Ok((r, px)) => {
                records.push(r);
                pixels.push(px);
            }
            Err(f) => failed.push(f),
        }
    }
    if records.is_empty() {
        return (records, failed);
    }
    match model.embed_pixels(&pixels) {
        Ok(vectors) => {
            for (r, v) in records.iter_mut().zip(vectors) {
                r.vector = v;
            }
            (records, failed)
        }
        Err(e) => {
            let reason = format!("the model failed on this batch: {}", error_chain(&e));
            failed.extend(records.into_iter().map(|r| (r.id, reason.clone())));
            (Vec::new(), failed)
        }
    }
}

/// Rows waiting to be written, in the order that keeps the database
/// consistent after a crash: items, then the files that point at them.
#[derive(Default)]
pub(crate) struct Pending {
    pub items: Vec<ItemRecord>,
    pub files: Vec<FileRecord>,
    pub failures: Vec<FailureRecord>,
    pub since: Option<Instant>,
}

impl Pending {
    pub fn len(&self) -> usize {
        self.items.len() + self.files.len() + self.failures.len()
    }
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.items.iter().map(|i| &i.id)
    }
    pub fn should_flush(&self) -> bool {
        self.len() >= WRITE_BATCH || (self.len() > 0 && self.since.is_some_and(|s| s.elapsed() >= WRITE_EVERY))
    }
}

/// Known paths for several roots, merged.
pub(crate) fn merge_known(all: Vec<Known>) -> Known {
    let mut out = Known::default();
    for k in all {
        out.files.extend(k.files);
        out.failures.extend(k.failures);
    }
    out
}

/// The distinct content ids of a hashed batch, sorted.
pub(crate) fn ids_of(hashed: &[Hashed]) -> Vec<String> {
    let mut ids: Vec<String> = hashed.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_all(root: &Path) -> Vec<Candidate> {
        let mut out = Vec::new();
        crate::index::walk::walk(root, Path::new("/nonexistent-library"), &[], |f| {
            if let crate::index::walk::Found::File(c) = f {
                out.push(c);
            }
            true
        });
        out
    }

    #[test]
    fn a_file_deleted_after_the_walk_fails_cleanly_then_is_forgotten() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("a.jpg"), b"whatever").expect("write");
        let found = walk_all(dir.path());
        assert_eq!(found.len(), 1);
        std::fs::remove_file(dir.path().join("a.jpg")).expect("delete");

        let (ok, failed) = hash_batch(found);
        assert!(ok.is_empty());
        assert!(failed[0].reason.starts_with("cannot read the file"), "{}", failed[0].reason);

        // The next run finds nothing there and forgets the recorded failure.
        let mut known = Known::default();
        known.failures.insert(failed[0].path.clone(), failed[0].stamp);
        let plan = plan(walk_all(dir.path()), &known, &[], None);
        assert_eq!(plan.gone, vec![failed[0].path.clone()]);
        assert!(plan.todo.is_empty());
    }

    #[test]
    fn a_file_replaced_after_the_walk_is_queued_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.png");
        std::fs::write(&path, b"first version").expect("write");
        let found = walk_all(dir.path());
        std::fs::write(&path, b"second, longer version").expect("replace");

        // The bytes read are the new ones, recorded under the stamp the walk saw...
        let (ok, _) = hash_batch(found);
        assert_eq!(ok[0].id, blake3::hash(b"second, longer version").to_hex().to_string());
        let mut known = Known::default();
        known.files.insert(ok[0].candidate.key.clone(), (ok[0].id.clone(), ok[0].candidate.stamp));

        // ...so the next walk sees a different stamp and indexes it again.
        let plan = plan(walk_all(dir.path()), &known, &[], None);
        assert_eq!(plan.todo.len(), 1);
        assert_eq!(plan.skipped, 0);
    }

    #[test]
    fn files_still_changing_are_deferred_not_lost() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("copying.jpg"), b"half").expect("write");
        let settled_before = Some(now_ns() - 5_000_000_000);
        let plan = plan(walk_all(dir.path()), &Known::default(), &[], settled_before);
        assert_eq!((plan.todo.len(), plan.deferred, plan.gone.len()), (0, 1, 0));
        let plan = plan_now(dir.path());
        assert_eq!(plan.todo.len(), 1);
    }

    fn plan_now(dir: &Path) -> Plan {
        plan(walk_all(dir), &Known::default(), &[], Some(now_ns() + 1))
    }

    #[test]
    fn paths_under_an_unreadable_folder_are_not_forgotten() {
        let mut known = Known::default();
        let stamp = FileStamp { size: 1, mtime_ns: 1 };
        known.files.insert("/lib/locked/a.jpg".into(), ("id".into(), stamp));
        known.files.insert("/lib/gone.jpg".into(), ("id2".into(), stamp));
        let plan = plan(Vec::new(), &known, &["/lib/locked".to_string()], None);
        assert_eq!(plan.gone, vec!["/lib/gone.jpg".to_string()]);
    }
}
