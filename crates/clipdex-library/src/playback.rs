//! A video's bytes for a player, by item id and byte range: what a front
//! end's media scheme or local media server serves. Only a file the
//! library holds for that id, unchanged since it was indexed (same size
//! and modification time), is read; never a path a front end names.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{LibraryError, Result};
use crate::index::steps::stamp_now;
use crate::state::{blocking, is_item_id, State};

/// The most bytes one answer carries (a player asks again for the rest).
pub const MAX_CHUNK: u64 = 4 << 20;

/// Part of a video file.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoChunk {
    pub bytes: Vec<u8>,
    /// Offset of `bytes` in the file.
    pub start: u64,
    /// The file's size.
    pub total: u64,
    pub mime: &'static str,
}

/// The MIME type a player is told for a video file, by its extension.
pub fn video_mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("webm") => "video/webm",
        Some("mov") => "video/quicktime",
        Some("mkv") => "video/x-matroska",
        Some("avi") => "video/x-msvideo",
        _ => "video/mp4",
    }
}

/// Whether an id is a video's (one of the paths holding it is a video).
pub(crate) async fn is_video(state: &State, id: &str) -> bool {
    if !is_item_id(id) || clipdex_store::is_part(id) {
        return false;
    }
    let files = state.store.files_of(&[id.to_string()]).await.unwrap_or_default();
    files.get(id).is_some_and(|f| f.iter().any(|f| clipdex_media::is_video_path(Path::new(&f.path))))
}

/// Bytes `start..=end` (at most [`MAX_CHUNK`]; to the end of the file when
/// `end` is `None`) of the video with this item id.
pub(crate) async fn video_chunk(state: &State, id: &str, start: u64, end: Option<u64>) -> Result<VideoChunk> {
    if !is_item_id(id) || clipdex_store::is_part(id) {
        return Err(LibraryError::BadArgument(format!("{id:?} is not a video's id")));
    }
    let files = state.store.files_of(&[id.to_string()]).await?;
    let held = files.get(id).cloned().unwrap_or_default();
    let file = held
        .into_iter()
        .filter(|f| clipdex_media::is_video_path(Path::new(&f.path)))
        .find(|f| stamp_now(Path::new(&f.path)) == Some(f.stamp))
        .ok_or_else(|| LibraryError::NoSuchItem(id.to_string()))?;
    blocking(move || {
        let path = Path::new(&file.path);
        let io = |source| LibraryError::Io { path: path.to_path_buf(), source };
        let total = file.stamp.size;
        if start >= total || end.is_some_and(|e| e < start) {
            return Err(LibraryError::BadArgument(format!("bytes {start}– are outside the video ({total} bytes)")));
        }
        let last = end.unwrap_or(total - 1).min(total - 1).min(start + MAX_CHUNK - 1);
        let mut f = std::fs::File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut bytes = vec![0u8; (last - start + 1) as usize];
        f.read_exact(&mut bytes).map_err(io)?;
        Ok(VideoChunk { bytes, start, total, mime: video_mime(path) })
    })
    .await?
}

/// `bytes=10-`, `bytes=10-99` → (10, None), (10, Some(99)); a suffix
/// (`bytes=-500`) or several ranges are not asked for by players and read
/// from the start.
pub fn parse_range(header: Option<&str>) -> (u64, Option<u64>) {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return (0, None) };
    if spec.contains(',') {
        return (0, None);
    }
    let Some((a, b)) = spec.split_once('-') else { return (0, None) };
    match (a.trim().parse::<u64>(), b.trim()) {
        (Ok(start), "") => (start, None),
        (Ok(start), b) => (start, b.parse().ok()),
        _ => (0, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_players_send_them() {
        assert_eq!(parse_range(Some("bytes=0-")), (0, None));
        assert_eq!(parse_range(Some("bytes=100-199")), (100, Some(199)));
        assert_eq!(parse_range(Some("bytes=-500")), (0, None));
        assert_eq!(parse_range(None), (0, None));
        assert_eq!(video_mime(Path::new("/a/B.WEBM")), "video/webm");
    }
}
