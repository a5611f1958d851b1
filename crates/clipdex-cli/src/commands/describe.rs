//! `describe` and `caption`: the labels that fit an item, and the caption given to it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clipdex_library::{Cancel, LibraryError};
use serde::Serialize;

use super::{open_library, warned};
use crate::progress::progress_bar;

#[derive(Serialize)]
struct DescriptionJson<'a> {
    text: &'a str,
    source: &'a str,
    score: f32,
    probability: f32,
}

pub(crate) async fn describe(
    library: Option<PathBuf>,
    target: &str,
    limit: usize,
    json: bool,
    model: Option<PathBuf>,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(model.as_deref()).await?);
    let bar = progress_bar();
    bar.set_message("labels");
    let found = lib
        .describe(model, target, limit, &Cancel::new(), |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    for d in &found {
        if json {
            let j = DescriptionJson { text: &d.text, source: d.source, score: d.cosine, probability: d.probability };
            writeln!(out, "{}", serde_json::to_string(&j)?)?;
        } else {
            let mark = if d.source == "caption" { "  (caption)" } else { "" };
            writeln!(out, "{:.4}  {:5.1}%  {}{mark}", d.cosine, d.probability * 100.0, d.text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn caption(
    library: Option<PathBuf>,
    target: String,
    text: Option<String>,
    clear: bool,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    match (text, clear) {
        (Some(t), _) => {
            lib.set_caption(&target, Some(&t)).await?;
            println!("captioned {target}");
        }
        (None, true) => {
            lib.set_caption(&target, None).await?;
            println!("cleared the caption of {target}");
        }
        (None, false) => match lib.item_details(&target).await? {
            Some(d) => println!("{}", d.caption.unwrap_or_default()),
            None => return Err(LibraryError::NotInLibrary(target).into()),
        },
    }
    Ok(ExitCode::SUCCESS)
}
