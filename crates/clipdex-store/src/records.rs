//! The plain data the store reads and writes: records, hits, details, reports.

use std::collections::HashMap;

/// An id `<item>#<part>` names a part of an item (a video's moment): it
/// has its own thumbnail and vectors but no path; it lives as long as its
/// item does, and counts as no item of its own.
pub const PART_MARK: char = '#';

/// The item an id belongs to: itself, or the item a part is part of.
pub fn whole_of(id: &str) -> &str {
    id.split_once(PART_MARK).map_or(id, |(whole, _)| whole)
}

/// Whether an id names a part of an item (see [`PART_MARK`]).
pub fn is_part(id: &str) -> bool {
    id.contains(PART_MARK)
}

/// A filter that keeps whole items only.
pub(crate) const WHOLE_ONLY: &str = "id NOT LIKE '%#%'";

/// One distinct content, embedded.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    /// BLAKE3 of the file's bytes, hex.
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub model_id: String,
    pub vector: Vec<f32>,
    /// JPEG bytes.
    pub thumbnail: Vec<u8>,
    /// When it was embedded, milliseconds since the Unix epoch.
    pub indexed_at_ms: i64,
}

/// Size and modification time, as the indexer last saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
}

/// One path in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub path: String,
    /// The item its bytes hash to.
    pub id: String,
    pub stamp: FileStamp,
    /// The library folder it was found under.
    pub root: String,
}

/// A path that could not be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRecord {
    pub path: String,
    pub stamp: FileStamp,
    pub reason: String,
    pub root: String,
    pub at_ms: i64,
}

/// A scored item with every path that holds its content: what a search
/// finds in the store, before the library says why it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
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
}

/// A zero-shot label and its cosine similarity to the item.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub label: String,
    pub score: f32,
}

/// Everything known about an item besides its vector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Details {
    pub id: String,
    /// EXIF date taken, milliseconds since the Unix epoch.
    pub taken_at_ms: Option<i64>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    /// Best first.
    pub tags: Vec<Tag>,
    /// The model (and label vocabulary) the tags come from.
    pub tags_model: String,
    /// Words of the item's paths below their library folders.
    pub words: String,
    pub caption: Option<String>,
    /// Index terms of the words read in the picture (see
    /// `clipdex_ocr::terms`), space-separated; `None` until it is read.
    pub text_terms: Option<String>,
}

impl Details {
    /// The text the keyword index sees.
    pub fn keywords(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.words];
        parts.extend(self.tags.iter().map(|t| t.label.as_str()));
        parts.extend(self.camera.as_deref());
        parts.extend(self.lens.as_deref());
        parts.extend(self.caption.as_deref());
        parts.extend(self.text_terms.as_deref());
        parts.join(" \n ")
    }
}

/// An item scored against a query, before its paths are looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// Exact cosine similarity.
    pub score: f32,
}

/// What the library knows about the paths under one folder.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Known {
    pub files: HashMap<String, (String, FileStamp)>,
    pub failures: HashMap<String, FileStamp>,
}

/// The approximate vector index, when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorIndexInfo {
    /// Rows when it was trained.
    pub trained_rows: usize,
    pub partitions: usize,
    /// Rows added since and not yet folded in (searched exactly meanwhile).
    pub unindexed_rows: usize,
}

/// What [`Store::ensure_vector_index`](crate::Store::ensure_vector_index) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexAction {
    None,
    Built { rows: usize, partitions: usize },
}

/// What [`Store::audit`](crate::Store::audit) found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    pub files: usize,
    pub items: usize,
    pub duplicate_files: usize,
    pub duplicate_items: usize,
    pub dangling_files: usize,
    pub unreferenced_items: usize,
}

/// One model's vector for one item (see [`Store::write_vectors`](crate::Store::write_vectors)).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorRecord {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub vector: Vec<f32>,
    pub indexed_at_ms: i64,
}
