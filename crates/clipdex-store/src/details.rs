//! Item details (date, camera, tags, path words) with their keyword index, and user captions.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use lancedb::query::{QueryBase, Select};

use crate::error::{arrow, lance, Result};
use crate::records::{Details, Tag};
use crate::rows::{collect, column, in_list, last_per_key, quote, upsert, IN_CHUNK};
use crate::schema::{captions_schema, details_schema};
use crate::Store;

impl Store {
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
                Arc::new(StringArray::from(rows.iter().map(|d| d.text_terms.as_deref()).collect::<Vec<_>>())),
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
            "text_terms",
        ]));
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        let mut out = Vec::new();
        for b in &collect(query, "reading item details").await? {
            let (id, taken, camera, lens, tags, model, words, caption, text_terms) = (
                column::<StringArray>(b, "id")?,
                column::<Int64Array>(b, "taken_at_ms")?,
                column::<StringArray>(b, "camera")?,
                column::<StringArray>(b, "lens")?,
                column::<StringArray>(b, "tags")?,
                column::<StringArray>(b, "tags_model")?,
                column::<StringArray>(b, "words")?,
                column::<StringArray>(b, "caption")?,
                column::<StringArray>(b, "text_terms")?,
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
                    text_terms: opt(text_terms, i),
                });
            }
        }
        Ok(out)
    }

    /// Items with no details, or details whose tags came from another
    /// model or vocabulary than `tags_model`.
    pub async fn undescribed(&self, tags_model: &str) -> Result<Vec<String>> {
        self.described_otherwise(&[tags_model]).await
    }

    /// [`Store::undescribed`], leaving out items described as `also` too.
    pub async fn undescribed_besides(&self, tags_model: &str, also: &str) -> Result<Vec<String>> {
        self.described_otherwise(&[tags_model, also]).await
    }

    /// How many items' details were made as `tags_model`.
    pub async fn count_described_as(&self, tags_model: &str) -> Result<usize> {
        self.details
            .count_rows(Some(format!("tags_model = {}", quote(tags_model))))
            .await
            .map_err(lance("counting described items"))
    }

    /// Item ids (not video moments) whose details were made as none of `models`, sorted.
    async fn described_otherwise(&self, models: &[&str]) -> Result<Vec<String>> {
        let all = Self::all_ids(&self.items, "listing item ids").await?;
        let filter = models.iter().map(|m| format!("tags_model = {}", quote(m))).collect::<Vec<_>>().join(" OR ");
        let current =
            collect(self.details.query().only_if(filter).select(Select::columns(&["id"])), "listing described items")
                .await?;
        let mut done = HashSet::new();
        for b in &current {
            let id = column::<StringArray>(b, "id")?;
            done.extend((0..b.num_rows()).map(|i| id.value(i).to_string()));
        }
        let mut out: Vec<String> =
            all.into_iter().filter(|id| !done.contains(id) && !crate::records::is_part(id)).collect();
        out.sort();
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
}
