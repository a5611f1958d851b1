//! The picture OCR reads for an item or a video moment: a photo decoded
//! upright (EXIF orientation applied) with its long side about
//! [`clipdex_ocr::READ_LONG_SIDE`], or a moment's frame from ffmpeg.

use std::path::Path;

use clipdex_media::{Need, RgbImage};

use crate::index::budget::{Permit, PIXELS};
use crate::index::video::moment_time;

/// A moment's frame, short side in pixels (enough for captions and signs).
const FRAME_SHORT_SIDE: u32 = 1080;

pub(crate) enum Loaded {
    /// The picture, and its share of the indexer's pixel budget (a frame needs none).
    Picture(RgbImage, Option<Permit<'static>>),
    /// Nothing to read in itself (a whole video: its moments are read).
    Nothing,
    /// Not now (no file holds it any more, no ffmpeg): left for a later run.
    Unavailable,
}

/// The picture of item or moment `id`, held by the files at `paths`.
/// Blocking.
pub(crate) fn load(id: &str, paths: &[String]) -> Loaded {
    let present: Vec<&Path> = paths.iter().map(Path::new).filter(|p| p.is_file()).collect();
    let Some(first) = present.first() else { return Loaded::Unavailable };
    if let Some(time_s) = moment_time(id) {
        let Some(ffmpeg) = clipdex_media::find_ffmpeg() else { return Loaded::Unavailable };
        return match clipdex_media::video_frame_at(&ffmpeg, first, time_s, FRAME_SHORT_SIDE) {
            Ok(frame) => Loaded::Picture(frame, None),
            Err(_) => Loaded::Nothing,
        };
    }
    if clipdex_media::is_video_path(first) {
        return Loaded::Nothing;
    }
    let need = Need { short: 0, long: clipdex_ocr::READ_LONG_SIDE };
    for path in present {
        let Ok(bytes) = clipdex_media::read_capped(path, clipdex_media::MAX_FILE_BYTES) else { continue };
        // Decoded pixels share the indexer's budget: eight pictures at once stay bounded.
        if let Ok((decoded, permit)) = clipdex_media::decode_at_least(&bytes, need, |n| PIXELS.take(n)) {
            return Loaded::Picture(decoded.image, Some(permit));
        }
    }
    // Every copy is there but none decodes now: nothing to read.
    Loaded::Nothing
}
