//! A real LanceDB round trip: write items, files and failures, reopen, read
//! back, search; content identity; garbage collection; version pruning.

use clipdex_store::{
    CalibrationRecord, FailureRecord, FileRecord, FileStamp, ItemRecord, ModelEntry, Recovery, Store, StoreError,
    Throughput, VectorRecord,
};

/// The one model (vector space) most tests use.
const S: &str = "tiny@00000000";

fn item(id: &str, vector: Vec<f32>) -> ItemRecord {
    ItemRecord {
        id: id.into(),
        width: 4,
        height: 3,
        model_id: "tiny@00000000".into(),
        vector,
        thumbnail: vec![0xff, 0xd8, id.len() as u8],
        indexed_at_ms: 1,
    }
}

fn file(path: &str, id: &str) -> FileRecord {
    FileRecord { path: path.into(), id: id.into(), stamp: FileStamp { size: 10, mtime_ns: 7 }, root: "/r".into() }
}

fn unit(v: [f32; 3]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

#[tokio::test]
async fn rows_survive_a_reopen_and_search_ranks_by_cosine() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).await.expect("open");
        assert_eq!(store.space_dimension(S).await.expect("dim"), None);
        store.ensure_space(S, 3).await.expect("create");
        store
            .write_items(&[
                item("aa", unit([1.0, 0.0, 0.0])),
                item("bb", unit([0.0, 1.0, 0.0])),
                item("cc", unit([1.0, 1.0, 0.0])),
            ])
            .await
            .expect("items");
        store
            .write_files(&[file("/r/a.jpg", "aa"), file("/r/b.jpg", "bb"), file("/r/c's.jpg", "cc")])
            .await
            .expect("files");
        let tiny = ModelEntry { id: S.into(), dir: "/m/tiny".into(), dim: 3 };
        store.set_active_model(&tiny, false).await.expect("meta");
        store
            .set_listed_models(&[tiny, ModelEntry { id: "big@1".into(), dir: "/m/big".into(), dim: 8 }])
            .await
            .expect("meta");
        store.set_switch_target(Some("big@1")).await.expect("meta");
        store.set_throughput(S, Throughput { items: 12, seconds: 1.5 }).await.expect("meta");
        let c = CalibrationRecord { key: "k".into(), items: 3, text: 0.25, image: None, text_floor: Some(0.125) };
        store.set_calibration(S, &c).await.expect("meta");
        store.add_roots(&["/r".into()], 1).await.expect("roots");
        store
            .record_failures(&[FailureRecord {
                path: "/r/bad.jpg".into(),
                stamp: FileStamp { size: 3, mtime_ns: 5 },
                reason: "damaged".into(),
                root: "/r".into(),
                at_ms: 9,
            }])
            .await
            .expect("failures");
    }

    let store = Store::open(dir.path()).await.expect("reopen");
    assert_eq!(store.space_dimension(S).await.expect("dim"), Some(3));
    assert_eq!(store.count_items().await.expect("count"), 3);
    // The library's facts come back typed after a reopen.
    let active = store.active_model().await.expect("meta").expect("an active model");
    assert_eq!((active.id.as_str(), active.dir.as_str(), active.dim), (S, "/m/tiny", 3));
    let listed: Vec<String> = store.listed_models().await.expect("meta").into_iter().map(|m| m.id).collect();
    assert_eq!(listed, [S, "big@1"]);
    assert_eq!(store.switch_target().await.expect("meta").as_deref(), Some("big@1"));
    assert_eq!(store.throughput(S).await.expect("meta"), Some(Throughput { items: 12, seconds: 1.5 }));
    assert_eq!(store.throughput("big@1").await.expect("meta"), None);
    let c = store.calibration(S).await.expect("meta").expect("a calibration");
    assert_eq!((c.text, c.image, c.text_floor, c.items), (0.25, None, Some(0.125), 3));
    assert_eq!(store.calibration("big@1").await.expect("meta"), None);
    assert_eq!(store.roots().await.expect("roots"), ["/r"]);

    let hits = store.search(S, &unit([1.0, 0.2, 0.0]), 10).await.expect("search");
    let paths: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(paths, ["/r/a.jpg", "/r/c's.jpg", "/r/b.jpg"]);
    let expect_a = unit([1.0, 0.2, 0.0])[0];
    assert!((hits[0].score - expect_a).abs() < 1e-5, "cosine {} vs {}", hits[0].score, expect_a);

    // Thumbnails come back by id; bad ids are refused, not interpolated into SQL.
    assert_eq!(store.thumbnail("aa").await.expect("thumb").as_deref(), Some(&[0xff, 0xd8, 2][..]));
    assert_eq!(store.thumbnail("' OR 1=1 --").await.expect("thumb"), None);

    // A second path with the same content is one item, two paths.
    store.write_files(&[file("/r/copy-of-a.jpg", "aa")]).await.expect("copy");
    assert_eq!(store.count_items().await.expect("count"), 3);
    assert_eq!(store.count_files().await.expect("files"), 4);
    let hits = store.search(S, &unit([1.0, 0.0, 0.0]), 1).await.expect("search");
    assert_eq!(hits[0].paths, ["/r/a.jpg", "/r/copy-of-a.jpg"]);

    let known = store.known_under("/r").await.expect("known");
    assert_eq!(known.files.len(), 4);
    assert_eq!(known.failures.len(), 1);
    assert!(store.known_under("/elsewhere").await.expect("known").files.is_empty());

    // A later success at the failed path clears its failure; a failure at an
    // indexed path drops its file row.
    store.write_items(&[item("dd", unit([0.0, 1.0, 1.0]))]).await.expect("item");
    store.write_files(&[file("/r/bad.jpg", "dd")]).await.expect("fixed");
    assert!(store.failures().await.expect("failures").is_empty());
    store
        .record_failures(&[FailureRecord {
            path: "/r/b.jpg".into(),
            stamp: FileStamp { size: 1, mtime_ns: 1 },
            reason: "now broken".into(),
            root: "/r".into(),
            at_ms: 1,
        }])
        .await
        .expect("fail");
    assert_eq!(store.id_for_path("/r/b.jpg").await.expect("lookup"), None);

    // Items nobody points at are invisible to search, then collected.
    assert!(store.search(S, &unit([0.0, 1.0, 0.0]), 10).await.expect("search").iter().all(|h| h.id != "bb"));
    assert_eq!(store.collect_garbage().await.expect("gc"), 1);
    assert_eq!(store.count_items().await.expect("count"), 3);

    // Removing a folder removes its files, failures and items.
    store.remove_root("/r").await.expect("remove");
    assert_eq!(store.count_files().await.expect("files"), 0);
    assert_eq!(store.count_items().await.expect("items"), 0);
    assert!(store.roots().await.expect("roots").is_empty());

    // A vector of the wrong width is refused.
    let err = store.ensure_space(S, 4).await.expect_err("dim mismatch");
    assert!(matches!(err, StoreError::DimensionMismatch { stored: 3, given: 4 }));
    assert!(store.search(S, &[1.0, 0.0], 3).await.is_err());
}

#[tokio::test]
async fn dangling_file_rows_are_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    store.ensure_space(S, 3).await.expect("create");
    store.write_items(&[item("aa", unit([1.0, 0.0, 0.0]))]).await.expect("items");
    store.write_files(&[file("/r/a.jpg", "aa"), file("/r/ghost.jpg", "zz")]).await.expect("files");
    assert_eq!(store.drop_dangling_files().await.expect("repair"), 1);
    assert_eq!(store.files().await.expect("files").len(), 1);
}

#[tokio::test]
async fn many_small_commits_do_not_pile_up_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    store.ensure_space(S, 3).await.expect("create");
    for i in 0..40 {
        let id = format!("{i:02x}");
        store.write_items(&[item(&id, unit([1.0, i as f32, 0.0]))]).await.expect("items");
        store.write_files(&[file(&format!("/r/{i}.jpg"), &id)]).await.expect("files");
    }
    let before = store.version_count().await.expect("versions");
    assert!(before > 80, "{before}");
    store.optimize(0).await.expect("optimize");
    let after = store.version_count().await.expect("versions");
    assert!(after <= 10, "versions after optimize: {after} (before {before})");
    // Nothing was lost.
    assert_eq!(store.count_items().await.expect("items"), 40);
    assert_eq!(store.count_files().await.expect("files"), 40);
    assert_eq!(store.search(S, &unit([1.0, 0.0, 0.0]), 1).await.expect("search")[0].path, "/r/0.jpg");
}

#[tokio::test]
async fn an_unreadable_newest_version_falls_back_to_the_previous_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).await.expect("open");
        store.ensure_space(S, 3).await.expect("create");
        store
            .write_items(&[item("aa", unit([1.0, 0.0, 0.0])), item("bb", unit([0.0, 1.0, 0.0]))])
            .await
            .expect("items");
        store.write_files(&[file("/r/a.jpg", "aa")]).await.expect("first files commit");
        store.write_files(&[file("/r/b.jpg", "bb")]).await.expect("second files commit");
    }
    // Damage the newest manifest of the files table, as a torn write or a bad disk would.
    let versions = dir.path().join("db/files.lance/_versions");
    let newest = std::fs::read_dir(&versions)
        .expect("versions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "manifest"))
        .min() // V2 names count down: the smallest name is the newest version
        .expect("a manifest");
    std::fs::write(&newest, b"\x00garbage, not a manifest\xff").expect("damage");

    // A reader (no writer lock) is told, and nothing moves.
    let err = Store::open(dir.path()).await.err().expect("damage is reported");
    assert!(matches!(err, StoreError::Damaged { older: true, .. }), "{err}");
    assert!(err.to_string().contains("Nothing was changed"), "{err}");
    assert!(newest.exists() && !dir.path().join("db/quarantine").exists(), "a reader never sets a version aside");

    let store = Store::open_with(dir.path(), Recovery::RollBack).await.expect("opens despite the damage");
    assert_eq!(store.rolled_back().len(), 1, "{:?}", store.rolled_back());
    assert!(store.rolled_back()[0].starts_with("files: version"), "{:?}", store.rolled_back());
    assert_eq!(store.quarantined(), 1, "the damaged manifest is kept aside, not deleted");
    // The previous version: the first files commit is there, the damaged one is not.
    let paths: Vec<String> = store.files().await.expect("files").into_iter().map(|f| f.path).collect();
    assert_eq!(paths, ["/r/a.jpg"]);
    // And the table takes new writes again.
    store.write_files(&[file("/r/b.jpg", "bb")]).await.expect("write after recovery");
    assert_eq!(store.count_files().await.expect("count"), 2);
}

/// The manifests of a table, by name (V2 names count down: the first is the newest).
fn manifests_of(dir: &std::path::Path, table: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("db").join(format!("{table}.lance/_versions")))
        .expect("versions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "manifest"))
        .collect();
    v.sort();
    v
}

async fn two_files_commits(dir: &std::path::Path) {
    let store = Store::open(dir).await.expect("open");
    store.ensure_space(S, 3).await.expect("create");
    store.write_items(&[item("aa", unit([1.0, 0.0, 0.0])), item("bb", unit([0.0, 1.0, 0.0]))]).await.expect("items");
    store.write_files(&[file("/r/a.jpg", "aa")]).await.expect("first files commit");
    store.write_files(&[file("/r/b.jpg", "bb")]).await.expect("second files commit");
}

#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_version_is_named_and_never_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    two_files_commits(dir.path()).await;
    // The newest manifest is there but cannot be read (as one left by
    // `sudo` with no read permission, or on a failing disk): a link to nowhere.
    let newest = manifests_of(dir.path(), "files")[0].clone();
    let kept = dir.path().join("kept.manifest");
    std::fs::rename(&newest, &kept).expect("move");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &newest).expect("link");
    let err = Store::open_with(dir.path(), Recovery::RollBack).await.err().expect("not opened");
    assert!(matches!(err, StoreError::Unreadable { .. }), "{err}");
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert!(!dir.path().join("db/quarantine").exists(), "an I/O error is not damage: nothing set aside");
    // Once readable again, every commit is there.
    std::fs::remove_file(&newest).expect("unlink");
    std::fs::rename(&kept, &newest).expect("restore");
    let store = Store::open(dir.path()).await.expect("open");
    assert_eq!(store.count_files().await.expect("count"), 2);
}

#[tokio::test]
async fn a_damaged_only_version_is_never_replaced_by_an_empty_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    two_files_commits(dir.path()).await;
    Store::open(dir.path()).await.expect("open").optimize(0).await.expect("prune to one version");
    let only = manifests_of(dir.path(), "files");
    assert_eq!(only.len(), 1, "pruning keeps one version");
    std::fs::write(&only[0], b"\x00garbage, not a manifest\xff").expect("damage");
    for _ in 0..2 {
        let err = Store::open_with(dir.path(), Recovery::RollBack).await.err().expect("not opened as empty");
        assert!(matches!(err, StoreError::Damaged { older: false, .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("will not open it as an empty table") && msg.contains(&only[0].display().to_string()),
            "{msg}"
        );
        assert_eq!(std::fs::read(&only[0]).expect("still there"), b"\x00garbage, not a manifest\xff");
    }
    // With no version at all but data files present, no empty table is made either.
    std::fs::remove_file(&only[0]).expect("rm");
    let err = Store::open_with(dir.path(), Recovery::RollBack).await.err().expect("not opened as empty");
    assert!(matches!(err, StoreError::Damaged { .. }) && err.to_string().contains("data files are there"), "{err}");
    assert!(manifests_of(dir.path(), "files").is_empty(), "no new empty version was written");
}

/// Clustered unit vectors, reproducibly (xorshift).
fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut s = seed;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..24).map(|_| (0..dim).map(|_| next()).collect()).collect();
    (0..n)
        .map(|i| {
            let v: Vec<f32> = centres[i % centres.len()].iter().map(|c| c + 0.15 * next()).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / norm).collect()
        })
        .collect()
}

#[tokio::test]
async fn above_the_threshold_an_ann_index_answers_with_exact_scores_and_high_recall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    let dim = 32;
    store.ensure_space(S, dim).await.expect("create");
    let vectors = clustered(1_200, dim, 7);
    let items: Vec<ItemRecord> =
        vectors.iter().enumerate().map(|(i, v)| item(&format!("{i:04x}"), v.clone())).collect();
    store.write_items(&items).await.expect("items");
    let files: Vec<FileRecord> = items.iter().map(|i| file(&format!("/r/{}.jpg", i.id), &i.id)).collect();
    store.write_files(&files).await.expect("files");

    // Below the threshold nothing is built; at it, an IVF-SQ index is.
    assert_eq!(store.ensure_vector_index(S, 5_000).await.expect("ensure"), clipdex_store::IndexAction::None);
    assert!(store.vector_index(S).await.expect("info").is_none());
    let built = store.ensure_vector_index(S, 1_000).await.expect("ensure");
    assert!(matches!(built, clipdex_store::IndexAction::Built { rows: 1_200, .. }), "{built:?}");
    let ix = store.vector_index(S).await.expect("info").expect("an index");
    assert_eq!((ix.trained_rows, ix.unindexed_rows), (1_200, 0));
    // Not rebuilt until the table doubles.
    assert_eq!(store.ensure_vector_index(S, 1_000).await.expect("ensure"), clipdex_store::IndexAction::None);

    let queries = clustered(40, dim, 99);
    let mut found = 0;
    for q in &queries {
        let approx = store.search_with(S, q, 10, false).await.expect("ann");
        let exact = store.search_with(S, q, 10, true).await.expect("exact");
        assert_eq!(approx.len(), 10);
        for h in &approx {
            // Scores are exact cosines (re-ranked), not PQ estimates.
            let v = &vectors[usize::from_str_radix(&h.id, 16).expect("hex id")];
            let cos: f32 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            assert!((h.score - cos).abs() < 1e-4, "{} vs {cos}", h.score);
        }
        found += approx.iter().filter(|h| exact.iter().any(|e| e.id == h.id)).count();
    }
    let recall = found as f64 / (queries.len() * 10) as f64;
    assert!(recall >= 0.9, "recall@10 {recall}");

    // Rows added after the build are found at once (searched exactly) and folded in by optimize.
    let fresh = item("fresh", vec![1.0 / (dim as f32).sqrt(); dim]);
    store.write_items(std::slice::from_ref(&fresh)).await.expect("item");
    store.write_files(&[file("/r/fresh.jpg", "fresh")]).await.expect("file");
    assert_eq!(store.vector_index(S).await.expect("info").expect("index").unindexed_rows, 1);
    let top = store.search(S, &fresh.vector, 1).await.expect("search");
    assert_eq!(top[0].id, "fresh");
    store.optimize(0).await.expect("optimize");
    assert_eq!(store.vector_index(S).await.expect("info").expect("index").unindexed_rows, 0);
    assert_eq!(store.search(S, &fresh.vector, 1).await.expect("search")[0].id, "fresh");
}

/// The app keeps a library open for hours while the CLI or a watcher in
/// another process writes to it: its reads catch up within a second.
#[tokio::test]
async fn a_long_lived_reader_sees_another_writers_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let writer = Store::open(dir.path()).await.expect("open");
    writer.ensure_space(S, 3).await.expect("create");
    writer.write_items(&[item("aa", unit([1.0, 0.0, 0.0]))]).await.expect("items");
    writer.write_files(&[file("/r/a.jpg", "aa")]).await.expect("files");

    let reader = Store::open(dir.path()).await.expect("open reader");
    assert_eq!(reader.count_files().await.expect("count"), 1);
    writer.write_items(&[item("bb", unit([0.0, 1.0, 0.0]))]).await.expect("items");
    writer.write_files(&[file("/r/b.jpg", "bb")]).await.expect("files");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_eq!(reader.count_files().await.expect("count"), 2);
    assert_eq!(reader.search(S, &unit([0.0, 1.0, 0.0]), 1).await.expect("search")[0].id, "bb");
}

#[tokio::test]
async fn two_models_keep_their_own_vectors_side_by_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    let b = "wide@11111111";
    store.ensure_space(S, 3).await.expect("space a");
    store.ensure_space(b, 4).await.expect("space b: another width");
    store.write_items(&[item("aa", unit([1.0, 0.0, 0.0])), item("bb", unit([0.0, 1.0, 0.0]))]).await.expect("items");
    store.write_files(&[file("/r/a.jpg", "aa"), file("/r/b.jpg", "bb")]).await.expect("files");
    assert_eq!(store.spaces().await.expect("spaces"), vec![S.to_string(), b.to_string()]);

    // The second model has nothing yet; what it lacks is listed.
    assert_eq!(store.missing_vectors(b).await.expect("missing"), ["aa", "bb"]);
    assert!(store.search(b, &[1.0, 0.0, 0.0, 0.0], 5).await.expect("search b").is_empty());
    let v = |id: &str, x: [f32; 4]| VectorRecord {
        id: id.into(),
        width: 4,
        height: 3,
        vector: x.to_vec(),
        indexed_at_ms: 2,
    };
    store.write_vectors(b, &[v("aa", [0.0, 0.0, 0.0, 1.0])]).await.expect("vectors");
    assert_eq!(store.missing_vectors(b).await.expect("missing"), ["bb"]);
    let err = store
        .write_vectors(b, &[v("bb", [1.0, 0.0, 0.0, 0.0]), VectorRecord { vector: vec![1.0], ..v("x", [0.0; 4]) }])
        .await;
    assert!(matches!(err, Err(StoreError::DimensionMismatch { stored: 4, given: 1 })), "{err:?}");
    store.write_vectors(b, &[v("bb", [1.0, 0.0, 0.0, 0.0])]).await.expect("vectors");

    // Each space answers with its own vectors.
    assert_eq!(store.search(S, &unit([1.0, 0.0, 0.0]), 1).await.expect("a")[0].id, "aa");
    assert_eq!(store.search(b, &[1.0, 0.0, 0.0, 0.0], 1).await.expect("b")[0].id, "bb");
    assert_eq!(store.count_vectors(b).await.expect("count"), 2);
    assert!(matches!(store.search(b, &[1.0, 0.0, 0.0], 1).await, Err(StoreError::DimensionMismatch { .. })));

    // Garbage collection cleans every space; dropping a space leaves the others.
    store.remove_paths(&["/r/a.jpg".to_string()]).await.expect("gone");
    assert_eq!(store.collect_garbage().await.expect("gc"), 1);
    assert_eq!(store.count_vectors(S).await.expect("a"), 1);
    assert_eq!(store.count_vectors(b).await.expect("b"), 1);
    assert!(store.drop_space(b).await.expect("drop"));
    assert!(!store.drop_space(b).await.expect("drop again"));
    assert_eq!(store.spaces().await.expect("spaces"), vec![S.to_string()]);
    assert_eq!(store.search(S, &unit([0.0, 1.0, 0.0]), 1).await.expect("a")[0].id, "bb");
    assert_eq!(store.thumbnail("bb").await.expect("thumb").as_deref(), Some(&[0xff, 0xd8, 2][..]));
}

#[test]
fn space_table_names_are_safe_and_reversible() {
    for id in ["ViT-B-32__openai@1a2b3c4d", "tiny@00000000", "a_b", "a@b", "x.y+z"] {
        let t = clipdex_store::space_table(id);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'), "{t}");
        assert_eq!(clipdex_store::space_of_table(&t).as_deref(), Some(id));
    }
    assert_ne!(clipdex_store::space_table("a_b"), clipdex_store::space_table("a@b"));
    assert_eq!(clipdex_store::space_of_table("items"), None);
}

/// A library written before vectors moved to per-model tables: one `items`
/// table with `model_id` and `vector` columns. Opening it moves the vectors
/// into the model's table and keeps everything searchable.
#[tokio::test]
async fn a_single_model_library_is_migrated_on_open() {
    use arrow_array::types::Float32Type;
    use arrow_array::{BinaryArray, FixedSizeListArray, Int64Array, RecordBatch, StringArray, UInt32Array};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = lancedb::connect(dir.path().join("db").to_str().expect("utf8")).execute().await.expect("db");
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("width", DataType::UInt32, false),
            Field::new("height", DataType::UInt32, false),
            Field::new("model_id", DataType::Utf8, false),
            Field::new(
                "vector",
                DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), 3),
                false,
            ),
            Field::new("thumbnail", DataType::Binary, false),
            Field::new("indexed_at_ms", DataType::Int64, false),
        ]));
        let vectors = [unit([1.0, 0.0, 0.0]), unit([0.0, 1.0, 0.0])];
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["aa", "bb"])),
                Arc::new(UInt32Array::from(vec![4, 4])),
                Arc::new(UInt32Array::from(vec![3, 3])),
                Arc::new(StringArray::from(vec![S, S])),
                Arc::new(FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
                    vectors.iter().map(|v| Some(v.iter().copied().map(Some).collect::<Vec<_>>())),
                    3,
                )),
                Arc::new(BinaryArray::from_iter_values([&[1u8][..], &[2u8][..]])),
                Arc::new(Int64Array::from(vec![1, 1])),
            ],
        )
        .expect("batch");
        db.create_table("items", batch).execute().await.expect("legacy items");
    }
    {
        let store = Store::open(dir.path()).await.expect("open migrates");
        store.write_files(&[file("/r/a.jpg", "aa"), file("/r/b.jpg", "bb")]).await.expect("files");
    }
    let store = Store::open(dir.path()).await.expect("reopen: nothing left to migrate");
    assert_eq!(store.spaces().await.expect("spaces"), vec![S.to_string()]);
    assert_eq!(store.space_dimension(S).await.expect("dim"), Some(3));
    assert_eq!(store.count_items().await.expect("items"), 2);
    let hits = store.search(S, &unit([0.0, 1.0, 0.0]), 1).await.expect("search");
    assert_eq!((hits[0].id.as_str(), hits[0].width), ("bb", 4));
    assert!(hits[0].score > 0.999);
    assert_eq!(store.thumbnail("aa").await.expect("thumb").as_deref(), Some(&[1u8][..]));
}

#[tokio::test]
async fn parts_live_and_die_with_their_item_and_count_as_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    store.ensure_space(S, 3).await.expect("create");
    store
        .write_items(&[
            item("ab", unit([1.0, 0.0, 0.0])),
            item("ab#0", unit([1.0, 0.0, 0.0])),
            item("ab#4000", unit([0.0, 1.0, 0.0])),
            item("pp", unit([0.0, 0.0, 1.0])),
        ])
        .await
        .expect("items");
    store.write_files(&[file("/r/v.mp4", "ab"), file("/r/p.jpg", "pp")]).await.expect("files");
    assert_eq!(store.count_items().await.expect("count"), 2);
    assert_eq!(store.collect_garbage().await.expect("gc"), 0);
    assert_eq!(store.parts_of(S, "ab").await.expect("parts"), ["ab#0", "ab#4000"]);
    assert_eq!(store.item_parts("ab").await.expect("parts"), ["ab#0", "ab#4000"]);
    // A part has its own thumbnail.
    assert_eq!(store.thumbnail("ab#4000").await.expect("thumbnail"), Some(item("ab#4000", vec![]).thumbnail));
    assert!(store.undescribed("m").await.expect("undescribed").iter().all(|id| !id.contains('#')));
    let audit = store.audit().await.expect("audit");
    assert_eq!((audit.items, audit.unreferenced_items), (2, 0));

    // The video's path goes: its moments go with it, the photo stays.
    store.remove_paths(&["/r/v.mp4".into()]).await.expect("remove");
    assert_eq!(store.collect_garbage().await.expect("gc"), 1);
    assert!(store.parts_of(S, "ab").await.expect("parts").is_empty());
    assert!(store.item_parts("ab").await.expect("parts").is_empty());
    assert_eq!(store.count_vectors(S).await.expect("vectors"), 1);
}
