//! `search` and `similar`: queries against the library, printed as hits.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clipdex_library::{Mode, SearchOptions, Sort, QUERY_IMAGE_MAX_BYTES};

use super::{open_library, warned};
use crate::output::print_hits;

/// The search's options from its flags, with the image `--image -` pipes in on stdin.
pub(crate) fn options(
    images: Vec<PathBuf>,
    min_score: Option<f32>,
    mode: Mode,
    sort: Sort,
    limit: usize,
    lang: Option<String>,
) -> Result<SearchOptions> {
    // `--image -` reads an encoded image from standard input.
    let (piped, images): (Vec<PathBuf>, Vec<PathBuf>) = images.into_iter().partition(|p| p.as_os_str() == "-");
    let mut image_bytes = Vec::new();
    if !piped.is_empty() {
        // At most the query-image cap, whatever is piped in (`< /dev/zero`).
        let cap = QUERY_IMAGE_MAX_BYTES as u64;
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), cap + 1), &mut buf)
            .context("cannot read the image on stdin")?;
        if buf.len() as u64 > cap {
            bail!("the image on stdin is over {} MB, the most a query image may be", cap >> 20);
        }
        image_bytes.push(buf);
    }
    Ok(SearchOptions { limit, min_score, mode, sort, images, image_bytes, lang, ..SearchOptions::default() })
}

pub(crate) async fn search(
    library: Option<PathBuf>,
    text: &str,
    opts: &SearchOptions,
    json: bool,
    model: Option<PathBuf>,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(model.as_deref()).await?);
    let results = lib.search(model, text, opts).await?;
    print_hits(&results, json)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn similar(
    library: Option<PathBuf>,
    target: &str,
    limit: usize,
    min_score: Option<f32>,
    json: bool,
) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(None).await?);
    let results = lib.similar(model, target, limit, min_score).await?;
    print_hits(&results, json)?;
    Ok(ExitCode::SUCCESS)
}
