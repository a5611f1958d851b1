//! `duplicates` and `verify`: auditing what the library holds.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use super::open_library;

pub(crate) async fn duplicates(library: Option<PathBuf>, threshold: f32, json: bool) -> Result<ExitCode> {
    if !(-1.0..=1.0).contains(&threshold) {
        return Err(anyhow!("--threshold is a cosine similarity, between -1 and 1"));
    }
    let lib = open_library(library).await?;
    let d = lib.duplicates(threshold).await?;
    if json {
        let near: Vec<Vec<serde_json::Value>> = d
            .near
            .iter()
            .map(|g| {
                g.iter()
                    .map(|m| serde_json::json!({"id": m.id, "paths": m.paths, "time": m.time_s, "score": m.score}))
                    .collect()
            })
            .collect();
        println!("{}", serde_json::json!({"exact": d.exact, "near": near, "threshold": threshold}));
    } else {
        println!(
            "{} groups of exact duplicates, {} groups of near-duplicates (cosine ≥ {threshold})",
            d.exact.len(),
            d.near.len()
        );
        for g in &d.exact {
            println!("same bytes:");
            for p in g {
                println!("  {p}");
            }
        }
        for g in &d.near {
            println!("look alike:");
            for m in g {
                let at = m.time_s.map(|t| format!("@{}", clipdex_library::clock(t))).unwrap_or_default();
                let paths: Vec<String> = m.paths.iter().map(|p| format!("{p}{at}")).collect();
                println!("  {:.4}  {}", m.score, paths.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn verify(library: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let v = lib.verify().await?;
    let a = v.audit;
    if json {
        let j = serde_json::json!({
            "consistent": v.is_consistent(),
            "files": a.files,
            "items": a.items,
            "duplicate_files": a.duplicate_files,
            "duplicate_items": a.duplicate_items,
            "dangling_files": a.dangling_files,
            "unreferenced_items": a.unreferenced_items,
            "stale": v.stale,
            "hash_mismatches": v.hash_mismatches,
        });
        println!("{j}");
    } else {
        println!(
            "{} files, {} items; {} duplicate file rows, {} duplicate items, {} dangling, {} unreferenced items, \
             {} changed since indexing (re-queued), {} content mismatches",
            a.files,
            a.items,
            a.duplicate_files,
            a.duplicate_items,
            a.dangling_files,
            a.unreferenced_items,
            v.stale,
            v.hash_mismatches.len()
        );
        for p in &v.hash_mismatches {
            println!("  mismatch: {p}");
        }
    }
    Ok(if v.is_consistent() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}
