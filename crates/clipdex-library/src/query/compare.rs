//! The same query on several models side by side: each model's top-k, how
//! much they agree (Jaccard overlap and Spearman rank correlation), each
//! model's score distribution over the library, query latency, and the
//! indexing throughput each model reached on this library.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use clipdex_embed::Model;

use super::{self as query, Hit, Mode, SearchOptions, Searcher};
use crate::calibration::Calibrator;
use crate::catalog::Catalog;
use crate::error::Result;
use crate::state::{blocking, State};

/// Items sampled for a model's score distribution.
const DISTRIBUTION_SAMPLE: usize = 5000;
const HISTOGRAM_BINS: usize = 20;
/// Timed runs per model (after one warm-up run); the median is reported.
const TIMED_RUNS: usize = 3;

/// How a model's cosines to the query spread over the library.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreStats {
    /// Items the statistics cover (a sample of large libraries).
    pub n: usize,
    pub min: f32,
    pub p50: f32,
    pub p90: f32,
    pub p99: f32,
    pub max: f32,
    /// Equal-width bins from `min` to `max`: counts.
    pub histogram: Vec<usize>,
    /// How far the best match stands out: (max − p50) / (p99 − p50). Raw
    /// cosines sit in different bands per model; this does not.
    pub separation: f32,
}

/// One model's answer.
#[derive(Debug, Clone)]
pub struct ModelRun {
    pub model_id: String,
    pub hits: Vec<Hit>,
    /// Median wall time of the whole query (embedding plus search), ms.
    pub latency_ms: f64,
    pub scores: ScoreStats,
    /// The model's calibrated default cutoff for this kind of query, if any.
    pub cutoff: Option<f32>,
    /// Images per second this model embedded on this library, if measured.
    pub images_per_second: Option<f64>,
    /// Items with a vector from this model, of all items.
    pub vectors: usize,
    pub items: usize,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub k: usize,
    pub runs: Vec<ModelRun>,
    /// |A ∩ B| / |A ∪ B| of the first two models' top-k.
    pub jaccard: f32,
    /// Items in both top-k lists.
    pub overlap: usize,
    /// Spearman's ρ over the union of both top-k lists (an item missing
    /// from one list takes rank k + 1 there); 1 = same order.
    pub spearman: f32,
}

pub(crate) fn stats(mut scores: Vec<f32>) -> ScoreStats {
    scores.retain(|s| s.is_finite());
    if scores.is_empty() {
        return ScoreStats::default();
    }
    scores.sort_by(f32::total_cmp);
    let q = |p: f64| scores[((scores.len() - 1) as f64 * p).round() as usize];
    let (min, max) = (scores[0], scores[scores.len() - 1]);
    let mut histogram = vec![0usize; HISTOGRAM_BINS];
    let width = (max - min).max(f32::EPSILON);
    for s in &scores {
        let b = (((s - min) / width) * HISTOGRAM_BINS as f32) as usize;
        histogram[b.min(HISTOGRAM_BINS - 1)] += 1;
    }
    let (p50, p99) = (q(0.5), q(0.99));
    ScoreStats {
        n: scores.len(),
        min,
        p50,
        p90: q(0.9),
        p99,
        max,
        histogram,
        separation: if p99 > p50 { (max - p50) / (p99 - p50) } else { 0.0 },
    }
}

/// Jaccard, overlap and Spearman's ρ of two ranked id lists (top-k each).
pub(crate) fn agreement(a: &[String], b: &[String], k: usize) -> (f32, usize, f32) {
    let rank = |list: &[String]| -> HashMap<String, usize> {
        list.iter().take(k).enumerate().map(|(i, id)| (id.clone(), i + 1)).collect()
    };
    let (ra, rb) = (rank(a), rank(b));
    let mut union: Vec<&String> = ra.keys().chain(rb.keys()).collect();
    union.sort();
    union.dedup();
    if union.is_empty() {
        return (1.0, 0, 1.0);
    }
    let overlap = ra.keys().filter(|id| rb.contains_key(*id)).count();
    let jaccard = overlap as f32 / union.len() as f32;
    let missing = k + 1;
    let xs: Vec<f64> = union.iter().map(|id| *ra.get(*id).unwrap_or(&missing) as f64).collect();
    let ys: Vec<f64> = union.iter().map(|id| *rb.get(*id).unwrap_or(&missing) as f64).collect();
    (jaccard, overlap, pearson(&xs, &ys) as f32)
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 2.0 {
        return 1.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 {
        return if vx == vy { 1.0 } else { 0.0 };
    }
    cov / (vx.sqrt() * vy.sqrt())
}

/// Runs one query on each model (vector matches only, no cutoff, so the
/// lists show what each model ranks) and measures how they differ. Every
/// model must have vectors in this library.
pub(crate) async fn compare(
    state: &State,
    models: &[Arc<Model>],
    text: &str,
    k: usize,
    opts: &SearchOptions,
) -> Result<Comparison> {
    let k = k.max(1);
    let mut runs = Vec::new();
    let known = Catalog::new(state).models().await?;
    let mut parsed = query::parse(text)?;
    if opts.paths_as_text {
        parsed.paths_as_text();
    }
    let has_text = parsed.terms.iter().any(|t| matches!(t.kind, query::TermKind::Text(_)));
    let only_text = opts.image_bytes.is_empty()
        && opts.image_tokens.is_empty()
        && opts.images.is_empty()
        && parsed.terms.iter().all(|t| matches!(t.kind, query::TermKind::Text(_)));
    for model in models {
        let searcher = Searcher::new(state, model.clone());
        searcher.check().await?;
        let o = SearchOptions { limit: k, min_score: Some(-1.0), mode: Mode::Vector, ..opts.clone() };
        // One warm-up run (the first run of a freshly opened model pays
        // ONNX Runtime's start-up), then the median of timed runs.
        let mut found = searcher.search(text, &o).await?;
        let mut times = Vec::new();
        for _ in 0..TIMED_RUNS {
            let t0 = Instant::now();
            found = searcher.search(text, &o).await?;
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let id = model.info().id.clone();
        let mut q = parsed.clone();
        for p in &opts.images {
            q.terms.push(query::Term { weight: 1.0, kind: query::TermKind::Image(p.clone()) });
        }
        let vector = searcher.query_vector(&q, opts).await?;
        let sample = state.store.sample_vectors(&id, DISTRIBUTION_SAMPLE).await?;
        let scores =
            blocking(move || stats(sample.iter().map(|v| clipdex_embed::cosine(v, &vector)).collect())).await?;
        let cal = Calibrator::new(state).of(&id).await?;
        let cutoff = cal.and_then(|c| if only_text && has_text { Some(c.text) } else { c.image });
        let row = known.iter().find(|m| m.id == id);
        runs.push(ModelRun {
            hits: found.hits,
            latency_ms: times[times.len() / 2],
            scores,
            cutoff,
            images_per_second: row.and_then(|m| m.images_per_second),
            vectors: row.map_or(0, |m| m.vectors),
            items: row.map_or(0, |m| m.items),
            model_id: id,
        });
    }
    let ids = |r: &ModelRun| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    let (jaccard, overlap, spearman) = match runs.as_slice() {
        [a, b, ..] => agreement(&ids(a), &ids(b), k),
        _ => (1.0, runs.first().map_or(0, |r| r.hits.len()), 1.0),
    };
    Ok(Comparison { k, runs, jaccard, overlap, spearman })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn agreement_of_ranked_lists() {
        let (j, o, r) = agreement(&ids(&["a", "b", "c"]), &ids(&["a", "b", "c"]), 3);
        assert_eq!((j, o), (1.0, 3));
        assert!((r - 1.0).abs() < 1e-6);
        let (j, o, r) = agreement(&ids(&["a", "b", "c"]), &ids(&["c", "b", "a"]), 3);
        assert_eq!((j, o), (1.0, 3));
        assert!((r + 1.0).abs() < 1e-6, "reversed order: ρ = −1, got {r}");
        let (j, o, r) = agreement(&ids(&["a", "b"]), &ids(&["c", "d"]), 2);
        assert_eq!((j, o), (0.0, 0));
        assert!(r < 0.0, "disjoint lists disagree: {r}");
        let (j, _, _) = agreement(&ids(&["a", "b", "c", "d"]), &ids(&["a", "x", "b", "y"]), 4);
        assert!((j - 2.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn score_statistics() {
        let s = stats((0..100).map(|i| i as f32 / 100.0).collect());
        assert_eq!(s.n, 100);
        assert_eq!((s.min, s.max), (0.0, 0.99));
        assert!((s.p50 - 0.5).abs() < 0.011 && (s.p99 - 0.98).abs() < 0.011, "{s:?}");
        assert_eq!(s.histogram.iter().sum::<usize>(), 100);
        assert_eq!(s.histogram.len(), HISTOGRAM_BINS);
        assert_eq!(stats(vec![]).n, 0);
    }
}
