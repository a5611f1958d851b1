//! Controlling a running index from a front end: pausing keeps what is done
//! written and waits, resuming finishes the run; retrying failures reads
//! again files an ordinary run skips as unchanged. Real fixture model, real
//! LanceDB.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdex_library::{open_model, Cancel, Library, LibraryError, Mode, Model, Phase, SearchOptions, Sort};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn picture(i: usize) -> image::RgbImage {
    image::RgbImage::from_fn(48, 40, |x, y| {
        image::Rgb([(i * 37 % 256) as u8, (x * 5 + i as u32 * 11) as u8, (y * 6 + (i * i) as u32) as u8])
    })
}

/// `n` distinct pictures in `dir`.
fn pictures(dir: &Path, n: usize) {
    for i in 0..n {
        picture(i).save(dir.join(format!("pic-{i:03}.png"))).expect("write a picture");
    }
}

async fn model() -> Arc<Model> {
    open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_index_keeps_its_work_written_and_finishes_when_resumed() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    pictures(photos.path(), 70);
    let lib = Arc::new(Library::open(lib_dir.path()).await.expect("open"));
    let cancel = Cancel::new();
    let (run_lib, run_cancel, pauser) = (lib.clone(), cancel.clone(), cancel.clone());
    let roots = vec![photos.path().to_path_buf()];
    let m = model().await;
    let paused_once = Arc::new(AtomicBool::new(false));
    let run = tokio::spawn(async move {
        run_lib
            .index(&roots, m, &run_cancel, move |p| {
                // Pause once, after the first batch.
                if p.phase == Phase::Indexing && p.done >= 32 && !paused_once.swap(true, Ordering::SeqCst) {
                    pauser.pause();
                }
            })
            .await
    });

    // While paused, the first batch is in the library (a second handle sees it) and no more comes.
    let reader = Library::open(lib_dir.path()).await.expect("open again");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut items = 0;
    while Instant::now() < deadline {
        items = reader.status().await.expect("status").items;
        if cancel.is_paused() && items > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(items, 32, "the batch done before the pause is written");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(reader.status().await.expect("status").items, 32, "nothing more while paused");
    assert!(!run.is_finished(), "the run waits while paused");

    cancel.resume();
    let summary = run.await.expect("join").expect("index");
    assert!(!summary.cancelled);
    assert_eq!(summary.indexed, 70);
    assert_eq!(reader.status().await.expect("status").items, 70);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_paused_index_stops_it() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    pictures(photos.path(), 40);
    let lib = Library::open(lib_dir.path()).await.expect("open");
    let cancel = Cancel::new();
    let (pauser, stopper) = (cancel.clone(), cancel.clone());
    let summary = lib
        .index(&[photos.path().to_path_buf()], model().await, &cancel, move |p| {
            if p.phase == Phase::Indexing && p.done >= 32 {
                pauser.pause();
                // Whoever paused changes their mind: the wait ends with the cancel.
                let stopper = stopper.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(200));
                    stopper.cancel();
                });
            }
        })
        .await
        .expect("index");
    assert!(summary.cancelled);
    assert_eq!(summary.indexed, 32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_reads_again_a_failed_file_an_ordinary_run_skips() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    pictures(photos.path(), 3);
    // A file that cannot be decoded now (say, still being synced), of the size it will have.
    let mut png = Vec::new();
    picture(9).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("encode");
    let late = photos.path().join("late.png");
    std::fs::write(&late, vec![0u8; png.len()]).expect("write junk");
    let mtime = std::fs::metadata(&late).and_then(|m| m.modified()).expect("mtime");

    let lib = Library::open(lib_dir.path()).await.expect("open");
    let m = model().await;
    let roots = [photos.path().to_path_buf()];
    let first = lib.index(&roots, m.clone(), &Cancel::new(), |_| {}).await.expect("index");
    assert_eq!((first.indexed, first.failed.len()), (3, 1), "{first:?}");

    // Now the file is whole, with the same size and time: an ordinary run skips it.
    std::fs::write(&late, &png).expect("write the picture");
    std::fs::File::options().write(true).open(&late).and_then(|f| f.set_modified(mtime)).expect("set mtime");
    let again = lib.index(&roots, m.clone(), &Cancel::new(), |_| {}).await.expect("index");
    assert_eq!((again.indexed, again.skipped), (0, 4), "{again:?}");
    assert_eq!(lib.status().await.expect("status").failures.len(), 1, "still listed as failed");

    // Retry reads it again.
    let retried = lib.retry_failures(&[], m.clone(), &Cancel::new(), |_| {}).await.expect("retry");
    assert_eq!((retried.indexed, retried.failed.len()), (1, 0), "{retried:?}");
    let status = lib.status().await.expect("status");
    assert_eq!((status.items, status.failures.len()), (4, 0));

    // Nothing left to retry is said as such.
    let err = lib.retry_failures(&[], m, &Cancel::new(), |_| {}).await.expect_err("nothing to retry");
    assert!(matches!(err, LibraryError::NothingToRetry), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_results_join_into_the_whole_list() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    pictures(photos.path(), 45);
    let lib = Library::open(lib_dir.path()).await.expect("open");
    let m = model().await;
    lib.index(&[photos.path().to_path_buf()], m.clone(), &Cancel::new(), |_| {}).await.expect("index");
    for (mode, sort) in [(Mode::Hybrid, Sort::Relevance), (Mode::Vector, Sort::Date)] {
        let opts =
            |offset, limit| SearchOptions { offset, limit, min_score: Some(-1.0), mode, sort, ..Default::default() };
        let whole: Vec<String> =
            lib.search(m.clone(), "pic", &opts(0, 100)).await.expect("whole").hits.into_iter().map(|h| h.id).collect();
        assert_eq!(whole.len(), 45);
        let mut paged = Vec::new();
        for page in 0..4 {
            let hits = lib.search(m.clone(), "pic", &opts(page * 12, 12)).await.expect("page").hits;
            assert!(hits.len() == 12 || (page == 3 && hits.len() == 9), "page {page}: {}", hits.len());
            paged.extend(hits.into_iter().map(|h| h.id));
        }
        assert_eq!(paged, whole, "{mode:?} {sort:?}");
        assert!(lib.search(m.clone(), "pic", &opts(45, 12)).await.expect("past the end").hits.is_empty());
    }
}
