//! `status`: what the library holds, its models, where inference runs, and what failed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{open_library, open_model};
use crate::output::FailureJson;

pub(crate) async fn status(library: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let s = lib.status().await?;
    // Where inference actually runs (and why not on a requested GPU) is only
    // known by opening the model.
    let runs_on = match &s.model_dir {
        Some(d) => Some(
            open_model(std::path::Path::new(d), lib.runtime_dirs())
                .await
                .map(|m| (m.info().device.to_string(), m.info().device_note.clone()))
                .map_err(|e| e.to_string()),
        ),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    if json {
        let failures: Vec<FailureJson> =
            s.failures.iter().map(|f| FailureJson { path: &f.path, reason: &f.reason }).collect();
        let v = serde_json::json!({
            "library": s.library_dir,
            "items": s.items,
            "videos": s.videos,
            "tags_waiting": s.tags_waiting,
            "files": s.files,
            "folders": s.folders,
            "versions": s.versions,
            "pending": s.pending,
            "quarantined_versions": s.quarantined,
            "watching": s.watching.iter().map(|(f, m)| serde_json::json!({"folder": f, "mode": m})).collect::<Vec<_>>(),
            "model": s.model_id.as_ref().map(|id| serde_json::json!({"id": id, "dir": s.model_dir, "dim": s.dim})),
            "models": s.models.iter().map(|m| serde_json::json!({
                "id": m.id, "dir": m.dir.display().to_string(), "dim": m.dim, "vectors": m.vectors, "items": m.items,
                "active": m.active, "target": m.target, "complete": m.is_complete(),
                "images_per_second": m.images_per_second,
            })).collect::<Vec<_>>(),
            "device": runs_on.as_ref().map(|r| match r {
                Ok((d, note)) => serde_json::json!({"provider": d, "fallback_reason": note}),
                Err(e) => serde_json::json!({"provider": null, "error": e}),
            }),
            "vector_index": s.vector_index.map(|ix| serde_json::json!({
                "trained_rows": ix.trained_rows, "partitions": ix.partitions, "unindexed_rows": ix.unindexed_rows,
            })),
            "default_cutoff": s.calibration.as_ref().map(|c| serde_json::json!({"text": c.text, "image": c.image})),
            "failures": failures,
            "skipped": s.skipped.iter().map(|f| FailureJson { path: &f.path, reason: &f.reason }).collect::<Vec<_>>(),
            "ffmpeg": s.ffmpeg,
            "text": serde_json::json!({
                "engine": s.text.engine, "off_reason": s.text.off_reason, "languages": s.text.languages,
                "installed": s.text.installed, "read": s.text.read, "with_text": s.text.with_text, "skipped": s.text.skipped,
                "waiting": s.text.waiting,
            }),
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "library  {}", s.library_dir.display())?;
        writeln!(
            out,
            "items    {}{} ({} files){}",
            s.items,
            if s.videos > 0 { format!(", {} of them videos", s.videos) } else { String::new() },
            s.files,
            if s.pending > 0 { format!(", {} pending", s.pending) } else { String::new() }
        )?;
        for f in &s.folders {
            writeln!(out, "folder   {f}")?;
        }
        match &s.model_id {
            Some(id) => {
                writeln!(out, "model    {id} ({}), {} dims", s.model_dir.as_deref().unwrap_or("?"), s.dim.unwrap_or(0))?
            }
            None => writeln!(out, "model    none yet (index a folder to set it)")?,
        }
        for m in s.models.iter().filter(|m| !m.active) {
            let state = if m.target {
                format!("switching to it: {} of {} items embedded (`clipdex models use` continues)", m.vectors, m.items)
            } else {
                format!(
                    "kept: {} of {} items (search with --model, compare, or `clipdex models use`)",
                    m.vectors, m.items
                )
            };
            writeln!(out, "also     {} — {state}", m.id)?;
        }
        match &runs_on {
            Some(Ok((device, None))) => writeln!(out, "runs on  {device}")?,
            Some(Ok((device, Some(note)))) => writeln!(out, "runs on  {device} ({note})")?,
            Some(Err(e)) => writeln!(out, "runs on  nothing: the model does not load ({e})")?,
            None => {}
        }
        match &s.vector_index {
            Some(ix) => writeln!(
                out,
                "search   IVF-SQ index, {} partitions, trained on {} items ({} added since)",
                ix.partitions, ix.trained_rows, ix.unindexed_rows
            )?,
            None => writeln!(
                out,
                "search   exact scan (an index is built from {} items)",
                clipdex_library::DEFAULT_ANN_THRESHOLD
            )?,
        }
        if let Some(c) = &s.calibration {
            let image = c.image.map_or("not yet (needs 20 items)".to_string(), |x| format!("{x:.3}"));
            writeln!(out, "cutoff   text {:.3}, image {image} (calibrated on {} items)", c.text, c.items)?;
        }
        if s.tags_waiting > 0 {
            writeln!(
                out,
                "tags     {} waiting for this model's tag vocabulary (`clipdex index --tags`, the app or `clipdex watch` prepare it)",
                s.tags_waiting
            )?;
        }
        if s.watching.is_empty() {
            writeln!(out, "watching nothing (run `clipdex watch` or open the app)")?;
        }
        for (f, m) in &s.watching {
            writeln!(out, "watching {f} by {m}")?;
        }
        if s.quarantined > 0 {
            writeln!(
                out,
                "damaged  {} table versions set aside in {}",
                s.quarantined,
                s.library_dir.join("db/quarantine").display()
            )?;
        }
        match (&s.ffmpeg, s.skipped.first()) {
            (_, Some(first)) => {
                writeln!(out, "videos   {} {}", s.skipped.len(), first.reason)?;
                for f in &s.skipped {
                    writeln!(out, "  {}", f.path)?;
                }
            }
            (Some(ffmpeg), None) => writeln!(out, "videos   read with {}", ffmpeg.display())?,
            (None, None) => writeln!(out, "videos   none can be read until ffmpeg is installed")?,
        }
        match (&s.text.engine, &s.text.off_reason) {
            (Some(engine), _) => writeln!(
                out,
                "text     read with {engine} in {}: {} read, {} with words{}",
                s.text.languages.join("+"),
                s.text.read,
                s.text.with_text,
                if s.text.waiting > 0 { format!(", {} waiting", s.text.waiting) } else { String::new() }
            )?,
            (None, reason) => writeln!(out, "text     OCR is off: {}", reason.as_deref().unwrap_or("no engine"))?,
        }
        writeln!(out, "failures {}", s.failures.len())?;
        for f in &s.failures {
            writeln!(out, "  {}: {}", f.path, f.reason)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
