//! `models`: listing, pulling, verifying, using, forgetting and removing models.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clipdex_library::{paths, Fetched, Library, LibraryError, ModelListing, ModelShelf, Transfer};

use super::{open_library, open_model};
use crate::args::ModelsAction;
use crate::output::{mb, FailureJson};
use crate::progress::{bytes_bar, cancel_on_ctrl_c, progress_bar, show_progress};

pub(crate) async fn run(library: Option<PathBuf>, action: ModelsAction) -> Result<ExitCode> {
    let shelf = ModelShelf::new(paths::models_dir());
    match action {
        ModelsAction::List { json } => {
            let lib = existing_library(library).await;
            let listing = shelf.list(lib.as_ref()).await?;
            let mut out = std::io::stdout().lock();
            for m in &listing {
                if json {
                    writeln!(out, "{}", listing_json(m))?;
                } else {
                    write_listing(&mut out, m)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Pull { id, from, json } => {
            let cancel = cancel_on_ctrl_c(Some("the partial download is kept; pull again to resume"));
            let bar = bytes_bar(0);
            let b = bar.clone();
            let on_progress = move |p: &Transfer| {
                b.set_length(p.total);
                b.set_position(p.done);
                b.set_prefix(p.file.clone());
            };
            let got = match from {
                Some(src) => shelf.install_from(&id, &src, &cancel, on_progress).await,
                None => {
                    let src = shelf.download_source(&id)?;
                    eprintln!("fetching {} from {} (about {} MB)…", src.repo, src.endpoint, src.size_mb);
                    shelf.pull(&id, &cancel, on_progress).await
                }
            };
            bar.finish_and_clear();
            let got = got.map_err(|e| match e {
                // Verified bytes that do not load: say the files are kept.
                e @ LibraryError::Model(_) => anyhow::Error::new(e).context(format!(
                    "{id} is installed in {} but does not load (its files are kept)",
                    shelf.dir().join(&id).display()
                )),
                e => e.into(),
            })?;
            let summary = match &got.fetched {
                Fetched::Copied { bytes } => format!("installed {id} from a local copy ({})", mb(*bytes)),
                Fetched::UpToDate { commit } => format!("{id} @ {}: already installed and intact", short(commit)),
                Fetched::Downloaded { commit, received, resumed, restarts } => format!(
                    "{id} @ {}: downloaded {}{}{}, every file checked against the hub's published digest",
                    short(commit),
                    mb(*received),
                    if *resumed > 0 { format!(", resumed {}", mb(*resumed)) } else { String::new() },
                    if *restarts > 0 { format!(", {restarts} restart(s)") } else { String::new() }
                ),
            };
            let model = super::warned(got.model);
            let info = model.info();
            if let Some(k) = shelf.listing(&id).await?.known {
                if k.dim != info.dim {
                    eprintln!("warning: the registry says {} dims, the model embeds to {}", k.dim, info.dim);
                }
            }
            let dir = got.dir;
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
            let report = shelf.verify(&id).await?;
            let mut out = std::io::stdout().lock();
            if json {
                let v = serde_json::json!({
                    "id": id, "intact": report.is_intact(), "files": report.files,
                    "hashed_bytes": report.hashed_bytes, "has_record": report.has_record, "problems": report.problems,
                });
                writeln!(out, "{v}")?;
            } else if !report.has_record {
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
                return Err(ModelShelf::damaged(&id, &report).into());
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
            let lib = existing_library(library).await;
            shelf.remove(&id, lib.as_ref(), force).await.map_err(|e| match e {
                e @ LibraryError::BadArgument(_) => {
                    crate::hint::with(e, "pass --force to remove it anyway (pull it again later to search)")
                }
                e => e.into(),
            })?;
            println!("removed {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The library, if it exists (listing models never creates one).
async fn existing_library(library: Option<PathBuf>) -> Option<Library> {
    let dir = library.unwrap_or_else(paths::default_library_dir);
    if !dir.join("db").is_dir() {
        return None;
    }
    Library::open(&dir).await.ok()
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn listing_json(m: &ModelListing) -> serde_json::Value {
    let (e, i) = (m.known.as_ref(), m.installed.as_ref());
    serde_json::json!({
        "id": m.id,
        "default": m.default,
        "installed": i.is_some(),
        "dir": i.map(|i| i.dir.display().to_string()),
        "library_dir": m.library.as_ref().map(|l| l.dir.display().to_string()),
        "bytes": i.map(|i| i.bytes),
        "commit": i.and_then(|i| i.commit.clone()),
        "library_model": m.library.as_ref().is_some_and(|l| l.active),
        "library_vectors": m.library.as_ref().map(|l| l.vectors),
        "known": e.is_some(),
        "repo": e.map(|e| &e.repo),
        "dim": e.map(|e| e.dim).or(m.library.as_ref().map(|l| l.dim)),
        "image_size": e.map(|e| e.image_size),
        "context_length": e.map(|e| e.context_length),
        "text_inputs": e.map(|e| &e.text_inputs),
        "size_mb": e.map(|e| e.size_mb),
        "languages": e.map(|e| &e.languages),
        "languages_note": e.and_then(|e| e.languages_note.as_ref()),
        "language_prefix": e.map(|e| e.language_prefix),
        "licence": e.map(|e| &e.licence),
        "quality": e.map(|e| e.quality.iter().map(|q| serde_json::json!({
            "benchmark": q.benchmark, "metric": q.metric, "value": q.value, "source": q.source,
        })).collect::<Vec<_>>()),
        "summary": e.map(|e| &e.summary),
    })
}

fn write_listing(out: &mut impl Write, m: &ModelListing) -> std::io::Result<()> {
    let active = m.library.as_ref().is_some_and(|l| l.active);
    let state = match (&m.installed, &m.library) {
        (Some(i), _) if active => format!("installed, {} — this library's model", mb(i.bytes)),
        (Some(i), _) => format!("installed, {}", mb(i.bytes)),
        (None, Some(l)) => format!(
            "not installed here; the library has its vectors ({}){}",
            l.dir.display(),
            if active { " — this library's model" } else { "" }
        ),
        (None, None) => "not installed".to_string(),
    };
    let star = if m.default { " (default)" } else { "" };
    writeln!(out, "{}{star}: {state}", m.id)?;
    match &m.known {
        Some(e) => {
            let langs = e.languages_note.clone().unwrap_or_else(|| e.languages.join(", "));
            writeln!(out, "    {} · {} dims · {} px · about {} MB · {langs}", e.repo, e.dim, e.image_size, e.size_mb)?;
            let q: Vec<String> =
                e.quality.iter().take(2).map(|q| format!("{} {} {}", q.benchmark, q.metric, q.value)).collect();
            writeln!(out, "    {}", q.join("; "))?;
            writeln!(out, "    licence: {}", e.licence)
        }
        None if m.installed.is_some() => {
            writeln!(out, "    (not in the registry: installed from a folder or archive)")
        }
        None => writeln!(out, "    (a model folder given by hand)"),
    }
}
