//! Commands behind the library panel, the preview pane and the search box's
//! hints: folders, pausing and retrying, opening an item on the desktop,
//! serving it at full size, and the query's outline.

use std::path::{Path, PathBuf};

use clipdex_library::query::{self, PieceOf, TermKind};
use serde::{Deserialize, Serialize};
use tauri::http::{header, Response, StatusCode};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::commands::{progress_event, search_model, summary_dto, IndexEvent, SummaryDto};
use crate::error::IpcError;
use crate::AppState;

/// Custom URI scheme serving an item's picture at preview size, by id only.
pub const MEDIA_SCHEME: &str = "media";
/// Formats a web view cannot show are converted to a JPEG this large.
const PREVIEW_SIDE: u32 = 2048;

/// One part of a query, where it sits in the text (UTF-16 offsets, as the
/// window's strings count), so the window can show it and rewrite its weight.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartDto {
    pub start: usize,
    pub atom_start: usize,
    pub end: usize,
    /// `text`, `image` (a path), `similar` (a library item) or `filter`.
    pub kind: String,
    /// The phrase, path, item id, or `name:value` of a filter.
    pub label: String,
    /// Terms only: the signed weight.
    pub weight: Option<f32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SyntaxDto {
    /// Where the query stops making sense (UTF-16 offset).
    pub position: usize,
    pub expected: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct OutlineDto {
    pub parts: Vec<PartDto>,
    pub error: Option<SyntaxDto>,
}

/// The query as the engine reads it: its terms and filters with their
/// places, or where it stops making sense. The same parser as search.
#[tauri::command]
pub fn query_outline(query: String) -> OutlineDto {
    outline(&query)
}

pub fn outline(src: &str) -> OutlineDto {
    // Character offsets → UTF-16 offsets.
    let mut utf16 = Vec::with_capacity(src.len() + 1);
    let mut at = 0;
    for c in src.chars() {
        utf16.push(at);
        at += c.len_utf16();
    }
    utf16.push(at);
    let u = |i: usize| utf16.get(i).copied().unwrap_or(at);
    match query::parse(src) {
        Err(e) => {
            OutlineDto { parts: Vec::new(), error: Some(SyntaxDto { position: u(e.position), expected: e.expected }) }
        }
        Ok(mut q) => outline_parts(src, &u, {
            // As the window's search reads it: a path is words to match, not a file to read.
            q.paths_as_text();
            q
        }),
    }
}

/// The parts of a parsed query, offsets converted by `u`.
fn outline_parts(src: &str, u: &dyn Fn(usize) -> usize, q: query::Query) -> OutlineDto {
    OutlineDto {
        parts: q
            .pieces
            .iter()
            .filter_map(|p| {
                let (kind, label, weight) = match p.of {
                    PieceOf::Term(i) => {
                        let t = q.terms.get(i)?;
                        let (kind, label) = match &t.kind {
                            TermKind::Text(s) => ("text", s.clone()),
                            TermKind::Image(path) => ("image", path.display().to_string()),
                            TermKind::Similar(id) => ("similar", id.clone()),
                        };
                        (kind, label, Some(t.weight))
                    }
                    PieceOf::Filter(_) => {
                        let text: String = src.chars().skip(p.start).take(p.end - p.start).collect();
                        ("filter", text, None)
                    }
                };
                Some(PartDto {
                    start: u(p.start),
                    atom_start: u(p.atom_start),
                    end: u(p.end),
                    kind: kind.into(),
                    label,
                    weight,
                })
            })
            .collect(),
        error: None,
    }
}

pub(crate) fn is_item_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The file holding a library item, by id only: the window never names paths.
async fn item_path(state: &AppState, id: &str) -> Result<PathBuf, IpcError> {
    if !is_item_id(id) {
        return Err(IpcError::new("bad_argument", format!("{id:?} is not an item id")));
    }
    let library = state.library().await?;
    match library.image_file(id).await? {
        (Some(_), path) => Ok(path),
        (None, _) => Err(IpcError::new("no_such_item", format!("no library item has the id {id}"))),
    }
}

/// Opens an item in the system's viewer, or (`reveal`) shows it in its folder.
#[tauri::command]
pub async fn open_item(state: State<'_, AppState>, id: String, reveal: Option<bool>) -> Result<(), IpcError> {
    let path = item_path(&state, &id).await?;
    let reveal = reveal.unwrap_or(false);
    tauri::async_runtime::spawn_blocking(move || crate::system::open(&path, reveal))
        .await
        .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// The picture of an item for the preview pane: the file itself when the web
/// view can show it, else a JPEG at preview size; `None` if there is no such item.
pub async fn preview_bytes(state: &AppState, id: &str) -> Option<(Vec<u8>, &'static str)> {
    let path = item_path(state, id).await.ok()?;
    if let Some(mime) = clipdex_library::media_web_mime(&path) {
        return tokio::fs::read(&path).await.ok().map(|b| (b, mime));
    }
    tauri::async_runtime::spawn_blocking(move || {
        let img = clipdex_library::decode_image_file(&path).ok()?;
        clipdex_library::jpeg_within(&img, PREVIEW_SIDE).ok().map(|(b, _, _)| (b, "image/jpeg"))
    })
    .await
    .ok()
    .flatten()
}

pub fn preview_response(found: Option<(Vec<u8>, &'static str)>) -> Response<Vec<u8>> {
    // Not cached for long: the file at an item's first path may change.
    let builder = Response::builder().header(header::CACHE_CONTROL, "no-cache");
    let response = match found {
        Some((b, mime)) => builder.status(StatusCode::OK).header(header::CONTENT_TYPE, mime).body(b),
        None => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// Forgets one of the library's folders (its files stay on disk). Returns
/// whether it was one.
#[tauri::command]
pub async fn remove_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: String,
) -> Result<bool, IpcError> {
    if state.indexing.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
        return Err(IpcError::new("busy", "indexing is running; cancel it or wait before removing a folder"));
    }
    let library = state.library().await?;
    let removed = library.remove_folder(Path::new(&folder)).await?;
    crate::restart_watcher(&app);
    Ok(removed)
}

/// Pauses (`true`) or resumes (`false`) the running index at its next batch;
/// what is done stays written. Returns whether one was running.
#[tauri::command]
pub fn pause_indexing(state: State<'_, AppState>, paused: bool) -> bool {
    match state.indexing.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(c) if paused => {
            c.pause();
            true
        }
        Some(c) => {
            c.resume();
            true
        }
        None => false,
    }
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
    let cancel = crate::commands::claim_indexing(&state)?;
    let result = async {
        let library = state.library().await?;
        let model = search_model(&state, &library)
            .await?
            .ok_or_else(|| IpcError::new("no_model", "the library has no model yet; add a folder first"))?;
        let summary = library
            .retry_failures(&paths, model, &cancel, |p| {
                let _ = on_event.send(progress_event(p));
            })
            .await?;
        let dto = summary_dto(summary);
        let _ = on_event.send(IndexEvent::Finished { summary: dto.clone() });
        Ok(dto)
    }
    .await;
    crate::commands::release_indexing(&state);
    crate::restart_watcher(&app);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_offsets_count_as_the_window_counts() {
        // "📷" is one character but two UTF-16 units.
        let o = outline("📷 beach -0.5:\"rain\" after:2024-01-31");
        let kinds: Vec<(&str, usize, usize, usize)> =
            o.parts.iter().map(|p| (p.kind.as_str(), p.start, p.atom_start, p.end)).collect();
        assert_eq!(kinds, vec![("text", 0, 0, 8), ("text", 9, 14, 20), ("filter", 21, 27, 37)]);
        assert_eq!(o.parts[1].weight, Some(-0.5));
        assert_eq!(o.parts[2].label, "after:2024-01-31");
        let bad = outline("📷 \"red car");
        assert_eq!(bad.error.map(|e| e.position), Some(3));
    }
}
