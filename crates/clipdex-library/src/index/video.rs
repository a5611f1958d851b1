//! Videos into moments. ffmpeg picks frames (the first, each scene change,
//! and at least one every `every_s` seconds); each is embedded; a frame
//! picked only for time whose vector is nearly the same as the moment
//! before it (cosine ≥ [`MERGE_COS`]) joins that moment, so a long static
//! shot costs one row. The video is one item (its id the BLAKE3 of the
//! file); each moment is a part of it, `<id>#<milliseconds>`, with its own
//! thumbnail and vector. The video's own vector and thumbnail are those of
//! its most typical moment (nearest the mean of all), so tags, `similar`
//! and duplicates treat a video as one thing.

use std::collections::HashSet;
use std::path::Path;

use clipdex_embed::Model;
use clipdex_media::{Frame, Sampling, VideoError};
use clipdex_store::{FailureRecord, FileRecord, ItemRecord, Known, PART_MARK};

use crate::control::Cancel;
use crate::error::{error_chain, LibraryError, Result};
use crate::index::steps::{self, Embedded, Hashed};
use crate::state::now_ms;
use crate::state::State;

/// A frame picked only because time had passed joins the moment before it
/// when their vectors are at least this close (`duplicates`' default).
pub(crate) const MERGE_COS: f32 = 0.95;
/// At least one moment this often, in seconds, unless the library says otherwise.
pub const DEFAULT_MOMENT_EVERY_S: f64 = 10.0;
/// ffmpeg's scene score above which a frame starts a new moment.
const SCENE: f64 = 0.3;
/// Frames embedded together.
const FRAME_BATCH: usize = 16;

/// The id of a video's moment at `time_s`.
pub(crate) fn moment_id(video: &str, time_s: f64) -> String {
    format!("{video}{PART_MARK}{}", (time_s * 1000.0).round().max(0.0) as u64)
}

/// A moment's time in seconds, from its id (`None` for a whole item).
pub fn moment_time(id: &str) -> Option<f64> {
    let (_, ms) = id.split_once(PART_MARK)?;
    ms.parse::<u64>().ok().map(|ms| ms as f64 / 1000.0)
}

struct Moment {
    time_s: f64,
    width: u32,
    height: u32,
    vector: Vec<f32>,
    thumbnail: Vec<u8>,
}

/// Why a video was not indexed.
pub(crate) struct VideoFailure {
    pub reason: String,
}

/// Embeds the videos of a batch whose content the library lacks; one it
/// has (moved, copied) only gets its path. A video that changed while it
/// was read (still being written) is deferred, not half-indexed.
/// Cancelling leaves the rest unrecorded. Blocking.
pub(crate) fn embed_videos(
    hashed: Vec<Hashed>,
    known_ids: &HashSet<String>,
    model: &Model,
    every_s: f64,
    cancel: &Cancel,
) -> Embedded {
    let mut out = Embedded::default();
    let mut done: HashSet<String> = HashSet::new();
    for h in hashed {
        if cancel.is_cancelled() {
            break;
        }
        let c = &h.candidate;
        let file = FileRecord { path: c.key.clone(), id: h.id.clone(), stamp: c.stamp, root: c.root.clone() };
        if known_ids.contains(&h.id) || done.contains(&h.id) {
            out.reused += 1;
            out.files.push(file);
            continue;
        }
        match embed_video(&c.path, &h.id, model, every_s, cancel) {
            Ok(_) if steps::stamp_now(&c.path) != Some(c.stamp) => out.deferred += 1,
            Ok(items) => {
                done.insert(h.id.clone());
                out.items.extend(items);
                out.files.push(file);
            }
            Err(_) if cancel.is_cancelled() => break,
            Err(f) => out.failures.push(steps::failure(c, f.reason)),
        }
    }
    out
}

/// Switching models: each video (its id and file rows) embedded anew with
/// `model`, from a file whose size and modification time are still those
/// indexed. Returns the items and, for each video that failed, its id,
/// path and reason. Blocking.
pub(crate) fn embed_known_videos(
    videos: Vec<(String, Vec<FileRecord>)>,
    model: &Model,
    every_s: f64,
    cancel: &Cancel,
) -> (Vec<ItemRecord>, Vec<(String, String, String)>) {
    let (mut items, mut failed) = (Vec::new(), Vec::new());
    for (id, files) in videos {
        if cancel.is_cancelled() {
            break;
        }
        let Some(f) = files.iter().find(|f| steps::stamp_now(Path::new(&f.path)) == Some(f.stamp)) else {
            let path = files.first().map_or_else(|| id.clone(), |f| f.path.clone());
            failed.push((id, path, "changed since it was indexed (the next indexing run picks it up)".into()));
            continue;
        };
        match embed_video(Path::new(&f.path), &id, model, every_s, cancel) {
            Ok(mut got) => items.append(&mut got),
            Err(_) if cancel.is_cancelled() => break,
            Err(e) => failed.push((id, f.path.clone(), e.reason)),
        }
    }
    (items, failed)
}

/// Forgets that videos were skipped for want of ffmpeg once it is there,
/// so this run indexes them.
pub(crate) fn retry_skipped(known: &mut Known, failures: &[FailureRecord]) {
    if failures.iter().any(|f| f.reason == *SKIPPED) && clipdex_media::find_ffmpeg().is_some() {
        for f in failures.iter().filter(|f| f.reason == *SKIPPED) {
            known.failures.remove(&f.path);
        }
    }
}

/// The reason a video is skipped without ffmpeg.
pub(crate) static SKIPPED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| VideoError::NoFfmpeg.to_string());

/// See [`crate::Library::set_moment_every`].
pub(crate) async fn set_moment_every(state: &State, seconds: f64) -> Result<()> {
    if !(0.5..=3600.0).contains(&seconds) {
        return Err(LibraryError::BadArgument(format!(
            "a moment every {seconds} s: choose between 0.5 and 3600 seconds"
        )));
    }
    let _lock = state.write_lock().await?;
    if state.store.moment_every_s().await? != Some(seconds) {
        state.store.set_moment_every_s(seconds).await?;
    }
    Ok(())
}

/// The moment of a video showing time `t` (the last one starting at or
/// before it). A photo has none.
pub(crate) async fn moment_near(state: &State, video: &str, t: f64) -> Result<String> {
    let parts = state.store.item_parts(video).await?;
    let mut timed: Vec<(f64, String)> = parts.into_iter().filter_map(|p| Some((moment_time(&p)?, p))).collect();
    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = timed.iter().rev().find(|(s, _)| *s <= t + 1e-3).or(timed.first());
    at.map(|(_, id)| id.clone())
        .ok_or_else(|| LibraryError::BadArgument(format!("{video} is not a video: only a video has moments")))
}

/// The time of the moment a video shows as its own picture (its thumbnail
/// is that moment's). Blocking-free; reads thumbnails.
pub(crate) async fn typical_time(state: &State, video: &str) -> Result<f64> {
    let own = state.store.thumbnail(video).await?;
    let mut first = None;
    for p in state.store.item_parts(video).await? {
        let Some(t) = moment_time(&p) else { continue };
        if own.is_some() && state.store.thumbnail(&p).await? == own {
            return Ok(t);
        }
        first = Some(first.map_or(t, |f: f64| f.min(t)));
    }
    Ok(first.unwrap_or(0.0))
}

/// A video's item and its moments' items, vectors included. Blocking.
pub(crate) fn embed_video(
    path: &Path,
    id: &str,
    model: &Model,
    every_s: f64,
    cancel: &Cancel,
) -> std::result::Result<Vec<ItemRecord>, VideoFailure> {
    let fail = |e: VideoError| VideoFailure { reason: e.to_string() };
    let ffmpeg = clipdex_media::find_ffmpeg().ok_or_else(|| fail(VideoError::NoFfmpeg))?;
    let (w, h) = model.info().image_size;
    let sampling = Sampling { every_s, scene: SCENE, short_side: w.max(h).max(clipdex_media::THUMBNAIL_SIZE) };
    let mut moments: Vec<Moment> = Vec::new();
    let mut waiting: Vec<Frame> = Vec::new();
    let mut problem: Option<String> = None;
    let walked = clipdex_media::video_frames(&ffmpeg, path, &sampling, |frame| {
        waiting.push(frame);
        if cancel.is_cancelled() {
            return false;
        }
        if waiting.len() < FRAME_BATCH {
            return true;
        }
        merge_in(&mut waiting, &mut moments, model).map_err(|e| problem = Some(e)).is_ok()
    });
    let info = match walked {
        Ok(info) => info,
        Err(VideoError::Stopped) => {
            // Cancelled (the caller records nothing), or the model failed.
            let reason = problem.unwrap_or_else(|| "indexing was cancelled".into());
            return Err(VideoFailure { reason });
        }
        Err(e) => return Err(fail(e)),
    };
    merge_in(&mut waiting, &mut moments, model).map_err(|reason| VideoFailure { reason })?;
    let Some(typical) = most_typical(&moments) else { return Err(fail(VideoError::NoFrames)) };
    let at = now_ms();
    let model_id = model.info().id.clone();
    let first = &moments[typical];
    // The stored picture's size, turned the way the frames come (upright).
    let (mut vw, mut vh) = if info.width > 0 { (info.width, info.height) } else { (first.width, first.height) };
    if (vw > vh) != (first.width > first.height) {
        std::mem::swap(&mut vw, &mut vh);
    }
    let mut items = vec![ItemRecord {
        id: id.to_string(),
        width: vw,
        height: vh,
        model_id: model_id.clone(),
        vector: first.vector.clone(),
        thumbnail: first.thumbnail.clone(),
        indexed_at_ms: at,
    }];
    items.extend(moments.into_iter().map(|m| ItemRecord {
        id: moment_id(id, m.time_s),
        width: m.width,
        height: m.height,
        model_id: model_id.clone(),
        vector: m.vector,
        thumbnail: m.thumbnail,
        indexed_at_ms: at,
    }));
    Ok(items)
}

/// Embeds the waiting frames and adds each to `moments`, merging a frame
/// picked for time alone into the moment before when they look the same.
fn merge_in(waiting: &mut Vec<Frame>, moments: &mut Vec<Moment>, model: &Model) -> std::result::Result<(), String> {
    if waiting.is_empty() {
        return Ok(());
    }
    let frames = std::mem::take(waiting);
    let pixels: Vec<_> = frames.iter().map(|f| model.preprocess(f.image.clone())).collect();
    let vectors =
        model.embed_pixels(&pixels).map_err(|e| format!("the model failed on this video: {}", error_chain(&e)))?;
    for (frame, vector) in frames.into_iter().zip(vectors) {
        let same = moments.last().is_some_and(|m| !frame.scene_change && dot(&m.vector, &vector) >= MERGE_COS);
        if same {
            continue;
        }
        let (thumbnail, _, _) = clipdex_media::thumbnail(&frame.image).map_err(|e| error_chain(&e))?;
        let (width, height) = frame.image.dimensions();
        moments.push(Moment { time_s: frame.time_s, width, height, vector, thumbnail });
    }
    Ok(())
}

/// The moment nearest the mean of all.
fn most_typical(moments: &[Moment]) -> Option<usize> {
    let dim = moments.first()?.vector.len();
    let mut mean = vec![0.0f32; dim];
    for m in moments {
        for (a, b) in mean.iter_mut().zip(&m.vector) {
            *a += b;
        }
    }
    (0..moments.len()).max_by(|&a, &b| dot(&moments[a].vector, &mean).total_cmp(&dot(&moments[b].vector, &mean)))
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_ids_carry_their_time() {
        let id = moment_id("abc", 12.3456);
        assert_eq!(id, "abc#12346");
        assert_eq!(moment_time(&id), Some(12.346));
        assert_eq!(moment_time("abc"), None);
        assert_eq!(clipdex_store::whole_of(&id), "abc");
    }
}
