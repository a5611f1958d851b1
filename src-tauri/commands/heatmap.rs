//! Heatmap commands: prompts × items on the model's calibrated scale, and where text matches in one item.

use clipdex_library::ErrorCode;
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{MatrixDto, RegionDto};
use crate::error::IpcError;
use crate::AppState;

/// Prompts × library items (by id), on the model's calibrated scale.
#[tauri::command]
pub async fn heatmap_matrix(
    state: State<'_, AppState>,
    prompts: Vec<String>,
    items: Vec<String>,
    lang: Option<String>,
) -> Result<MatrixDto, IpcError> {
    let library = state.library().await?;
    let model =
        state.search_model(&library).await?.ok_or_else(|| IpcError::new(ErrorCode::NoModel, "index a folder first"))?;
    let prompts: Vec<String> = prompts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    // Columns are library items by id: the window never names a file to read.
    if let Some(bad) = items.iter().find(|i| !clipdex_library::is_item_id(i)) {
        return Err(IpcError::new(ErrorCode::BadArgument, format!("{bad:?} is not an item id")));
    }
    let m = library.heatmap_matrix(model, &prompts, &items, lang.as_deref()).await?;
    Ok(MatrixDto::from(m))
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
    let model =
        state.search_model(&library).await?.ok_or_else(|| IpcError::new(ErrorCode::NoModel, "index a folder first"))?;
    if !clipdex_library::is_item_id(&id) {
        return Err(IpcError::new(ErrorCode::BadArgument, "the item is named by its content id"));
    }
    // A newer request replaces an older one.
    let cancel = state.heatmap_task.begin_replacing();
    let result = library
        .heatmap_region(model, &id, &text, lang.as_deref(), &cancel, move |done, total| {
            let _ = on_event.send((done, total));
        })
        .await;
    state.heatmap_task.finish(&cancel);
    let map = result?;
    Ok(RegionDto::from(map))
}

/// Stops a running region map. Returns whether one was running.
#[tauri::command]
pub fn cancel_heatmap(state: State<'_, AppState>) -> bool {
    state.heatmap_task.cancel_and_clear()
}
