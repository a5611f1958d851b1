//! The library in time: items newest first by date taken, else by their
//! first path's modification time; items no path holds are not on it.

use clipdex_store::{Details, FileRecord, FileStamp, ItemRecord, Store};

fn item(id: &str, width: u32) -> ItemRecord {
    ItemRecord {
        id: id.into(),
        width,
        height: 3,
        model_id: "tiny@00000000".into(),
        vector: vec![1.0, 0.0],
        thumbnail: vec![0xff, 0xd8],
        indexed_at_ms: 1,
    }
}

fn file(path: &str, id: &str, mtime_ns: i64) -> FileRecord {
    FileRecord { path: path.into(), id: id.into(), stamp: FileStamp { size: 10, mtime_ns }, root: "/r".into() }
}

#[tokio::test]
async fn the_timeline_is_newest_first_by_date_taken_else_modification_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    store.ensure_space("tiny@00000000", 2).await.expect("space");
    store.write_items(&[item("aa", 10), item("bb", 20), item("cc", 30), item("dd", 40)]).await.expect("items");
    // cc's two paths: the first (sorted) gives its modification time.
    store
        .write_files(&[
            file("/r/a.jpg", "aa", 5_000),
            file("/r/b.jpg", "bb", 9_000),
            file("/r/z/c.jpg", "cc", 1_000),
            file("/r/c.jpg", "cc", 8_000),
        ])
        .await
        .expect("files");
    // aa was taken long after every modification time; bb has details but no date.
    store
        .write_details(&[
            Details { id: "aa".into(), taken_at_ms: Some(20), camera: Some("Pixel 7".into()), ..Details::default() },
            Details { id: "bb".into(), taken_at_ms: None, camera: Some("Canon EOS R5".into()), ..Details::default() },
            Details { id: "cc".into(), camera: Some("Pixel 7".into()), ..Details::default() },
            Details { id: "dd".into(), camera: Some("  ".into()), ..Details::default() },
        ])
        .await
        .expect("details");

    let timeline = store.timeline().await.expect("timeline");
    let order: Vec<(&str, i64, &str, u32)> =
        timeline.iter().map(|d| (d.id.as_str(), d.date_ns, d.path.as_str(), d.width)).collect();
    // dd has no path: not in the library.
    assert_eq!(
        order,
        vec![("aa", 20_000_000, "/r/a.jpg", 10), ("bb", 9_000, "/r/b.jpg", 20), ("cc", 8_000, "/r/c.jpg", 30)]
    );
    // The cameras, most photos first; a blank name is no camera.
    let cameras = store.cameras().await.expect("cameras");
    assert_eq!(cameras, vec![("Pixel 7".to_string(), 2), ("Canon EOS R5".to_string(), 1)]);
}
