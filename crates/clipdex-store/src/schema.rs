//! Table names, the tables' Arrow schemas, and how a space names its vectors table.

use std::sync::Arc;

use arrow_array::types::Float32Type;
use arrow_array::{FixedSizeListArray, Int64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use lancedb::Table;

use crate::error::{arrow, lance, Result, StoreError};
use crate::records::VectorRecord;

pub(crate) const ITEMS: &str = "items";
pub(crate) const FILES: &str = "files";
pub(crate) const FAILURES: &str = "failures";
pub(crate) const ROOTS: &str = "roots";
pub(crate) const META: &str = "meta";
pub(crate) const DETAILS: &str = "details";
pub(crate) const CAPTIONS: &str = "captions";
pub(crate) const TEXTS: &str = "texts";

pub(crate) fn items_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("width", DataType::UInt32, false),
        Field::new("height", DataType::UInt32, false),
        Field::new("thumbnail", DataType::Binary, false),
        Field::new("indexed_at_ms", DataType::Int64, false),
    ]))
}

pub(crate) fn vectors_schema(dim: usize) -> SchemaRef {
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

pub(crate) fn files_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("root", DataType::Utf8, false),
    ]))
}

pub(crate) fn failures_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("mtime_ns", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("root", DataType::Utf8, false),
        Field::new("at_ms", DataType::Int64, false),
    ]))
}

pub(crate) fn roots_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("added_at_ms", DataType::Int64, false),
    ]))
}

pub(crate) fn details_schema() -> SchemaRef {
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
        // Terms of the words read in the picture (OCR); added after the first release.
        Field::new("text_terms", DataType::Utf8, true),
    ]))
}

pub(crate) fn texts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        // The item a video moment belongs to (the id itself for a whole item).
        Field::new("item", DataType::Utf8, false),
        Field::new("engine", DataType::Utf8, false),
        Field::new("angle", DataType::UInt16, false),
        Field::new("skipped", DataType::Boolean, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("words", DataType::Utf8, false),
        Field::new("at_ms", DataType::Int64, false),
    ]))
}

pub(crate) fn captions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("caption", DataType::Utf8, false),
        Field::new("at_ms", DataType::Int64, false),
    ]))
}

pub(crate) fn meta_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("key", DataType::Utf8, false), Field::new("value", DataType::Utf8, false)]))
}

pub(crate) fn vectors_batch(dim: usize, rows: &[VectorRecord]) -> Result<RecordBatch> {
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
pub(crate) async fn vector_width(table: &Table) -> Result<Option<usize>> {
    let schema = table.schema().await.map_err(lance("reading a schema"))?;
    match schema.field_with_name("vector").map(|f| f.data_type().clone()) {
        Ok(DataType::FixedSizeList(_, n)) => Ok(Some(n as usize)),
        Ok(_) => Err(StoreError::Schema("vector is not a fixed-size list".into())),
        Err(_) => Ok(None),
    }
}

/// Tables holding one model's vectors are named `vectors_<encoded model id>`.
const SPACE_PREFIX: &str = "vectors_";

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
