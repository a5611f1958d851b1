//! `watch`: keeping the index equal to the library's folders until Ctrl-C, one line per event.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clipdex_library::{paths, WatchEvent, WatchOptions};

use super::{open_library, warned};
use crate::progress::cancel_on_ctrl_c;

pub(crate) async fn watch(
    library: Option<PathBuf>,
    folders: Vec<PathBuf>,
    model: Option<PathBuf>,
    poll: bool,
    json: bool,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_indexing(model.as_deref(), &paths::default_model_dir()).await?);
    let cancel = cancel_on_ctrl_c(None);
    let opts = WatchOptions { force_polling: poll, ..WatchOptions::default() };
    lib.watch(&folders, model, opts, &cancel, |e| {
        let line = match (&e, json) {
            (WatchEvent::Watching { folder, mode }, true) => {
                serde_json::json!({"event": "watching", "folder": folder, "mode": mode.to_string()}).to_string()
            }
            (WatchEvent::Watching { folder, mode }, false) => format!("watching {folder} ({mode})"),
            (WatchEvent::Reconciled { folder, summary: s }, true) => serde_json::json!({
                "event": "reconciled", "folder": folder, "indexed": s.indexed, "reused": s.reused,
                "removed": s.removed, "deferred": s.deferred, "failed": s.failed.len(),
            })
            .to_string(),
            (WatchEvent::Reconciled { folder, summary: s }, false) => format!(
                "{folder}: indexed {}, reused {}, removed {}, failed {}{}",
                s.indexed,
                s.reused,
                s.removed,
                s.failed.len(),
                if s.deferred > 0 { format!(", {} still changing", s.deferred) } else { String::new() }
            ),
            (WatchEvent::Failed { folder, message }, true) => {
                serde_json::json!({"event": "failed", "folder": folder, "message": message}).to_string()
            }
            (WatchEvent::Failed { folder, message }, false) => format!("{folder}: {message} (will retry)"),
        };
        // A closed pipe is no reason to stop watching.
        let _ = writeln!(std::io::stdout(), "{line}");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
