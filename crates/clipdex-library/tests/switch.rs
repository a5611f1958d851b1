//! Several models in one library: switching the active model while the old
//! one stays searchable, resuming an interrupted switch, comparing models on
//! one query, and forgetting a model's vectors. Real fixture models of
//! different widths (tiny-clip: 32, tiny-nllb-clip: 40), a real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_library::{open_model, Cancel, Library, LibraryError, Mode, Model, SearchOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// `n` distinct pictures: colour gradients, each its own content.
fn pictures(dir: &Path, from: usize, n: usize) {
    for i in from..from + n {
        let img = image::RgbImage::from_fn(48, 40, |x, y| {
            image::Rgb([(i * 37 % 256) as u8, (x * 5 + i as u32 * 11) as u8, (y * 6 + (i * i) as u32) as u8])
        });
        img.save(dir.join(format!("pic-{i:03}.png"))).expect("write a picture");
    }
}

async fn model(name: &str) -> Arc<Model> {
    open_model(&fixtures().join(name), &[]).await.expect("fixture model (is ONNX Runtime installed?)")
}

fn everything() -> SearchOptions {
    SearchOptions { limit: 500, min_score: Some(-1.0), mode: Mode::Vector, ..SearchOptions::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_models_keeps_search_working_and_resumes() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    pictures(photos.path(), 0, 40);
    let lib = Library::open(lib_dir.path()).await.expect("open");
    let (a, b) = (model("tiny-clip").await, model("tiny-nllb-clip").await);
    let roots = [photos.path().to_path_buf()];
    lib.index(&roots, a.clone(), &Cancel::new(), |_| {}).await.expect("index with A");
    assert_eq!(lib.search(a.clone(), "a red sled", &everything()).await.expect("A").hits.len(), 40);
    // B has no vectors yet: it cannot search, and it cannot index new files.
    let err = lib.search(b.clone(), "a red sled", &everything()).await.expect_err("B has nothing");
    assert!(matches!(err, LibraryError::NotIndexedWith(_)), "{err}");

    // Start switching to B, and stop after the first batch.
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let s = lib
        .use_model(b.clone(), &cancel, |p| {
            if p.done >= 32 {
                stop.cancel();
            }
        })
        .await
        .expect("switch, interrupted");
    assert!(s.cancelled && !s.activated, "{s:?}");
    assert_eq!((s.embedded, s.remaining), (32, 8));
    let models = lib.models().await.expect("models");
    assert_eq!(models.len(), 2);
    assert!(models[0].active && models[0].id == a.info().id && models[0].is_complete());
    assert!(models[1].target && models[1].vectors == 32 && !models[1].is_complete(), "{models:?}");

    // Meanwhile: A still answers for everything, B for what it has; new
    // files are indexed by A, and B may not index them itself.
    assert_eq!(lib.model_record().await.expect("rec").expect("active").id, a.info().id);
    assert_eq!(lib.search(a.clone(), "a red sled", &everything()).await.expect("A").hits.len(), 40);
    assert_eq!(lib.search(b.clone(), "a red sled", &everything()).await.expect("B partial").hits.len(), 32);
    pictures(photos.path(), 40, 2);
    lib.index(&roots, a.clone(), &Cancel::new(), |_| {}).await.expect("A indexes new files mid-switch");
    let err = lib.index(&roots, b.clone(), &Cancel::new(), |_| {}).await.expect_err("B is not active yet");
    assert!(matches!(err, LibraryError::ModelMismatch { .. }), "{err}");

    // Resume: what is left (including the new files), then B takes over.
    let s = lib.use_model(b.clone(), &Cancel::new(), |_| {}).await.expect("switch, resumed");
    assert!(s.activated && !s.cancelled && s.failed.is_empty(), "{s:?}");
    assert_eq!((s.embedded, s.remaining), (10, 0));
    assert_eq!(lib.model_record().await.expect("rec").expect("active").id, b.info().id);
    let models = lib.models().await.expect("models");
    assert!(models[0].active && models[0].id == b.info().id && models[0].vectors == 42);
    assert!(models[1].id == a.info().id && models[1].vectors == 42 && !models[1].target);
    assert!(models.iter().all(|m| m.images_per_second.is_some_and(|x| x > 0.0)), "throughput measured: {models:?}");
    let hits = lib.search(b.clone(), "a red sled", &everything()).await.expect("B").hits;
    assert_eq!(hits.len(), 42);
    // Tags now come from B's labels.
    assert!(lib.calibration().await.expect("cal").is_some_and(|c| c.key.starts_with(&b.info().id)));

    // Compare both on one query.
    let c = lib.compare(&[a.clone(), b.clone()], "a red sled", 10, &SearchOptions::default()).await.expect("compare");
    assert_eq!(c.runs.len(), 2);
    assert!(c.runs.iter().all(|r| r.hits.len() == 10 && r.latency_ms > 0.0 && r.scores.n == 42));
    assert!((0.0..=1.0).contains(&c.jaccard) && (-1.0..=1.0).contains(&c.spearman));
    assert_eq!(c.overlap as f32 / (20 - c.overlap) as f32, c.jaccard);
    for r in &c.runs {
        assert!(r.hits.windows(2).all(|w| w[0].score >= w[1].score), "each list is ranked by its own model");
        assert!(r.scores.max >= r.hits[0].score - 1e-5 && r.scores.min <= r.hits[9].score + 1e-5);
    }

    // The active model's vectors cannot be forgotten; the old model's can.
    assert!(lib.forget_model(&b.info().id).await.is_err());
    assert!(lib.forget_model(&a.info().id).await.expect("forget A"));
    let err = lib.search(a.clone(), "a red sled", &everything()).await.expect_err("A forgotten");
    assert!(matches!(err, LibraryError::NotIndexedWith(_)), "{err}");
    drop(lib);
    let lib = Library::open(lib_dir.path()).await.expect("reopen");
    assert_eq!(lib.models().await.expect("models").len(), 1);
    assert_eq!(lib.search(b, "a red sled", &everything()).await.expect("B after reopen").hits.len(), 42);
}
