//! The models panel's wire types: registry entries, downloads, switches, devices and side-by-side comparisons.

use clipdex_library::{Comparison, LibraryModel, Model, ModelListing, ModelRun, ScoreStats, SwitchSummary, Transfer};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::search::HitDto;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Device")]
pub struct DeviceDto {
    /// The execution provider actually in use: "cpu", "cuda", …
    pub provider: String,
    /// Why a requested accelerator is not in use, if one was requested.
    pub fallback_reason: Option<String>,
}

impl DeviceDto {
    pub fn of(m: &Model) -> Self {
        Self { provider: m.info().device.to_string(), fallback_reason: m.info().device_note.clone() }
    }
}

/// A model with vectors in the library.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "LibModel")]
pub struct LibModelDto {
    pub id: String,
    /// What people call it (the registry's name, else the folder name).
    pub name: String,
    pub dir: String,
    pub dim: usize,
    pub vectors: usize,
    pub items: usize,
    pub active: bool,
    /// Being switched to (indexing in the background).
    pub target: bool,
    pub images_per_second: Option<f64>,
}

impl From<&LibraryModel> for LibModelDto {
    fn from(m: &LibraryModel) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            dir: m.dir.display().to_string(),
            dim: m.dim,
            vectors: m.vectors,
            items: m.items,
            active: m.active,
            target: m.target,
            images_per_second: m.images_per_second,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Quality")]
pub struct QualityDto {
    pub benchmark: String,
    pub metric: String,
    pub value: f32,
    pub source: String,
}

/// One row of the models panel: a registry entry, an installed model, or a
/// model only the library knows (a folder given by hand), merged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ModelEntry")]
pub struct ModelEntryDto {
    pub id: String,
    /// What people call it: the registry's name, else the id.
    pub name: String,
    pub known: bool,
    pub default: bool,
    pub repo: Option<String>,
    pub dim: Option<usize>,
    pub size_mb: Option<u64>,
    pub languages: Vec<String>,
    pub languages_note: Option<String>,
    pub language_prefix: bool,
    pub licence: Option<String>,
    pub quality: Vec<QualityDto>,
    pub summary: Option<String>,
    pub installed: bool,
    pub bytes: Option<u64>,
    pub commit: Option<String>,
    /// The library's vectors from this model, if any.
    pub library: Option<LibModelDto>,
}

impl From<&ModelListing> for ModelEntryDto {
    fn from(m: &ModelListing) -> Self {
        let e = m.known.as_ref();
        ModelEntryDto {
            id: m.id.clone(),
            name: e.map_or_else(|| m.id.clone(), |e| e.name.clone()),
            known: e.is_some(),
            default: m.default,
            repo: e.map(|e| e.repo.clone()),
            dim: e.map(|e| e.dim).or(m.library.as_ref().map(|l| l.dim)),
            size_mb: e.map(|e| e.size_mb),
            languages: e.map(|e| e.languages.clone()).unwrap_or_default(),
            languages_note: e.and_then(|e| e.languages_note.clone()),
            language_prefix: e.is_some_and(|e| e.language_prefix),
            licence: e.map(|e| e.licence.clone()),
            quality: e
                .map(|e| {
                    e.quality
                        .iter()
                        .map(|q| QualityDto {
                            benchmark: q.benchmark.clone(),
                            metric: q.metric.clone(),
                            value: q.value,
                            source: q.source.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            summary: e.map(|e| e.summary.clone()),
            installed: m.installed.is_some(),
            bytes: m.installed.as_ref().map(|i| i.bytes),
            commit: m.installed.as_ref().and_then(|i| i.commit.clone()),
            library: m.library.as_ref().map(LibModelDto::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ModelsList")]
pub struct ModelsDto {
    pub entries: Vec<ModelEntryDto>,
    pub models_dir: String,
    pub device: Option<DeviceDto>,
}

/// Sent while a model downloads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "PullEvent")]
pub struct PullEventDto {
    pub file: String,
    pub done: u64,
    pub total: u64,
}

impl From<&Transfer> for PullEventDto {
    fn from(p: &Transfer) -> Self {
        PullEventDto { file: p.file.clone(), done: p.done, total: p.total }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Switch")]
pub struct SwitchDto {
    pub model_id: String,
    pub embedded: usize,
    pub remaining: usize,
    pub activated: bool,
    pub cancelled: bool,
    pub failed: usize,
}

impl SwitchDto {
    /// What a switch to `model_id` did.
    pub fn of(model_id: String, summary: &SwitchSummary) -> Self {
        SwitchDto {
            model_id,
            embedded: summary.embedded,
            remaining: summary.remaining,
            activated: summary.activated,
            cancelled: summary.cancelled,
            failed: summary.failed.len(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Scores")]
pub struct ScoresDto {
    pub n: usize,
    pub min: f32,
    pub p50: f32,
    pub p90: f32,
    pub p99: f32,
    pub max: f32,
    pub histogram: Vec<usize>,
}

impl From<ScoreStats> for ScoresDto {
    fn from(s: ScoreStats) -> Self {
        ScoresDto { n: s.n, min: s.min, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, histogram: s.histogram }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Run")]
pub struct RunDto {
    pub model_id: String,
    pub hits: Vec<HitDto>,
    pub latency_ms: f64,
    pub scores: ScoresDto,
    pub cutoff: Option<f32>,
    pub images_per_second: Option<f64>,
    pub vectors: usize,
    pub items: usize,
}

impl From<ModelRun> for RunDto {
    fn from(r: ModelRun) -> Self {
        RunDto {
            model_id: r.model_id,
            hits: r.hits.into_iter().map(HitDto::from).collect(),
            latency_ms: r.latency_ms,
            scores: ScoresDto::from(r.scores),
            cutoff: r.cutoff,
            images_per_second: r.images_per_second,
            vectors: r.vectors,
            items: r.items,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Comparison")]
pub struct CompareDto {
    pub k: usize,
    pub runs: Vec<RunDto>,
    pub jaccard: f32,
    pub overlap: usize,
    pub spearman: f32,
}

impl From<Comparison> for CompareDto {
    fn from(c: Comparison) -> Self {
        CompareDto {
            k: c.k,
            jaccard: c.jaccard,
            overlap: c.overlap,
            spearman: c.spearman,
            runs: c.runs.into_iter().map(RunDto::from).collect(),
        }
    }
}
