//! `embed`: vectors for images and texts, printed in command-line order.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::ArgMatches;
use clipdex_library::paths;
use serde::Serialize;

use super::open_model;

#[derive(Serialize)]
struct EmbedJson<'a> {
    kind: &'static str,
    input: &'a str,
    vector: &'a [f32],
}

pub(crate) async fn embed(
    sub: &ArgMatches,
    images: Vec<PathBuf>,
    texts: Vec<String>,
    model: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    if images.is_empty() && texts.is_empty() {
        return Err(anyhow!("nothing to embed: give --image PATH or --text TEXT"));
    }
    // Restore command-line order across the two flags.
    let mut order: Vec<(usize, bool, usize)> = Vec::new();
    if let Some(ix) = sub.indices_of("images") {
        order.extend(ix.enumerate().map(|(n, i)| (i, true, n)));
    }
    if let Some(ix) = sub.indices_of("texts") {
        order.extend(ix.enumerate().map(|(n, i)| (i, false, n)));
    }
    order.sort();

    let model_dir = paths::model_dir(model.as_deref());
    let model = open_model(&model_dir, &[]).await?;
    let mut decoded = Vec::new();
    for p in &images {
        let img = clipdex_library::decode_image_file(p).with_context(|| format!("cannot embed {}", p.display()))?;
        decoded.push(img);
    }
    let m = model.clone();
    let texts_for_model = texts.clone();
    let (image_vectors, text_vectors) = tokio::task::spawn_blocking(move || -> Result<_> {
        let iv = m.embed_images(decoded)?;
        let tv = if texts_for_model.is_empty() { Vec::new() } else { m.embed_texts(&texts_for_model)? };
        Ok((iv, tv))
    })
    .await??;

    let mut out = std::io::stdout().lock();
    for (_, is_image, n) in order {
        let (kind, input, vector) = if is_image {
            ("image", images[n].to_string_lossy().into_owned(), &image_vectors[n])
        } else {
            ("text", texts[n].clone(), &text_vectors[n])
        };
        if json {
            writeln!(out, "{}", serde_json::to_string(&EmbedJson { kind, input: &input, vector })?)?;
        } else {
            let head: Vec<String> = vector.iter().take(4).map(|x| format!("{x:.4}")).collect();
            writeln!(out, "{kind} {input:?}: [{}, …] ({} dims)", head.join(", "), vector.len())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
