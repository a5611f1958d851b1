//! Searching: nearest vectors, exact re-scoring, keyword (BM25) matches, and attaching paths to hits.

use std::collections::{HashMap, HashSet};

use arrow_array::{Array, FixedSizeListArray, Float32Array, StringArray, UInt32Array};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};
use lancedb::DistanceType;

use crate::error::{lance, Result, StoreError};
use crate::records::{is_part, whole_of, FileStamp, Located, Scored};
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

    /// How many items score at least `cutoff` against `vector`, together
    /// with the items in `also` (counted once whatever their score): exact,
    /// from one pass over the vector column in batches, with no row kept.
    /// A video counts once, by its own row or any moment.
    pub async fn count_at_least(
        &self,
        space: &str,
        vector: &[f32],
        cutoff: f32,
        also: &HashSet<String>,
    ) -> Result<usize> {
        let Some(items) = self.space_table_opt(space).await? else { return Ok(also.len()) };
        let query = items.query().select(Select::columns(&["id", "vector"]));
        let mut stream = query.execute().await.map_err(lance("counting matches"))?;
        let (mut wholes, mut videos, mut seen) = (0usize, HashSet::new(), HashSet::new());
        while let Some(b) = stream.try_next().await.map_err(lance("counting matches"))? {
            let id = column::<StringArray>(&b, "id")?;
            let list = column::<FixedSizeListArray>(&b, "vector")?;
            let dim = list.value_length() as usize;
            if dim != vector.len() {
                return Err(StoreError::DimensionMismatch { stored: dim, given: vector.len() });
            }
            let flat = list
                .values()
                .as_any()
                .downcast_ref::<Float32Array>()
                .ok_or_else(|| StoreError::Schema("vector items are not float32".into()))?
                .values();
            for i in (0..b.num_rows()).filter(|&i| list.is_valid(i)) {
                let at = list.value_offset(i) as usize;
                let Some(v) = flat.get(at..at + dim) else { continue };
                if dot(v, vector) < cutoff {
                    continue;
                }
                let id = id.value(i);
                if is_part(id) {
                    videos.insert(whole_of(id).to_string());
                } else {
                    wholes += 1;
                }
                if !also.is_empty() && also.contains(whole_of(id)) {
                    seen.insert(whole_of(id).to_string());
                }
            }
        }
        // A video counts by a moment only when its own row fell short.
        let videos: Vec<String> = videos.into_iter().collect();
        let own_passed = self.scored_by_id(space, &videos, vector).await?.iter().filter(|r| r.score >= cutoff).count();
        Ok(wholes + videos.len() - own_passed + also.len() - seen.len())
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

/// Eight lanes of partial sums, so the compiler can use vector registers.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}
