//! `index`, `optimize` and `remove`: bringing folders into the library, compacting it, and letting folders go.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Result};
use clipdex_library::paths;

use super::{open_library, warned};
use crate::output::FailureJson;
use crate::progress::{cancel_on_ctrl_c, progress_bar, show_progress};

pub(crate) async fn index(
    library: Option<PathBuf>,
    roots: Vec<PathBuf>,
    model: Option<PathBuf>,
    json: bool,
    wait: u64,
    moment_every: Option<f64>,
) -> Result<ExitCode> {
    let mut lib = open_library(library).await?;
    lib.set_lock_wait(Duration::from_secs(wait));
    if let Some(s) = moment_every {
        lib.set_moment_every(s).await?;
    }
    let model = warned(lib.model_for_indexing(model.as_deref(), &paths::default_model_dir()).await?);

    let cancel = cancel_on_ctrl_c(Some("finishing the current batch and saving what is done…"));

    let bar = progress_bar();
    let summary = lib.index(&roots, model, &cancel, |p| show_progress(&bar, p)).await?;
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
    }
    Ok(if summary.cancelled { ExitCode::from(130) } else { ExitCode::SUCCESS })
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
