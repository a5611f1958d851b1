//! Starting the app: a first run (no model, then one installed from a picked
//! folder) and opening another library, remembered for the next start.

use std::path::Path;
use std::sync::{Arc, Mutex};

use clipdex_desktop::commands::library;
use clipdex_desktop::dto::StatusDto;
use clipdex_desktop::{build_app, AppState};
use clipdex_library::Recent;
use serde_json::json;
use tauri::ipc::Channel;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::app::{fixtures, index_events, index_through_command, invoke, photo_folder};

fn status(webview: &WebviewWindow<MockRuntime>) -> StatusDto {
    serde_json::from_value(invoke(webview, "library_status", json!({})).expect("status")).expect("dto")
}

#[test]
fn a_first_run_needs_a_model_until_one_is_installed_from_a_picked_folder() {
    use clipdex_desktop::commands::models;
    use clipdex_desktop::dto::{AppInfoDto, PullEventDto};
    let lib = tempfile::tempdir().expect("lib");
    let models_dir = tempfile::tempdir().expect("models");
    let photos = photo_folder();
    // Nothing installed, and the app's default model folder is not there.
    let state = AppState::new(lib.path().to_path_buf(), models_dir.path().join("ViT-B-32__openai"), Vec::new())
        .with_models_dir(models_dir.path().to_path_buf());
    let app = build_app(mock_builder(), mock_context(noop_assets()), state).expect("build app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    assert!(status(&webview).needs_model, "a first run with no model asks for one");

    // Adding a folder first is refused with its code, and adds no folder.
    let (channel, _) = index_events();
    let err = tauri::async_runtime::block_on(library::index_folders(
        app.handle().clone(),
        app.state::<AppState>(),
        vec![photos.path().to_string_lossy().into_owned()],
        channel,
    ))
    .expect_err("no model to index with");
    assert_eq!(err.code.as_str(), "no_model", "{err:?}");
    assert!(status(&webview).folders.is_empty());

    // The folder the user picked is installed (copied, with progress) under its own name.
    let install = |path: &Path| {
        let seen: Arc<Mutex<Vec<PullEventDto>>> = Arc::default();
        let sink = seen.clone();
        let channel: Channel<PullEventDto> = Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(s) = body {
                sink.lock().expect("lock").push(serde_json::from_str(&s).expect("event"));
            }
            Ok(())
        });
        let entry = tauri::async_runtime::block_on(models::models_install(
            app.state::<AppState>(),
            path.to_string_lossy().into_owned(),
            channel,
        ))
        .expect("install");
        let seen = seen.lock().expect("lock").clone();
        (entry, seen)
    };
    let (entry, progress) = install(&fixtures().join("tiny-clip"));
    assert!(entry.id == "tiny-clip" && entry.installed, "{entry:?}");
    let last = progress.last().expect("progress was sent");
    assert!(last.total > 0 && last.done == last.total, "{progress:?}");
    assert!(!status(&webview).needs_model, "an installed model is enough to start");
    // Picking the same folder again never replaces the installed model.
    let (again, _) = install(&fixtures().join("tiny-clip"));
    assert_eq!(again.id, "tiny-clip-2");
    let err = invoke(&webview, "models_install", json!({"path": "/no/such/model", "onEvent": "__CHANNEL__:9"}))
        .expect_err("a path that is not a model");
    assert!(err["code"].is_string() && err["message"].as_str().is_some_and(|m| m.contains("/no/such/model")), "{err}");

    // The first folder is indexed with the installed model, and the library records it.
    let summary = index_through_command(&app, photos.path());
    assert_eq!(summary.indexed, 4);
    let s = status(&webview);
    assert!(s.model_id.as_deref().is_some_and(|id| id.starts_with("tiny-clip@")), "{s:?}");
    assert!(s.model_dir.as_deref().is_some_and(|d| d.starts_with(&*models_dir.path().to_string_lossy())), "{s:?}");
    assert!(!s.needs_model && s.suggested_folder.is_none(), "a library with folders is offered none");

    let info: AppInfoDto = serde_json::from_value(invoke(&webview, "app_info", json!({})).expect("info")).expect("dto");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.models, models_dir.path().display().to_string());
}

#[test]
fn another_library_opens_from_a_picked_folder_and_is_opened_again_at_the_next_start() {
    let home = tempfile::tempdir().expect("home");
    let first = home.path().join("library");
    let recent = Recent::at(home.path().join("config/clipdex/recent.json"));
    let model = fixtures().join("tiny-clip");
    let start = |dir: &Path| {
        let state = AppState::new(dir.to_path_buf(), model.clone(), Vec::new()).with_recent(recent.clone());
        let app = build_app(mock_builder(), mock_context(noop_assets()), state).expect("build app");
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        (app, webview)
    };
    let photos = photo_folder();
    let (app, webview) = start(&first);
    assert_eq!(index_through_command(&app, photos.path()).indexed, 4);

    // A folder of photos is not a library: refused, and the open one stays open.
    let err = invoke(&webview, "library_open", json!({"path": photos.path()})).expect_err("photos are not a library");
    assert_eq!(err["code"], "bad_argument", "{err}");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("not a Clipdex library")), "{err}");
    let s = status(&webview);
    assert_eq!((s.items, s.folders.len()), (4, 1), "{s:?}");
    assert_eq!(recent.library(), None, "a refused folder is not remembered");

    // A new folder opens as an empty library, searched and indexed on its own.
    let second = home.path().join("trip-library");
    let opened: StatusDto =
        serde_json::from_value(invoke(&webview, "library_open", json!({"path": second})).expect("a new folder opens"))
            .expect("dto");
    let second = second.canonicalize().expect("created");
    assert_eq!(Path::new(&opened.library), second);
    assert!(opened.folders.is_empty() && opened.items == 0, "{opened:?}");
    let trip = tempfile::tempdir().expect("trip");
    std::fs::copy(fixtures().join("photos/coffee.png"), trip.path().join("coffee.png")).expect("copy");
    assert_eq!(index_through_command(&app, trip.path()).indexed, 1);
    let found = invoke(&webview, "search", json!({"query": "a photo", "limit": 10, "minScore": -1.0})).expect("search");
    let names: Vec<&str> = found["hits"].as_array().expect("hits").iter().filter_map(|h| h["path"].as_str()).collect();
    assert!(names.len() == 1 && names[0].ends_with("coffee.png"), "only the new library's photo: {names:?}");
    drop((webview, app));

    // The next start opens the library the user opened last, as it was left.
    let again = recent.library().expect("remembered");
    assert_eq!(again, second);
    let (_app, webview) = start(&again);
    let s = status(&webview);
    assert_eq!((Path::new(&s.library), s.items, s.folders.len()), (second.as_path(), 1, 1), "{s:?}");
    // The first library is untouched, and can be opened again.
    let back: StatusDto =
        serde_json::from_value(invoke(&webview, "library_open", json!({"path": first})).expect("back")).expect("dto");
    assert_eq!((back.items, back.folders.len()), (4, 1), "{back:?}");
    assert_eq!(recent.library(), Some(first.canonicalize().expect("first")));
}
