//! Reading and writing rows: filter literals, typed columns, query collection, upserts and deletes.

use std::collections::HashSet;

use arrow_array::{Array, FixedSizeListArray, Float32Array, RecordBatch, RecordBatchIterator};
use futures::TryStreamExt;
use lancedb::query::ExecutableQuery;
use lancedb::Table;

use crate::error::{lance, Result, StoreError};

/// Values in one `IN (…)` filter, at most; longer lists are split.
pub(crate) const IN_CHUNK: usize = 500;

/// A SQL string literal for LanceDB filters.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn in_list<S: AsRef<str>>(column: &str, values: &[S]) -> String {
    let list: Vec<String> = values.iter().map(|v| quote(v.as_ref())).collect();
    format!("{column} IN ({})", list.join(", "))
}

pub(crate) fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| StoreError::Schema(format!("column {name} is missing or has the wrong type")))
}

/// Runs a query and gathers its batches.
pub(crate) async fn collect(query: impl ExecutableQuery, context: &'static str) -> Result<Vec<RecordBatch>> {
    let stream = query.execute().await.map_err(lance(context))?;
    stream.try_collect().await.map_err(lance(context))
}

fn reader(batch: RecordBatch) -> Box<dyn arrow_array::RecordBatchReader + Send> {
    let schema = batch.schema();
    Box::new(RecordBatchIterator::new(vec![Ok(batch)], schema))
}

/// Inserts or replaces rows by `key` in one commit.
pub(crate) async fn upsert(table: &Table, key: &str, batch: RecordBatch, context: &'static str) -> Result<()> {
    if batch.num_rows() == 0 {
        return Ok(());
    }
    let mut m = table.merge_insert(&[key]);
    m.when_matched_update_all(None).when_not_matched_insert_all();
    m.execute(reader(batch)).await.map_err(lance(context))?;
    Ok(())
}

/// Deletes rows whose `column` is one of `values`, a chunk per commit.
pub(crate) async fn delete_in<S: AsRef<str>>(
    table: &Table,
    column: &str,
    values: &[S],
    context: &'static str,
) -> Result<()> {
    for chunk in values.chunks(IN_CHUNK) {
        table.delete(in_list(column, chunk).as_str()).await.map_err(lance(context))?;
    }
    Ok(())
}

/// Keeps the last row per key (later rows win), so one commit never carries two rows for one key.
pub(crate) fn last_per_key<T: Clone>(rows: &[T], key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out: Vec<T> = rows.iter().rev().filter(|r| seen.insert(key(r).to_string())).cloned().collect();
    out.reverse();
    out
}

/// Row `i` of a `FixedSizeList<Float32>` column.
pub(crate) fn row_vector(list: &FixedSizeListArray, i: usize) -> Result<Vec<f32>> {
    let v = list.value(i);
    let f = v
        .as_any()
        .downcast_ref::<Float32Array>()
        .ok_or_else(|| StoreError::Schema("vector items are not float32".into()))?;
    Ok(f.values().to_vec())
}
