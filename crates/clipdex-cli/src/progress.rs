//! Progress on stderr (item and byte bars) and the Ctrl-C cancel flag that long commands share.

use std::io::IsTerminal;
use std::time::Duration;

use clipdex_library::{Cancel, Phase};
use indicatif::{ProgressBar, ProgressStyle};

/// One indexing or switching progress report on the bar.
pub(crate) fn show_progress(bar: &ProgressBar, p: &clipdex_library::Progress) {
    bar.set_length(p.total as u64);
    bar.set_position(p.done as u64);
    bar.set_message(match p.phase {
        Phase::Scanning => "scanning",
        Phase::Indexing => "indexing",
        Phase::Labels => "labels",
        Phase::Describing => "tagging",
        Phase::Reading => "text",
        Phase::Finished => "done",
    });
    if let Some(c) = &p.current {
        let name = std::path::Path::new(c).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_prefix(name);
    }
}

pub(crate) fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:>10} [{bar:32}] {pos}/{len} ({per_sec}, eta {eta}) {prefix}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub(crate) fn bytes_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:32}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {prefix}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A cancel flag that Ctrl-C sets, saying on stderr what happens to the work.
pub(crate) fn cancel_on_ctrl_c(what_happens: Option<&'static str>) -> Cancel {
    let cancel = Cancel::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            if let Some(m) = what_happens {
                eprintln!("\ncancelling: {m}");
            }
            on_signal.cancel();
        }
    });
    cancel
}
