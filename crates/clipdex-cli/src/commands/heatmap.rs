//! `heatmap`: prompt × item similarity matrices, and where in one image a text matches.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::{open_library, warned};
use crate::args::HeatmapKind;
use crate::output::truncate;
use crate::progress::{cancel_on_ctrl_c, progress_bar};

pub(crate) async fn heatmap(library: Option<PathBuf>, kind: HeatmapKind) -> Result<ExitCode> {
    let lib = open_library(library).await?;
    let model = warned(lib.model_for_search(None).await?);
    let mut out = std::io::stdout().lock();
    match kind {
        HeatmapKind::Matrix { prompts, items, lang, json } => {
            let m = lib.heatmap_matrix(model, &prompts, &items, lang.as_deref()).await?;
            if json {
                let v = serde_json::json!({
                    "prompts": m.prompts,
                    "items": m.items.iter().map(|(id, path)| serde_json::json!({"id": id, "path": path})).collect::<Vec<_>>(),
                    "cosines": m.cosines,
                    "levels": (0..m.prompts.len()).map(|p| (0..m.items.len()).map(|i| m.level(p, i)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "scale": {"low": m.low, "high": m.high, "source": m.scale},
                });
                writeln!(out, "{v}")?;
                return Ok(ExitCode::SUCCESS);
            }
            let name = |p: &str| {
                std::path::Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            };
            let width = m.prompts.iter().map(|p| p.chars().count()).max().unwrap_or(0).min(30);
            let heads: Vec<String> = m.items.iter().map(|(_, p)| format!("{:>14}", truncate(&name(p), 14))).collect();
            writeln!(out, "{:width$}  {}", "", heads.join(""))?;
            const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
            for (pi, p) in m.prompts.iter().enumerate() {
                let cells: Vec<String> = (0..m.items.len())
                    .map(|i| {
                        let shade = SHADES[((m.level(pi, i) * 4.0).round() as usize).min(4)];
                        format!("{:>12.3} {shade}", m.cosines[pi][i])
                    })
                    .collect();
                writeln!(out, "{:width$}  {}", truncate(p, width), cells.join(""))?;
            }
            writeln!(
                out,
                "scale: {:.3} (unrelated) … {:.3} (strong match), {}",
                m.low,
                m.high,
                if m.scale == "calibrated" {
                    "calibrated for this model on this library"
                } else {
                    "this matrix's own range (no calibrated scale for this model yet: the next indexing run makes one)"
                }
            )?;
        }
        HeatmapKind::Region { target, text, png, lang, json } => {
            let cancel = cancel_on_ctrl_c(None);
            let bar = progress_bar();
            let b = bar.clone();
            let map = lib
                .heatmap_region(model, &target, &text, lang.as_deref(), &cancel, move |done, total| {
                    b.set_length(total as u64);
                    b.set_position(done as u64);
                })
                .await?;
            bar.finish_and_clear();
            let levels = map.levels();
            if let Some(out_path) = &png {
                lib.save_region_overlay(&target, &map, out_path)
                    .await
                    .with_context(|| format!("cannot write {}", out_path.display()))?;
            }
            let (pr, pc) = map.peak();
            if json {
                let v = serde_json::json!({
                    "rows": map.rows, "cols": map.cols, "cells": map.cells, "levels": levels,
                    "whole": map.whole, "peak": {"row": pr, "col": pc}, "passes": map.passes, "dense": map.dense, "cached": map.cached,
                    "png": png.as_ref().map(|p| p.display().to_string()),
                });
                writeln!(out, "{v}")?;
            } else {
                for r in 0..map.rows {
                    let row: Vec<String> =
                        (0..map.cols).map(|c| format!("{:7.3}", map.cells[r * map.cols + c])).collect();
                    writeln!(out, "{}", row.join(" "))?;
                }
                writeln!(
                    out,
                    "best at row {}, column {} of {}×{}; whole image {:.3}; {} passes ({}){}",
                    pr + 1,
                    pc + 1,
                    map.rows,
                    map.cols,
                    map.whole,
                    map.passes,
                    if map.dense { "patch tokens" } else { "crops" },
                    if map.cached { " (cached)" } else { "" }
                )?;
                if let Some(p) = &png {
                    writeln!(out, "wrote {}", p.display())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
