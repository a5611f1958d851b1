//! The tag vocabulary is prepared once per model for every library, and a
//! first index never waits for it unless asked: photos are written and
//! searchable first, items wait for their tags without being redone on
//! every run, and the first run that prepares the vocabulary tags them.
//! Real fixture model, real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clipdex_library::{open_model, Cancel, Library, Model, Phase, Vocabulary};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

async fn model() -> Arc<Model> {
    open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)")
}

/// Real photos, copied so each test has its own folder.
fn photos(dir: &Path) -> usize {
    let src = fixtures().join("photos");
    assert!(src.join("chelsea.png").is_file(), "{} is empty: run scripts/fetch_test_photos.py", src.display());
    let mut n = 0;
    for e in std::fs::read_dir(&src).expect("photos") {
        let from = e.expect("entry").path();
        std::fs::copy(&from, dir.join(from.file_name().expect("name"))).expect("copy");
        n += 1;
    }
    n
}

async fn open(dir: &Path, shared: &Path) -> Library {
    let mut lib = Library::open(dir).await.expect("open");
    lib.share_cache(shared.to_path_buf());
    lib
}

/// Runs an index, returning its summary and the phases it went through.
async fn index(lib: &Library, root: &Path, v: Vocabulary) -> (clipdex_library::IndexSummary, Vec<Phase>) {
    let phases = Mutex::new(Vec::new());
    let summary = lib
        .index_with(&[root.to_path_buf()], model().await, v, &Cancel::new(), |p| {
            let mut seen = phases.lock().expect("phases");
            if seen.last() != Some(&p.phase) {
                seen.push(p.phase.clone());
            }
        })
        .await
        .expect("index");
    (summary, phases.into_inner().expect("phases"))
}

async fn tagged(lib: &Library, root: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(root).expect("list") {
        let path = e.expect("entry").path();
        let d = lib.item_details(&path.to_string_lossy()).await.expect("details").expect("described");
        n += usize::from(!d.tags.is_empty());
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_index_does_not_wait_for_the_vocabulary_and_tags_follow_once_it_is_prepared() {
    let (dir, shared, root) =
        (tempfile::tempdir().expect("lib"), tempfile::tempdir().expect("cache"), tempfile::tempdir().expect("photos"));
    let n = photos(root.path());
    let lib = open(dir.path(), shared.path()).await;

    // No vocabulary anywhere: the photos are indexed and described, without tags.
    let (first, phases) = index(&lib, root.path(), Vocabulary::IfReady).await;
    assert_eq!(first.indexed, n);
    assert!(!phases.contains(&Phase::Labels), "{phases:?}");
    assert_eq!(first.tags_waiting, n);
    assert_eq!(first.timings.vocabulary, std::time::Duration::ZERO);
    assert!(first.timings.inference > std::time::Duration::ZERO, "{:?}", first.timings);
    assert_eq!(tagged(&lib, root.path()).await, 0);
    assert!(lib.calibration().await.expect("calibration").is_none(), "calibrating needs the vocabulary");
    // Every photo is searchable already.
    let hits = lib
        .search(model().await, "a cat", &clipdex_library::SearchOptions { limit: 100, ..Default::default() })
        .await
        .expect("search");
    assert_eq!(hits.hits.len(), n);

    // Waiting items are not described again by the next run, which writes nothing.
    let (idle, phases) = index(&lib, root.path(), Vocabulary::IfReady).await;
    assert_eq!((idle.indexed, idle.skipped, idle.tags_waiting), (0, n, n));
    assert!(!phases.contains(&Phase::Describing), "{phases:?}");

    // A run that may prepare it does so once, and tags what waited.
    let (prepared, phases) = index(&lib, root.path(), Vocabulary::Prepare).await;
    assert!(phases.contains(&Phase::Labels), "{phases:?}");
    assert_eq!(prepared.tags_waiting, 0);
    assert!(prepared.timings.vocabulary > std::time::Duration::ZERO);
    assert!(tagged(&lib, root.path()).await > 0, "tags once the vocabulary is prepared");
    assert!(lib.calibration().await.expect("calibration").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_library_uses_the_vocabulary_the_first_prepared() {
    let shared = tempfile::tempdir().expect("cache");
    let root = tempfile::tempdir().expect("photos");
    let n = photos(root.path());
    let (one, two) = (tempfile::tempdir().expect("lib 1"), tempfile::tempdir().expect("lib 2"));

    let (_, phases) = index(&open(one.path(), shared.path()).await, root.path(), Vocabulary::Prepare).await;
    assert!(phases.contains(&Phase::Labels), "the first library prepares it: {phases:?}");

    // Another library, even one that would not prepare it, tags at once.
    let lib = open(two.path(), shared.path()).await;
    let (summary, phases) = index(&lib, root.path(), Vocabulary::IfReady).await;
    assert_eq!(summary.indexed, n);
    assert!(!phases.contains(&Phase::Labels), "{phases:?}");
    assert_eq!(summary.tags_waiting, 0);
    assert!(tagged(&lib, root.path()).await > 0);

    // Without the shared cache it would have had to wait.
    let three = tempfile::tempdir().expect("lib 3");
    let alone = Library::open(three.path()).await.expect("open");
    let (summary, _) = index(&alone, root.path(), Vocabulary::IfReady).await;
    assert_eq!(summary.tags_waiting, n);
}
