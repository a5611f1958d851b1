//! `models`: listing, pulling, verifying, using, forgetting and removing models.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clipdex_library::{models, paths, LibraryError};

use super::{library_model_dir, open_library, open_model, same_dir};
use crate::args::ModelsAction;
use crate::output::{mb, FailureJson};
use crate::progress::{bytes_bar, cancel_on_ctrl_c, progress_bar, show_progress};

pub(crate) async fn run(library: Option<PathBuf>, action: ModelsAction) -> Result<ExitCode> {
    let registry = models::Registry::builtin();
    let store = models::Models::new(paths::models_dir());
    match action {
        ModelsAction::List { json } => {
            let installed = store.installed()?;
            let lib_model = library_model_dir(library).await;
            let mut out = std::io::stdout().lock();
            let mut rows: Vec<(String, Option<&models::Entry>, Option<&models::Installed>)> = registry
                .models
                .iter()
                .map(|e| (e.id.clone(), Some(e), installed.iter().find(|i| i.id == e.id)))
                .collect();
            for i in &installed {
                if registry.get(&i.id).is_none() {
                    rows.push((i.id.clone(), None, Some(i)));
                }
            }
            for (id, entry, inst) in rows {
                let in_library = inst.is_some_and(|i| lib_model.as_deref().is_some_and(|d| same_dir(d, &i.dir)));
                if json {
                    let commit = inst.and_then(|i| i.manifest.as_ref()).and_then(|m| match &m.source {
                        models::manifest::Source::Hub { commit, .. } => Some(commit.clone()),
                        models::manifest::Source::Local { .. } => None,
                    });
                    let v = serde_json::json!({
                        "id": id,
                        "default": id == registry.default,
                        "installed": inst.is_some(),
                        "dir": inst.map(|i| i.dir.display().to_string()),
                        "bytes": inst.map(|i| i.bytes),
                        "commit": commit,
                        "library_model": in_library,
                        "known": entry.is_some(),
                        "repo": entry.map(|e| &e.repo),
                        "dim": entry.map(|e| e.dim),
                        "image_size": entry.map(|e| e.image_size),
                        "context_length": entry.map(|e| e.context_length),
                        "text_inputs": entry.map(|e| &e.text_inputs),
                        "size_mb": entry.map(|e| e.size_mb),
                        "languages": entry.map(|e| &e.languages),
                        "languages_note": entry.and_then(|e| e.languages_note.as_ref()),
                        "language_prefix": entry.map(|e| e.language_prefix),
                        "licence": entry.map(|e| &e.licence),
                        "quality": entry.map(|e| &e.quality),
                        "summary": entry.map(|e| &e.summary),
                    });
                    writeln!(out, "{v}")?;
                } else {
                    let state = match inst {
                        Some(i) if in_library => format!("installed, {} — this library's model", mb(i.bytes)),
                        Some(i) => format!("installed, {}", mb(i.bytes)),
                        None => "not installed".to_string(),
                    };
                    let star = if id == registry.default { " (default)" } else { "" };
                    writeln!(out, "{id}{star}: {state}")?;
                    if let Some(e) = entry {
                        let langs = e.languages_note.clone().unwrap_or_else(|| e.languages.join(", "));
                        writeln!(
                            out,
                            "    {} · {} dims · {} px · about {} MB · {langs}",
                            e.repo, e.dim, e.image_size, e.size_mb
                        )?;
                        let q: Vec<String> = e
                            .quality
                            .iter()
                            .take(2)
                            .map(|q| format!("{} {} {}", q.benchmark, q.metric, q.value))
                            .collect();
                        writeln!(out, "    {}", q.join("; "))?;
                        writeln!(out, "    licence: {}", e.licence)?;
                    } else {
                        writeln!(out, "    (not in the registry: installed from a folder or archive)")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Pull { id, from, json } => {
            let cancel = cancel_on_ctrl_c(Some("the partial download is kept; pull again to resume"));
            let bar = bytes_bar(0);
            let (dir, summary) = match from {
                Some(src) => {
                    let (store2, id2, cancel2, bar2) = (store.clone(), id.clone(), cancel.clone(), bar.clone());
                    let inst = tokio::task::spawn_blocking(move || {
                        store2.install_from(&id2, &src, cancel2.as_flag(), &mut |p| {
                            bar2.set_length(p.total);
                            bar2.set_position(p.done);
                            bar2.set_prefix(p.file.clone());
                        })
                    })
                    .await
                    .map_err(|e| anyhow!("install task failed: {e}"))??;
                    (inst.dir.clone(), format!("installed {} from {} ({})", inst.id, "a local copy", mb(inst.bytes)))
                }
                None => {
                    let entry = registry.entry(&id)?;
                    let hub = models::Hub::from_env()?;
                    eprintln!("fetching {} from {} (about {} MB)…", entry.repo, hub.endpoint(), entry.size_mb);
                    let b = bar.clone();
                    let report = store
                        .pull(&hub, entry, cancel.as_flag(), &mut |p| {
                            b.set_length(p.total);
                            b.set_position(p.done);
                            b.set_prefix(p.file.clone());
                        })
                        .await?;
                    let how = if report.up_to_date {
                        "already installed and intact".to_string()
                    } else {
                        format!(
                            "downloaded {}{}{}, every file checked against the hub's published digest",
                            mb(report.received),
                            if report.resumed > 0 {
                                format!(", resumed {}", mb(report.resumed))
                            } else {
                                String::new()
                            },
                            if report.restarts > 0 {
                                format!(", {} restart(s)", report.restarts)
                            } else {
                                String::new()
                            }
                        )
                    };
                    let short = &report.commit[..report.commit.len().min(12)];
                    (report.installed.dir.clone(), format!("{id} @ {short}: {how}"))
                }
            };
            bar.finish_and_clear();
            // Verified bytes are not yet a working model: open it.
            let model = open_model(&dir, &[]).await.with_context(|| {
                format!("{id} is installed in {} but does not load (its files are kept)", dir.display())
            })?;
            let info = model.info();
            if let Some(e) = registry.get(&id) {
                if e.dim != info.dim {
                    eprintln!("warning: the registry says {} dims, the model embeds to {}", e.dim, info.dim);
                }
            }
            let mut out = std::io::stdout().lock();
            if json {
                let v = serde_json::json!({
                    "id": id, "dir": dir.display().to_string(), "model_id": info.id, "dim": info.dim,
                    "image_inputs": info.image_inputs, "text_inputs": info.text_inputs,
                    "languages": info.languages, "device": info.device.to_string(), "device_note": info.device_note,
                    "summary": summary,
                });
                writeln!(out, "{v}")?;
            } else {
                writeln!(out, "{summary}")?;
                writeln!(
                    out,
                    "loads: {} dims; image {}; text {}{}; runs on {}",
                    info.dim,
                    info.image_inputs.join(", "),
                    info.text_inputs.join(", "),
                    if info.languages > 0 {
                        format!("; {} query languages (--lang)", info.languages)
                    } else {
                        String::new()
                    },
                    info.device
                )?;
                if let Some(n) = &info.device_note {
                    writeln!(out, "note: {n}")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Verify { id, json } => {
            let s2 = store.clone();
            let id2 = id.clone();
            let report = tokio::task::spawn_blocking(move || s2.verify(&id2, models::Depth::Full))
                .await
                .map_err(|e| anyhow!("verify task failed: {e}"))??;
            let mut out = std::io::stdout().lock();
            if json {
                let v = serde_json::json!({
                    "id": id, "intact": report.is_intact(), "files": report.files,
                    "hashed_bytes": report.hashed_bytes, "has_record": report.has_manifest, "problems": report.problems,
                });
                writeln!(out, "{v}")?;
            } else if !report.has_manifest {
                writeln!(
                    out,
                    "{id}: no install record (placed by hand); the layout's files are {}",
                    if report.is_intact() { "all there" } else { "incomplete" }
                )?;
            } else if report.is_intact() {
                writeln!(out, "{id}: intact ({} files, {} rehashed)", report.files, mb(report.hashed_bytes))?;
            }
            if !report.is_intact() {
                for p in &report.problems {
                    eprintln!("  {p}");
                }
                return Err(models::ModelsError::Damaged { id, problems: report.problems.join("; ") }.into());
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Use { model, json } => {
            let lib = open_library(library).await?;
            let dir = paths::model_dir(Some(&model));
            let m = open_model(&dir, lib.runtime_dirs()).await?;
            let cancel = cancel_on_ctrl_c(Some("what is embedded is kept; run the same command to continue"));
            let bar = progress_bar();
            let id = m.info().id.clone();
            let summary = lib.use_model(m, &cancel, |p| show_progress(&bar, p)).await?;
            bar.finish_and_clear();
            let mut out = std::io::stdout().lock();
            if json {
                let failed: Vec<FailureJson> =
                    summary.failed.iter().map(|(p, r)| FailureJson { path: p, reason: r }).collect();
                let v = serde_json::json!({
                    "model": id, "embedded": summary.embedded, "remaining": summary.remaining,
                    "activated": summary.activated, "cancelled": summary.cancelled, "failed": failed,
                    "seconds": summary.elapsed.as_secs_f64(),
                });
                writeln!(out, "{v}")?;
            } else if summary.activated {
                writeln!(
                    out,
                    "{id} is now the library's model (embedded {} items in {:.1}s; the previous model's vectors are kept: `clipdex models forget` deletes them)",
                    summary.embedded,
                    summary.elapsed.as_secs_f64()
                )?;
            } else {
                writeln!(
                    out,
                    "switching to {id}: embedded {}, {} to go{}; searches use the current model until it is done. Run the same command to continue",
                    summary.embedded,
                    summary.remaining,
                    if summary.cancelled { " (cancelled)" } else { "" }
                )?;
            }
            for (path, reason) in &summary.failed {
                eprintln!("  failed: {path}: {reason}");
            }
            Ok(if summary.cancelled { ExitCode::from(130) } else { ExitCode::SUCCESS })
        }
        ModelsAction::Forget { model } => {
            let lib = open_library(library).await?;
            // A library model id as status shows it, else an installed model or folder to open.
            let known = lib.models().await?;
            let id = match known.iter().find(|m| m.id == model) {
                Some(m) => m.id.clone(),
                None => {
                    let dir = paths::model_dir(Some(std::path::Path::new(&model)));
                    open_model(&dir, lib.runtime_dirs()).await?.info().id.clone()
                }
            };
            if lib.forget_model(&id).await? {
                println!("deleted the vectors of {id} from the library");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(LibraryError::NotIndexedWith(id).into())
            }
        }
        ModelsAction::Remove { id, force } => {
            let dir = store.path_of(&id)?;
            if !dir.exists() {
                return Err(models::ModelsError::NotInstalled(id).into());
            }
            if !force {
                if let Some(lib_dir) = library_model_dir(library).await {
                    if same_dir(&lib_dir, &dir) {
                        return Err(anyhow!(
                            "{id} is the model this library's vectors were made with; without it the library cannot be searched. \
                             Pass --force to remove it anyway (pull it again later to search)"
                        ));
                    }
                }
            }
            if store.remove(&id)? {
                println!("removed {id}");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(models::ModelsError::NotInstalled(id).into())
            }
        }
    }
}
