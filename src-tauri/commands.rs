//! The commands the window may call. Each is thin: it turns wire types into
//! engine calls and back. Wire types live here and nowhere else.

use std::path::PathBuf;
use std::sync::Arc;

use clipdex_library::{Cancel, Hit, Library, Mode, Model, Phase, Progress, SearchOptions, Sort};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::error::IpcError;
use crate::AppState;

/// Results shown per query unless the window asks for another number.
const DEFAULT_LIMIT: usize = 60;
/// One page at most; the window asks for the next page as the user scrolls.
const MAX_LIMIT: usize = 2000;
/// Deeper than any library: past it there is nothing to page to.
const MAX_OFFSET: usize = 100_000_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HitDto {
    pub id: String,
    pub path: String,
    /// Every path holding this content (copies), `path` first.
    pub paths: Vec<String>,
    pub score: f32,
    pub width: u32,
    pub height: u32,
    /// `thumb://localhost/<id>`: served by id, never by path.
    pub thumbnail: String,
    /// `media://localhost/<id>`: the picture at preview size, by id.
    pub image: String,
    /// EXIF date taken (ms since the epoch), if any.
    pub taken_at: Option<i64>,
    /// Date taken, else the file's modification time (ms).
    pub date: i64,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub caption: Option<String>,
    pub tags: Vec<TagDto>,
    pub why: WhyDto,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TagDto {
    pub label: String,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WhyDto {
    pub vector_rank: Option<usize>,
    pub keyword_rank: Option<usize>,
    pub keyword_fields: Vec<String>,
    pub fused: f32,
}

impl From<Hit> for HitDto {
    fn from(h: Hit) -> Self {
        let date = h.date_ns() / 1_000_000;
        let d = h.details.unwrap_or_default();
        HitDto {
            thumbnail: crate::thumbnail_url(&h.id),
            image: crate::scheme_url(crate::panel::MEDIA_SCHEME, &h.id),
            id: h.id,
            path: h.path,
            paths: h.paths,
            score: h.score,
            width: h.width,
            height: h.height,
            taken_at: d.taken_at_ms,
            date,
            camera: d.camera,
            lens: d.lens,
            caption: d.caption,
            tags: d.tags.into_iter().map(|t| TagDto { label: t.label, score: t.score }).collect(),
            why: WhyDto {
                vector_rank: h.why.vector_rank,
                keyword_rank: h.why.keyword_rank,
                keyword_fields: h.why.keyword_fields,
                fused: h.why.fused,
            },
        }
    }
}

/// One search's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SearchDto {
    pub hits: Vec<HitDto>,
    /// The cosine cutoff applied to vector matches, if any.
    pub cutoff: Option<f32>,
    /// Whether it is the library's calibrated default (the slider's home).
    pub default_cutoff: bool,
    /// Vector matches the cutoff left out.
    pub below_cutoff: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FailureDto {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusDto {
    pub library: String,
    pub items: usize,
    pub files: usize,
    pub folders: Vec<String>,
    pub model_id: Option<String>,
    pub model_dir: Option<String>,
    pub failures: Vec<FailureDto>,
    pub indexing: bool,
    /// Whether the running index is paused.
    pub paused: bool,
    /// Files still to index by a running indexer or watcher.
    pub pending: usize,
    /// How each watched folder is watched: "events" or "polling (why)".
    pub watching: Vec<WatchDto>,
    /// Every model with vectors in the library: the active one first, and
    /// any being switched to.
    pub models: Vec<crate::models::LibModelDto>,
    /// Where the loaded model runs, if one is loaded.
    pub device: Option<crate::models::DeviceDto>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WatchDto {
    pub folder: String,
    pub mode: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryDto {
    pub indexed: usize,
    pub reused: usize,
    pub skipped: usize,
    pub removed: usize,
    pub failed: Vec<FailureDto>,
    pub cancelled: bool,
    pub seconds: f64,
}

/// Sent over the channel given to `index_folders`, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum IndexEvent {
    #[serde(rename_all = "camelCase")]
    Started { folders: Vec<String> },
    #[serde(rename_all = "camelCase")]
    Progress {
        phase: String,
        total: usize,
        done: usize,
        indexed: usize,
        reused: usize,
        skipped: usize,
        failed: usize,
        removed: usize,
        current: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Finished { summary: SummaryDto },
}

pub fn progress_event(p: &Progress) -> IndexEvent {
    IndexEvent::Progress {
        phase: match p.phase {
            Phase::Scanning => "scanning",
            Phase::Indexing => "indexing",
            Phase::Labels => "labels",
            Phase::Describing => "describing",
            Phase::Finished => "finished",
        }
        .into(),
        total: p.total,
        done: p.done,
        indexed: p.indexed,
        reused: p.reused,
        skipped: p.skipped,
        failed: p.failed,
        removed: p.removed,
        current: p.current.clone(),
    }
}

pub async fn search_model(state: &AppState, library: &Library) -> Result<Option<Arc<Model>>, IpcError> {
    if library.model_record().await.map_err(IpcError::from)?.is_none() {
        return Ok(None);
    }
    let active = library.model_record().await?.map(|r| r.id);
    let mut cached = state.model.lock().await;
    if let Some(m) = cached.as_ref() {
        // Another process (or a switch) may have changed the library's model.
        if active.as_deref() == Some(m.info().id.as_str()) {
            return Ok(Some(m.clone()));
        }
    }
    let m = library.model_for_search(None).await?;
    *cached = Some(m.clone());
    Ok(Some(m))
}

/// Search with the query language (text, image paths, similar:<id>, weights,
/// filters), one page (`offset`, `limit`) at a time, plus `images`: encoded images (base64) the user dropped or
/// pasted, embedded on the fly and never added to the library — the window
/// sends bytes, never paths. `minScore` overrides the calibrated cutoff;
/// `mode` is `hybrid` (default), `vector` or `keyword`; `sort` is
/// `relevance` or `date`; `lang` is the query's language (the UI language:
/// a BCP-47 tag), used by text towers that take a language code (NLLB). An
/// empty library (or one with no model yet) gives no hits, not an error.
// One argument per wire field: Tauri commands take their arguments by name.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    offset: Option<usize>,
    min_score: Option<f32>,
    mode: Option<String>,
    sort: Option<String>,
    images: Option<Vec<String>>,
    lang: Option<String>,
) -> Result<SearchDto, IpcError> {
    use base64::Engine;
    let query = query.trim();
    let images = images.unwrap_or_default();
    if query.is_empty() && images.is_empty() {
        return Ok(SearchDto::default());
    }
    let bad = |m: String| IpcError { code: "bad_argument".into(), message: m };
    let image_bytes = images
        .iter()
        .enumerate()
        .map(|(i, b64)| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| bad(format!("query image {} is not valid base64: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let opts = SearchOptions {
        limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        offset: offset.unwrap_or(0).min(MAX_OFFSET),
        paths_as_text: true,
        min_score,
        mode: mode.as_deref().map(str::parse::<Mode>).transpose().map_err(bad)?.unwrap_or_default(),
        sort: sort.as_deref().map(str::parse::<Sort>).transpose().map_err(bad)?.unwrap_or_default(),
        images: Vec::new(),
        image_bytes,
        lang,
    };
    let library = state.library().await?;
    let Some(model) = search_model(&state, &library).await? else { return Ok(SearchDto::default()) };
    let found = library.search(model, query, &opts).await?;
    Ok(SearchDto {
        hits: found.hits.into_iter().map(HitDto::from).collect(),
        cutoff: found.cutoff,
        default_cutoff: found.default_cutoff,
        below_cutoff: found.below_cutoff,
    })
}

#[tauri::command]
pub async fn library_status(state: State<'_, AppState>) -> Result<StatusDto, IpcError> {
    let library = state.library().await?;
    let s = library.status().await?;
    let device = state.model.lock().await.as_ref().map(|m| crate::models::DeviceDto::of(m));
    let (indexing, paused) = match state.indexing.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(c) => (true, c.is_paused()),
        None => (false, false),
    };
    Ok(StatusDto {
        library: s.library_dir.display().to_string(),
        items: s.items,
        files: s.files,
        folders: s.folders,
        model_id: s.model_id,
        model_dir: s.model_dir,
        failures: s.failures.into_iter().map(|f| FailureDto { path: f.path, reason: f.reason }).collect(),
        indexing,
        paused,
        pending: s.pending,
        watching: s.watching.into_iter().map(|(folder, mode)| WatchDto { folder, mode }).collect(),
        models: s.models.iter().map(crate::models::LibModelDto::from).collect(),
        device,
    })
}

/// Indexes folders in the background of the window, streaming progress over
/// `on_event`. One run at a time; `cancel_indexing` stops it, keeping what is done.
#[tauri::command]
pub async fn index_folders<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folders: Vec<String>,
    on_event: Channel<IndexEvent>,
) -> Result<SummaryDto, IpcError> {
    if folders.is_empty() {
        return Err(IpcError::new("no_folders", "choose at least one folder to add"));
    }
    let cancel = claim_indexing(&state)?;
    let result = run_index(&state, folders, &on_event, &cancel).await;
    release_indexing(&state);
    // The new folders are watched from now on.
    crate::restart_watcher(&app);
    result
}

/// Takes the one indexing slot (index, retry), or says it is busy.
pub(crate) fn claim_indexing(state: &AppState) -> Result<Cancel, IpcError> {
    let mut slot = state.indexing.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_some() {
        return Err(IpcError::new("busy", "indexing is already running; wait for it or cancel it"));
    }
    let c = Cancel::new();
    *slot = Some(c.clone());
    Ok(c)
}

pub(crate) fn release_indexing(state: &AppState) {
    *state.indexing.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

pub(crate) fn summary_dto(summary: clipdex_library::IndexSummary) -> SummaryDto {
    SummaryDto {
        indexed: summary.indexed,
        reused: summary.reused,
        skipped: summary.skipped,
        removed: summary.removed,
        failed: summary.failed.into_iter().map(|(path, reason)| FailureDto { path, reason }).collect(),
        cancelled: summary.cancelled,
        seconds: summary.elapsed.as_secs_f64(),
    }
}

async fn run_index(
    state: &AppState,
    folders: Vec<String>,
    on_event: &Channel<IndexEvent>,
    cancel: &Cancel,
) -> Result<SummaryDto, IpcError> {
    let library = state.library().await?;
    // Keep using the model the library was built with; a new library takes the app's model.
    let model = match library.model_record().await? {
        Some(_) => search_model(state, &library).await?.ok_or_else(|| IpcError::new("no_model", "no model"))?,
        None => {
            let m = clipdex_library::open_model(&state.model_dir, library.runtime_dirs()).await?;
            *state.model.lock().await = Some(m.clone());
            m
        }
    };
    let _ = on_event.send(IndexEvent::Started { folders: folders.clone() });
    let roots: Vec<PathBuf> = folders.iter().map(PathBuf::from).collect();
    let summary = library
        .index(&roots, model, cancel, |p| {
            // A closed window is no reason to stop indexing.
            let _ = on_event.send(progress_event(p));
        })
        .await?;
    let dto = summary_dto(summary);
    let _ = on_event.send(IndexEvent::Finished { summary: dto.clone() });
    Ok(dto)
}

/// Asks a running index to stop after its current batch. Returns whether one was running.
#[tauri::command]
pub fn cancel_indexing(state: State<'_, AppState>) -> bool {
    match state.indexing.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(c) => {
            c.cancel();
            true
        }
        None => false,
    }
}
