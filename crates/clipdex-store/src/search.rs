//! Searching: nearest vectors, exact re-scoring, keyword (BM25) matches, and attaching paths to hits.

use std::collections::HashMap;

use arrow_array::{FixedSizeListArray, Float32Array, StringArray, UInt32Array};
use lancedb::query::{QueryBase, Select};
use lancedb::DistanceType;

use crate::error::{lance, Result, StoreError};
use crate::records::{FileStamp, Located, Scored};
use crate::rows::{collect, column, in_list, row_vector, IN_CHUNK};
use crate::schema::vector_width;
use crate::Store;

impl Store {
    /// The `limit` items nearest to `vector` by cosine distance, best first.
    /// Uses the approximate index when there is one (its candidates re-ranked
    /// by exact cosine), else scans every vector. Items no path holds (left
    /// by an interrupted run) are not returned.
    pub async fn search(&self, space: &str, vector: &[f32], limit: usize) -> Result<Vec<Located>> {
        self.search_with(space, vector, limit, false).await
    }

    /// [`Store::search`]; with `exact`, always scans every vector (for
    /// measuring the index's recall).
    pub async fn search_with(&self, space: &str, vector: &[f32], limit: usize, exact: bool) -> Result<Vec<Located>> {
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

    /// Scored rows, in their order, with every path holding each; rows no
    /// path holds (left by an interrupted run) are dropped.
    pub async fn attach_paths(&self, rows: Vec<Scored>) -> Result<Vec<Located>> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let paths = self.paths_of(&ids).await?;
        Ok(with_paths(rows, paths))
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
}

/// Scored rows with their paths, in the rows' order (rows no path holds are dropped).
pub fn with_paths(rows: Vec<Scored>, mut paths: HashMap<String, Vec<(String, FileStamp)>>) -> Vec<Located> {
    rows.into_iter()
        .filter_map(|r| {
            let held = paths.remove(&r.id)?;
            let (path, stamp) = held.first().cloned()?;
            Some(Located {
                paths: held.into_iter().map(|(p, _)| p).collect(),
                id: r.id,
                path,
                width: r.width,
                height: r.height,
                size: stamp.size,
                mtime_ns: stamp.mtime_ns,
                score: r.score,
            })
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
