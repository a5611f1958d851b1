//! What a careless or hostile moment must not do to a library: a reader
//! rolling back data under a writer, a removed folder coming back, nested
//! folders fighting over files. Real fixture model, real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clipdex_library::{open_model, Cancel, ErrorCode, Library, Model, WriterLock};

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
