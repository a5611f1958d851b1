//! What a search returns: one item a hit, with every path that holds its
//! content, its details, and why it matched.

use clipdex_store::{Details, Located};

use crate::query::moments::MomentHit;

/// A search result: one item, with every path that holds its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    /// The first of `paths`, for display.
    pub path: String,
    pub paths: Vec<String>,
    pub width: u32,
    pub height: u32,
    pub size: u64,
    pub mtime_ns: i64,
    /// Cosine similarity, −1 to 1.
    pub score: f32,
    /// Date, camera, tags… when the item has been described.
    pub details: Option<Details>,
    pub why: Why,
    /// A video's best moments for the query, best first (empty for a photo).
    pub moments: Vec<MomentHit>,
    /// Words read in the picture that the query (its words or a `text:`
    /// filter) found, with their boxes as fractions of the upright picture;
    /// a video's, from its moments.
    pub text_match: Vec<clipdex_ocr::Word>,
}

impl Hit {
    /// Whether the hit is a video (by its path).
    pub fn is_video(&self) -> bool {
        clipdex_media::is_video_path(std::path::Path::new(&self.path))
    }

    /// `photo`, `gif` or `video`, by its path.
    pub fn kind(&self) -> &'static str {
        clipdex_media::media_type(std::path::Path::new(&self.path))
    }

    /// Seconds into a video of its best moment.
    pub fn time_s(&self) -> Option<f64> {
        self.moments.first().map(|m| m.time_s)
    }

    /// EXIF date taken, else the file's modification time, in nanoseconds.
    pub fn date_ns(&self) -> i64 {
        self.details.as_ref().and_then(|d| d.taken_at_ms).map_or(self.mtime_ns, |ms| ms.saturating_mul(1_000_000))
    }

    /// The EXIF date taken as ISO 8601 UTC (`2024-07-01T12:30:00Z`), if the photo has one.
    pub fn taken_at_iso(&self) -> Option<String> {
        self.details.as_ref().and_then(|d| d.taken_at_ms).map(clipdex_media::iso_utc)
    }
}

impl From<Located> for Hit {
    fn from(l: Located) -> Self {
        Self {
            id: l.id,
            path: l.path,
            paths: l.paths,
            width: l.width,
            height: l.height,
            size: l.size,
            mtime_ns: l.mtime_ns,
            score: l.score,
            details: None,
            why: Why::default(),
            moments: Vec::new(),
            text_match: Vec::new(),
        }
    }
}

/// Why a hit matched (filled in by the search that fused the lists).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Why {
    /// Rank (1-based) in the vector list, if it was there.
    pub vector_rank: Option<usize>,
    /// Rank in the keyword list, if it was there.
    pub keyword_rank: Option<usize>,
    /// Which fields held query words, e.g. `tags: dog`, `path: beach`.
    pub keyword_fields: Vec<String>,
    /// Reciprocal-rank-fusion score (hybrid), else 0.
    pub fused: f32,
}

impl Why {
    /// What the keyword match was found in, in a front end's words: `name`
    /// (the path), `tag`, `camera` (camera or lens), `words` (words read in
    /// the picture) or `text` (caption, or the keyword index without a field
    /// named), each once, in that order.
    pub fn matched_by(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for f in &self.keyword_fields {
            let kind = match f.split(':').next().unwrap_or("") {
                "path" => "name",
                "tags" => "tag",
                "camera" | "lens" => "camera",
                "text" => "words",
                _ => "text",
            };
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        out.sort_by_key(|k| ["name", "tag", "camera", "words", "text"].iter().position(|x| x == k));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_matches_are_named_by_where_they_were_found() {
        let why = |f: &[&str]| Why { keyword_fields: f.iter().map(|s| s.to_string()).collect(), ..Why::default() };
        assert_eq!(why(&["tags: dog", "path: beach dog", "lens: 50mm"]).matched_by(), ["name", "tag", "camera"]);
        assert_eq!(why(&["keywords"]).matched_by(), ["text"]);
        assert_eq!(why(&["caption: sled", "camera: pixel", "lens: wide"]).matched_by(), ["camera", "text"]);
        assert_eq!(why(&["text: ACME", "caption: shop", "path: receipts"]).matched_by(), ["name", "words", "text"]);
        assert!(why(&[]).matched_by().is_empty());
    }
}
