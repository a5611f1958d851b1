//! The Clipdex desktop shell: Tauri glue around `clipdex-library`.
//!
//! `run()` builds the real app; tests build the same app on Tauri's mock
//! runtime through [`build_app`], so commands are exercised end to end.
//!
//! Modules: [`commands`] (what the window may call, by engine area), [`dto`]
//! (the wire types), [`tasks`] (cancellable long work), [`schemes`] (the
//! thumbnail and preview URI schemes), [`system`] (handing files to the
//! desktop) and [`error`] (errors as they cross IPC).

pub mod commands;
pub mod dto;
pub mod error;
pub mod schemes;
pub mod system;
pub mod tasks;
#[cfg(target_os = "linux")]
mod video_server;
pub mod wire;

use clipdex_library::ErrorCode;
use std::path::PathBuf;
use std::sync::Arc;

use clipdex_library::{check_library_folder, is_item_id, paths, Library, Model, Recent, WatchEvent, WatchOptions};
use tauri::{Emitter, Manager, Runtime};

use crate::error::IpcError;
use crate::tasks::TaskSlot;

/// What the app holds between commands.
pub struct AppState {
    /// The open library's folder (another can be opened: [`AppState::open_library`]).
    library_dir: std::sync::Mutex<PathBuf>,
    pub model_dir: PathBuf,
    /// Where models are installed (`clipdex models pull` puts them there too).
    pub models_dir: PathBuf,
    runtime_dirs: Vec<PathBuf>,
    /// The open library, opened on first use.
    library: tokio::sync::Mutex<Option<Arc<Library>>>,
    /// Where the last library opened is remembered (none: not remembered).
    recent: Option<Recent>,
    pub(crate) model: tokio::sync::Mutex<Option<Arc<Model>>>,
    /// A running index or retry (one at a time), to cancel or pause it.
    pub(crate) indexing: TaskSlot,
    /// A running model download or switch (one at a time), to cancel it.
    pub(crate) model_task: TaskSlot,
    /// The running region heatmap, to cancel it (a newer one replaces it).
    pub(crate) heatmap_task: TaskSlot,
    /// Whether to keep the library's folders watched in the background.
    watch: bool,
    /// The background watcher (a restart replaces it).
    watcher: TaskSlot,
    /// Where the window plays videos from when the `media` scheme cannot
    /// (Linux: the loopback server of `video_server`).
    pub(crate) video_base: std::sync::OnceLock<String>,
    /// The window's language, as it last said (every library opened reads
    /// pictures in it, unless it chose its own languages).
    language: std::sync::Mutex<Option<String>>,
}

impl AppState {
    pub fn new(library_dir: PathBuf, model_dir: PathBuf, runtime_dirs: Vec<PathBuf>) -> Self {
        Self {
            library_dir: std::sync::Mutex::new(library_dir),
            model_dir,
            models_dir: paths::models_dir(),
            runtime_dirs,
            library: tokio::sync::Mutex::new(None),
            recent: None,
            model: tokio::sync::Mutex::new(None),
            indexing: TaskSlot::default(),
            model_task: TaskSlot::default(),
            heatmap_task: TaskSlot::default(),
            watch: false,
            watcher: TaskSlot::default(),
            video_base: std::sync::OnceLock::new(),
            language: std::sync::Mutex::new(None),
        }
    }

    /// Installs and finds models in `dir` instead of the default.
    pub fn with_models_dir(mut self, dir: PathBuf) -> Self {
        self.models_dir = dir;
        self
    }

    /// Remembers each library opened in `recent`, for the next start.
    pub fn with_recent(mut self, recent: Recent) -> Self {
        self.recent = Some(recent);
        self
    }

    /// The open library's folder.
    pub fn library_dir(&self) -> PathBuf {
        self.library_dir.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps the library's folders watched while the app runs.
    pub fn with_watching(mut self) -> Self {
        self.watch = true;
        self
    }

    /// The library, opened on first use.
    pub async fn library(&self) -> Result<Arc<Library>, IpcError> {
        let mut open = self.library.lock().await;
        if let Some(lib) = open.as_ref() {
            return Ok(lib.clone());
        }
        let lib = self.open_at(&self.library_dir()).await?;
        *open = Some(lib.clone());
        Ok(lib)
    }

    /// The window's language (a BCP-47 tag): pictures are read in it and
    /// English, in the open library and any opened later, unless a library
    /// chose its languages.
    pub async fn set_language(&self, tag: String) {
        *self.language.lock().unwrap_or_else(|p| p.into_inner()) = Some(tag.clone());
        if let Some(lib) = self.library.lock().await.as_ref() {
            lib.set_ui_language(Some(tag));
        }
    }

    async fn open_at(&self, dir: &std::path::Path) -> Result<Arc<Library>, IpcError> {
        let mut lib = Library::open(dir).await?;
        lib.set_ui_language(self.language.lock().unwrap_or_else(|p| p.into_inner()).clone());
        lib.share_cache(clipdex_library::paths::shared_cache_dir());
        for d in &self.runtime_dirs {
            lib.add_runtime_dir(d.clone());
        }
        Ok(Arc::new(lib))
    }

    /// Opens the library in `dir` (a folder the user picked: a library, an
    /// empty folder or a new one) in place of the open one, and remembers it
    /// for the next start. Refused while an index or a model task runs; on
    /// any error the open library stays open. Callers restart the watcher.
    pub async fn open_library(&self, dir: &std::path::Path) -> Result<PathBuf, IpcError> {
        const BUSY: &str = "finish or cancel the running task before opening another library";
        let mut open = self.library.lock().await;
        if self.indexing.is_running() || self.model_task.is_running() {
            return Err(IpcError::new(clipdex_library::ErrorCode::Busy, BUSY));
        }
        check_library_folder(dir)?;
        let lib = self.open_at(dir).await?;
        let dir = lib.dir().to_path_buf();
        if let Some(recent) = &self.recent {
            recent.remember_library(&dir)?;
        }
        self.heatmap_task.cancel();
        self.watcher.cancel();
        *self.model.lock().await = None;
        *open = Some(lib);
        *self.library_dir.lock().unwrap_or_else(|p| p.into_inner()) = dir.clone();
        Ok(dir)
    }

    /// The library's active model, opened once and kept; `None` while the
    /// library has no model yet.
    pub async fn search_model(&self, library: &Library) -> Result<Option<Arc<Model>>, IpcError> {
        if library.model_record().await.map_err(IpcError::from)?.is_none() {
            return Ok(None);
        }
        let active = library.model_record().await?.map(|r| r.id);
        let mut cached = self.model.lock().await;
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

    /// The file holding a library item, by id only: the window never names paths.
    pub(crate) async fn item_path(&self, id: &str) -> Result<PathBuf, IpcError> {
        if !is_item_id(id) {
            return Err(IpcError::new(ErrorCode::BadArgument, format!("{id:?} is not an item id")));
        }
        let library = self.library().await?;
        match library.image_file(id).await? {
            (Some(_), path) => Ok(path),
            (None, _) => Err(IpcError::new(ErrorCode::NoSuchItem, format!("no library item has the id {id}"))),
        }
    }
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
        let cancel = state.watcher.begin_replacing();
        let Ok(library) = state.library().await else { return };
        if library.folders().await.map(|f| f.is_empty()).unwrap_or(true) {
            return;
        }
        let Ok(Some(model)) = state.search_model(&library).await else { return };
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
    schemes::register(builder.manage(state))
        .invoke_handler(tauri::generate_handler![
            commands::search::search,
            commands::library::index_folders,
            commands::library::library_status,
            commands::library::cancel_indexing,
            commands::models::models_list,
            commands::models::models_pull,
            commands::models::models_use,
            commands::models::models_install,
            commands::library::app_info,
            commands::models::cancel_model_task,
            commands::models::compare,
            commands::heatmap::heatmap_matrix,
            commands::heatmap::heatmap_region,
            commands::heatmap::cancel_heatmap,
            commands::search::query_image,
            commands::library::open_item,
            commands::library::item_text,
            commands::library::set_language,
            commands::library::remove_folder,
            commands::library::library_open,
            commands::library::cameras,
            commands::library::pause_indexing,
            commands::library::retry_failures
        ])
        .build(context)
}

/// Starts the desktop app.
pub fn run() {
    let recent = Recent::at(Recent::default_file());
    let library_dir = paths::starting_library_dir(&recent);
    let model_dir = paths::default_model_dir();
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            restart_watcher(app.handle());
            #[cfg(target_os = "linux")]
            match video_server::start(app.handle().clone()) {
                Ok(base) => {
                    let _ = app.state::<AppState>().video_base.set(base);
                }
                // Videos still show as pictures; only playing them needs it.
                Err(e) => eprintln!("Clipdex cannot serve videos to the window: {e}"),
            }
            Ok(())
        });
    // The ONNX Runtime a package ships is found from the executable's folder
    // (clipdex_embed's bundled_dirs), so the app needs no extra folders here.
    let state = AppState::new(library_dir, model_dir, Vec::new()).with_recent(recent).with_watching();
    let app = match build_app(builder, tauri::generate_context!(), state) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Clipdex could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|_, _| {});
}
