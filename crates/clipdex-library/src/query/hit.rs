//! What a search returns: one item a hit, with every path that holds its
//! content, its details, and why it matched.

use clipdex_store::{Details, Located};

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
}

impl Hit {
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
