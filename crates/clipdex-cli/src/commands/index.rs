//! `index`, `optimize` and `remove`: bringing folders into the library, compacting it, and letting folders go.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Result};
use clipdex_library::{paths, TextReading, Timings, Vocabulary};

use super::{open_library, warned};
use crate::output::FailureJson;
use crate::progress::{cancel_on_ctrl_c, progress_bar, show_progress};

/// `clipdex index`'s arguments.
pub(crate) struct IndexArgs {
    pub roots: Vec<PathBuf>,
    pub model: Option<PathBuf>,
    pub json: bool,
    pub wait: u64,
    pub moment_every: Option<f64>,
    /// Prepare the tag vocabulary now if need be.
    pub tags: bool,
    /// Leave reading the text in pictures for a later run.
    pub no_text: bool,
}

pub(crate) async fn index(library: Option<PathBuf>, args: IndexArgs) -> Result<ExitCode> {
    let IndexArgs { roots, model, json, wait, moment_every, tags, no_text } = args;
    let mut lib = open_library(library).await?;
    lib.set_lock_wait(Duration::from_secs(wait));
    if no_text {
        lib.set_text_reading(TextReading::Off);
    }
    if let Some(s) = moment_every {
        lib.set_moment_every(s).await?;
    }
    let model = warned(lib.model_for_indexing(model.as_deref(), &paths::default_model_dir()).await?);

    let cancel = cancel_on_ctrl_c(Some("finishing the current batch and saving what is done…"));

    let bar = progress_bar();
    // A first index is searchable as soon as its photos are written: the tag
    // vocabulary (once per model) waits for `--tags` or a long-lived process.
    let vocabulary = if tags { Vocabulary::Prepare } else { Vocabulary::IfReady };
    let summary = lib.index_with(&roots, model, vocabulary, &cancel, |p| show_progress(&bar, p)).await?;
    bar.finish_and_clear();

    let mut out = std::io::stdout().lock();
    if json {
        let failed: Vec<FailureJson> = summary.failed.iter().map(|(p, r)| FailureJson { path: p, reason: r }).collect();
        let v = serde_json::json!({
            "indexed": summary.indexed,
            "reused": summary.reused,
            "skipped": summary.skipped,
            "removed": summary.removed,
            "failed": failed,
            "cancelled": summary.cancelled,
            "seconds": summary.elapsed.as_secs_f64(),
            "tags_waiting": summary.tags_waiting,
            "text_read": summary.text_read,
            "timings": timings_json(&summary.timings),
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(
            out,
            "indexed {}, reused {} (moved or copied), skipped {} unchanged, removed {} gone, failed {} ({:.1}s){}",
            summary.indexed,
            summary.reused,
            summary.skipped,
            summary.removed,
            summary.failed.len(),
            summary.elapsed.as_secs_f64(),
            if summary.cancelled { " — cancelled; run again to continue" } else { "" }
        )?;
        for (path, reason) in &summary.failed {
            writeln!(out, "  failed: {path}: {reason}")?;
        }
        if summary.tags_waiting > 0 {
            writeln!(
                out,
                "{} waiting for tags: this model's tag vocabulary is not prepared yet (once per model, for every \
                 library): `clipdex index --tags` prepares it, as do the app and `clipdex watch`",
                if summary.tags_waiting == 1 {
                    "1 item".to_string()
                } else {
                    format!("{} items", summary.tags_waiting)
                }
            )?;
        }
    }
    Ok(if summary.cancelled { ExitCode::from(130) } else { ExitCode::SUCCESS })
}

/// Seconds per step (see [`Timings`]).
fn timings_json(t: &Timings) -> serde_json::Value {
    let s = |d: Duration| (d.as_secs_f64() * 1000.0).round() / 1000.0;
    serde_json::json!({
        "scan": s(t.scan),
        "read_hash": s(t.read_hash),
        "prepare": s(t.prepare),
        "cpu_decode": s(t.cpu_decode),
        "cpu_thumbnail": s(t.cpu_thumbnail),
        "cpu_preprocess": s(t.cpu_preprocess),
        "inference": s(t.inference),
        "videos": s(t.videos),
        "write": s(t.write),
        "vocabulary": s(t.vocabulary),
        "describe": s(t.describe),
        "text": s(t.text),
        "maintain": s(t.maintain),
    })
}

pub(crate) async fn optimize(library: Option<PathBuf>) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let action = lib.optimize().await?;
    match action {
        clipdex_library::Optimized::IndexBuilt { rows, partitions } => {
            println!("built the vector index over {rows} items ({partitions} partitions); library compacted")
        }
        clipdex_library::Optimized::UpToDate => println!("library compacted; indexes up to date"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn remove(library: Option<PathBuf>, folder: PathBuf) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    if lib.remove_folder(&folder).await? {
        println!("removed {} from the library", folder.display());
        Ok(ExitCode::SUCCESS)
    } else {
        Err(anyhow!("{} is not one of the library's folders (see `clipdex status`)", folder.display()))
    }
}
