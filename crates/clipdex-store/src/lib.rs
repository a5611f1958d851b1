//! The library's storage: an embedded LanceDB database in the library folder.
//!
//! Identity is content. Tables:
//! - `items`: one row per distinct content (id = BLAKE3 of the bytes): size in
//!   pixels and a JPEG thumbnail. Model-free.
//! - `vectors_<space>`: one table per model ("vector space"): the embedding of
//!   each item as `FixedSizeList<Float32, D>` (D is the model's), with the
//!   size in pixels repeated so a search needs no second lookup. Several
//!   models can index one library side by side; each search names its space.
//! - `files`: one row per path: the item id its bytes hash to, size, mtime,
//!   and the library folder ("root") it was found under. A moved file is a new
//!   `files` row pointing at the same item; two copies are two rows, one item.
//! - `failures`: paths that could not be indexed, with a human reason and the
//!   size and mtime they had, so they are retried once they change.
//! - `roots`: the library's folders. `meta`: key/value facts (model id, …).
//! - `details`: what is known about an item besides its vector: EXIF date,
//!   camera and lens, zero-shot tags with scores, the words of its paths, its
//!   user caption, and all of these joined in `keywords`, which carries a
//!   full-text (BM25) index. Derived data: rebuilt from files and vectors.
//! - Parts: an id `<item>#<part>` (a video's moment) has an `items` row and
//!   vectors like an item, but no `files` row: it belongs to `<item>`, lives
//!   as long as it does, and is not counted, listed or described as an item.
//! - `texts`: the words read in each item's picture (and each video
//!   moment's frame) by an OCR engine, with their boxes, and which engine
//!   and languages read them; their index terms are copied into `details`
//!   (`text_terms`, part of `keywords`). Derived, but costly: kept while the
//!   item lives, so a moved file is not read again.
//! - `captions`: captions users wrote, by item id. User data: never derived,
//!   kept even while no file holds the item (it may come back).
//!
//! Every write is one LanceDB commit, so a row is fully there or absent.
//! Writers add items, then their vectors, before the files that point at
//! them: after a crash at any moment, no `files` row points at a missing
//! item and no vector lacks its item; an item nobody points at is invisible
//! to search and is collected by [`Store::collect_garbage`].
//! The store knows nothing about images or models: vectors are numbers,
//! thumbnails bytes, the model id a string.

mod details;
mod error;
mod meta;
mod open;
mod read;
mod records;
mod rows;
mod schema;
mod search;
mod spaces;
mod texts;
mod timeline;
mod upkeep;
mod vector_index;
mod write;

use std::collections::HashMap;

use lancedb::{Connection, Table};

pub use error::{Result, StoreError};
pub use meta::{CalibrationRecord, ModelEntry, Reported, Throughput};
pub use open::{holds_database, Recovery};
pub use records::{
    is_part, whole_of, Audit, Details, FailureRecord, FileRecord, FileStamp, IndexAction, ItemRecord, Known, Located,
    Scored, Tag, VectorIndexInfo, VectorRecord, PART_MARK,
};
pub use schema::{space_of_table, space_table};
pub use search::with_paths;
pub use texts::TextRecord;
pub use timeline::Dated;
pub use vector_index::DEFAULT_ANN_THRESHOLD;

/// How stale a read may be with respect to another process's commits.
const READ_CONSISTENCY: std::time::Duration = std::time::Duration::from_secs(1);

pub struct Store {
    db: Connection,
    db_dir: std::path::PathBuf,
    /// Tables opened at an older version because the newest was unreadable.
    rolled_back: Vec<String>,
    /// Content rows (model-free).
    items: Table,
    /// Vector tables opened so far, by space (model id); `Table` is a cheap handle.
    spaces: std::sync::RwLock<HashMap<String, Table>>,
    files: Table,
    failures: Table,
    roots: Table,
    meta: Table,
    details: Table,
    captions: Table,
    /// Text read in pictures (OCR).
    texts: Table,
    /// Whether `details.keywords` has its full-text index yet.
    fts_ready: std::sync::atomic::AtomicBool,
    /// [`Store::vector_index`] per space, remembered for a second (every search asks).
    ann_cache: std::sync::Mutex<HashMap<String, (std::time::Instant, Option<VectorIndexInfo>)>>,
}
