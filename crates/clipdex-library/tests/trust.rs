//! What a careless or hostile moment must not do to a library: a reader
//! rolling back data under a writer, a removed folder coming back, nested
//! folders fighting over files. Real fixture model, real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clipdex_library::{
    open_model, Cancel, ErrorCode, Library, Model, SearchOptions, WatchEvent, WatchOptions, WriterLock,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn picture(i: usize) -> image::RgbImage {
    image::RgbImage::from_fn(48, 40, |x, y| {
        image::Rgb([(i * 37 % 256) as u8, (x * 5 + i as u32 * 11) as u8, (y * 6 + (i * i) as u32) as u8])
    })
}

fn save(dir: &Path, i: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    picture(i).save(dir.join(format!("pic-{i:03}.png"))).expect("write a picture");
}

async fn model() -> Arc<Model> {
    open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)")
}

/// The newest manifest of a table (V2 names count down: the smallest is the newest).
fn newest_manifest(lib: &Path, table: &str) -> PathBuf {
    std::fs::read_dir(lib.join("db").join(format!("{table}.lance/_versions")))
        .expect("versions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "manifest"))
        .min()
        .expect("a manifest")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_writer_sets_a_damaged_version_aside() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    save(photos.path(), 0);
    let m = model().await;
    {
        let lib = Library::open(lib_dir.path()).await.expect("open");
        lib.index(&[photos.path().to_path_buf()], m.clone(), &Cancel::new(), |_| {}).await.expect("index");
        save(photos.path(), 1);
        lib.index(&[photos.path().to_path_buf()], m.clone(), &Cancel::new(), |_| {}).await.expect("index again");
    }
    let newest = newest_manifest(lib_dir.path(), "files");
    std::fs::write(&newest, b"\x00garbage, not a manifest\xff").expect("damage");

    // Another process is writing: a reader reports the damage and moves nothing.
    let lock = WriterLock::acquire(lib_dir.path(), Duration::ZERO).await.expect("lock");
    let err = Library::open(lib_dir.path()).await.err().expect("reported");
    assert_eq!(err.code(), ErrorCode::LibraryDamaged, "{err}");
    assert!(newest.exists() && !lib_dir.path().join("db/quarantine").exists(), "nothing set aside");
    drop(lock);

    // With no writer running, opening sets it aside (kept) and opens the one before.
    let lib = Library::open(lib_dir.path()).await.expect("rolled back");
    assert_eq!(lib.rolled_back().len(), 1, "{:?}", lib.rolled_back());
    assert_eq!(lib.status().await.expect("status").quarantined, 1);
    // The next run redoes the lost commit.
    let again = lib.index(&[photos.path().to_path_buf()], m, &Cancel::new(), |_| {}).await.expect("index");
    assert_eq!(lib.files().await.expect("files").len(), 2, "{again:?}");
}

/// Waits (up to 30 s) for the watcher to finish a pass over its folder.
fn next_pass(rx: &std::sync::mpsc::Receiver<WatchEvent>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(WatchEvent::Reconciled { .. }) => return,
            Ok(WatchEvent::Failed { message, .. }) => panic!("the pass failed: {message}"),
            Ok(_) => continue,
            Err(e) => panic!("no pass: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_folder_is_not_brought_back_by_a_running_watcher() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    save(photos.path(), 0);
    save(photos.path(), 1);
    let m = model().await;
    let lib = Arc::new(Library::open(lib_dir.path()).await.expect("open"));
    lib.index(&[photos.path().to_path_buf()], m.clone(), &Cancel::new(), |_| {}).await.expect("index");

    let cancel = Cancel::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let opts = WatchOptions {
        debounce: Duration::from_millis(100),
        max_delay: Duration::from_millis(500),
        settle: Duration::ZERO,
        ..WatchOptions::default()
    };
    let watcher = {
        let (lib, m, cancel) = (lib.clone(), m.clone(), cancel.clone());
        tokio::spawn(async move { lib.watch(&[], m, opts, &cancel, |e| drop(tx.send(e))).await })
    };
    let rx = tokio::task::spawn_blocking(move || {
        next_pass(&rx);
        rx
    })
    .await
    .expect("first pass");

    // Another process removes the folder; then something changes in it.
    let other = Library::open(lib_dir.path()).await.expect("open");
    assert!(other.remove_folder(photos.path()).await.expect("remove"));
    save(photos.path(), 2);
    tokio::task::spawn_blocking(move || next_pass(&rx)).await.expect("a pass after the removal");
    cancel.cancel();
    watcher.await.expect("join").expect("watch");

    let after = Library::open(lib_dir.path()).await.expect("open");
    assert!(after.folders().await.expect("folders").is_empty(), "the folder stays removed");
    let left: Vec<_> = after.files().await.expect("files").into_iter().map(|f| (f.path, f.root)).collect();
    assert!(left.is_empty(), "nothing of it was indexed again: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_folders_each_keep_their_files_and_removing_one_loses_none_the_other_covers() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    let (outer, inner) =
        (photos.path().canonicalize().expect("canonical"), photos.path().canonicalize().expect("c").join("sub"));
    save(&outer, 0);
    for i in 1..4 {
        save(&inner, i);
    }
    let m = model().await;
    let lib = Library::open(lib_dir.path()).await.expect("open");
    let run = |root: &Path| {
        let (root, m) = (root.to_path_buf(), m.clone());
        let lib = &lib;
        async move { lib.index(&[root], m, &Cancel::new(), |_| {}).await.expect("index") }
    };
    run(&outer).await;
    let first = run(&inner).await;
    assert_eq!(first.reused, 3, "the inner folder takes over its files once: {first:?}");
    // From now on neither run touches the other's files: no ping-pong.
    for _ in 0..2 {
        for root in [&outer, &inner] {
            let s = run(root).await;
            assert_eq!((s.indexed, s.reused, s.removed), (0, 0, 0), "{}: {s:?}", root.display());
        }
    }
    let roots_of = |files: Vec<clipdex_store::FileRecord>| {
        let mut v: Vec<(String, String)> = files
            .into_iter()
            .map(|f| (Path::new(&f.path).strip_prefix(&outer).expect("under").display().to_string(), f.root))
            .collect();
        v.sort();
        v
    };
    let o = outer.display().to_string();
    let i = inner.display().to_string();
    assert_eq!(
        roots_of(lib.files().await.expect("files")),
        vec![
            ("pic-000.png".into(), o.clone()),
            ("sub/pic-001.png".into(), i.clone()),
            ("sub/pic-002.png".into(), i.clone()),
            ("sub/pic-003.png".into(), i.clone())
        ],
        "each file belongs to the innermost folder"
    );

    // Removing the inner folder keeps its files: the outer one covers them.
    assert!(lib.remove_folder(&inner).await.expect("remove"));
    assert_eq!(lib.files().await.expect("files").len(), 4, "no file the outer folder covers was dropped");
    let s = run(&outer).await;
    assert_eq!((s.indexed, s.reused, s.removed, s.skipped), (0, 0, 0, 4), "{s:?}");
    assert!(roots_of(lib.files().await.expect("files")).iter().all(|(_, r)| *r == o));
}

/// A search with a large picture as its query keeps the async runtime free:
/// the picture is decoded on a blocking thread. On a one-thread runtime, a
/// ticker task would stall for the whole decode otherwise.
#[tokio::test(flavor = "current_thread")]
async fn decoding_a_query_picture_never_stalls_the_async_runtime() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    save(photos.path(), 0);
    let m = model().await;
    let lib = Library::open(lib_dir.path()).await.expect("open");
    lib.index(&[photos.path().to_path_buf()], m.clone(), &Cancel::new(), |_| {}).await.expect("index");
    let big = tempfile::tempdir().expect("big");
    let query = big.path().join("query.png");
    image::RgbImage::new(14_000, 14_000).save(&query).expect("a 14,000² picture (588 MB decoded)");

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticker = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            let mut last = std::time::Instant::now();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
                worst = worst.max(last.elapsed());
                last = std::time::Instant::now();
            }
            worst
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let t = std::time::Instant::now();
    let opts = SearchOptions { images: vec![query.clone()], min_score: Some(-1.0), ..SearchOptions::default() };
    lib.search(m, "", &opts).await.expect("search with the picture");
    let took = t.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let worst = ticker.await.expect("ticker");
    eprintln!("search {took:?}, longest stall {worst:?}");
    assert!(took > Duration::from_millis(400), "the decode took long enough to tell: {took:?}");
    assert!(worst < Duration::from_millis(250), "the runtime stalled for {worst:?} of a {took:?} search");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_survive_a_rollback_of_their_table() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    save(photos.path(), 0);
    let pic = photos.path().join("pic-000.png");
    let pic = pic.to_str().expect("utf-8");
    let id = {
        let lib = Library::open(lib_dir.path()).await.expect("open");
        lib.index(&[photos.path().to_path_buf()], model().await, &Cancel::new(), |_| {}).await.expect("index");
        lib.set_caption(pic, Some("first try")).await.expect("caption");
        lib.set_caption(pic, Some("our dog Rex on the sled")).await.expect("caption")
    };
    let newest = newest_manifest(lib_dir.path(), "captions");
    std::fs::write(&newest, b"\x00garbage, not a manifest\xff").expect("damage");

    let lib = Library::open(lib_dir.path()).await.expect("rolled back");
    let notes = lib.rolled_back().join("; ");
    assert!(notes.contains("captions: version") && notes.contains("1 restored"), "{notes}");
    drop(lib);
    let store = clipdex_store::Store::open(lib_dir.path()).await.expect("store");
    let captions = store.captions(None).await.expect("captions");
    assert_eq!(
        captions.get(&id).map(String::as_str),
        Some("our dog Rex on the sled"),
        "the user's last words are back"
    );
}
