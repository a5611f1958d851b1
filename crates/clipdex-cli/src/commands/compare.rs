//! `compare`: one query on several models side by side.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clipdex_library::{paths, SearchOptions};

use super::{open_library, open_model};
use crate::output::{sparkline, truncate};

pub(crate) async fn compare(
    library: Option<PathBuf>,
    text: &str,
    models: &[PathBuf],
    limit: usize,
    lang: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    if models.len() < 2 {
        return Err(anyhow!("give at least two models to compare: --models A,B"));
    }
    let lib = open_library(library).await?;
    let mut opened = Vec::new();
    for m in models {
        opened.push(open_model(&paths::model_dir(Some(m)), lib.runtime_dirs()).await?);
    }
    let opts = SearchOptions { lang, ..SearchOptions::default() };
    let c = lib.compare(&opened, text, limit, &opts).await?;
    let mut out = std::io::stdout().lock();
    if json {
        let runs: Vec<serde_json::Value> = c
            .runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "model": r.model_id,
                    "hits": r.hits.iter().map(|h| serde_json::json!({"id": h.id, "path": h.path, "score": h.score})).collect::<Vec<_>>(),
                    "latency_ms": r.latency_ms,
                    "scores": {
                        "n": r.scores.n, "min": r.scores.min, "p50": r.scores.p50, "p90": r.scores.p90,
                        "p99": r.scores.p99, "max": r.scores.max, "histogram": r.scores.histogram,
                        "separation": r.scores.separation,
                    },
                    "cutoff": r.cutoff,
                    "images_per_second": r.images_per_second,
                    "vectors": r.vectors,
                    "items": r.items,
                })
            })
            .collect();
        let v = serde_json::json!({
            "query": text, "k": c.k, "runs": runs,
            "jaccard": c.jaccard, "overlap": c.overlap, "spearman": c.spearman,
        });
        writeln!(out, "{v}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let name =
        |p: &str| std::path::Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let width = 34;
    let header: Vec<String> = c.runs.iter().map(|r| format!("{:<width$}", truncate(&r.model_id, width))).collect();
    writeln!(out, "     {}", header.join("  "))?;
    for i in 0..c.k {
        let cells: Vec<String> = c
            .runs
            .iter()
            .map(|r| match r.hits.get(i) {
                Some(h) => format!("{:<width$}", truncate(&format!("{:.3} {}", h.score, name(&h.path)), width)),
                None => format!("{:<width$}", ""),
            })
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            break;
        }
        writeln!(out, "{:>3}  {}", i + 1, cells.join("  "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "agreement  {} of {} shared (Jaccard {:.2}), rank correlation (Spearman) {:.2}",
        c.overlap, c.k, c.jaccard, c.spearman
    )?;
    for r in &c.runs {
        let s = &r.scores;
        writeln!(out, "{}", r.model_id)?;
        writeln!(
            out,
            "  scores   min {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}  {}  (over {} items; best stands {:.1}× the p50–p99 spread out)",
            s.min, s.p50, s.p90, s.p99, s.max, sparkline(&s.histogram), s.n, s.separation
        )?;
        writeln!(
            out,
            "  latency  {:.1} ms per query (median of 3)   indexing {}   vectors {} of {} items{}",
            r.latency_ms,
            r.images_per_second.map_or("not measured".to_string(), |x| format!("{x:.1} images/s")),
            r.vectors,
            r.items,
            r.cutoff.map_or(String::new(), |c| format!("   default cutoff {c:.3}"))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
