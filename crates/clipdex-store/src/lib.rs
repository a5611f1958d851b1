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

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Float32Type;
use arrow_array::{
    Array, BinaryArray, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
    UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};
use lancedb::{Connection, DistanceType, Table};

const ITEMS: &str = "items";
const FILES: &str = "files";
const FAILURES: &str = "failures";
const ROOTS: &str = "roots";
const META: &str = "meta";
const DETAILS: &str = "details";
const CAPTIONS: &str = "captions";

/// Values in one `IN (…)` filter, at most; longer lists are split.
const IN_CHUNK: usize = 500;

/// How stale a read may be with respect to another process's commits.
const READ_CONSISTENCY: std::time::Duration = std::time::Duration::from_secs(1);

/// Meta keys the store itself keeps about its vector index.
const META_ANN_ROWS: &str = "ann_rows";
const META_ANN_PARTITIONS: &str = "ann_partitions";
/// Tables holding one model's vectors are named `vectors_<encoded model id>`.
const SPACE_PREFIX: &str = "vectors_";

/// Rows from which an approximate (IVF-SQ) vector index is built, by default.
/// Below it every search is an exact scan, which is fast enough there.
pub const DEFAULT_ANN_THRESHOLD: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the library folder {path}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the library database failed while {context}")]
    Lance {
        context: &'static str,
        #[source]
        source: lancedb::Error,
    },
    #[error("the library database returned unexpected data: {0}")]
    Schema(String),
    #[error("this library stores {stored}-dimensional vectors; got {given}")]
    DimensionMismatch { stored: usize, given: usize },
    #[error("the library has no vectors for the model {0}")]
    NoSpace(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn lance(context: &'static str) -> impl FnOnce(lancedb::Error) -> StoreError {
    move |source| StoreError::Lance { context, source }
}

fn arrow(e: arrow_schema::ArrowError) -> StoreError {
    StoreError::Schema(e.to_string())
}

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
}

impl Details {
    /// The text the keyword index sees.
    pub fn keywords(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.words];
        parts.extend(self.tags.iter().map(|t| t.label.as_str()));
        parts.extend(self.camera.as_deref());
        parts.extend(self.lens.as_deref());
        parts.extend(self.caption.as_deref());
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

/// What [`Store::ensure_vector_index`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexAction {
    None,
    Built { rows: usize, partitions: usize },
}

/// What [`Store::audit`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    pub files: usize,
    pub items: usize,
    pub duplicate_files: usize,
    pub duplicate_items: usize,
    pub dangling_files: usize,
    pub unreferenced_items: usize,
}

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
    /// Whether `details.keywords` has its full-text index yet.
    fts_ready: std::sync::atomic::AtomicBool,
    /// [`Store::vector_index`] per space, remembered for a second (every search asks).
    ann_cache: std::sync::Mutex<HashMap<String, (std::time::Instant, Option<VectorIndexInfo>)>>,
}

/// One model's vector for one item (see [`Store::write_vectors`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorRecord {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub vector: Vec<f32>,
    pub indexed_at_ms: i64,
}

/// The table name of a space: `vectors_` and the model id with every byte
/// outside `[A-Za-z0-9-]` written as `_xx` (hex), so names never collide.
pub fn space_table(space: &str) -> String {
    let mut out = String::from(SPACE_PREFIX);
    for b in space.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

/// The space a table name encodes, if it is a vectors table.
pub fn space_of_table(name: &str) -> Option<String> {
    let rest = name.strip_prefix(SPACE_PREFIX)?;
    let mut bytes = Vec::new();
    let mut it = rest.bytes();
    while let Some(b) = it.next() {
        if b == b'_' {
            let hex: String = [it.next()?, it.next()?].iter().map(|&c| c as char).collect();
            bytes.push(u8::from_str_radix(&hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

fn ann_key(base: &str, space: &str) -> String {
    format!("{base}:{space}")
}

fn items_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("width", DataType::UInt32, false),
        Field::new("height", DataType::UInt32, false),
        Field::new("thumbnail", DataType::Binary, false),
        Field::new("indexed_at_ms", DataType::Int64, false),
    ]))
}

fn vectors_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("width", DataType::UInt32, false),
        Field::new("height", DataType::UInt32, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), dim as i32),
            false,
        ),
        Field::new("indexed_at_ms", DataType::Int64, false),
    ]))
}

fn vectors_batch(dim: usize, rows: &[VectorRecord]) -> Result<RecordBatch> {
    RecordBatch::try_new(
        vectors_schema(dim),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.id.as_str()))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.width))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.height))),
            Arc::new(FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
                rows.iter().map(|r| Some(r.vector.iter().copied().map(Some).collect::<Vec<_>>())),
                dim as i32,
            )),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.indexed_at_ms))),
        ],
    )
    .map_err(arrow)
}

/// The width of a table's `vector` column, if it has one.
async fn vector_width(table: &Table) -> Result<Option<usize>> {
    let schema = table.schema().await.map_err(lance("reading a schema"))?;
    match schema.field_with_name("vector").map(|f| f.data_type().clone()) {
        Ok(DataType::FixedSizeList(_, n)) => Ok(Some(n as usize)),
        Ok(_) => Err(StoreError::Schema("vector is not a fixed-size list".into())),
        Err(_) => Ok(None),
    }
}

/// Libraries written before models got a table each kept the vectors in
/// `items` (with a `model_id` column). Moves them to their model's table and
/// drops the columns from `items`. Safe to interrupt: until the columns are
/// dropped, the next open does it all again (overwriting the half-made table).
async fn migrate_single_model_items(db: &Connection, meta: &Table, items: &Table) -> Result<()> {
    let Some(dim) = vector_width(items).await? else { return Ok(()) };
    let batches = collect(
        items.query().select(Select::columns(&["id", "width", "height", "model_id", "vector", "indexed_at_ms"])),
        "reading vectors to migrate",
    )
    .await?;
    let mut by_space: HashMap<String, Vec<VectorRecord>> = HashMap::new();
    for b in &batches {
        let (id, w, h, m, t) = (
            column::<StringArray>(b, "id")?,
            column::<UInt32Array>(b, "width")?,
            column::<UInt32Array>(b, "height")?,
            column::<StringArray>(b, "model_id")?,
            column::<Int64Array>(b, "indexed_at_ms")?,
        );
        let list = column::<FixedSizeListArray>(b, "vector")?;
        for i in 0..b.num_rows() {
            by_space.entry(m.value(i).to_string()).or_default().push(VectorRecord {
                id: id.value(i).to_string(),
                width: w.value(i),
                height: h.value(i),
                vector: row_vector(list, i)?,
                indexed_at_ms: t.value(i),
            });
        }
    }
    for (space, rows) in &by_space {
        let batch = vectors_batch(dim, rows)?;
        db.create_table(space_table(space), batch)
            .mode(lancedb::database::CreateTableMode::Overwrite)
            .execute()
            .await
            .map_err(lance("migrating vectors"))?;
    }
    for ix in items.list_indices().await.map_err(lance("listing indexes"))? {
        if ix.columns.iter().any(|c| c == "vector") {
            items.drop_index(&ix.name).await.map_err(lance("dropping the old vector index"))?;
        }
    }
    items.drop_columns(&["vector", "model_id"]).await.map_err(lance("migrating items"))?;
    // The old index facts described the items table; the new tables get their own.
    meta.delete(in_list("key", &[META_ANN_ROWS, META_ANN_PARTITIONS]).as_str())
        .await
        .map_err(lance("migrating library metadata"))?;
    Ok(())
}

fn files_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("root", DataType::Utf8, false),
    ]))
}

fn failures_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("root", DataType::Utf8, false),
        Field::new("at_ms", DataType::Int64, false),
    ]))
}

fn roots_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("added_at_ms", DataType::Int64, false),
    ]))
}

fn details_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("taken_at_ms", DataType::Int64, true),
        Field::new("camera", DataType::Utf8, true),
        Field::new("lens", DataType::Utf8, true),
        // "label\tscore" lines, best first.
        Field::new("tags", DataType::Utf8, false),
        Field::new("tags_model", DataType::Utf8, false),
        Field::new("words", DataType::Utf8, false),
        Field::new("caption", DataType::Utf8, true),
        Field::new("keywords", DataType::Utf8, false),
    ]))
}

fn captions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("caption", DataType::Utf8, false),
        Field::new("at_ms", DataType::Int64, false),
    ]))
}

fn meta_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("key", DataType::Utf8, false), Field::new("value", DataType::Utf8, false)]))
}

/// A SQL string literal for LanceDB filters.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn in_list<S: AsRef<str>>(column: &str, values: &[S]) -> String {
    let list: Vec<String> = values.iter().map(|v| quote(v.as_ref())).collect();
    format!("{column} IN ({})", list.join(", "))
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| StoreError::Schema(format!("column {name} is missing or has the wrong type")))
}

/// Runs a query and gathers its batches.
async fn collect(query: impl ExecutableQuery, context: &'static str) -> Result<Vec<RecordBatch>> {
    let stream = query.execute().await.map_err(lance(context))?;
    stream.try_collect().await.map_err(lance(context))
}

fn reader(batch: RecordBatch) -> Box<dyn arrow_array::RecordBatchReader + Send> {
    let schema = batch.schema();
    Box::new(RecordBatchIterator::new(vec![Ok(batch)], schema))
}

/// Inserts or replaces rows by `key` in one commit.
async fn upsert(table: &Table, key: &str, batch: RecordBatch, context: &'static str) -> Result<()> {
    if batch.num_rows() == 0 {
        return Ok(());
    }
    let mut m = table.merge_insert(&[key]);
    m.when_matched_update_all(None).when_not_matched_insert_all();
    m.execute(reader(batch)).await.map_err(lance(context))?;
    Ok(())
}

/// Deletes rows whose `column` is one of `values`, a chunk per commit.
async fn delete_in<S: AsRef<str>>(table: &Table, column: &str, values: &[S], context: &'static str) -> Result<()> {
    for chunk in values.chunks(IN_CHUNK) {
        table.delete(in_list(column, chunk).as_str()).await.map_err(lance(context))?;
    }
    Ok(())
}

/// Versions a table may be rolled back by when opening, at most.
const MAX_ROLLBACK: usize = 8;

/// Moves the newest version manifest of a table into `<db>/quarantine/`, so
/// the previous version becomes the newest. Returns the version moved, or
/// `None` if there was none. Nothing is deleted.
fn quarantine_newest(db_dir: &Path, name: &str) -> std::io::Result<Option<u64>> {
    let versions = db_dir.join(format!("{name}.lance")).join("_versions");
    let mut newest: Option<(u64, std::path::PathBuf)> = None;
    for entry in std::fs::read_dir(&versions)?.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(n) = file.strip_suffix(".manifest").and_then(|n| n.parse::<u64>().ok()) else { continue };
        // Lance names manifests `{version}` (V1) or `{u64::MAX - version}` (V2).
        let version = if n > u64::MAX / 2 { u64::MAX - n } else { n };
        if newest.as_ref().is_none_or(|(v, _)| version > *v) {
            newest = Some((version, entry.path()));
        }
    }
    let Some((version, path)) = newest else { return Ok(None) };
    let dest = db_dir.join("quarantine");
    std::fs::create_dir_all(&dest)?;
    std::fs::rename(&path, dest.join(format!("{name}-v{version}.manifest")))?;
    // The hint names the version just moved; without it Lance lists the folder.
    let hint = versions.join("latest_version_hint.json");
    if hint.exists() {
        std::fs::rename(&hint, dest.join(format!("{name}-v{version}-hint.json")))?;
    }
    Ok(Some(version))
}

/// Opens a table. If its newest version cannot be read (an error, or a panic
/// inside Lance on a damaged manifest), that version is quarantined and the
/// previous one opened: the library loses at most the last commits, which
/// the next indexing run redoes. `Ok(None)` if the table does not exist.
async fn open_recovering(
    db: &Connection,
    db_dir: &Path,
    name: &str,
    rolled_back: &mut Vec<String>,
) -> Result<Option<Table>> {
    for _ in 0..=MAX_ROLLBACK {
        let attempt = {
            let (db, name) = (db.clone(), name.to_string());
            tokio::spawn(async move { db.open_table(name).execute().await }).await
        };
        let why = match attempt {
            Ok(Ok(t)) => return Ok(Some(t)),
            Ok(Err(lancedb::Error::TableNotFound { .. })) => return Ok(None),
            Ok(Err(e)) => e.to_string(),
            Err(panic) => format!("the reader crashed: {panic}"),
        };
        match quarantine_newest(db_dir, name) {
            Ok(Some(v)) => {
                rolled_back.push(format!("{name}: version {v} was unreadable ({why}); opened the one before"))
            }
            _ => return Err(StoreError::Schema(format!("the {name} table cannot be read: {why}"))),
        }
    }
    Err(StoreError::Schema(format!("the {name} table cannot be read, even {MAX_ROLLBACK} versions back")))
}

async fn open_or_create(
    db: &Connection,
    db_dir: &Path,
    name: &str,
    schema: SchemaRef,
    rolled_back: &mut Vec<String>,
) -> Result<Table> {
    match open_recovering(db, db_dir, name, rolled_back).await {
        Ok(Some(t)) => Ok(t),
        Ok(None) => match db.create_empty_table(name, schema).execute().await {
            Ok(t) => Ok(t),
            // Another process created it in between: open theirs.
            Err(lancedb::Error::TableAlreadyExists { .. }) => {
                db.open_table(name).execute().await.map_err(lance("opening a table"))
            }
            Err(e) => Err(lance("creating a table")(e)),
        },
        Err(e) => Err(e),
    }
}

/// Keeps the last row per key (later rows win), so one commit never carries two rows for one key.
fn last_per_key<T: Clone>(rows: &[T], key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out: Vec<T> = rows.iter().rev().filter(|r| seen.insert(key(r).to_string())).cloned().collect();
    out.reverse();
    out
}

impl Store {
    /// Opens (creating if needed) the database inside `dir`.
    pub async fn open(dir: &Path) -> Result<Self> {
        let db_dir = dir.join("db");
        std::fs::create_dir_all(&db_dir)
            .map_err(|source| StoreError::CreateDir { path: db_dir.display().to_string(), source })?;
        let uri = db_dir.to_string_lossy().into_owned();
        // Other processes (the CLI, a watcher, the app) write to the same
        // library: re-check a table's newest version at most once a second.
        let db = lancedb::connect(&uri)
            .read_consistency_interval(READ_CONSISTENCY)
            .execute()
            .await
            .map_err(lance("opening the database"))?;
        let mut rolled_back = Vec::new();
        let files = open_or_create(&db, &db_dir, FILES, files_schema(), &mut rolled_back).await?;
        let failures = open_or_create(&db, &db_dir, FAILURES, failures_schema(), &mut rolled_back).await?;
        let roots = open_or_create(&db, &db_dir, ROOTS, roots_schema(), &mut rolled_back).await?;
        let meta = open_or_create(&db, &db_dir, META, meta_schema(), &mut rolled_back).await?;
        let details = open_or_create(&db, &db_dir, DETAILS, details_schema(), &mut rolled_back).await?;
        let captions = open_or_create(&db, &db_dir, CAPTIONS, captions_schema(), &mut rolled_back).await?;
        let items = open_or_create(&db, &db_dir, ITEMS, items_schema(), &mut rolled_back).await?;
        migrate_single_model_items(&db, &meta, &items).await?;
        let fts_ready = details
            .list_indices()
            .await
            .map_err(lance("listing indexes"))?
            .iter()
            .any(|i| i.columns.iter().any(|c| c == "keywords"));
        Ok(Self {
            db,
            db_dir,
            items,
            spaces: std::sync::RwLock::new(HashMap::new()),
            files,
            failures,
            roots,
            meta,
            details,
            captions,
            fts_ready: fts_ready.into(),
            ann_cache: std::sync::Mutex::new(HashMap::new()),
            rolled_back,
        })
    }

    /// What was rolled back when opening, for people to read.
    pub fn rolled_back(&self) -> &[String] {
        &self.rolled_back
    }

    /// Damaged versions moved aside, ever, in `<library>/db/quarantine/`.
    pub fn quarantined(&self) -> usize {
        std::fs::read_dir(self.db_dir.join("quarantine"))
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".manifest")).count())
            .unwrap_or(0)
    }

    /// Every table but the vector tables.
    fn small_tables(&self) -> Vec<Table> {
        vec![
            self.items.clone(),
            self.files.clone(),
            self.failures.clone(),
            self.roots.clone(),
            self.meta.clone(),
            self.details.clone(),
            self.captions.clone(),
        ]
    }

    /// The vectors table of a space (model id), if it exists.
    async fn space_table_opt(&self, space: &str) -> Result<Option<Table>> {
        if let Some(t) = self.spaces.read().unwrap_or_else(|p| p.into_inner()).get(space) {
            return Ok(Some(t.clone()));
        }
        let t = open_recovering(&self.db, &self.db_dir, &space_table(space), &mut Vec::new()).await?;
        if let Some(t) = &t {
            self.spaces.write().unwrap_or_else(|p| p.into_inner()).insert(space.to_string(), t.clone());
        }
        Ok(t)
    }

    async fn space_table_req(&self, space: &str) -> Result<Table> {
        self.space_table_opt(space).await?.ok_or_else(|| StoreError::NoSpace(space.to_string()))
    }

    /// Every space that has a vectors table, by model id.
    pub async fn spaces(&self) -> Result<Vec<String>> {
        let names = self.db.table_names().execute().await.map_err(lance("listing tables"))?;
        let mut out: Vec<String> = names.iter().filter_map(|n| space_of_table(n)).collect();
        out.sort();
        Ok(out)
    }

    async fn all_space_tables(&self) -> Result<Vec<(String, Table)>> {
        let mut out = Vec::new();
        for space in self.spaces().await? {
            if let Some(t) = self.space_table_opt(&space).await? {
                out.push((space, t));
            }
        }
        Ok(out)
    }

    /// The vector width of a space, once it has a table.
    pub async fn space_dimension(&self, space: &str) -> Result<Option<usize>> {
        match self.space_table_opt(space).await? {
            Some(t) => vector_width(&t).await,
            None => Ok(None),
        }
    }

    /// Creates the vectors table of a space for `dim`-wide vectors, or checks
    /// the existing one matches.
    pub async fn ensure_space(&self, space: &str, dim: usize) -> Result<()> {
        if let Some(stored) = self.space_dimension(space).await? {
            return if stored == dim { Ok(()) } else { Err(StoreError::DimensionMismatch { stored, given: dim }) };
        }
        let table =
            open_or_create(&self.db, &self.db_dir, &space_table(space), vectors_schema(dim), &mut Vec::new()).await?;
        self.spaces.write().unwrap_or_else(|p| p.into_inner()).insert(space.to_string(), table);
        match self.space_dimension(space).await? {
            Some(stored) if stored != dim => Err(StoreError::DimensionMismatch { stored, given: dim }),
            _ => Ok(()),
        }
    }

    /// Deletes a space's vectors table. `Ok(false)` if there was none.
    pub async fn drop_space(&self, space: &str) -> Result<bool> {
        if self.space_table_opt(space).await?.is_none() {
            return Ok(false);
        }
        self.spaces.write().unwrap_or_else(|p| p.into_inner()).remove(space);
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(space);
        self.db.drop_table(space_table(space), &[]).await.map_err(lance("dropping a model's vectors"))?;
        let keys = [ann_key(META_ANN_ROWS, space), ann_key(META_ANN_PARTITIONS, space)];
        self.meta.delete(in_list("key", &keys).as_str()).await.map_err(lance("updating library metadata"))?;
        Ok(true)
    }

    /// How many items have a vector in this space.
    pub async fn count_vectors(&self, space: &str) -> Result<usize> {
        match self.space_table_opt(space).await? {
            Some(t) => t.count_rows(None).await.map_err(lance("counting vectors")),
            None => Ok(0),
        }
    }

    /// Items some file holds that have no vector in this space yet, sorted.
    pub async fn missing_vectors(&self, space: &str) -> Result<Vec<String>> {
        let held = Self::all_ids(&self.files, "listing file ids").await?;
        let have = match self.space_table_opt(space).await? {
            Some(t) => Self::all_ids(&t, "listing vector ids").await?,
            None => HashSet::new(),
        };
        let mut out: Vec<String> = held.into_iter().filter(|id| !have.contains(id)).collect();
        out.sort();
        Ok(out)
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let batches =
            collect(self.meta.query().only_if(format!("key = {}", quote(key))), "reading library metadata").await?;
        for b in &batches {
            let v = column::<StringArray>(b, "value")?;
            if !v.is_empty() {
                return Ok(Some(v.value(0).to_string()));
            }
        }
        Ok(None)
    }

    /// Sets several metadata keys in one commit.
    pub async fn set_meta(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let values: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        let batch = RecordBatch::try_new(
            meta_schema(),
            vec![Arc::new(StringArray::from(keys)), Arc::new(StringArray::from(values))],
        )
        .map_err(arrow)?;
        upsert(&self.meta, "key", batch, "writing library metadata").await
    }

    /// Records library folders (already absolute).
    pub async fn add_roots(&self, roots: &[String], now_ms: i64) -> Result<()> {
        let batch = RecordBatch::try_new(
            roots_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(roots.iter())),
                Arc::new(Int64Array::from_iter_values(roots.iter().map(|_| now_ms))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.roots, "path", batch, "recording library folders").await
    }

    /// The library's folders, sorted.
    pub async fn roots(&self) -> Result<Vec<String>> {
        let batches = collect(self.roots.query().select(Select::columns(&["path"])), "listing library folders").await?;
        let mut out = Vec::new();
        for b in &batches {
            let p = column::<StringArray>(b, "path")?;
            out.extend((0..b.num_rows()).map(|i| p.value(i).to_string()));
        }
        out.sort();
        Ok(out)
    }

    /// Forgets a library folder: its files and failures go, then items no path holds.
    pub async fn remove_root(&self, root: &str) -> Result<()> {
        let filter = format!("root = {}", quote(root));
        self.files.delete(filter.as_str()).await.map_err(lance("removing a folder's files"))?;
        self.failures.delete(filter.as_str()).await.map_err(lance("removing a folder's failures"))?;
        self.roots.delete(format!("path = {}", quote(root)).as_str()).await.map_err(lance("removing a folder"))?;
        self.collect_garbage().await?;
        Ok(())
    }

    /// Everything recorded under one library folder.
    pub async fn known_under(&self, root: &str) -> Result<Known> {
        let mut known = Known::default();
        let filter = format!("root = {}", quote(root));
        for f in self.file_rows(Some(filter.clone()), "listing known files").await? {
            known.files.insert(f.path, (f.id, f.stamp));
        }
        let batches = collect(
            self.failures.query().only_if(filter).select(Select::columns(&["path", "size", "mtime_ns"])),
            "listing known failures",
        )
        .await?;
        for b in &batches {
            let (p, s, m) = (
                column::<StringArray>(b, "path")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
            );
            for i in 0..b.num_rows() {
                known.failures.insert(p.value(i).to_string(), FileStamp { size: s.value(i), mtime_ns: m.value(i) });
            }
        }
        Ok(known)
    }

    /// Whether the library holds this content id (in any space).
    pub async fn item_exists(&self, id: &str) -> Result<bool> {
        let n =
            self.items.count_rows(Some(format!("id = {}", quote(id)))).await.map_err(lance("looking up an item"))?;
        Ok(n > 0)
    }

    /// Which of these item ids already have a vector in this space.
    pub async fn existing_ids(&self, space: &str, ids: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        let Some(items) = self.space_table_opt(space).await? else { return Ok(out) };
        for chunk in ids.chunks(IN_CHUNK) {
            let batches = collect(
                items.query().only_if(in_list("id", chunk)).select(Select::columns(&["id"])),
                "looking up items",
            )
            .await?;
            for b in &batches {
                let id = column::<StringArray>(b, "id")?;
                out.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
            }
        }
        Ok(out)
    }

    /// Inserts or replaces items (by id): their content rows in one commit,
    /// then their vectors in the space of their `model_id` (created with
    /// [`Store::ensure_space`]) in one commit per space.
    pub async fn write_items(&self, items: &[ItemRecord]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let items = last_per_key(items, |i| &i.id);
        let mut by_space: HashMap<&str, Vec<VectorRecord>> = HashMap::new();
        for i in &items {
            by_space.entry(i.model_id.as_str()).or_default().push(VectorRecord {
                id: i.id.clone(),
                width: i.width,
                height: i.height,
                vector: i.vector.clone(),
                indexed_at_ms: i.indexed_at_ms,
            });
        }
        // Check every space before writing anything.
        for (space, rows) in &by_space {
            let dim = self.space_dimension(space).await?.ok_or_else(|| StoreError::NoSpace(space.to_string()))?;
            if let Some(bad) = rows.iter().find(|r| r.vector.len() != dim) {
                return Err(StoreError::DimensionMismatch { stored: dim, given: bad.vector.len() });
            }
        }
        let batch = RecordBatch::try_new(
            items_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(items.iter().map(|i| i.id.as_str()))),
                Arc::new(UInt32Array::from_iter_values(items.iter().map(|i| i.width))),
                Arc::new(UInt32Array::from_iter_values(items.iter().map(|i| i.height))),
                Arc::new(BinaryArray::from_iter_values(items.iter().map(|i| i.thumbnail.as_slice()))),
                Arc::new(Int64Array::from_iter_values(items.iter().map(|i| i.indexed_at_ms))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.items, "id", batch, "writing items").await?;
        for (space, rows) in by_space {
            self.write_vectors(space, &rows).await?;
        }
        Ok(())
    }

    /// Inserts or replaces vectors of items that are already written, in one
    /// commit (a second model indexing content the library has).
    pub async fn write_vectors(&self, space: &str, rows: &[VectorRecord]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let table = self.space_table_req(space).await?;
        let dim = vector_width(&table).await?.unwrap_or(0);
        if let Some(bad) = rows.iter().find(|r| r.vector.len() != dim) {
            return Err(StoreError::DimensionMismatch { stored: dim, given: bad.vector.len() });
        }
        let rows = last_per_key(rows, |r| &r.id);
        upsert(&table, "id", vectors_batch(dim, &rows)?, "writing vectors").await?;
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(space);
        Ok(())
    }

    /// Inserts or replaces files (by path) in one commit, then clears any
    /// failure recorded for those paths. Their items must already be written.
    pub async fn write_files(&self, files: &[FileRecord]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let files = last_per_key(files, |f| &f.path);
        let batch = RecordBatch::try_new(
            files_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(files.iter().map(|f| f.path.as_str()))),
                Arc::new(StringArray::from_iter_values(files.iter().map(|f| f.id.as_str()))),
                Arc::new(UInt64Array::from_iter_values(files.iter().map(|f| f.stamp.size))),
                Arc::new(Int64Array::from_iter_values(files.iter().map(|f| f.stamp.mtime_ns))),
                Arc::new(StringArray::from_iter_values(files.iter().map(|f| f.root.as_str()))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.files, "path", batch, "writing files").await?;
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        delete_in(&self.failures, "path", &paths, "clearing old failures").await
    }

    /// Records failures (by path) and drops any file row at those paths, whose
    /// content is no longer what was indexed.
    pub async fn record_failures(&self, failures: &[FailureRecord]) -> Result<()> {
        if failures.is_empty() {
            return Ok(());
        }
        let failures = last_per_key(failures, |f| &f.path);
        let batch = RecordBatch::try_new(
            failures_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(failures.iter().map(|f| f.path.as_str()))),
                Arc::new(UInt64Array::from_iter_values(failures.iter().map(|f| f.stamp.size))),
                Arc::new(Int64Array::from_iter_values(failures.iter().map(|f| f.stamp.mtime_ns))),
                Arc::new(StringArray::from_iter_values(failures.iter().map(|f| f.reason.as_str()))),
                Arc::new(StringArray::from_iter_values(failures.iter().map(|f| f.root.as_str()))),
                Arc::new(Int64Array::from_iter_values(failures.iter().map(|f| f.at_ms))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.failures, "path", batch, "recording failures").await?;
        let paths: Vec<&str> = failures.iter().map(|f| f.path.as_str()).collect();
        delete_in(&self.files, "path", &paths, "removing stale files").await
    }

    /// Forgets paths that are gone: their file rows and failures.
    pub async fn remove_paths(&self, paths: &[String]) -> Result<()> {
        delete_in(&self.files, "path", paths, "removing deleted files").await?;
        delete_in(&self.failures, "path", paths, "removing deleted failures").await
    }

    async fn all_ids(table: &Table, context: &'static str) -> Result<HashSet<String>> {
        let batches = collect(table.query().select(Select::columns(&["id"])), context).await?;
        let mut out = HashSet::new();
        for b in &batches {
            let id = column::<StringArray>(b, "id")?;
            out.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
        }
        Ok(out)
    }

    /// Deletes items no file points at, with their vectors in every space.
    /// Returns how many items.
    pub async fn collect_garbage(&self) -> Result<usize> {
        let held = Self::all_ids(&self.files, "listing file ids").await?;
        // Vectors first: a crash in between leaves items without vectors (harmless), never the reverse.
        for (space, t) in self.all_space_tables().await? {
            let stale: Vec<String> =
                Self::all_ids(&t, "listing vector ids").await?.into_iter().filter(|id| !held.contains(id)).collect();
            delete_in(&t, "id", &stale, "deleting unused vectors").await?;
            if !stale.is_empty() {
                self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(&space);
            }
        }
        let items = self.items.clone();
        let orphans: Vec<String> =
            Self::all_ids(&items, "listing item ids").await?.into_iter().filter(|id| !held.contains(id)).collect();
        delete_in(&items, "id", &orphans, "deleting unused items").await?;
        let described = Self::all_ids(&self.details, "listing described items").await?;
        let have = Self::all_ids(&items, "listing item ids").await?;
        let stale: Vec<String> = described.into_iter().filter(|id| !have.contains(id)).collect();
        delete_in(&self.details, "id", &stale, "deleting details of unused items").await?;
        Ok(orphans.len())
    }

    /// Drops file rows whose item is missing (which a crash can never leave
    /// behind, but a damaged or foreign database might). Returns how many.
    pub async fn drop_dangling_files(&self) -> Result<usize> {
        let have = Self::all_ids(&self.items, "listing item ids").await?;
        let dangling: Vec<String> = self
            .file_rows(None, "listing files")
            .await?
            .into_iter()
            .filter(|f| !have.contains(&f.id))
            .map(|f| f.path)
            .collect();
        delete_in(&self.files, "path", &dangling, "dropping dangling files").await?;
        Ok(dangling.len())
    }

    /// Counts what should never be there: two rows for one path or one item,
    /// file rows whose item is missing; and items no path holds (harmless).
    pub async fn audit(&self) -> Result<Audit> {
        let mut audit = Audit::default();
        let mut paths = HashSet::new();
        let files = self.files().await?;
        let item_ids: Vec<String> = {
            let batches = collect(self.items.query().select(Select::columns(&["id"])), "listing item ids").await?;
            let mut ids = Vec::new();
            for b in &batches {
                let id = column::<StringArray>(b, "id")?;
                ids.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
            }
            ids
        };
        let mut ids = HashSet::new();
        for id in &item_ids {
            if !ids.insert(id.as_str()) {
                audit.duplicate_items += 1;
            }
        }
        let mut held = HashSet::new();
        for f in &files {
            if !paths.insert(f.path.as_str()) {
                audit.duplicate_files += 1;
            }
            if !ids.contains(f.id.as_str()) {
                audit.dangling_files += 1;
            }
            held.insert(f.id.as_str());
        }
        audit.unreferenced_items = ids.iter().filter(|id| !held.contains(*id)).count();
        audit.files = files.len();
        audit.items = item_ids.len();
        Ok(audit)
    }

    /// Compacts small fragments and prunes table versions older than
    /// `keep_ms` milliseconds, so many small commits do not pile up.
    pub async fn optimize(&self, keep_ms: i64) -> Result<()> {
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let mut tables = self.small_tables();
        tables.extend(self.all_space_tables().await?.into_iter().map(|(_, t)| t));
        for t in &tables {
            t.optimize(lancedb::table::OptimizeAction::Compact { options: Default::default(), remap_options: None })
                .await
                .map_err(lance("compacting"))?;
            // Folds rows added since an index was built into it (no-op without indexes).
            t.optimize(lancedb::table::OptimizeAction::Index(Default::default()))
                .await
                .map_err(lance("updating indexes"))?;
            t.optimize(lancedb::table::OptimizeAction::Prune {
                older_than: Some(chrono_duration_ms(keep_ms)),
                delete_unverified: Some(false),
                error_if_tagged_old_versions: Some(false),
            })
            .await
            .map_err(lance("pruning old versions"))?;
        }
        Ok(())
    }

    /// A space's approximate vector index, if it has one.
    pub async fn vector_index(&self, space: &str) -> Result<Option<VectorIndexInfo>> {
        let cached = self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).get(space).copied();
        if let Some((at, info)) = cached {
            if at.elapsed() < READ_CONSISTENCY {
                return Ok(info);
            }
        }
        let info = self.read_vector_index(space).await?;
        self.ann_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(space.to_string(), (std::time::Instant::now(), info));
        Ok(info)
    }

    async fn read_vector_index(&self, space: &str) -> Result<Option<VectorIndexInfo>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(None) };
        let indices = items.list_indices().await.map_err(lance("listing indexes"))?;
        let Some(ix) = indices.iter().find(|i| i.columns.iter().any(|c| c == "vector")) else { return Ok(None) };
        let num = |v: Option<String>| v.and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        Ok(Some(VectorIndexInfo {
            trained_rows: num(self.meta(&ann_key(META_ANN_ROWS, space)).await?),
            partitions: num(self.meta(&ann_key(META_ANN_PARTITIONS, space)).await?).max(1),
            unindexed_rows: ix.num_unindexed_rows.unwrap_or(0) as usize,
        }))
    }

    /// Builds the approximate vector index once the table holds `threshold`
    /// rows, and trains it again when the table has doubled since: IVF
    /// partitions learnt on a small table fit a large one badly. Rows added in
    /// between are folded in by [`Store::optimize`] and, until then, searched
    /// exactly. IVF-SQ with cosine distance; searches re-rank its candidates
    /// by their exact vectors, so scores are always exact cosines.
    pub async fn ensure_vector_index(&self, space: &str, threshold: usize) -> Result<IndexAction> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(IndexAction::None) };
        let rows = self.count_vectors(space).await?;
        if rows >= threshold.max(256) {
            self.ensure_key_indexes(&items).await?;
        }
        let current = self.vector_index(space).await?;
        let due = match current {
            None => rows >= threshold.max(256),
            Some(ix) => rows >= ix.trained_rows.saturating_mul(2),
        };
        if !due {
            return Ok(IndexAction::None);
        }
        let partitions = ((rows as f64).sqrt().round() as u32).clamp(1, 4096);
        // IVF with 8-bit scalar quantisation: at 100k ViT-B/32 vectors it
        // trains in seconds and reaches recall@10 ≈ 0.98 before re-ranking,
        // where IVF-PQ (32 sub-vectors) reached 0.1–0.75 (BENCHMARKS.md).
        let index = lancedb::index::Index::IvfSq(
            lancedb::index::vector::IvfSqIndexBuilder::default()
                .distance_type(DistanceType::Cosine)
                .num_partitions(partitions),
        );
        items
            .create_index(&["vector"], index)
            .replace(true)
            .execute()
            .await
            .map_err(lance("building the vector index"))?;
        let (rk, pk) = (ann_key(META_ANN_ROWS, space), ann_key(META_ANN_PARTITIONS, space));
        self.set_meta(&[(rk.as_str(), &rows.to_string()), (pk.as_str(), &partitions.to_string())]).await?;
        self.ann_cache.lock().unwrap_or_else(|p| p.into_inner()).remove(space);
        Ok(IndexAction::Built { rows, partitions: partitions as usize })
    }

    /// BTree indexes on the key columns rows are looked up by (`id IN (…)`
    /// after a search, `merge_insert` on writes), so large libraries do not
    /// scan whole columns for a page of results.
    async fn ensure_key_indexes(&self, space: &Table) -> Result<()> {
        let wanted = vec![
            (self.files.clone(), "id"),
            (self.files.clone(), "path"),
            (self.details.clone(), "id"),
            (self.items.clone(), "id"),
            (space.clone(), "id"),
        ];
        for (table, column) in wanted {
            let have = table.list_indices().await.map_err(lance("listing indexes"))?;
            if have.iter().any(|i| i.columns.iter().any(|c| c == column)) {
                continue;
            }
            table
                .create_index(&[column], lancedb::index::Index::BTree(Default::default()))
                .execute()
                .await
                .map_err(lance("building a key index"))?;
        }
        Ok(())
    }

    /// How many versions each table keeps (for tests and `status`).
    pub async fn version_count(&self) -> Result<usize> {
        let mut tables = self.small_tables();
        tables.extend(self.all_space_tables().await?.into_iter().map(|(_, t)| t));
        let mut n = 0;
        for t in &tables {
            n += t.list_versions().await.map_err(lance("listing versions"))?.len();
        }
        Ok(n)
    }

    pub async fn count_items(&self) -> Result<usize> {
        self.items.count_rows(None).await.map_err(lance("counting items"))
    }

    pub async fn count_files(&self) -> Result<usize> {
        self.files.count_rows(None).await.map_err(lance("counting files"))
    }

    /// Every file row (path, id, stamp), sorted by path.
    pub async fn files(&self) -> Result<Vec<FileRecord>> {
        let mut out = self.file_rows(None, "listing files").await?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// File rows matching a filter (all of them for `None`).
    async fn file_rows(&self, filter: Option<String>, context: &'static str) -> Result<Vec<FileRecord>> {
        let mut query = self.files.query();
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        let mut out = Vec::new();
        for b in &collect(query, context).await? {
            let (p, id, s, m, r) = (
                column::<StringArray>(b, "path")?,
                column::<StringArray>(b, "id")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
                column::<StringArray>(b, "root")?,
            );
            for i in 0..b.num_rows() {
                out.push(FileRecord {
                    path: p.value(i).to_string(),
                    id: id.value(i).to_string(),
                    stamp: FileStamp { size: s.value(i), mtime_ns: m.value(i) },
                    root: r.value(i).to_string(),
                });
            }
        }
        Ok(out)
    }

    pub async fn failures(&self) -> Result<Vec<FailureRecord>> {
        let batches = collect(self.failures.query(), "listing failures").await?;
        let mut out = Vec::new();
        for b in &batches {
            let (p, s, m, r, root, a) = (
                column::<StringArray>(b, "path")?,
                column::<UInt64Array>(b, "size")?,
                column::<Int64Array>(b, "mtime_ns")?,
                column::<StringArray>(b, "reason")?,
                column::<StringArray>(b, "root")?,
                column::<Int64Array>(b, "at_ms")?,
            );
            for i in 0..b.num_rows() {
                out.push(FailureRecord {
                    path: p.value(i).to_string(),
                    stamp: FileStamp { size: s.value(i), mtime_ns: m.value(i) },
                    reason: r.value(i).to_string(),
                    root: root.value(i).to_string(),
                    at_ms: a.value(i),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// The `limit` items nearest to `vector` by cosine distance, best first.
    /// Uses the approximate index when there is one (its candidates re-ranked
    /// by exact cosine), else scans every vector. Items no path holds (left
    /// by an interrupted run) are not returned.
    pub async fn search(&self, space: &str, vector: &[f32], limit: usize) -> Result<Vec<Hit>> {
        self.search_with(space, vector, limit, false).await
    }

    /// [`Store::search`]; with `exact`, always scans every vector (for
    /// measuring the index's recall).
    pub async fn search_with(&self, space: &str, vector: &[f32], limit: usize, exact: bool) -> Result<Vec<Hit>> {
        let rows = self.nearest(space, vector, limit + limit / 4 + 8, exact).await?;
        let mut hits = self.attach_paths(rows).await?;
        hits.truncate(limit);
        Ok(hits)
    }

    /// The `limit` items nearest to `vector`, best first, without paths
    /// (see [`Store::attach_paths`]). Exact cosines either way.
    pub async fn nearest(&self, space: &str, vector: &[f32], limit: usize, exact: bool) -> Result<Vec<Scored>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let dim = vector_width(&items).await?.unwrap_or(0);
        if vector.len() != dim {
            return Err(StoreError::DimensionMismatch { stored: dim, given: vector.len() });
        }
        let mut query = items
            .query()
            .nearest_to(vector)
            .map_err(lance("building the search"))?
            .distance_type(DistanceType::Cosine)
            .select(Select::columns(&["id", "width", "height"]))
            .limit(limit.max(1));
        match (exact, self.vector_index(space).await?) {
            (false, Some(ix)) => {
                // A tenth of the partitions (at least 16), then exact re-ranking of 3× the candidates.
                let probes = (ix.partitions / 10).max(16).min(ix.partitions);
                query = query.nprobes(probes).map_err(lance("building the search"))?.refine_factor(3);
            }
            _ => query = query.bypass_vector_index(),
        }
        let batches = collect(query, "searching").await?;
        let mut rows = Vec::new();
        for b in &batches {
            let (id, w, h, d) = (
                column::<StringArray>(b, "id")?,
                column::<UInt32Array>(b, "width")?,
                column::<UInt32Array>(b, "height")?,
                column::<Float32Array>(b, "_distance")?,
            );
            rows.extend((0..b.num_rows()).map(|i| Scored {
                id: id.value(i).to_string(),
                width: w.value(i),
                height: h.value(i),
                score: 1.0 - d.value(i),
            }));
        }
        rows.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(rows)
    }

    /// These items scored by exact cosine against `vector` (for keyword
    /// matches the vector search did not return), in the order given.
    pub async fn scored_by_id(&self, space: &str, ids: &[String], vector: &[f32]) -> Result<Vec<Scored>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let mut rows: HashMap<String, Scored> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let query = items
                .query()
                .only_if(in_list("id", chunk))
                .select(Select::columns(&["id", "width", "height", "vector"]));
            for b in &collect(query, "reading items").await? {
                let (id, w, h) = (
                    column::<StringArray>(b, "id")?,
                    column::<UInt32Array>(b, "width")?,
                    column::<UInt32Array>(b, "height")?,
                );
                let list = column::<FixedSizeListArray>(b, "vector")?;
                for i in 0..b.num_rows() {
                    let f = row_vector(list, i)?;
                    let score = if f.len() == vector.len() { dot(&f, vector) } else { 0.0 };
                    let id = id.value(i).to_string();
                    rows.insert(id.clone(), Scored { id, width: w.value(i), height: h.value(i), score });
                }
            }
        }
        Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
    }

    /// Hits from scored rows, in their order, with every path holding each;
    /// rows no path holds (left by an interrupted run) are dropped.
    pub async fn attach_paths(&self, rows: Vec<Scored>) -> Result<Vec<Hit>> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let paths = self.paths_of(&ids).await?;
        Ok(with_paths(rows, paths))
    }

    /// Paths (with stamps) of the files holding these items, sorted.
    pub async fn paths_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<(String, FileStamp)>>> {
        let mut out: HashMap<String, Vec<(String, FileStamp)>> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for f in self.file_rows(Some(in_list("id", chunk)), "looking up paths").await? {
                out.entry(f.id).or_default().push((f.path, f.stamp));
            }
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(out)
    }

    /// The thumbnail of the item with this content id.
    pub async fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let items = &self.items;
        if id.is_empty() || !id.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let query =
            items.query().only_if(format!("id = {}", quote(id))).select(Select::columns(&["thumbnail"])).limit(1);
        for b in &collect(query, "reading a thumbnail").await? {
            let t = column::<BinaryArray>(b, "thumbnail")?;
            if !t.is_empty() {
                return Ok(Some(t.value(0).to_vec()));
            }
        }
        Ok(None)
    }

    /// The stored vector of an item in a space.
    pub async fn vector(&self, space: &str, id: &str) -> Result<Option<Vec<f32>>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(None) };
        let query = items.query().only_if(format!("id = {}", quote(id))).select(Select::columns(&["vector"])).limit(1);
        for b in &collect(query, "reading a vector").await? {
            let list = column::<FixedSizeListArray>(b, "vector")?;
            if !list.is_empty() {
                let f = row_vector(list, 0)?;
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// Every item's id and vector in a space.
    pub async fn all_vectors(&self, space: &str) -> Result<Vec<(String, Vec<f32>)>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for b in &collect(items.query().select(Select::columns(&["id", "vector"])), "reading vectors").await? {
            let id = column::<StringArray>(b, "id")?;
            let list = column::<FixedSizeListArray>(b, "vector")?;
            for i in 0..b.num_rows() {
                let f = row_vector(list, i)?;
                out.push((id.value(i).to_string(), f));
            }
        }
        Ok(out)
    }

    /// The file rows of these items (every path holding each), by item id.
    pub async fn files_of(&self, ids: &[String]) -> Result<HashMap<String, Vec<FileRecord>>> {
        let mut out: HashMap<String, Vec<FileRecord>> = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for f in self.file_rows(Some(in_list("id", chunk)), "looking up paths").await? {
                out.entry(f.id.clone()).or_default().push(f);
            }
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Ok(out)
    }

    /// The stored vectors of these items in a space (those that exist).
    pub async fn vectors_of(&self, space: &str, ids: &[String]) -> Result<HashMap<String, Vec<f32>>> {
        let mut out = HashMap::new();
        let Some(items) = self.space_table_opt(space).await? else { return Ok(out) };
        for chunk in ids.chunks(IN_CHUNK) {
            let query = items.query().only_if(in_list("id", chunk)).select(Select::columns(&["id", "vector"]));
            for b in &collect(query, "reading vectors").await? {
                let id = column::<StringArray>(b, "id")?;
                let list = column::<FixedSizeListArray>(b, "vector")?;
                for i in 0..b.num_rows() {
                    let f = row_vector(list, i)?;
                    out.insert(id.value(i).to_string(), f);
                }
            }
        }
        Ok(out)
    }

    /// Writes (inserts or replaces) item details in one commit, and gives
    /// `keywords` its full-text index the first time.
    pub async fn write_details(&self, rows: &[Details]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows = last_per_key(rows, |d| &d.id);
        let tags: Vec<String> = rows
            .iter()
            .map(|d| {
                d.tags
                    .iter()
                    .map(|t| format!("{}\t{}", t.label.replace(['\t', '\n'], " "), t.score))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        let batch = RecordBatch::try_new(
            details_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|d| d.id.as_str()))),
                Arc::new(Int64Array::from(rows.iter().map(|d| d.taken_at_ms).collect::<Vec<_>>())),
                Arc::new(StringArray::from(rows.iter().map(|d| d.camera.as_deref()).collect::<Vec<_>>())),
                Arc::new(StringArray::from(rows.iter().map(|d| d.lens.as_deref()).collect::<Vec<_>>())),
                Arc::new(StringArray::from_iter_values(tags.iter())),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|d| d.tags_model.as_str()))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|d| d.words.as_str()))),
                Arc::new(StringArray::from(rows.iter().map(|d| d.caption.as_deref()).collect::<Vec<_>>())),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|d| d.keywords()))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.details, "id", batch, "writing item details").await?;
        if !self.fts_ready.load(std::sync::atomic::Ordering::Relaxed) {
            let params = lancedb::index::scalar::FtsIndexBuilder::default();
            match self.details.create_index(&["keywords"], lancedb::index::Index::FTS(params)).execute().await {
                Ok(()) => self.fts_ready.store(true, std::sync::atomic::Ordering::Relaxed),
                // Another writer made it first.
                Err(e) if e.to_string().contains("already exists") => {
                    self.fts_ready.store(true, std::sync::atomic::Ordering::Relaxed)
                }
                Err(e) => return Err(lance("building the keyword index")(e)),
            }
        }
        Ok(())
    }

    /// Details of these items (those described), by id.
    pub async fn details_of(&self, ids: &[String]) -> Result<HashMap<String, Details>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for d in self.details_rows(Some(in_list("id", chunk))).await? {
                out.insert(d.id.clone(), d);
            }
        }
        Ok(out)
    }

    async fn details_rows(&self, filter: Option<String>) -> Result<Vec<Details>> {
        let mut query = self.details.query().select(Select::columns(&[
            "id",
            "taken_at_ms",
            "camera",
            "lens",
            "tags",
            "tags_model",
            "words",
            "caption",
        ]));
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        let mut out = Vec::new();
        for b in &collect(query, "reading item details").await? {
            let (id, taken, camera, lens, tags, model, words, caption) = (
                column::<StringArray>(b, "id")?,
                column::<Int64Array>(b, "taken_at_ms")?,
                column::<StringArray>(b, "camera")?,
                column::<StringArray>(b, "lens")?,
                column::<StringArray>(b, "tags")?,
                column::<StringArray>(b, "tags_model")?,
                column::<StringArray>(b, "words")?,
                column::<StringArray>(b, "caption")?,
            );
            let opt = |a: &StringArray, i: usize| (!a.is_null(i)).then(|| a.value(i).to_string());
            for i in 0..b.num_rows() {
                out.push(Details {
                    id: id.value(i).to_string(),
                    taken_at_ms: (!taken.is_null(i)).then(|| taken.value(i)),
                    camera: opt(camera, i),
                    lens: opt(lens, i),
                    tags: tags
                        .value(i)
                        .lines()
                        .filter_map(|l| {
                            let (label, score) = l.split_once('\t')?;
                            Some(Tag { label: label.to_string(), score: score.parse().ok()? })
                        })
                        .collect(),
                    tags_model: model.value(i).to_string(),
                    words: words.value(i).to_string(),
                    caption: opt(caption, i),
                });
            }
        }
        Ok(out)
    }

    /// Items with no details, or details whose tags came from another
    /// model or vocabulary than `tags_model`.
    pub async fn undescribed(&self, tags_model: &str) -> Result<Vec<String>> {
        let all = Self::all_ids(&self.items, "listing item ids").await?;
        let current = collect(
            self.details
                .query()
                .only_if(format!("tags_model = {}", quote(tags_model)))
                .select(Select::columns(&["id"])),
            "listing described items",
        )
        .await?;
        let mut done = HashSet::new();
        for b in &current {
            let id = column::<StringArray>(b, "id")?;
            done.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
        }
        let mut out: Vec<String> = all.into_iter().filter(|id| !done.contains(id)).collect();
        out.sort();
        Ok(out)
    }

    /// Items whose keywords match `text` (BM25 over path words, tags, camera,
    /// lens and captions), best first, with their BM25 scores. Empty until
    /// some item has been described.
    pub async fn keyword_search(&self, text: &str, limit: usize) -> Result<Vec<(String, f32)>> {
        if text.trim().is_empty() || !self.fts_ready.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        let fts = lancedb::index::scalar::FullTextSearchQuery::new(text.to_string());
        let query = self.details.query().full_text_search(fts).select(Select::columns(&["id"])).limit(limit.max(1));
        let mut out = Vec::new();
        for b in &collect(query, "searching keywords").await? {
            let id = column::<StringArray>(b, "id")?;
            let score = column::<Float32Array>(b, "_score")?;
            out.extend((0..b.num_rows()).map(|i| (id.value(i).to_string(), score.value(i))));
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    /// Sets (or with `None` clears) the caption of an item.
    pub async fn set_caption(&self, id: &str, caption: Option<&str>, now_ms: i64) -> Result<()> {
        match caption {
            Some(text) => {
                let batch = RecordBatch::try_new(
                    captions_schema(),
                    vec![
                        Arc::new(StringArray::from(vec![id])),
                        Arc::new(StringArray::from(vec![text])),
                        Arc::new(Int64Array::from(vec![now_ms])),
                    ],
                )
                .map_err(arrow)?;
                upsert(&self.captions, "id", batch, "writing a caption").await
            }
            None => {
                self.captions
                    .delete(format!("id = {}", quote(id)).as_str())
                    .await
                    .map_err(lance("clearing a caption"))?;
                Ok(())
            }
        }
    }

    /// Captions users wrote, by item id (all of them for `None`).
    pub async fn captions(&self, ids: Option<&[String]>) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        let filters: Vec<Option<String>> = match ids {
            None => vec![None],
            Some(ids) => ids.chunks(IN_CHUNK).map(|c| Some(in_list("id", c))).collect(),
        };
        for filter in filters {
            let mut query = self.captions.query().select(Select::columns(&["id", "caption"]));
            if let Some(f) = filter {
                query = query.only_if(f);
            }
            for b in &collect(query, "reading captions").await? {
                let (id, c) = (column::<StringArray>(b, "id")?, column::<StringArray>(b, "caption")?);
                out.extend((0..b.num_rows()).map(|i| (id.value(i).to_string(), c.value(i).to_string())));
            }
        }
        Ok(out)
    }

    /// Up to `n` item vectors of a space, spread over the table (for calibration).
    pub async fn sample_vectors(&self, space: &str, n: usize) -> Result<Vec<Vec<f32>>> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(Vec::new()) };
        let total = items.count_rows(None).await.map_err(lance("counting items"))?;
        let step = total.div_ceil(n.max(1)).max(1);
        let mut out = Vec::new();
        let mut seen = 0usize;
        for b in &collect(items.query().select(Select::columns(&["vector"])), "sampling vectors").await? {
            let list = column::<FixedSizeListArray>(b, "vector")?;
            for i in 0..b.num_rows() {
                if seen.is_multiple_of(step) {
                    out.push(row_vector(list, i)?);
                }
                seen += 1;
            }
        }
        Ok(out)
    }

    /// The item id a path holds, if indexed.
    pub async fn id_for_path(&self, path: &str) -> Result<Option<String>> {
        let query =
            self.files.query().only_if(format!("path = {}", quote(path))).select(Select::columns(&["id"])).limit(1);
        for b in &collect(query, "looking up a path").await? {
            let id = column::<StringArray>(b, "id")?;
            if !id.is_empty() {
                return Ok(Some(id.value(0).to_string()));
            }
        }
        Ok(None)
    }
}

/// Hits from scored rows and their paths, in the rows' order.
pub fn with_paths(rows: Vec<Scored>, mut paths: HashMap<String, Vec<(String, FileStamp)>>) -> Vec<Hit> {
    rows.into_iter()
        .filter_map(|r| {
            let held = paths.remove(&r.id)?;
            let (path, stamp) = held.first().cloned()?;
            Some(Hit {
                paths: held.into_iter().map(|(p, _)| p).collect(),
                id: r.id,
                path,
                width: r.width,
                height: r.height,
                size: stamp.size,
                mtime_ns: stamp.mtime_ns,
                score: r.score,
                details: None,
                why: Why::default(),
            })
        })
        .collect()
}

/// Row `i` of a `FixedSizeList<Float32>` column.
fn row_vector(list: &FixedSizeListArray, i: usize) -> Result<Vec<f32>> {
    let v = list.value(i);
    let f = v
        .as_any()
        .downcast_ref::<Float32Array>()
        .ok_or_else(|| StoreError::Schema("vector items are not float32".into()))?;
    Ok(f.values().to_vec())
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn chrono_duration_ms(ms: i64) -> lancedb::table::Duration {
    lancedb::table::Duration::milliseconds(ms.max(0))
}
