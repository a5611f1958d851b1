//! The Clipdex desktop shell: Tauri glue around `clipdex-library`.
//!
//! `run()` builds the real app; tests build the same app on Tauri's mock
//! runtime through [`build_app`], so commands are exercised end to end.

pub mod commands;
pub mod error;
pub mod models;
pub mod panel;
pub mod system;

use std::path::PathBuf;
use std::sync::Arc;

use clipdex_library::{paths, Cancel, Library, Model, WatchEvent, WatchOptions};
use tauri::http::{header, Response, StatusCode};
use tauri::{Emitter, Manager, Runtime};

use crate::error::IpcError;

/// Custom URI scheme serving thumbnails by item id only.
pub const THUMB_SCHEME: &str = "thumb";

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

/// What the app holds between commands.
pub struct AppState {
    pub library_dir: PathBuf,
    pub model_dir: PathBuf,
    /// Where models are installed (`clipdex models pull` puts them there too).
    pub models_dir: PathBuf,
    runtime_dirs: Vec<PathBuf>,
    library: tokio::sync::OnceCell<Arc<Library>>,
    pub(crate) model: tokio::sync::Mutex<Option<Arc<Model>>>,
    pub(crate) indexing: std::sync::Mutex<Option<Cancel>>,
    /// A running model download or switch (one at a time), to cancel it.
    pub(crate) model_task: std::sync::Mutex<Option<Cancel>>,
    /// The running region heatmap, to cancel it (a newer one replaces it).
    pub(crate) heatmap_task: std::sync::Mutex<Option<Cancel>>,
    /// Whether to keep the library's folders watched in the background.
    watch: bool,
    watcher: std::sync::Mutex<Option<Cancel>>,
}

impl AppState {
    pub fn new(library_dir: PathBuf, model_dir: PathBuf, runtime_dirs: Vec<PathBuf>) -> Self {
        Self {
            library_dir,
            model_dir,
            models_dir: paths::models_dir(),
            runtime_dirs,
            library: tokio::sync::OnceCell::new(),
            model: tokio::sync::Mutex::new(None),
            indexing: std::sync::Mutex::new(None),
            model_task: std::sync::Mutex::new(None),
            heatmap_task: std::sync::Mutex::new(None),
            watch: false,
            watcher: std::sync::Mutex::new(None),
        }
    }

    /// Installs and finds models in `dir` instead of the default.
    pub fn with_models_dir(mut self, dir: PathBuf) -> Self {
        self.models_dir = dir;
        self
    }

    /// Keeps the library's folders watched while the app runs.
    pub fn with_watching(mut self) -> Self {
        self.watch = true;
        self
    }

    /// The library, opened on first use.
    pub async fn library(&self) -> Result<Arc<Library>, IpcError> {
        self.library
            .get_or_try_init(|| async {
                let mut lib = Library::open(&self.library_dir).await?;
                for d in &self.runtime_dirs {
                    lib.add_runtime_dir(d.clone());
                }
                Ok::<_, IpcError>(Arc::new(lib))
            })
            .await
            .cloned()
    }
}

fn thumbnail_response(bytes: Option<Vec<u8>>) -> Response<Vec<u8>> {
    let builder = Response::builder().header(header::CACHE_CONTROL, "max-age=31536000, immutable");
    let response = match bytes {
        Some(b) => builder.status(StatusCode::OK).header(header::CONTENT_TYPE, "image/jpeg").body(b),
        None => builder.status(StatusCode::NOT_FOUND).body(Vec::new()),
    };
    response.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// (Re)starts the background watcher over the library's folders, if the
/// library has folders and a model. Changes are announced to the window with
/// a small `library-changed` event, so it refreshes what it shows.
pub fn restart_watcher<R: Runtime>(app: &tauri::AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        if !state.watch {
            return;
        }
        let cancel = Cancel::new();
        if let Some(old) = state.watcher.lock().unwrap_or_else(|p| p.into_inner()).replace(cancel.clone()) {
            old.cancel();
        }
        let Ok(library) = state.library().await else { return };
        if library.folders().await.map(|f| f.is_empty()).unwrap_or(true) {
            return;
        }
        let Ok(Some(model)) = commands::search_model(&state, &library).await else { return };
        let result = library
            .watch(&[], model, WatchOptions::default(), &cancel, |e| {
                let changed = match &e {
                    WatchEvent::Watching { .. } => true,
                    WatchEvent::Reconciled { summary: s, .. } => s.indexed + s.reused + s.removed + s.failed.len() > 0,
                    WatchEvent::Failed { .. } => false,
                };
                if changed {
                    let _ = app.emit("library-changed", ());
                }
            })
            .await;
        if let Err(e) = result {
            eprintln!("Clipdex: watching stopped: {e}");
        }
    });
}

/// Builds the app on any runtime (the real one, or Tauri's mock in tests).
pub fn build_app<R: Runtime>(
    builder: tauri::Builder<R>,
    context: tauri::Context<R>,
    state: AppState,
) -> tauri::Result<tauri::App<R>> {
    builder
        .manage(state)
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
        .register_asynchronous_uri_scheme_protocol(panel::MEDIA_SCHEME, |ctx, request, responder| {
            let id = request.uri().path().trim_start_matches('/').to_string();
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                responder.respond(panel::preview_response(panel::preview_bytes(&state, &id).await));
            });
        })
        .invoke_handler(tauri::generate_handler![
            commands::search,
            commands::index_folders,
            commands::library_status,
            commands::cancel_indexing,
            models::models_list,
            models::models_pull,
            models::models_use,
            models::cancel_model_task,
            models::compare,
            models::heatmap_matrix,
            models::heatmap_region,
            models::cancel_heatmap,
            panel::query_outline,
            panel::open_item,
            panel::remove_folder,
            panel::pause_indexing,
            panel::retry_failures
        ])
        .build(context)
}

/// Starts the desktop app.
pub fn run() {
    let library_dir = paths::default_library_dir();
    let model_dir = paths::default_model_dir();
    let builder = tauri::Builder::default().plugin(tauri_plugin_dialog::init()).setup(|app| {
        restart_watcher(app.handle());
        Ok(())
    });
    // An ONNX Runtime shipped beside the app (onnxruntime/) wins over the defaults.
    let mut runtime_dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.to_path_buf())) {
        runtime_dirs.push(exe_dir.join("onnxruntime"));
    }
    let state = AppState::new(library_dir, model_dir, runtime_dirs).with_watching();
    let app = match build_app(builder, tauri::generate_context!(), state) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Clipdex could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|_, _| {});
}
