//! Text read in pictures (OCR): one row per item or video moment read,
//! with the engine that read it; an item read and found wordless has a row
//! too, so nothing is read twice. The words (with their boxes) are an
//! opaque JSON string here: the store knows nothing about pictures.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{BooleanArray, Int64Array, RecordBatch, StringArray, UInt16Array};
use lancedb::query::{QueryBase, Select};

use crate::error::{arrow, lance, Result};
use crate::records::whole_of;
use crate::rows::{collect, column, in_list, last_per_key, quote, upsert, IN_CHUNK};
use crate::schema::texts_schema;
use crate::Store;

/// What reading one item (or moment) found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextRecord {
    pub id: String,
    /// The engine, its version and languages (see `clipdex_ocr::TextEngine::signature`).
    pub engine: String,
    /// The clockwise turn it was read at.
    pub angle: u16,
    /// Nothing text-like was found: no engine ran.
    pub skipped: bool,
    /// The words, space-separated; empty when none.
    pub text: String,
    /// The words with boxes and confidences, as JSON.
    pub words: String,
    pub at_ms: i64,
}

impl Store {
    /// Writes (inserts or replaces) readings in one commit.
    pub async fn write_texts(&self, rows: &[TextRecord]) -> Result<()> {
        let rows = last_per_key(rows, |r| &r.id);
        if rows.is_empty() {
            return Ok(());
        }
        let batch = RecordBatch::try_new(
            texts_schema(),
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.id.as_str()))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| whole_of(&r.id)))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.engine.as_str()))),
                Arc::new(UInt16Array::from_iter_values(rows.iter().map(|r| r.angle))),
                Arc::new(BooleanArray::from(rows.iter().map(|r| r.skipped).collect::<Vec<_>>())),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.text.as_str()))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.words.as_str()))),
                Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.at_ms))),
            ],
        )
        .map_err(arrow)?;
        upsert(&self.texts, "id", batch, "writing text read in pictures").await
    }

    /// The readings of these items (those read), by id.
    pub async fn texts_of(&self, ids: &[String]) -> Result<HashMap<String, TextRecord>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            for r in self.text_rows(Some(in_list("id", chunk))).await? {
                out.insert(r.id.clone(), r);
            }
        }
        Ok(out)
    }

    /// The readings of these items and of their video moments, by item.
    pub async fn texts_of_items(&self, items: &[String]) -> Result<HashMap<String, Vec<TextRecord>>> {
        let mut out: HashMap<String, Vec<TextRecord>> = HashMap::new();
        for chunk in items.chunks(IN_CHUNK) {
            for r in self.text_rows(Some(in_list("item", chunk))).await? {
                out.entry(whole_of(&r.id).to_string()).or_default().push(r);
            }
        }
        for rows in out.values_mut() {
            rows.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(out)
    }

    /// Items and video moments not read by `engine` yet (never read, or
    /// read by another engine or with other languages), sorted.
    pub async fn unread_texts(&self, engine: &str) -> Result<Vec<String>> {
        let all = Self::all_ids(&self.items, "listing item ids").await?;
        let query = self.texts.query().only_if(format!("engine = {}", quote(engine))).select(Select::columns(&["id"]));
        let mut done = std::collections::HashSet::new();
        for b in &collect(query, "listing read items").await? {
            let id = column::<StringArray>(b, "id")?;
            done.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
        }
        let mut out: Vec<String> = all.into_iter().filter(|id| !done.contains(id)).collect();
        out.sort();
        Ok(out)
    }

    /// How many items and moments `engine` has read, how many of them hold
    /// words, and how many the cheap check skipped.
    pub async fn count_texts(&self, engine: &str) -> Result<(usize, usize, usize)> {
        let by = format!("engine = {}", quote(engine));
        let count = |filter: String| async move {
            self.texts.count_rows(Some(filter)).await.map_err(lance("counting read items"))
        };
        Ok((
            count(by.clone()).await?,
            count(format!("{by} AND text != ''")).await?,
            count(format!("{by} AND skipped")).await?,
        ))
    }

    async fn text_rows(&self, filter: Option<String>) -> Result<Vec<TextRecord>> {
        let mut query = self.texts.query();
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        let mut out = Vec::new();
        for b in &collect(query, "reading text read in pictures").await? {
            let (id, engine, text, words) = (
                column::<StringArray>(b, "id")?,
                column::<StringArray>(b, "engine")?,
                column::<StringArray>(b, "text")?,
                column::<StringArray>(b, "words")?,
            );
            let (angle, skipped, at) = (
                column::<UInt16Array>(b, "angle")?,
                column::<BooleanArray>(b, "skipped")?,
                column::<Int64Array>(b, "at_ms")?,
            );
            out.extend((0..b.num_rows()).map(|i| TextRecord {
                id: id.value(i).to_string(),
                engine: engine.value(i).to_string(),
                angle: angle.value(i),
                skipped: skipped.value(i),
                text: text.value(i).to_string(),
                words: words.value(i).to_string(),
                at_ms: at.value(i),
            }));
        }
        Ok(out)
    }
}
