//! Model commands: the registry with what is installed and what the library
//! holds, downloads with progress, switching the library's model in the
//! background, and comparing models on one query. Thin, like `commands`.

use clipdex_library::models::{manifest::Source, Hub, Installed, Models, Registry};
use clipdex_library::{Cancel, LibraryModel, Model, SearchOptions};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::commands::{progress_event, HitDto, IndexEvent};
use crate::error::IpcError;
use crate::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LibModelDto {
    pub id: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QualityDto {
    pub benchmark: String,
    pub metric: String,
    pub value: f32,
    pub source: String,
}

/// One row of the models panel: a registry entry, an installed model, or a
/// model only the library knows (a folder given by hand), merged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelEntryDto {
    pub id: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelsDto {
    pub entries: Vec<ModelEntryDto>,
    pub models_dir: String,
    pub device: Option<DeviceDto>,
}

/// Sent while a model downloads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PullEventDto {
    pub file: String,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SwitchDto {
    pub model_id: String,
    pub embedded: usize,
    pub remaining: usize,
    pub activated: bool,
    pub cancelled: bool,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScoresDto {
    pub n: usize,
    pub min: f32,
    pub p50: f32,
    pub p90: f32,
    pub p99: f32,
    pub max: f32,
    pub histogram: Vec<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CompareDto {
    pub k: usize,
    pub runs: Vec<RunDto>,
    pub jaccard: f32,
    pub overlap: usize,
    pub spearman: f32,
}

fn models_store(state: &AppState) -> Models {
    Models::new(state.models_dir.clone())
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn entry_of(id: &str, installed: Option<&Installed>, lib: Option<&LibraryModel>, registry: &Registry) -> ModelEntryDto {
    let e = registry.get(id);
    let commit = installed.and_then(|i| i.manifest.as_ref()).and_then(|m| match &m.source {
        Source::Hub { commit, .. } => Some(commit.clone()),
        Source::Local { .. } => None,
    });
    ModelEntryDto {
        id: id.to_string(),
        known: e.is_some(),
        default: registry.default == id,
        repo: e.map(|e| e.repo.clone()),
        dim: e.map(|e| e.dim).or(lib.map(|l| l.dim)),
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
        installed: installed.is_some(),
        bytes: installed.map(|i| i.bytes),
        commit,
        library: lib.map(LibModelDto::from),
    }
}

/// The registry, what is installed, and what the library holds, merged.
#[tauri::command]
pub async fn models_list(state: State<'_, AppState>) -> Result<ModelsDto, IpcError> {
    let registry = Registry::builtin();
    let store = models_store(&state);
    let installed = store.installed().map_err(IpcError::from_models)?;
    let library = state.library().await?;
    let lib_models = library.models().await?;
    let mut used = vec![false; lib_models.len()];
    let mut lib_for = |dir: Option<&std::path::Path>, id: &str| -> Option<LibraryModel> {
        let i = lib_models
            .iter()
            .position(|m| dir.is_some_and(|d| same_dir(&m.dir, d)) || m.id.split('@').next() == Some(id))?;
        used[i] = true;
        Some(lib_models[i].clone())
    };
    let mut entries = Vec::new();
    for e in &registry.models {
        let inst = installed.iter().find(|i| i.id == e.id);
        let lib = lib_for(inst.map(|i| i.dir.as_path()), &e.id);
        entries.push(entry_of(&e.id, inst, lib.as_ref(), registry));
    }
    for i in installed.iter().filter(|i| registry.get(&i.id).is_none()) {
        let lib = lib_for(Some(&i.dir), &i.id);
        entries.push(entry_of(&i.id, Some(i), lib.as_ref(), registry));
    }
    for (m, _) in lib_models.iter().zip(&used).filter(|(_, u)| !**u) {
        entries.push(entry_of(&m.id, None, Some(m), registry));
    }
    Ok(ModelsDto {
        entries,
        models_dir: store.dir().display().to_string(),
        device: state.model.lock().await.as_ref().map(|m| DeviceDto::of(m)),
    })
}

/// Takes the one slot for long model work (a download or a switch).
fn begin(slot: &std::sync::Mutex<Option<Cancel>>) -> Result<Cancel, IpcError> {
    let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
    if s.is_some() {
        return Err(IpcError::new("busy", "a model download or switch is already running; wait for it or cancel it"));
    }
    let cancel = Cancel::new();
    *s = Some(cancel.clone());
    Ok(cancel)
}

/// Downloads a known model (resumable, verified), streaming progress.
#[tauri::command]
pub async fn models_pull(
    state: State<'_, AppState>,
    id: String,
    on_event: Channel<PullEventDto>,
) -> Result<ModelEntryDto, IpcError> {
    let registry = Registry::builtin();
    let entry = registry.entry(&id).map_err(IpcError::from_models)?.clone();
    let cancel = begin(&state.model_task)?;
    let result = async {
        let hub = Hub::from_env().map_err(IpcError::from_models)?;
        let store = models_store(&state);
        let report = store
            .pull(&hub, &entry, cancel.as_flag(), &mut |p| {
                let _ = on_event.send(PullEventDto { file: p.file.clone(), done: p.done, total: p.total });
            })
            .await
            .map_err(IpcError::from_models)?;
        // Verified bytes are not yet a working model: open it once.
        clipdex_library::open_model(&report.installed.dir, &[]).await?;
        Ok(entry_of(&id, Some(&report.installed), None, registry))
    }
    .await;
    *state.model_task.lock().unwrap_or_else(|p| p.into_inner()) = None;
    result
}

/// Switches the library to a model (an installed id, or a model the library
/// already has vectors from), indexing in the background with progress; the
/// current model keeps answering searches until the switch completes.
#[tauri::command]
pub async fn models_use<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    on_event: Channel<IndexEvent>,
) -> Result<SwitchDto, IpcError> {
    let library = state.library().await?;
    let dir: PathBuf = match library.models().await?.into_iter().find(|m| m.id == id) {
        Some(m) => m.dir,
        None => {
            let dir = state.models_dir.join(&id);
            if clipdex_library::models::registry::check_id(&id).is_err() || !dir.is_dir() {
                return Err(IpcError::new("model_not_installed", format!("{id} is not installed; download it first")));
            }
            dir
        }
    };
    let cancel = begin(&state.model_task)?;
    let result = async {
        let model = clipdex_library::open_model(&dir, library.runtime_dirs()).await?;
        let summary = library
            .use_model(model.clone(), &cancel, |p| {
                let _ = on_event.send(progress_event(p));
            })
            .await?;
        if summary.activated {
            *state.model.lock().await = Some(model.clone());
            crate::restart_watcher(&app);
        }
        Ok(SwitchDto {
            model_id: model.info().id.clone(),
            embedded: summary.embedded,
            remaining: summary.remaining,
            activated: summary.activated,
            cancelled: summary.cancelled,
            failed: summary.failed.len(),
        })
    }
    .await;
    *state.model_task.lock().unwrap_or_else(|p| p.into_inner()) = None;
    result
}

/// Stops a running download (kept, resumable) or switch (kept, resumable).
#[tauri::command]
pub fn cancel_model_task(state: State<'_, AppState>) -> bool {
    match state.model_task.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(c) => {
            c.cancel();
            true
        }
        None => false,
    }
}

/// Runs one query on several of the library's models side by side.
#[tauri::command]
pub async fn compare(
    state: State<'_, AppState>,
    query: String,
    models: Vec<String>,
    limit: Option<usize>,
    lang: Option<String>,
) -> Result<CompareDto, IpcError> {
    if models.len() < 2 {
        return Err(IpcError::new("bad_argument", "choose two models to compare"));
    }
    let library = state.library().await?;
    let known = library.models().await?;
    let mut opened = Vec::new();
    for id in &models {
        let m = known
            .iter()
            .find(|m| &m.id == id)
            .ok_or_else(|| IpcError::new("model_not_indexed", format!("the library has no vectors from {id}")))?;
        opened.push(clipdex_library::open_model(&m.dir, library.runtime_dirs()).await?);
    }
    let opts = SearchOptions { lang, ..SearchOptions::default() };
    let c = library.compare(&opened, &query, limit.unwrap_or(12).clamp(1, 100), &opts).await?;
    Ok(CompareDto {
        k: c.k,
        jaccard: c.jaccard,
        overlap: c.overlap,
        spearman: c.spearman,
        runs: c
            .runs
            .into_iter()
            .map(|r| RunDto {
                model_id: r.model_id,
                hits: r.hits.into_iter().map(HitDto::from).collect(),
                latency_ms: r.latency_ms,
                scores: ScoresDto {
                    n: r.scores.n,
                    min: r.scores.min,
                    p50: r.scores.p50,
                    p90: r.scores.p90,
                    p99: r.scores.p99,
                    max: r.scores.max,
                    histogram: r.scores.histogram,
                },
                cutoff: r.cutoff,
                images_per_second: r.images_per_second,
                vectors: r.vectors,
                items: r.items,
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MatrixItemDto {
    pub id: String,
    pub path: String,
    pub thumbnail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
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

/// Prompts × library items (by id), on the model's calibrated scale.
#[tauri::command]
pub async fn heatmap_matrix(
    state: State<'_, AppState>,
    prompts: Vec<String>,
    items: Vec<String>,
    lang: Option<String>,
) -> Result<MatrixDto, IpcError> {
    let library = state.library().await?;
    let model = crate::commands::search_model(&state, &library)
        .await?
        .ok_or_else(|| IpcError::new("no_model", "index a folder first"))?;
    let prompts: Vec<String> = prompts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    // Columns are library items by id: the window never names a file to read.
    if let Some(bad) = items.iter().find(|i| !crate::panel::is_item_id(i)) {
        return Err(IpcError::new("bad_argument", format!("{bad:?} is not an item id")));
    }
    let m = library.heatmap_matrix(model, &prompts, &items, lang.as_deref()).await?;
    Ok(MatrixDto {
        levels: (0..m.prompts.len()).map(|p| (0..m.items.len()).map(|i| m.level(p, i)).collect()).collect(),
        items: m
            .items
            .iter()
            .map(|(id, path)| MatrixItemDto { thumbnail: crate::thumbnail_url(id), id: id.clone(), path: path.clone() })
            .collect(),
        prompts: m.prompts,
        cosines: m.cosines,
        low: m.low,
        high: m.high,
        scale: m.scale.to_string(),
    })
}

/// Where `text` matches in one library item, with progress (done, total
/// passes) on the channel; `cancel_heatmap` stops it.
#[tauri::command]
pub async fn heatmap_region(
    state: State<'_, AppState>,
    id: String,
    text: String,
    lang: Option<String>,
    on_event: Channel<(usize, usize)>,
) -> Result<RegionDto, IpcError> {
    let library = state.library().await?;
    let model = crate::commands::search_model(&state, &library)
        .await?
        .ok_or_else(|| IpcError::new("no_model", "index a folder first"))?;
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(IpcError::new("bad_argument", "the item is named by its content id"));
    }
    let cancel = Cancel::new();
    if let Some(old) = state.heatmap_task.lock().unwrap_or_else(|p| p.into_inner()).replace(cancel.clone()) {
        // A newer request replaces an older one.
        old.cancel();
    }
    let result = library
        .heatmap_region(model, &id, &text, lang.as_deref(), &cancel, move |done, total| {
            let _ = on_event.send((done, total));
        })
        .await;
    {
        let mut slot = state.heatmap_task.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|c| c.same_as(&cancel)) {
            *slot = None;
        }
    }
    let map = result?;
    let (lo, hi) = map.cells.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), c| (a.min(*c), b.max(*c)));
    Ok(RegionDto {
        levels: map.cells.iter().map(|c| (c - lo) / (hi - lo).max(1e-6)).collect(),
        rows: map.rows,
        cols: map.cols,
        cells: map.cells,
        whole: map.whole,
        passes: map.passes,
        dense: map.dense,
        cached: map.cached,
    })
}

/// Stops a running region map. Returns whether one was running.
#[tauri::command]
pub fn cancel_heatmap(state: State<'_, AppState>) -> bool {
    match state.heatmap_task.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(c) => {
            c.cancel();
            true
        }
        None => false,
    }
}
