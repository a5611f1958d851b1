//! `text`: the words read in a picture (OCR), the languages read, reading what waits.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::open_library;
use crate::progress::{cancel_on_ctrl_c, progress_bar, show_progress};

#[derive(Serialize)]
struct TextJson<'a> {
    id: &'a str,
    text: &'a str,
    /// The clockwise turn the picture was read at.
    angle: u16,
    engine: &'a str,
    words: &'a [clipdex_library::TextWord],
}

pub(crate) async fn text(
    library: Option<PathBuf>,
    target: Option<String>,
    languages: Option<Vec<String>>,
    read: bool,
    json: bool,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let mut out = std::io::stdout().lock();
    if let Some(langs) = languages {
        let set = lib.set_text_languages(&langs).await?;
        writeln!(out, "pictures will be read in: {} (the next run reads every picture again)", set.join(", "))?;
    }
    if read {
        let status = lib.text_status().await?;
        if let Some(reason) = status.off_reason {
            anyhow::bail!("cannot read text in pictures: {reason}");
        }
        let cancel = cancel_on_ctrl_c(Some("finishing the current pictures and saving what is done…"));
        let bar = progress_bar();
        let n = lib.read_texts(&cancel, |p| show_progress(&bar, p)).await?;
        bar.finish_and_clear();
        writeln!(
            out,
            "read {n} pictures{}",
            if cancel.is_cancelled() { " — cancelled; run again to continue" } else { "" }
        )?;
    }
    if let Some(target) = target {
        let t = lib.text(&target).await?;
        if json {
            let j = TextJson { id: &t.id, text: &t.text, angle: t.angle, engine: &t.engine, words: &t.words };
            writeln!(out, "{}", serde_json::to_string(&j)?)?;
        } else if t.text.is_empty() {
            writeln!(out, "(no text found in this picture)")?;
        } else {
            writeln!(out, "{}", t.text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
