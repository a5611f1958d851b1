//! Opening the database: creating missing tables, rolling back unreadable versions, migrating old layouts.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::{FixedSizeListArray, Int64Array, StringArray, UInt32Array};
use arrow_schema::SchemaRef;
use lancedb::query::{QueryBase, Select};
use lancedb::{Connection, Table};

use crate::error::{lance, Result, StoreError};
use crate::meta::{ANN_PARTITIONS, ANN_ROWS};
use crate::records::VectorRecord;
use crate::rows::{collect, column, in_list, row_vector};
use crate::schema::{
    captions_schema, details_schema, failures_schema, files_schema, items_schema, meta_schema, roots_schema,
    space_table, vector_width, vectors_batch, CAPTIONS, DETAILS, FAILURES, FILES, ITEMS, META, ROOTS,
};
use crate::{Store, READ_CONSISTENCY};

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
pub(crate) async fn open_recovering(
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

pub(crate) async fn open_or_create(
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
    meta.delete(in_list("key", &[ANN_ROWS, ANN_PARTITIONS]).as_str())
        .await
        .map_err(lance("migrating library metadata"))?;
    Ok(())
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
}
