//! The library's storage: an embedded LanceDB database in the library folder.
//!
//! Three tables: `items` (one row per indexed file: content hash, path, file
//! facts, the embedding as `FixedSizeList<Float32, D>`, a thumbnail),
//! `failures` (files that could not be indexed, with a human reason) and
//! `meta` (key/value facts about the library, such as which model made its
//! vectors). Every write is one LanceDB commit, so a row is either fully there
//! or not at all. The store knows nothing about images or models: vectors are
//! just numbers, thumbnails just bytes.

use std::collections::HashMap;
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
const FAILURES: &str = "failures";
const META: &str = "meta";

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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn lance(context: &'static str) -> impl FnOnce(lancedb::Error) -> StoreError {
    move |source| StoreError::Lance { context, source }
}

fn arrow(e: arrow_schema::ArrowError) -> StoreError {
    StoreError::Schema(e.to_string())
}

/// One indexed file.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    /// BLAKE3 of the file's bytes, hex.
    pub id: String,
    pub path: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    pub width: u32,
    pub height: u32,
    pub model_id: String,
    pub vector: Vec<f32>,
    /// JPEG bytes.
    pub thumbnail: Vec<u8>,
    /// When it was indexed, milliseconds since the Unix epoch.
    pub indexed_at_ms: i64,
}

/// A file that could not be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRecord {
    pub path: String,
    pub size: u64,
    pub mtime_ns: i64,
    pub reason: String,
    pub at_ms: i64,
}

/// A search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub size: u64,
    pub mtime_ns: i64,
    /// Cosine similarity, −1 to 1.
    pub score: f32,
}

/// What the indexer needs to skip unchanged files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i64,
}

pub struct Store {
    db: Connection,
    /// Created once the vector width is known; `Table` is a cheap handle.
    items: std::sync::RwLock<Option<Table>>,
    failures: Table,
    meta: Table,
}

fn items_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("width", DataType::UInt32, false),
        Field::new("height", DataType::UInt32, false),
        Field::new("model_id", DataType::Utf8, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), dim as i32),
            false,
        ),
        Field::new("thumbnail", DataType::Binary, false),
        Field::new("indexed_at_ms", DataType::Int64, false),
    ]))
}

fn failures_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
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

fn in_list(column: &str, values: &[&str]) -> String {
    let list: Vec<String> = values.iter().map(|v| quote(v)).collect();
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

async fn open_or_create(db: &Connection, name: &str, schema: SchemaRef) -> Result<Table> {
    match db.open_table(name).execute().await {
        Ok(t) => Ok(t),
        Err(lancedb::Error::TableNotFound { .. }) => {
            match db.create_empty_table(name, schema).execute().await {
                Ok(t) => Ok(t),
                // Another process created it in between: open theirs.
                Err(lancedb::Error::TableAlreadyExists { .. }) => {
                    db.open_table(name).execute().await.map_err(lance("opening a table"))
                }
                Err(e) => Err(lance("creating a table")(e)),
            }
        }
        Err(e) => Err(lance("opening a table")(e)),
    }
}

impl Store {
    /// Opens (creating if needed) the database inside `dir`.
    pub async fn open(dir: &Path) -> Result<Self> {
        let db_dir = dir.join("db");
        std::fs::create_dir_all(&db_dir)
            .map_err(|source| StoreError::CreateDir { path: db_dir.display().to_string(), source })?;
        let uri = db_dir.to_string_lossy().into_owned();
        let db = lancedb::connect(&uri).execute().await.map_err(lance("opening the database"))?;
        let failures = open_or_create(&db, FAILURES, failures_schema()).await?;
        let meta = open_or_create(&db, META, meta_schema()).await?;
        let items = match db.open_table(ITEMS).execute().await {
            Ok(t) => Some(t),
            Err(lancedb::Error::TableNotFound { .. }) => None,
            Err(e) => return Err(lance("opening the items table")(e)),
        };
        Ok(Self { db, items: std::sync::RwLock::new(items), failures, meta })
    }

    /// The vector width of stored items, once there is an items table.
    pub async fn dimension(&self) -> Result<Option<usize>> {
        let Some(items) = self.items_table() else { return Ok(None) };
        let schema = items.schema().await.map_err(lance("reading the items schema"))?;
        match schema.field_with_name("vector").map(|f| f.data_type().clone()) {
            Ok(DataType::FixedSizeList(_, n)) => Ok(Some(n as usize)),
            _ => Err(StoreError::Schema("items.vector is not a fixed-size list".into())),
        }
    }

    /// Creates the items table for `dim`-wide vectors, or checks the existing one matches.
    pub async fn ensure_items(&self, dim: usize) -> Result<()> {
        if let Some(stored) = self.dimension().await? {
            return if stored == dim { Ok(()) } else { Err(StoreError::DimensionMismatch { stored, given: dim }) };
        }
        let table = open_or_create(&self.db, ITEMS, items_schema(dim)).await?;
        *self.items.write().unwrap_or_else(|p| p.into_inner()) = Some(table);
        match self.dimension().await? {
            Some(stored) if stored != dim => Err(StoreError::DimensionMismatch { stored, given: dim }),
            _ => Ok(()),
        }
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let batches =
            collect(self.meta.query().only_if(format!("key = {}", quote(key))), "reading library metadata").await?;
        for b in &batches {
            let v = column::<StringArray>(b, "value")?;
            if v.len() > 0 {
                return Ok(Some(v.value(0).to_string()));
            }
        }
        Ok(None)
    }

    /// Sets several metadata keys in one commit.
    pub async fn set_meta(&self, pairs: &[(&str, &str)]) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let keys: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let values: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        let batch = RecordBatch::try_new(
            meta_schema(),
            vec![Arc::new(StringArray::from(keys)), Arc::new(StringArray::from(values))],
        )
        .map_err(arrow)?;
        let mut m = self.meta.merge_insert(&["key"]);
        m.when_matched_update_all(None).when_not_matched_insert_all();
        m.execute(reader(batch)).await.map_err(lance("writing library metadata"))?;
        Ok(())
    }

    fn items_table(&self) -> Option<Table> {
        self.items.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn items(&self) -> Result<Table> {
        self.items_table().ok_or_else(|| StoreError::Schema("the items table has not been created yet".into()))
    }

    /// Inserts or replaces items (keyed by path) in one commit, and clears any
    /// failure recorded for their paths.
    pub async fn upsert_items(&self, items: &[ItemRecord]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let table = self.items()?;
        let dim = self.dimension().await?.unwrap_or(0);
        if let Some(bad) = items.iter().find(|i| i.vector.len() != dim) {
            return Err(StoreError::DimensionMismatch { stored: dim, given: bad.vector.len() });
        }
        let batch = RecordBatch::try_new(
            items_schema(dim),
            vec![
                Arc::new(StringArray::from_iter_values(items.iter().map(|i| i.id.as_str()))),
                Arc::new(StringArray::from_iter_values(items.iter().map(|i| i.path.as_str()))),
                Arc::new(UInt64Array::from_iter_values(items.iter().map(|i| i.size))),
                Arc::new(Int64Array::from_iter_values(items.iter().map(|i| i.mtime_ns))),
                Arc::new(UInt32Array::from_iter_values(items.iter().map(|i| i.width))),
                Arc::new(UInt32Array::from_iter_values(items.iter().map(|i| i.height))),
                Arc::new(StringArray::from_iter_values(items.iter().map(|i| i.model_id.as_str()))),
                Arc::new(FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
                    items.iter().map(|i| Some(i.vector.iter().copied().map(Some).collect::<Vec<_>>())),
                    dim as i32,
                )),
                Arc::new(BinaryArray::from_iter_values(items.iter().map(|i| i.thumbnail.as_slice()))),
                Arc::new(Int64Array::from_iter_values(items.iter().map(|i| i.indexed_at_ms))),
            ],
        )
        .map_err(arrow)?;
        let mut m = table.merge_insert(&["path"]);
        m.when_matched_update_all(None).when_not_matched_insert_all();
        m.execute(reader(batch)).await.map_err(lance("writing items"))?;
        let paths: Vec<&str> = items.iter().map(|i| i.path.as_str()).collect();
        self.failures.delete(in_list("path", &paths).as_str()).await.map_err(lance("clearing old failures"))?;
        Ok(())
    }

    /// Records failures (keyed by path) and removes any item at those paths,
    /// whose content is no longer what was indexed.
    pub async fn record_failures(&self, failures: &[FailureRecord]) -> Result<()> {
        if failures.is_empty() {
            return Ok(());
        }
        let batch = RecordBatch::try_new(
            failures_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(failures.iter().map(|f| f.path.as_str()))),
                Arc::new(UInt64Array::from_iter_values(failures.iter().map(|f| f.size))),
                Arc::new(Int64Array::from_iter_values(failures.iter().map(|f| f.mtime_ns))),
                Arc::new(StringArray::from_iter_values(failures.iter().map(|f| f.reason.as_str()))),
                Arc::new(Int64Array::from_iter_values(failures.iter().map(|f| f.at_ms))),
            ],
        )
        .map_err(arrow)?;
        let mut m = self.failures.merge_insert(&["path"]);
        m.when_matched_update_all(None).when_not_matched_insert_all();
        m.execute(reader(batch)).await.map_err(lance("recording failures"))?;
        if let Some(items) = self.items_table() {
            let paths: Vec<&str> = failures.iter().map(|f| f.path.as_str()).collect();
            items.delete(in_list("path", &paths).as_str()).await.map_err(lance("removing stale items"))?;
        }
        Ok(())
    }

    /// Size and mtime of every file the library has seen, indexed or failed.
    pub async fn stamps(&self) -> Result<HashMap<String, FileStamp>> {
        let mut out = HashMap::new();
        let mut tables = vec![self.failures.clone()];
        if let Some(items) = self.items_table() {
            tables.insert(0, items);
        }
        for t in &tables {
            let batches =
                collect(t.query().select(Select::columns(&["path", "size", "mtime_ns"])), "listing known files")
                    .await?;
            for b in &batches {
                let p = column::<StringArray>(b, "path")?;
                let s = column::<UInt64Array>(b, "size")?;
                let m = column::<Int64Array>(b, "mtime_ns")?;
                for i in 0..b.num_rows() {
                    out.insert(p.value(i).to_string(), FileStamp { size: s.value(i), mtime_ns: m.value(i) });
                }
            }
        }
        Ok(out)
    }

    pub async fn count_items(&self) -> Result<usize> {
        match self.items_table() {
            Some(t) => t.count_rows(None).await.map_err(lance("counting items")),
            None => Ok(0),
        }
    }

    pub async fn failures(&self) -> Result<Vec<FailureRecord>> {
        let batches = collect(self.failures.query(), "listing failures").await?;
        let mut out = Vec::new();
        for b in &batches {
            let p = column::<StringArray>(b, "path")?;
            let s = column::<UInt64Array>(b, "size")?;
            let m = column::<Int64Array>(b, "mtime_ns")?;
            let r = column::<StringArray>(b, "reason")?;
            let a = column::<Int64Array>(b, "at_ms")?;
            for i in 0..b.num_rows() {
                out.push(FailureRecord {
                    path: p.value(i).to_string(),
                    size: s.value(i),
                    mtime_ns: m.value(i),
                    reason: r.value(i).to_string(),
                    at_ms: a.value(i),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// The `limit` items nearest to `vector` by cosine distance, best first.
    /// Exact (flat) search until an index exists.
    pub async fn search(&self, vector: &[f32], limit: usize) -> Result<Vec<Hit>> {
        let Some(items) = self.items_table() else { return Ok(Vec::new()) };
        let dim = self.dimension().await?.unwrap_or(0);
        if vector.len() != dim {
            return Err(StoreError::DimensionMismatch { stored: dim, given: vector.len() });
        }
        let batches = collect(
            items
                .query()
                .nearest_to(vector)
                .map_err(lance("building the search"))?
                .distance_type(DistanceType::Cosine)
                .select(Select::columns(&["id", "path", "width", "height", "size", "mtime_ns"]))
                .limit(limit.max(1)),
            "searching",
        )
        .await?;
        let mut hits = Vec::new();
        for b in &batches {
            let id = column::<StringArray>(b, "id")?;
            let path = column::<StringArray>(b, "path")?;
            let w = column::<UInt32Array>(b, "width")?;
            let h = column::<UInt32Array>(b, "height")?;
            let size = column::<UInt64Array>(b, "size")?;
            let m = column::<Int64Array>(b, "mtime_ns")?;
            let d = column::<Float32Array>(b, "_distance")?;
            for i in 0..b.num_rows() {
                hits.push(Hit {
                    id: id.value(i).to_string(),
                    path: path.value(i).to_string(),
                    width: w.value(i),
                    height: h.value(i),
                    size: size.value(i),
                    mtime_ns: m.value(i),
                    score: 1.0 - d.value(i),
                });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        Ok(hits)
    }

    /// The thumbnail of the item with this content id.
    pub async fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let Some(items) = self.items_table() else { return Ok(None) };
        if id.is_empty() || !id.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let batches = collect(
            items.query().only_if(format!("id = {}", quote(id))).select(Select::columns(&["thumbnail"])).limit(1),
            "reading a thumbnail",
        )
        .await?;
        for b in &batches {
            let t = column::<BinaryArray>(b, "thumbnail")?;
            if t.len() > 0 {
                return Ok(Some(t.value(0).to_vec()));
            }
        }
        Ok(None)
    }

    /// The stored vector for a path (for checks and "more like this").
    pub async fn vector_for_path(&self, path: &str) -> Result<Option<Vec<f32>>> {
        let Some(items) = self.items_table() else { return Ok(None) };
        let batches = collect(
            items.query().only_if(format!("path = {}", quote(path))).select(Select::columns(&["vector"])).limit(1),
            "reading a vector",
        )
        .await?;
        for b in &batches {
            let list = column::<FixedSizeListArray>(b, "vector")?;
            if list.len() > 0 {
                let v = list.value(0);
                let f = v
                    .as_any()
                    .downcast_ref::<Float32Array>()
                    .ok_or_else(|| StoreError::Schema("vector items are not float32".into()))?;
                return Ok(Some(f.values().to_vec()));
            }
        }
        Ok(None)
    }
}
