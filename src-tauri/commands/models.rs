//! Model commands: the registry with what is installed and what the library
//! holds, downloads with progress, switching the library's model in the
//! background, and comparing models on one query.

use std::path::PathBuf;

use clipdex_library::models::{Hub, Models, Registry};
use clipdex_library::{LibraryModel, SearchOptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::dto::{
    progress_event, CompareDto, DeviceDto, IndexEvent, ModelEntryDto, ModelsDto, PullEventDto, SwitchDto,
};
use crate::error::IpcError;
use crate::AppState;

/// Why a second download or switch is refused while one runs.
const MODEL_TASK_BUSY: &str = "a model download or switch is already running; wait for it or cancel it";

fn models_store(state: &AppState) -> Models {
    Models::new(state.models_dir.clone())
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
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
        entries.push(ModelEntryDto::of(&e.id, inst, lib.as_ref(), registry));
    }
    for i in installed.iter().filter(|i| registry.get(&i.id).is_none()) {
        let lib = lib_for(Some(&i.dir), &i.id);
        entries.push(ModelEntryDto::of(&i.id, Some(i), lib.as_ref(), registry));
    }
    for (m, _) in lib_models.iter().zip(&used).filter(|(_, u)| !**u) {
        entries.push(ModelEntryDto::of(&m.id, None, Some(m), registry));
    }
    Ok(ModelsDto {
        entries,
        models_dir: store.dir().display().to_string(),
        device: state.model.lock().await.as_ref().map(|m| DeviceDto::of(m)),
    })
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
    let cancel = state.model_task.begin_exclusive(MODEL_TASK_BUSY)?;
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
        Ok(ModelEntryDto::of(&id, Some(&report.installed), None, registry))
    }
    .await;
    state.model_task.finish(&cancel);
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
    let cancel = state.model_task.begin_exclusive(MODEL_TASK_BUSY)?;
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
        Ok(SwitchDto::of(model.info().id.clone(), &summary))
    }
    .await;
    state.model_task.finish(&cancel);
    result
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
    Ok(CompareDto::from(c))
}
