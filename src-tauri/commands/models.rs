//! Model commands: the engine's model list, downloads with progress,
//! switching the library's model in the background, and comparing models on
//! one query.

use clipdex_library::{ErrorCode, ModelShelf, SearchOptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::dto::{
    progress_event, CompareDto, DeviceDto, IndexEvent, ModelEntryDto, ModelsDto, PullEventDto, SwitchDto,
};
use crate::error::IpcError;
use crate::AppState;

/// Why a second download or switch is refused while one runs.
const MODEL_TASK_BUSY: &str = "a model download or switch is already running; wait for it or cancel it";

fn shelf(state: &AppState) -> ModelShelf {
    ModelShelf::new(state.models_dir.clone())
}

/// The registry, what is installed, and what the library holds, merged.
#[tauri::command]
pub async fn models_list(state: State<'_, AppState>) -> Result<ModelsDto, IpcError> {
    let shelf = shelf(&state);
    let library = state.library().await?;
    let listing = shelf.list(Some(&library)).await?;
    Ok(ModelsDto {
        entries: listing.iter().map(ModelEntryDto::from).collect(),
        models_dir: shelf.dir().display().to_string(),
        device: state.model.lock().await.as_ref().map(|m| DeviceDto::of(m)),
    })
}

/// Downloads a known model (resumable, verified, opened once), streaming progress.
#[tauri::command]
pub async fn models_pull(
    state: State<'_, AppState>,
    id: String,
    on_event: Channel<PullEventDto>,
) -> Result<ModelEntryDto, IpcError> {
    let shelf = shelf(&state);
    shelf.download_source(&id)?;
    state
        .model_task
        .exclusive(MODEL_TASK_BUSY, |cancel| async move {
            shelf.pull(&id, &cancel, |p| drop(on_event.send(PullEventDto::from(p)))).await?;
            Ok(ModelEntryDto::from(&shelf.listing(&id).await?))
        })
        .await
}

/// Installs a model from a folder or archive the user picked in the window's
/// file dialog (copied, checked, opened once; never replacing an installed
/// model), streaming progress. A library without a model starts with it.
#[tauri::command]
pub async fn models_install(
    state: State<'_, AppState>,
    path: String,
    on_event: Channel<PullEventDto>,
) -> Result<ModelEntryDto, IpcError> {
    let shelf = shelf(&state);
    state
        .model_task
        .exclusive(MODEL_TASK_BUSY, |cancel| async move {
            let picked = std::path::Path::new(&path);
            let got =
                shelf.install_picked(picked, &cancel, move |p| drop(on_event.send(PullEventDto::from(p)))).await?;
            let id = got.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(ModelEntryDto::from(&shelf.listing(&id).await?))
        })
        .await
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
    let dir = shelf(&state).folder_of(&library, &id).await?;
    let state = state.inner();
    state
        .model_task
        .exclusive(MODEL_TASK_BUSY, |cancel| async move {
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
            Ok(SwitchDto::of(model.info().id.clone(), &summary))
        })
        .await
}

/// Stops a running download (kept, resumable) or switch (kept, resumable).
#[tauri::command]
pub fn cancel_model_task(state: State<'_, AppState>) -> bool {
    state.model_task.cancel()
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
        return Err(IpcError::new(ErrorCode::BadArgument, "choose two models to compare"));
    }
    let library = state.library().await?;
    let known = library.models().await?;
    let mut opened = Vec::new();
    for id in &models {
        let m = known.iter().find(|m| &m.id == id).ok_or_else(|| {
            IpcError::new(ErrorCode::ModelNotIndexed, format!("the library has no vectors from {id}"))
        })?;
        opened.push(clipdex_library::open_model(&m.dir, library.runtime_dirs()).await?);
    }
    // As in search: a path-like word is words to match, never a file to read.
    let opts = SearchOptions { lang, paths_as_text: true, ..SearchOptions::default() };
    let c = library.compare(&opened, &query, limit.unwrap_or(12).clamp(1, 100), &opts).await?;
    Ok(CompareDto::from(c))
}
