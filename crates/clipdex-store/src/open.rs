//! Opening the database: creating missing tables, rolling back unreadable versions, migrating old layouts.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{FixedSizeListArray, Int64Array, StringArray, UInt32Array};
use arrow_schema::{Field, SchemaRef};
use lancedb::query::{QueryBase, Select};
use lancedb::{Connection, Table};

use crate::error::{lance, Result, StoreError};
use crate::meta::{ANN_PARTITIONS, ANN_ROWS};
use crate::records::VectorRecord;
use crate::rows::{collect, column, in_list, row_vector};
use crate::schema::{
    captions_schema, details_schema, failures_schema, files_schema, items_schema, meta_schema, roots_schema,
    space_of_table, space_table, texts_schema, vector_width, vectors_batch, vectors_schema, CAPTIONS, DETAILS,
    FAILURES, FILES, ITEMS, META, ROOTS, TEXTS,
};
use crate::{Store, READ_CONSISTENCY};

/// Versions a table may be rolled back by when opening, at most.
const MAX_ROLLBACK: usize = 8;
/// Rows per batch when migrating vectors into their own table (what compaction writes).
const MIGRATION_BATCH: usize = 8192;

/// How opening treats a table whose newest version does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Say so and change nothing (anyone without the writer lock).
    Report,
    /// Set the damaged version aside and open the one before. Only for a
    /// caller holding the library's writer lock.
    RollBack,
}

/// The version manifests of a table, newest first.
fn manifests(db_dir: &Path, name: &str) -> Vec<(u64, PathBuf)> {
    let versions = db_dir.join(format!("{name}.lance")).join("_versions");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&versions).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(n) = file.strip_suffix(".manifest").and_then(|n| n.parse::<u64>().ok()) else { continue };
        // Lance names manifests `{version}` (V1) or `{u64::MAX - version}` (V2).
        let version = if n > u64::MAX / 2 { u64::MAX - n } else { n };
        out.push((version, entry.path()));
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.0));
    out
}

/// The first file of a table that cannot be opened and read, if any: an
/// I/O problem (permissions, a dangling link, a bad disk) is not damage,
/// and setting a version aside would not fix it.
fn unreadable(dir: &Path) -> Option<(PathBuf, std::io::Error)> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && d == dir => return None,
            Err(e) => return Some((d, e)),
        };
        for entry in rd {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => return Some((d.clone(), e)),
            };
            let path = entry.path();
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(_) => {
                    if let Err(e) = std::fs::File::open(&path).and_then(|mut f| f.read(&mut [0u8; 1])) {
                        return Some((path, e));
                    }
                }
                Err(e) => return Some((path, e)),
            }
        }
    }
    None
}

/// Whether a table folder holds data files (so an empty table must never
/// be made in its place).
fn has_data(db_dir: &Path, name: &str) -> bool {
    std::fs::read_dir(db_dir.join(format!("{name}.lance")).join("data")).is_ok_and(|mut d| d.next().is_some())
}

/// Moves one version manifest into `<db>/quarantine/` (and the version hint,
/// which names it), so the previous version becomes the newest. Nothing is
/// deleted: moving the file back restores the version.
fn quarantine(db_dir: &Path, name: &str, version: u64, path: &Path) -> std::io::Result<()> {
    let dest = db_dir.join("quarantine");
    std::fs::create_dir_all(&dest)?;
    std::fs::rename(path, dest.join(format!("{name}-v{version}.manifest")))?;
    let hint = db_dir.join(format!("{name}.lance")).join("_versions").join("latest_version_hint.json");
    if hint.exists() {
        std::fs::rename(&hint, dest.join(format!("{name}-v{version}-hint.json")))?;
    }
    Ok(())
}

/// Opens a table. `Ok(None)` if the table does not exist.
///
/// When it does not open: a file that cannot be read is named and nothing
/// changes. A newest version that reads but does not decode (or crashes the
/// reader) is damage: under [`Recovery::RollBack`], and only when an older
/// version is kept, it is set aside and the one before opened (losing the
/// last commits, which the next indexing run redoes). A table with data is
/// never opened as, or replaced by, an empty one.
pub(crate) async fn open_recovering(
    db: &Connection,
    db_dir: &Path,
    name: &str,
    recovery: Recovery,
    rolled_back: &mut Vec<String>,
) -> Result<Option<Table>> {
    let table_dir = db_dir.join(format!("{name}.lance"));
    for _ in 0..=MAX_ROLLBACK {
        let attempt = {
            let (db, name) = (db.clone(), name.to_string());
            tokio::spawn(async move { db.open_table(name).execute().await }).await
        };
        let why = match attempt {
            Ok(Ok(t)) => return Ok(Some(t)),
            Ok(Err(lancedb::Error::TableNotFound { .. })) if !has_data(db_dir, name) => return Ok(None),
            Ok(Err(e)) => e.to_string(),
            Err(panic) => format!("the reader crashed: {panic}"),
        };
        if let Some((path, source)) = unreadable(&table_dir) {
            return Err(StoreError::Unreadable { path, source });
        }
        let versions = manifests(db_dir, name);
        let Some((version, newest)) = versions.first().cloned() else {
            return Err(StoreError::Damaged {
                table: name.to_string(),
                file: table_dir.join("_versions"),
                why,
                hint: format!(
                    "its data files are there but no version of the table is. Nothing was changed; restore \
                     the folder from a backup, or move a manifest from {} back into it",
                    db_dir.join("quarantine").display()
                ),
                older: false,
            });
        };
        let older = versions.len() > 1;
        if recovery == Recovery::Report || !older {
            let hint = if older {
                "Nothing was changed. The next time Clipdex opens the library with no other writer running, \
                 it sets this version aside (in db/quarantine, nothing is deleted) and opens the one before"
                    .to_string()
            } else {
                format!(
                    "No older version is kept, so Clipdex will not open it as an empty table. Nothing was \
                     changed; restore {} from a backup, or move {} aside to start that table afresh",
                    newest.display(),
                    table_dir.display()
                )
            };
            return Err(StoreError::Damaged { table: name.to_string(), file: newest, why, hint, older });
        }
        quarantine(db_dir, name, version, &newest).map_err(|source| StoreError::Unreadable { path: newest, source })?;
        rolled_back.push(format!("{name}: version {version} was damaged ({why}); opened the one before"));
    }
    Err(StoreError::Schema(format!("the {name} table cannot be read, even {MAX_ROLLBACK} versions back")))
}

pub(crate) async fn open_or_create(
    db: &Connection,
    db_dir: &Path,
    name: &str,
    schema: SchemaRef,
    recovery: Recovery,
    rolled_back: &mut Vec<String>,
) -> Result<Table> {
    match open_recovering(db, db_dir, name, recovery, rolled_back).await {
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
        // Batches of a compacted table's size: one batch of every row would
        // be written as one page per column (200 MB of vectors at 100k),
        // which compaction never splits and every exact scan then reads whole.
        let batches = rows.chunks(MIGRATION_BATCH).map(|c| vectors_batch(dim, c)).collect::<Result<Vec<_>>>()?;
        let schema = vectors_schema(dim);
        let reader = arrow_array::RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        db.create_table(space_table(space), Box::new(reader) as Box<dyn arrow_array::RecordBatchReader + Send>)
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
    meta.delete(in_list("key", &[ANN_ROWS, ANN_PARTITIONS]).as_str())
        .await
        .map_err(lance("migrating library metadata"))?;
    Ok(())
}

/// Gives a table written before some of `schema`'s (nullable) columns
/// existed those columns, empty: one commit, no rows rewritten.
async fn add_missing_columns(table: &Table, schema: &SchemaRef) -> Result<()> {
    let have = table.schema().await.map_err(lance("reading a table's columns"))?;
    let missing: Vec<Field> = schema
        .fields()
        .iter()
        .filter(|f| f.is_nullable() && have.field_with_name(f.name()).is_err())
        .map(|f| f.as_ref().clone())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let added = Arc::new(arrow_schema::Schema::new(missing));
    table
        .add_columns()
        .transform(lancedb::table::NewColumnTransform::AllNulls(added))
        .execute()
        .await
        .map_err(lance("adding new columns"))?;
    Ok(())
}

/// The database's folder inside a library folder.
fn db_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("db")
}

/// Whether `dir` already holds a database (that is, is a library).
pub fn holds_database(dir: &Path) -> bool {
    db_dir(dir).is_dir()
}

impl Store {
    /// Opens (creating if needed) the database inside `dir`. A damaged
    /// table is reported, never rolled back: see [`Store::open_with`].
    pub async fn open(dir: &Path) -> Result<Self> {
        Self::open_with(dir, Recovery::Report).await
    }

    /// Opens the database, treating damaged tables as `recovery` says.
    /// [`Recovery::RollBack`] only while holding the library's writer lock.
    pub async fn open_with(dir: &Path, recovery: Recovery) -> Result<Self> {
        let db_dir = db_dir(dir);
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
        let files = open_or_create(&db, &db_dir, FILES, files_schema(), recovery, &mut rolled_back).await?;
        let failures = open_or_create(&db, &db_dir, FAILURES, failures_schema(), recovery, &mut rolled_back).await?;
        let roots = open_or_create(&db, &db_dir, ROOTS, roots_schema(), recovery, &mut rolled_back).await?;
        let meta = open_or_create(&db, &db_dir, META, meta_schema(), recovery, &mut rolled_back).await?;
        let details = open_or_create(&db, &db_dir, DETAILS, details_schema(), recovery, &mut rolled_back).await?;
        let captions = open_or_create(&db, &db_dir, CAPTIONS, captions_schema(), recovery, &mut rolled_back).await?;
        let texts = open_or_create(&db, &db_dir, TEXTS, texts_schema(), recovery, &mut rolled_back).await?;
        add_missing_columns(&details, &details_schema()).await?;
        let items = open_or_create(&db, &db_dir, ITEMS, items_schema(), recovery, &mut rolled_back).await?;
        migrate_single_model_items(&db, &meta, &items).await?;
        // Every model's vectors table is opened now too, so damage there is
        // found (and, under the writer lock, recovered) here, not mid-search.
        let mut spaces = HashMap::new();
        for table in db.table_names().execute().await.map_err(lance("listing tables"))? {
            if let Some(space) = space_of_table(&table) {
                if let Some(t) = open_recovering(&db, &db_dir, &table, recovery, &mut rolled_back).await? {
                    spaces.insert(space, t);
                }
            }
        }
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
            spaces: std::sync::RwLock::new(spaces),
            files,
            failures,
            roots,
            meta,
            details,
            captions,
            texts,
            fts_ready: fts_ready.into(),
            ann_cache: std::sync::Mutex::new(HashMap::new()),
            rolled_back,
        })
    }

    /// Adds a line to what opening reports (a caller's own recovery step).
    pub fn note(&mut self, line: String) {
        self.rolled_back.push(line);
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
}
