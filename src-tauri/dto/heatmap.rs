//! The heatmaps' wire types: prompts × items on a calibrated scale, and where text matches within one item.

use clipdex_library::{HeatMatrix, RegionMap};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::schemes::thumbnail_url;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "MatrixItem")]
pub struct MatrixItemDto {
    pub id: String,
    pub path: String,
    pub thumbnail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "HeatMatrix")]
pub struct MatrixDto {
    pub prompts: Vec<String>,
    pub items: Vec<MatrixItemDto>,
    /// `cosines[prompt][item]`.
    pub cosines: Vec<Vec<f32>>,
    /// The same cells on the model's calibrated scale, 0–1.
    pub levels: Vec<Vec<f32>>,
    pub low: f32,
    pub high: f32,
    /// "calibrated" or "matrix" (the matrix's own range).
    pub scale: String,
}

impl From<HeatMatrix> for MatrixDto {
    fn from(m: HeatMatrix) -> Self {
        MatrixDto {
            levels: (0..m.prompts.len()).map(|p| (0..m.items.len()).map(|i| m.level(p, i)).collect()).collect(),
            items: m
                .items
                .iter()
                .map(|(id, path)| MatrixItemDto { thumbnail: thumbnail_url(id), id: id.clone(), path: path.clone() })
                .collect(),
            prompts: m.prompts,
            cosines: m.cosines,
            low: m.low,
            high: m.high,
            scale: m.scale.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "RegionMap")]
pub struct RegionDto {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<f32>,
    /// Cells rescaled to 0–1 over this map.
    pub levels: Vec<f32>,
    pub whole: f32,
    pub passes: usize,
    /// From the model's patch tokens (a dense map) rather than crops.
    pub dense: bool,
    pub cached: bool,
}

impl From<RegionMap> for RegionDto {
    fn from(map: RegionMap) -> Self {
        let (lo, hi) = map.cells.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), c| (a.min(*c), b.max(*c)));
        RegionDto {
            levels: map.cells.iter().map(|c| (c - lo) / (hi - lo).max(1e-6)).collect(),
            rows: map.rows,
            cols: map.cols,
            cells: map.cells,
            whole: map.whole,
            passes: map.passes,
            dense: map.dense,
            cached: map.cached,
        }
    }
}
