use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clipdex_desktop::commands::library;
use clipdex_desktop::dto::{HitDto, IndexEvent, SearchDto, StatusDto, SummaryDto};
use clipdex_desktop::{build_app, AppState};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, Channel, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub(crate) fn app(library: &Path, model: &Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let state = AppState::new(library.to_path_buf(), model.to_path_buf(), Vec::new());
    let app = build_app(mock_builder(), mock_context(noop_assets()), state).expect("build app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    (app, webview)
}

pub(crate) fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("json"))
}

pub(crate) fn photo_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for f in ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"] {
        let src = fixtures().join("photos").join(f);
        assert!(src.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", src.display());
        std::fs::copy(src, dir.path().join(f)).expect("copy");
    }
    std::fs::write(dir.path().join("zero.jpg"), b"").expect("write");
    dir
}

#[test]
fn commands_index_search_and_report_status_through_ipc() {
    let lib = tempfile::tempdir().expect("lib");
    let photos = photo_folder();
    let (app, webview) = app(lib.path(), &fixtures().join("tiny-clip"));

    // A new library: empty, no model yet; searching it is not an error.
    let status: StatusDto =
        serde_json::from_value(invoke(&webview, "library_status", json!({})).expect("status")).expect("dto");
    assert_eq!((status.items, status.model_id.as_deref(), status.indexing), (0, None, false));
    let empty: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "a cat"})).expect("search")).expect("dto");
    assert!(empty.hits.is_empty());

    // Index through the command itself, with a real channel collecting progress.
    let (channel, events) = index_events();
    let folder = photos.path().to_string_lossy().into_owned();
    let summary: SummaryDto = tauri::async_runtime::block_on(library::index_folders(
        app.handle().clone(),
        app.state::<AppState>(),
        vec![folder.clone()],
        channel,
    ))
    .expect("index");
    assert_eq!(summary.indexed, 4);
    assert_eq!(summary.failed.len(), 1);
    assert!(summary.failed[0].path.ends_with("zero.jpg") && summary.failed[0].reason.contains("empty"), "{summary:?}");

    let events = events.lock().expect("lock").clone();
    assert!(matches!(events.first(), Some(IndexEvent::Started { folders }) if folders == &vec![folder.clone()]));
    assert!(matches!(events.last(), Some(IndexEvent::Finished { summary: s }) if s.indexed == 4));
    let dones: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            // Labels and describing count prompts and items, not files.
            IndexEvent::Progress { done, phase, .. } if phase == "scanning" || phase == "indexing" => Some(*done),
            _ => None,
        })
        .collect();
    assert!(dones.len() >= 2 && dones.windows(2).all(|w| w[0] <= w[1]), "progress only moves forward: {dones:?}");
    assert_eq!(dones.last(), Some(&5));

    assert!(events.iter().any(|e| matches!(e, IndexEvent::Progress { phase, .. } if phase == "describing")));

    // Search over IPC: hits with scores, best first, thumbnails addressed by id only.
    let found: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "a photo of an astronaut", "limit": 3, "minScore": -1.0}))
            .expect("search"),
    )
    .expect("hits");
    assert_eq!((found.cutoff, found.default_cutoff), (Some(-1.0), false));
    let hits = found.hits;
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.why.vector_rank.is_some() && h.date > 0), "{hits:?}");
    // Without minScore the library's calibrated cutoff applies, and says so.
    let default: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "a photo of an astronaut"})).expect("search"),
    )
    .expect("dto");
    assert!(default.default_cutoff && default.cutoff.is_some(), "{default:?}");
    // The calibrated cutoff is a divider, not a wall: every photo is there, the matches first and counted.
    let matches = default.matches.expect("counted");
    assert_eq!(default.hits.len(), 4, "{default:?}");
    let cut = default.cutoff.unwrap_or(f32::MAX);
    assert!(default.hits.iter().skip(matches).all(|h| h.score < cut && h.why.keyword_rank.is_none()), "{default:?}");
    // Each hit's level in words, read against the calibrated marks: the weaker ones are weak.
    assert!(default.hits.iter().skip(matches).all(|h| h.level.as_deref() == Some("weak")), "{default:?}");
    let levels = |h: &HitDto| h.level.as_deref().is_some_and(|l| ["strong", "good", "weak"].contains(&l));
    assert!(default.hits.iter().all(levels), "{default:?}");
    // Strict and loose move the line to the calibrated marks above and below the default.
    let at = |strictness: &str| -> SearchDto {
        let args = json!({"query": "a photo of an astronaut", "strictness": strictness});
        serde_json::from_value(invoke(&webview, "search", args).expect("search")).expect("dto")
    };
    let (strict, loose) = (at("strict"), at("loose"));
    assert!(strict.cutoff > default.cutoff && loose.cutoff < default.cutoff, "{:?} {:?}", strict.cutoff, loose.cutoff);
    assert!(strict.matches <= default.matches && loose.matches >= default.matches);
    let err = invoke(&webview, "search", json!({"query": "x", "strictness": "lax"})).expect_err("bad strictness");
    assert_eq!(err["code"], "bad_argument", "{err}");
    // The cameras `camera:` can match: the fixture photos carry no EXIF camera.
    assert_eq!(invoke(&webview, "cameras", json!({})).expect("cameras"), json!([]));
    // An empty query, or filters alone, browse the library newest first, counted exactly.
    let browsed: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": ""})).expect("browse")).expect("dto");
    assert!(browsed.browsed && browsed.total == Some(4) && browsed.hits.len() == 4, "{browsed:?}");
    assert!(browsed.hits.windows(2).all(|w| w[0].date >= w[1].date), "{browsed:?}");
    // The whole list's months, for the timeline: every photo counted once.
    assert_eq!(browsed.months.iter().map(|m| m.count).sum::<usize>(), 4, "{:?}", browsed.months);
    let filtered: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "ext:jpg"})).expect("browse")).expect("dto");
    assert!(filtered.browsed && filtered.total == Some(1), "{filtered:?}");
    assert!(filtered.hits[0].path.ends_with("rocket.jpg"), "{filtered:?}");
    let err = invoke(&webview, "search", json!({"query": "x", "mode": "fuzzy"})).expect_err("bad mode");
    assert_eq!(err["code"], "bad_argument", "{err}");

    // A dropped or pasted image is registered once, by its bytes (base64),
    // then named by its token in every search, alone or with text.
    use base64::Engine;
    let chelsea = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(fixtures().join("photos/chelsea.png")).expect("read"));
    let token = invoke(&webview, "query_image", json!({ "data": chelsea })).expect("register");
    assert_eq!(
        invoke(&webview, "query_image", json!({ "data": chelsea })).expect("again"),
        token,
        "same bytes, same token"
    );
    let by_image: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "", "images": [token]})).expect("search"))
            .expect("dto");
    assert!(by_image.hits[0].path.ends_with("chelsea.png"), "{:?}", by_image.hits);
    assert!(by_image.hits[0].score > 0.999, "{}", by_image.hits[0].score);
    // With text, the picture pulls its own item closer than the text alone does.
    let chelsea_score = |images: Value| {
        let args = json!({"query": "a cat", "images": images, "minScore": -1.0, "mode": "vector"});
        let found: SearchDto = serde_json::from_value(invoke(&webview, "search", args).expect("search")).expect("dto");
        found.hits.iter().find(|h| h.path.ends_with("chelsea.png")).expect("chelsea").score
    };
    let (alone, with_picture) = (chelsea_score(json!([])), chelsea_score(json!([token])));
    assert!(with_picture > alone + 0.01, "text {alone}, text and picture {with_picture}");
    let err = invoke(&webview, "query_image", json!({"data": "not base64!"})).expect_err("bad base64");
    assert_eq!(err["code"], "bad_argument", "{err}");
    let garbage = base64::engine::general_purpose::STANDARD.encode(b"not an image");
    let err = invoke(&webview, "query_image", json!({ "data": garbage })).expect_err("not an image");
    assert_eq!(err["code"], "bad_image", "{err}");
    // A token the app does not hold (never registered, or long gone): said so, not ignored.
    let err = invoke(&webview, "search", json!({"query": "", "images": ["qimg-0"]})).expect_err("unknown token");
    assert_eq!(err["code"], "bad_argument", "{err}");
    // Hybrid (the default) orders by fused rank: meaning and keywords together.
    assert!(hits.windows(2).all(|w| w[0].why.fused >= w[1].why.fused), "{hits:?}");
    for h in &hits {
        assert_eq!(h.id.len(), 64);
        assert!(h.thumbnail.ends_with(&h.id) && !h.thumbnail.contains(&folder), "{}", h.thumbnail);
    }

    let status: StatusDto =
        serde_json::from_value(invoke(&webview, "library_status", json!({})).expect("status")).expect("dto");
    assert_eq!(status.items, 4);
    assert!(status.model_id.as_deref().is_some_and(|m| m.starts_with("tiny-clip@")));
    assert_eq!(status.failures.len(), 1);

    // Nothing running: cancel says so.
    assert_eq!(invoke(&webview, "cancel_indexing", json!({})).expect("cancel"), json!(false));
}

#[test]
fn errors_cross_ipc_as_code_and_message() {
    let lib = tempfile::tempdir().expect("lib");
    let photos = photo_folder();
    let (_app, webview) = app(lib.path(), Path::new("/nowhere/ViT-B-32__openai"));

    let folder = photos.path().to_string_lossy().into_owned();
    let err = invoke(&webview, "index_folders", json!({"folders": [folder], "onEvent": "__CHANNEL__:1"}))
        .expect_err("no model");
    assert_eq!(err["code"], "no_model", "{err}");
    assert!(err["message"].as_str().expect("message").contains("/nowhere/ViT-B-32__openai"), "{err}");
    assert_eq!(err.as_object().expect("object").len(), 2, "exactly {{code, message}}: {err}");

    let err =
        invoke(&webview, "index_folders", json!({"folders": [], "onEvent": "__CHANNEL__:2"})).expect_err("no folders");
    assert_eq!(err["code"], "no_folders");

    // The app keeps working after an error.
    let status = invoke(&webview, "library_status", json!({})).expect("status");
    assert_eq!(status["items"], 0);
}

/// The window says its language; the library reads pictures in it and
/// English (Simplified Chinese data: the test set-up installs it).
#[test]
fn the_window_language_chooses_the_languages_pictures_are_read_in() {
    let lib = tempfile::tempdir().expect("lib");
    let (_app, webview) = app(lib.path(), &fixtures().join("tiny-clip"));
    let languages = |webview: &WebviewWindow<MockRuntime>| {
        let status: StatusDto =
            serde_json::from_value(invoke(webview, "library_status", json!({})).expect("status")).expect("dto");
        status.text.languages
    };
    assert_eq!(languages(&webview), ["eng"], "the environment's language (the test runs in C or English)");
    invoke(&webview, "set_language", json!({"tag": "zh-CN"})).expect("set");
    assert_eq!(languages(&webview), ["chi_sim", "eng"]);
    for bad in ["", "de DE", "../../etc", "x".repeat(40).as_str()] {
        let err = invoke(&webview, "set_language", json!({"tag": bad})).expect_err(bad);
        assert_eq!(err["code"], "bad_argument", "{bad:?}: {err}");
    }
    assert_eq!(languages(&webview), ["chi_sim", "eng"], "a refused tag changes nothing");
    invoke(&webview, "set_language", json!({"tag": "en-GB"})).expect("set");
    assert_eq!(languages(&webview), ["eng"]);
}

/// The app's commands, as build.rs declares them (one allow-permission each).
const COMMANDS: &[&str] = include!("../src-tauri/commands/names.rs");

/// Whether an IPC error is the ACL refusing the call (not the command failing).
fn denied(err: &Value) -> bool {
    err.as_str().is_some_and(|s| s.contains("not allowed"))
}

/// The real capabilities (capabilities/default.json, through the generated
/// context and ACL) let the main window call every one of Clipdex's commands
/// and nothing else; another window gets none of them.
#[test]
fn the_window_may_call_only_what_its_capabilities_grant() {
    let lib = tempfile::tempdir().expect("lib");
    let state = AppState::new(lib.path().to_path_buf(), fixtures().join("tiny-clip"), Vec::new());
    let context: tauri::Context<MockRuntime> = tauri::generate_context!();
    let app = build_app(mock_builder(), context, state).expect("build app");
    let main = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("main window");
    let other = WebviewWindowBuilder::new(&app, "other", Default::default()).build().expect("other window");

    // Every command passes the ACL from the main window. Called without its
    // arguments, a command that takes some is refused by argument parsing,
    // after the ACL let it through; none of these calls changes anything.
    for cmd in COMMANDS {
        if let Err(e) = invoke(&main, cmd, json!({})) {
            assert!(!denied(&e), "{cmd} is not granted to the main window: {e}");
            // Listed but not registered with generate_handler!: the command does not exist.
            assert!(!e.as_str().is_some_and(|s| s.contains("not found")), "{cmd} is not a command: {e}");
        }
        let e = invoke(&other, cmd, json!({})).expect_err(cmd);
        assert!(denied(&e), "{cmd} is granted to another window: {e}");
    }
    assert_eq!(invoke(&main, "library_status", json!({})).expect("granted")["items"], 0);
    let found = invoke(&main, "search", json!({"query": "cat"})).expect("granted");
    assert_eq!((found["hits"].clone(), found["outline"]["parts"][0]["kind"].clone()), (json!([]), json!("text")));

    // Not granted: emitting events (the window only listens), and other plugins' commands.
    let err = invoke(&main, "plugin:event|emit", json!({"event": "x", "payload": null}))
        .expect_err("emitting is not granted");
    assert!(denied(&err), "{err}");
    let err = invoke(&main, "plugin:dialog|save", json!({})).expect_err("saving is not granted");
    assert!(denied(&err), "{err}");
}

/// Indexes `folder` through the `index_folders` command, as the window does.
pub(crate) fn index_through_command(app: &tauri::App<MockRuntime>, folder: &Path) -> SummaryDto {
    let (channel, _) = index_events();
    let folder = folder.to_string_lossy().into_owned();
    tauri::async_runtime::block_on(library::index_folders(
        app.handle().clone(),
        app.state::<AppState>(),
        vec![folder],
        channel,
    ))
    .expect("index")
}

/// A real IPC channel that collects the index events sent on it.
pub(crate) fn index_events() -> (Channel<IndexEvent>, Arc<Mutex<Vec<IndexEvent>>>) {
    let events: Arc<Mutex<Vec<IndexEvent>>> = Arc::default();
    let sink = events.clone();
    let channel: Channel<IndexEvent> = Channel::new(move |body| {
        let text = match body {
            tauri::ipc::InvokeResponseBody::Json(s) => s,
            tauri::ipc::InvokeResponseBody::Raw(b) => String::from_utf8(b).expect("utf8"),
        };
        sink.lock().expect("lock").push(serde_json::from_str(&text).expect("event"));
        Ok(())
    });
    (channel, events)
}

#[test]
fn models_panel_lists_switches_and_compares_through_ipc() {
    use clipdex_desktop::commands::models;
    use clipdex_desktop::dto::{CompareDto, ModelsDto};
    let lib = tempfile::tempdir().expect("lib");
    let models_dir = tempfile::tempdir().expect("models");
    let photos = photo_folder();
    let state = AppState::new(lib.path().to_path_buf(), fixtures().join("tiny-clip"), Vec::new())
        .with_models_dir(models_dir.path().to_path_buf());
    let app = build_app(mock_builder(), mock_context(noop_assets()), state).expect("build app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    index_through_command(&app, photos.path());
    // An offline install, as `clipdex models pull --from` does.
    let shelf = clipdex_library::ModelShelf::new(models_dir.path());
    tauri::async_runtime::block_on(shelf.install_from(
        "tiny-nllb",
        &fixtures().join("tiny-nllb-clip"),
        &clipdex_library::Cancel::new(),
        |_| {},
    ))
    .expect("install");

    let list: ModelsDto =
        serde_json::from_value(invoke(&webview, "models_list", json!({})).expect("list")).expect("dto");
    let ids: Vec<&str> = list.entries.iter().map(|e| e.id.as_str()).collect();
    assert!(ids.contains(&"ViT-B-32__openai") && ids.contains(&"nllb-clip-base-siglip__v1"), "{ids:?}");
    let nllb = list.entries.iter().find(|e| e.id == "tiny-nllb").expect("installed entry");
    assert!(nllb.installed && !nllb.known && nllb.library.is_none());
    let active = list.entries.iter().find(|e| e.library.as_ref().is_some_and(|l| l.active)).expect("active");
    assert!(active.id.starts_with("tiny-clip@") && !active.installed, "a model folder given by hand: {active:?}");
    let b32 = list.entries.iter().find(|e| e.id == "ViT-B-32__openai").expect("default");
    assert!(b32.default && !b32.installed && b32.quality.iter().all(|q| !q.source.is_empty()));
    assert_eq!(list.device.as_ref().map(|d| d.provider.as_str()), Some("cpu"));

    // Switch: progress arrives on the channel; the new model answers afterwards.
    let (channel, events) = index_events();
    let switched = tauri::async_runtime::block_on(models::models_use(
        app.handle().clone(),
        app.state::<AppState>(),
        "tiny-nllb".into(),
        channel,
    ))
    .expect("switch");
    assert!(switched.activated && switched.embedded == 4 && switched.remaining == 0, "{switched:?}");
    assert!(events
        .lock()
        .expect("lock")
        .iter()
        .any(|e| matches!(e, IndexEvent::Progress { phase, .. } if phase == "indexing")));
    let status: StatusDto =
        serde_json::from_value(invoke(&webview, "library_status", json!({})).expect("status")).expect("dto");
    assert_eq!(status.models.len(), 2);
    assert!(status.models[0].active && status.models[0].id.starts_with("tiny-nllb@"));
    assert!(status.model_id.as_deref().is_some_and(|m| m.starts_with("tiny-nllb@")));
    assert_eq!(status.device.as_ref().map(|d| d.provider.as_str()), Some("cpu"));
    let found: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "a cat", "minScore": -1.0, "lang": "de"})).expect("search"),
    )
    .expect("dto");
    assert_eq!(found.hits.len(), 4);

    let ids: Vec<String> = status.models.iter().map(|m| m.id.clone()).collect();
    let c: CompareDto = serde_json::from_value(
        invoke(&webview, "compare", json!({"query": "a cat", "models": ids, "limit": 3})).expect("compare"),
    )
    .expect("dto");
    assert_eq!(c.runs.len(), 2);
    assert!(c.runs.iter().all(|r| r.hits.len() == 3 && r.scores.n == 4 && r.latency_ms > 0.0));
    // A path in the window's compare box is words to match, never a file to read.
    let by_path = invoke(&webview, "compare", json!({"query": "/nowhere/IMG_1.jpg", "models": ids, "limit": 3}));
    assert!(by_path.is_ok(), "{by_path:?}");

    let err = invoke(&webview, "models_use", json!({"id": "nope", "onEvent": "__CHANNEL__:9"})).expect_err("unknown");
    assert_eq!(err["code"], "model_not_installed", "{err}");
    let err = invoke(&webview, "models_pull", json!({"id": "nope", "onEvent": "__CHANNEL__:9"})).expect_err("unknown");
    assert_eq!(err["code"], "unknown_model", "{err}");
    let err = invoke(&webview, "compare", json!({"query": "x", "models": ["a"]})).expect_err("one model");
    assert_eq!(err["code"], "bad_argument", "{err}");
    assert_eq!(invoke(&webview, "cancel_model_task", json!({})).expect("cancel"), json!(false));
}

#[test]
fn heatmaps_through_ipc() {
    use clipdex_desktop::commands::heatmap;
    use clipdex_desktop::dto::MatrixDto;
    let lib = tempfile::tempdir().expect("lib");
    let photos = photo_folder();
    let (app, webview) = app(lib.path(), &fixtures().join("tiny-clip"));
    index_through_command(&app, photos.path());
    let found: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "a cat", "minScore": -1.0})).expect("search"),
    )
    .expect("dto");
    let ids: Vec<String> = found.hits.iter().map(|h| h.id.clone()).collect();
    assert_eq!(ids.len(), 4);

    let m: MatrixDto = serde_json::from_value(
        invoke(&webview, "heatmap_matrix", json!({"prompts": ["a cat", "  ", "a rocket"], "items": ids}))
            .expect("matrix"),
    )
    .expect("dto");
    assert_eq!(m.prompts, ["a cat", "a rocket"], "blank prompts are dropped");
    assert_eq!((m.cosines.len(), m.cosines[0].len(), m.items.len()), (2, 4, 4));
    assert!(m.levels.iter().flatten().all(|l| (0.0..=1.0).contains(l)));
    assert!(m.items.iter().all(|i| i.thumbnail.ends_with(&i.id)));
    // The cosine of "a cat" with each hit is the hit's own score.
    for (i, h) in found.hits.iter().enumerate() {
        assert!((m.cosines[0][i] - h.score).abs() < 1e-4, "{} vs {}", m.cosines[0][i], h.score);
    }

    let progress: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let sink = progress.clone();
    let channel: Channel<(usize, usize)> = Channel::new(move |body| {
        let text = match body {
            tauri::ipc::InvokeResponseBody::Json(s) => s,
            tauri::ipc::InvokeResponseBody::Raw(b) => String::from_utf8(b).expect("utf8"),
        };
        sink.lock().expect("lock").push(serde_json::from_str(&text).expect("progress"));
        Ok(())
    });
    let r = tauri::async_runtime::block_on(heatmap::heatmap_region(
        app.state::<AppState>(),
        ids[0].clone(),
        "a cat".into(),
        None,
        channel,
    ))
    .expect("region");
    assert_eq!((r.rows, r.cols, r.cells.len(), r.passes), (4, 4, 16, 30));
    assert!(r.levels.contains(&1.0) && r.levels.contains(&0.0));
    assert_eq!(progress.lock().expect("lock").last(), Some(&(30, 30)));
    let err =
        invoke(&webview, "heatmap_region", json!({"id": "../etc/passwd", "text": "x", "onEvent": "__CHANNEL__:3"}))
            .expect_err("not an id");
    assert_eq!(err["code"], "bad_argument");
    assert_eq!(invoke(&webview, "cancel_heatmap", json!({})).expect("cancel"), json!(false));
}

/// The library panel, the preview pane's actions and the search box's
/// outline, through IPC and the commands themselves.
#[test]
fn library_panel_preview_and_outline_through_ipc() {
    use clipdex_desktop::schemes;
    let lib = tempfile::tempdir().expect("lib");
    let photos = photo_folder();
    let (app, webview) = app(lib.path(), &fixtures().join("tiny-clip"));
    let folder = photos.path().canonicalize().expect("canonical").to_string_lossy().into_owned();
    index_through_command(&app, photos.path());
    let state = app.state::<AppState>();
    let found: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "cat", "minScore": -1.0})).expect("search"))
            .expect("dto");
    let chelsea = found.hits.iter().find(|h| h.path.ends_with("chelsea.png")).expect("chelsea").clone();
    assert!(chelsea.image.ends_with(&chelsea.id) && chelsea.image.starts_with("media:"), "{}", chelsea.image);

    // The outline comes with the answer: parts with their places, weights,
    // and where a query stops making sense (then no hits and no error).
    let q = format!("2:\"a cat\" similar:{} after:2020-01-01", chelsea.id);
    let o = serde_json::from_value::<SearchDto>(invoke(&webview, "search", json!({ "query": q })).expect("search"))
        .expect("dto")
        .outline;
    let kinds: Vec<(&str, Option<f32>)> = o.parts.iter().map(|p| (p.kind.as_str(), p.weight)).collect();
    assert_eq!(kinds, vec![("text", Some(2.0)), ("similar", Some(1.0)), ("filter", None)]);
    assert_eq!(&q[o.parts[0].atom_start..o.parts[0].end], "\"a cat\"");
    let bad: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "cat after:someday"})).expect("search"))
            .expect("dto");
    let e = bad.outline.error.expect("an error");
    assert_eq!((e.position, e.expected.as_str()), (10, "a date as YYYY-MM-DD"));
    assert!(bad.hits.is_empty());
    // Offsets count in the text as sent, leading spaces included.
    let spaced: SearchDto =
        serde_json::from_value(invoke(&webview, "search", json!({"query": "  cat 2:dog"})).expect("search"))
            .expect("dto");
    let places: Vec<(usize, usize)> = spaced.outline.parts.iter().map(|p| (p.start, p.end)).collect();
    assert_eq!(places, vec![(2, 5), (6, 11)]);

    // The preview serves the file itself, by id only.
    let (bytes, mime) = tauri::async_runtime::block_on(schemes::preview_bytes(&state, &chelsea.id)).expect("preview");
    assert_eq!((bytes, mime), (std::fs::read(photos.path().join("chelsea.png")).expect("read"), "image/png"));
    assert!(tauri::async_runtime::block_on(schemes::preview_bytes(&state, "../../etc/passwd")).is_none());
    assert!(tauri::async_runtime::block_on(schemes::preview_bytes(&state, &"0".repeat(64))).is_none());
    // Only the item's own bytes: a file swapped for a link to another file is not served.
    #[cfg(unix)]
    {
        let file = photos.path().join("chelsea.png");
        let kept = photos.path().join(".chelsea.kept");
        std::fs::rename(&file, &kept).expect("move");
        std::os::unix::fs::symlink(fixtures().join("tiny-clip/config.json"), &file).expect("link");
        assert!(tauri::async_runtime::block_on(schemes::preview_bytes(&state, &chelsea.id)).is_none());
        std::fs::remove_file(&file).expect("unlink");
        std::fs::rename(&kept, &file).expect("restore");
    }
    // Media responses carry their type as final: the web view never sniffs another.
    for r in [schemes::preview_response(Some((vec![1], "image/png"))), schemes::thumbnail_response(Some(vec![1]))] {
        assert_eq!(r.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    }

    // Open and reveal hand the item's path to the desktop's tools (stand-ins here, on PATH).
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        let tools = tempfile::tempdir().expect("tools");
        let log = tools.path().join("log");
        for tool in ["xdg-open", "dbus-send"] {
            let script = tools.path().join(tool);
            std::fs::write(&script, format!("#!/bin/sh\necho \"{tool} $*\" >> '{}'\n", log.display())).expect("write");
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let path = std::env::var("PATH").unwrap_or_default();
        std::env::set_var("PATH", format!("{}:{path}", tools.path().display()));
        invoke(&webview, "open_item", json!({"id": chelsea.id})).expect("open");
        invoke(&webview, "open_item", json!({"id": chelsea.id, "reveal": true})).expect("reveal");
        std::env::set_var("PATH", path);
        let said = std::fs::read_to_string(&log).expect("log");
        let lines: Vec<&str> = said.lines().collect();
        assert_eq!(lines[0], format!("xdg-open {}", chelsea.path), "{said}");
        assert!(lines[1].starts_with("dbus-send --session") && lines[1].contains("ShowItems"), "{said}");
        assert!(lines[1].contains(&format!("array:string:file://{}", chelsea.path)), "{said}");
    }
    // A path in the window's query is words to match, never a file to read; heatmap columns are ids.
    let by_name: SearchDto = serde_json::from_value(
        invoke(&webview, "search", json!({"query": "/nowhere/IMG_1234.jpg", "minScore": -1.0})).expect("search"),
    )
    .expect("dto");
    assert!(!by_name.hits.is_empty());
    let err = invoke(&webview, "heatmap_matrix", json!({"prompts": ["x"], "items": ["/etc/hostname"]}))
        .expect_err("a path as an item");
    assert_eq!(err["code"], "bad_argument", "{err}");
    let err = invoke(&webview, "open_item", json!({"id": "../x"})).expect_err("not an id");
    assert_eq!(err["code"], "bad_argument", "{err}");
    // A file gone since it was indexed: said so, nothing opened.
    std::fs::remove_file(photos.path().join("coffee.png")).expect("remove");
    let coffee = found.hits.iter().find(|h| h.path.ends_with("coffee.png")).expect("coffee");
    let err = invoke(&webview, "open_item", json!({"id": coffee.id})).expect_err("gone");
    assert_eq!(err["code"], "path_not_found", "{err}");

    // Retry the failure (zero.jpg is still empty: it fails again, with its reason).
    let (channel, events) = index_events();
    let retried = tauri::async_runtime::block_on(library::retry_failures(
        app.handle().clone(),
        state.clone(),
        Vec::new(),
        channel,
    ))
    .expect("retry");
    assert_eq!(retried.failed.len(), 1, "{retried:?}");
    assert!(retried.failed[0].path.ends_with("zero.jpg"));
    assert!(matches!(events.lock().expect("lock").last(), Some(IndexEvent::Finished { .. })));
    assert_eq!(invoke(&webview, "pause_indexing", json!({"paused": true})).expect("pause"), json!(false));

    // Removing the folder forgets its photos (the files stay).
    assert_eq!(invoke(&webview, "remove_folder", json!({ "folder": folder })).expect("remove"), json!(true));
    let status: StatusDto =
        serde_json::from_value(invoke(&webview, "library_status", json!({})).expect("status")).expect("dto");
    assert_eq!((status.items, status.folders.len(), status.paused), (0, 0, false));
    assert!(photos.path().join("chelsea.png").exists());
    assert_eq!(invoke(&webview, "remove_folder", json!({ "folder": folder })).expect("again"), json!(false));
}
