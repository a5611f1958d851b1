//! Writing what the indexer found: items, vectors, files, failures and library folders.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{BinaryArray, Int64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};

use crate::error::{arrow, lance, Result, StoreError};
use crate::records::{FailureRecord, FileRecord, ItemRecord, VectorRecord};
use crate::rows::{delete_in, last_per_key, quote, upsert};
use crate::schema::{failures_schema, files_schema, items_schema, roots_schema, vector_width, vectors_batch};
use crate::Store;

impl Store {
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

    /// Hands a folder's files and failures to another library folder (one
    /// that contains it) and forgets the folder, in place of deleting them.
    pub async fn reassign_root(&self, from: &str, to: &str) -> Result<()> {
        let filter = format!("root = {}", quote(from));
        for (table, what) in [(&self.files, "moving a folder's files"), (&self.failures, "moving a folder's failures")]
        {
            table.update().only_if(filter.as_str()).column("root", quote(to)).execute().await.map_err(lance(what))?;
        }
        self.roots.delete(format!("path = {}", quote(from)).as_str()).await.map_err(lance("removing a folder"))?;
        Ok(())
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
}
