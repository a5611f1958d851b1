//! The app's custom URI schemes: thumbnails (`thumb`) and pictures at preview size (`media`), by item id only.

use tauri::http::{header, Response, StatusCode};
use tauri::{Manager, Runtime};

use clipdex_library::{parse_range, ErrorCode, VideoChunk};

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

/// The URL of `id` under one of the app's URI schemes, as this platform's
/// web view spells it (a moment's `#` written `%23`).
pub fn scheme_url(scheme: &str, id: &str) -> String {
    let id = id.replace('#', "%23");
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
            // The id is the whole path: 64 hex digits of BLAKE3 (and a
            // moment's `%23<ms>`). Anything else is 404.
            let id = id_of(request.uri().path());
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
            let id = id_of(request.uri().path());
            let range = request.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let response = match state.library().await {
                    Ok(lib) if lib.is_video(&id).await => {
                        let (start, end) = parse_range(range.as_deref());
                        video_response(lib.video_chunk(&id, start, end).await.map_err(|e| e.code()))
                    }
                    _ => preview_response(preview_bytes(&state, &id).await),
                };
                responder.respond(response);
            });
        })
}

/// The item id a scheme URL's path names.
fn id_of(path: &str) -> String {
    path.trim_start_matches('/').replace("%23", "#")
}

/// A video's bytes for a `Range` request: `206` with `Content-Range`, `416`
/// past the end, `404` when the library holds no such video unchanged.
pub fn video_response(found: Result<VideoChunk, ErrorCode>) -> Response<Vec<u8>> {
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::ACCEPT_RANGES, "bytes");
    let response = match found {
        Ok(c) => {
            let last = c.start + c.bytes.len() as u64 - 1;
            builder
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_TYPE, c.mime)
                .header(header::CONTENT_RANGE, format!("bytes {}-{last}/{}", c.start, c.total))
                .header(header::CONTENT_LENGTH, c.bytes.len())
                .body(c.bytes)
        }
        Err(ErrorCode::BadArgument) => builder.status(StatusCode::RANGE_NOT_SATISFIABLE).body(Vec::new()),
        Err(_) => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
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
