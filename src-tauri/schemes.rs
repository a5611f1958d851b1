//! The app's custom URI schemes: thumbnails (`thumb`) and pictures at preview size (`media`), by item id only.

use tauri::http::{header, Response, StatusCode};
use tauri::{Manager, Runtime};

use crate::AppState;

/// Custom URI scheme serving thumbnails by item id only.
pub const THUMB_SCHEME: &str = "thumb";
/// Custom URI scheme serving an item's picture at preview size, by id only.
pub const MEDIA_SCHEME: &str = "media";
/// Formats a web view cannot show are converted to a JPEG this large.
const PREVIEW_SIDE: u32 = 2048;

/// The URL the window uses for an item's thumbnail on this platform.
pub fn thumbnail_url(id: &str) -> String {
    scheme_url(THUMB_SCHEME, id)
}

/// The URL of `id` under one of the app's URI schemes, as this platform's web view spells it.
pub fn scheme_url(scheme: &str, id: &str) -> String {
    if cfg!(any(windows, target_os = "android")) {
        format!("http://{scheme}.localhost/{id}")
    } else {
        format!("{scheme}://localhost/{id}")
    }
}

/// Serves both schemes on `builder`'s app.
pub fn register<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .register_asynchronous_uri_scheme_protocol(THUMB_SCHEME, |ctx, request, responder| {
            // The id is the whole path: 64 hex digits of BLAKE3. Anything else is 404.
            let id = request.uri().path().trim_start_matches('/').to_string();
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let bytes = match state.library().await {
                    Ok(lib) => lib.thumbnail(&id).await.ok().flatten(),
                    Err(_) => None,
                };
                responder.respond(thumbnail_response(bytes));
            });
        })
        .register_asynchronous_uri_scheme_protocol(MEDIA_SCHEME, |ctx, request, responder| {
            let id = request.uri().path().trim_start_matches('/').to_string();
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                responder.respond(preview_response(preview_bytes(&state, &id).await));
            });
        })
}

pub fn thumbnail_response(bytes: Option<Vec<u8>>) -> Response<Vec<u8>> {
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
        // The type is ours, from the bytes' format: the web view must not guess another.
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let response = match bytes {
        Some(b) => builder.status(StatusCode::OK).header(header::CONTENT_TYPE, "image/jpeg").body(b),
        None => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// The picture of an item for the preview pane: the file itself when the web
/// view can show it, else a JPEG at preview size; `None` if there is no such item.
pub async fn preview_bytes(state: &AppState, id: &str) -> Option<(Vec<u8>, &'static str)> {
    state.library().await.ok()?.preview(id, PREVIEW_SIDE).await.ok()
}

pub fn preview_response(found: Option<(Vec<u8>, &'static str)>) -> Response<Vec<u8>> {
    // Not cached for long: the file at an item's first path may change.
    let builder =
        Response::builder().header(header::CACHE_CONTROL, "no-cache").header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let response = match found {
        Some((b, mime)) => builder.status(StatusCode::OK).header(header::CONTENT_TYPE, mime).body(b),
        None => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}
