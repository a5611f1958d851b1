//! `clipdex serve`: the library over HTTP, on loopback only, read-only.
//!
//! Every request passes [`guard`] first: its `Host` must be this server's
//! loopback address (a DNS-rebinding page cannot pass), it may not carry an
//! `Origin` (no web page may call it), and it must carry the library's
//! token. Handlers ([`routes`]) parse, make one engine call, and render a
//! [`crate::wire`] type; items are reached by id only, and nothing from a
//! request is ever opened as a path. [`openapi`] describes every route.

mod guard;
pub mod openapi;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clipdex_library::{ErrorCode, Library, LibraryError, Model};

use crate::wire::{ErrorBody, ErrorJson};

/// The largest image a `POST /v1/search` may upload, by default.
pub const DEFAULT_MAX_UPLOAD: usize = 32 << 20;

/// How `clipdex serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// Bytes an uploaded query image may have (413 above).
    pub max_upload: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { port: 0, max_upload: DEFAULT_MAX_UPLOAD }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub lib: Arc<Library>,
    pub model: Arc<Model>,
    pub port: u16,
    pub max_upload: usize,
}

/// Binds `127.0.0.1:port`, calls `listening` with the address, and serves
/// until `shutdown` completes (requests in flight finish first).
pub async fn serve(
    lib: Arc<Library>,
    model: Arc<Model>,
    opts: ServeOptions,
    listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Made now if the library has none, so the first request can pass.
    lib.api_token().map_err(|e| std::io::Error::other(clipdex_library::error_chain(&e)))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let addr = listener.local_addr()?;
    let shared = Shared { lib, model, port: addr.port(), max_upload: opts.max_upload };
    let app = routes::router(shared);
    listening(addr);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// An error as every response carries it: `{"error": {code, message}}`.
pub(crate) struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody { code: code.as_str().to_string(), message: message.into(), position: None } }
    }
}

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        let code = e.code();
        let status = status_of(code);
        let position = match &e {
            LibraryError::QuerySyntax(s) => Some(s.position),
            _ => None,
        };
        let message =
            if status == StatusCode::INTERNAL_SERVER_ERROR { clipdex_library::error_chain(&e) } else { e.to_string() };
        Self { status, body: ErrorBody { code: code.as_str().to_string(), message, position } }
    }
}

/// The HTTP status an engine error code answers with.
pub(crate) fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::QuerySyntax | C::EmptyQuery | C::BadArgument => StatusCode::BAD_REQUEST,
        C::NoSuchItem | C::NotInLibrary => StatusCode::NOT_FOUND,
        C::BadImage | C::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::NoModel | C::ModelNotIndexed | C::ModelMismatch | C::NotReady => StatusCode::CONFLICT,
        C::LibraryBusy | C::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorJson { error: self.body })).into_response()
    }
}
