//! Library commands: its status, its cameras, indexing folders (cancel, pause, retry), removing a folder, opening an item, an item's text.

use clipdex_library::ErrorCode;
use std::path::{Path, PathBuf};

use clipdex_library::{paths, Cancel, ModelShelf};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::dto::{
    progress_event, summary_dto, AppInfoDto, CameraDto, DeviceDto, IndexEvent, ItemTextDto, StatusDto, SummaryDto,
};
use crate::error::IpcError;
use crate::AppState;

/// Why a second indexing run (index, retry) is refused while one runs.
const INDEXING_BUSY: &str = "indexing is already running; wait for it or cancel it";

#[tauri::command]
pub async fn library_status(state: State<'_, AppState>) -> Result<StatusDto, IpcError> {
    let library = state.library().await?;
    let s = library.status().await?;
    let device = state.model.lock().await.as_ref().map(|m| DeviceDto::of(m));
    let (indexing, paused) = match state.indexing.current() {
        Some(c) => (true, c.is_paused()),
        None => (false, false),
    };
    let mut dto = StatusDto::of(s, indexing, paused, device);
    // A first run: no model to index with yet, and a folder worth offering.
    dto.needs_model = dto.model_id.is_none()
        && ModelShelf::new(state.models_dir.clone()).starting_model(&state.model_dir).await?.is_none();
    if dto.folders.is_empty() {
        dto.suggested_folder = paths::pictures_dir().map(|p| p.display().to_string());
    }
    Ok(dto)
}

/// The words read in an item's picture (OCR), by id: what the viewer shows
/// and copies. `not_ready` until it has been read.
#[tauri::command]
pub async fn item_text(state: State<'_, AppState>, id: String) -> Result<ItemTextDto, IpcError> {
    // By id only: nothing the window sends is opened as a path.
    if !clipdex_library::is_item_id(&id) {
        return Err(IpcError::new(ErrorCode::BadArgument, format!("{id:?} is not an item id")));
    }
    let library = state.library().await?;
    Ok(ItemTextDto::from(library.text(&id).await?))
}

/// The window's language (a BCP-47 tag such as `de` or `pt-BR`), sent when
/// the window starts and whenever the user picks another: pictures are read
/// in it and English, unless the library chose its languages.
#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, tag: String) -> Result<(), IpcError> {
    let plain = |part: &str| !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric());
    if tag.len() > 35 || !tag.split('-').all(plain) {
        return Err(IpcError::new(ErrorCode::BadArgument, format!("{tag:?} is not a language tag")));
    }
    state.set_language(tag).await;
    Ok(())
}

/// The cameras the library's photos were taken with, most photos first:
/// what the window offers after `camera:`.
#[tauri::command]
pub async fn cameras(state: State<'_, AppState>) -> Result<Vec<CameraDto>, IpcError> {
    let library = state.library().await?;
    Ok(library.cameras().await?.into_iter().map(|(name, photos)| CameraDto { name, photos }).collect())
}

/// Opens another library in a folder the user picked in the window's folder
/// dialog (an existing library, an empty folder or a new one) and remembers
/// it for the next start; the status of the library now open.
#[tauri::command]
pub async fn library_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> Result<StatusDto, IpcError> {
    state.open_library(Path::new(&path)).await?;
    crate::restart_watcher(&app);
    library_status(state).await
}

/// The app's version and where it keeps things, for the About panel.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> AppInfoDto {
    AppInfoDto {
        version: app.package_info().version.to_string(),
        library: state.library_dir().display().to_string(),
        models: state.models_dir.display().to_string(),
        video_base: state.video_base.get().cloned(),
    }
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
        return Err(IpcError::new(ErrorCode::NoFolders, "choose at least one folder to add"));
    }
    let state = state.inner();
    let result = state
        .indexing
        .exclusive(INDEXING_BUSY, |cancel| async move { run_index(state, folders, &on_event, &cancel).await })
        .await;
    // The new folders are watched from now on.
    crate::restart_watcher(&app);
    result
}

async fn run_index(
    state: &AppState,
    folders: Vec<String>,
    on_event: &Channel<IndexEvent>,
    cancel: &Cancel,
) -> Result<SummaryDto, IpcError> {
    let library = state.library().await?;
    // The engine's rule: the library's model, or the app's for a new library.
    let model = match library.model_record().await? {
        Some(_) => state.search_model(&library).await?.ok_or_else(|| IpcError::new(ErrorCode::NoModel, "no model"))?,
        None => {
            let start = ModelShelf::new(state.models_dir.clone()).starting_model(&state.model_dir).await?;
            let dir = start.ok_or_else(|| {
                let (models, default) = (state.models_dir.display(), state.model_dir.display());
                IpcError::new(
                    ErrorCode::NoModel,
                    format!(
                        "no model is installed yet (none in {models}, none at {default}): download one or install \
                         one from a file or folder"
                    ),
                )
            })?;
            let m = library.model_for_indexing(None, &dir).await?;
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
    state.indexing.cancel()
}

/// Pauses (`true`) or resumes (`false`) the running index at its next batch;
/// what is done stays written. Returns whether one was running.
#[tauri::command]
pub fn pause_indexing(state: State<'_, AppState>, paused: bool) -> bool {
    state.indexing.pause(paused)
}

/// Reads again the files that failed (`paths`, or all when empty), with the
/// same progress events as `index_folders`.
#[tauri::command]
pub async fn retry_failures<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    paths: Vec<String>,
    on_event: Channel<IndexEvent>,
) -> Result<SummaryDto, IpcError> {
    let state = state.inner();
    let result = state
        .indexing
        .exclusive(INDEXING_BUSY, |cancel| async move {
            let library = state.library().await?;
            let model = state
                .search_model(&library)
                .await?
                .ok_or_else(|| IpcError::new(ErrorCode::NoModel, "the library has no model yet; add a folder first"))?;
            let summary = library
                .retry_failures(&paths, model, &cancel, |p| {
                    let _ = on_event.send(progress_event(p));
                })
                .await?;
            let dto = summary_dto(summary);
            let _ = on_event.send(IndexEvent::Finished { summary: dto.clone() });
            Ok(dto)
        })
        .await;
    crate::restart_watcher(&app);
    result
}

/// Forgets one of the library's folders (its files stay on disk). Returns
/// whether it was one.
#[tauri::command]
pub async fn remove_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: String,
) -> Result<bool, IpcError> {
    if state.indexing.is_running() {
        return Err(IpcError::new(ErrorCode::Busy, "indexing is running; cancel it or wait before removing a folder"));
    }
    let library = state.library().await?;
    let removed = library.remove_folder(Path::new(&folder)).await?;
    crate::restart_watcher(&app);
    Ok(removed)
}

/// Opens an item in the system's viewer, or (`reveal`) shows it in its folder.
#[tauri::command]
pub async fn open_item(state: State<'_, AppState>, id: String, reveal: Option<bool>) -> Result<(), IpcError> {
    let path = state.item_path(&id).await?;
    let reveal = reveal.unwrap_or(false);
    tauri::async_runtime::spawn_blocking(move || crate::system::open(&path, reveal))
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
}
