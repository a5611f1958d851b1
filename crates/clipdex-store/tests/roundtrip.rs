//! A real LanceDB round trip: write items and failures, reopen, read back, search.

use clipdex_store::{FailureRecord, ItemRecord, Store, StoreError};

fn item(path: &str, vector: Vec<f32>) -> ItemRecord {
    ItemRecord {
        id: blake_like(path),
        path: path.into(),
        size: 10,
        mtime_ns: 1_700_000_000_000_000_000,
        width: 4,
        height: 3,
        model_id: "tiny@00000000".into(),
        vector,
        thumbnail: vec![0xff, 0xd8, 1, 2, 3],
        indexed_at_ms: 1,
    }
}

fn blake_like(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unit(v: [f32; 3]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

#[tokio::test]
async fn items_survive_a_reopen_and_search_ranks_by_cosine() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).await.expect("open");
        assert_eq!(store.dimension().await.expect("dim"), None);
        store.ensure_items(3).await.expect("create");
        store
            .upsert_items(&[
                item("/a.jpg", unit([1.0, 0.0, 0.0])),
                item("/b.jpg", unit([0.0, 1.0, 0.0])),
                item("/c's.jpg", unit([1.0, 1.0, 0.0])),
            ])
            .await
            .expect("write");
        store.set_meta(&[("model_id", "tiny@00000000"), ("dim", "3")]).await.expect("meta");
        store
            .record_failures(&[FailureRecord {
                path: "/bad.jpg".into(),
                size: 3,
                mtime_ns: 5,
                reason: "damaged".into(),
                at_ms: 9,
            }])
            .await
            .expect("failures");
    }

    let store = Store::open(dir.path()).await.expect("reopen");
    assert_eq!(store.dimension().await.expect("dim"), Some(3));
    assert_eq!(store.count_items().await.expect("count"), 3);
    assert_eq!(store.meta("model_id").await.expect("meta").as_deref(), Some("tiny@00000000"));
    assert_eq!(store.meta("missing").await.expect("meta"), None);

    let hits = store.search(&unit([1.0, 0.2, 0.0]), 10).await.expect("search");
    let paths: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
    assert_eq!(paths, ["/a.jpg", "/c's.jpg", "/b.jpg"]);
    let expect_a = unit([1.0, 0.2, 0.0])[0];
    assert!((hits[0].score - expect_a).abs() < 1e-5, "cosine {} vs {}", hits[0].score, expect_a);
    assert!(hits[2].score.abs() < 0.25);

    // Thumbnails come back by id; bad ids are refused, not interpolated into SQL.
    let thumb = store.thumbnail(&blake_like("/a.jpg")).await.expect("thumb");
    assert_eq!(thumb.as_deref(), Some(&[0xff, 0xd8, 1, 2, 3][..]));
    assert_eq!(store.thumbnail("' OR 1=1 --").await.expect("thumb"), None);

    // Re-indexing a path replaces its row instead of adding one.
    let mut changed = item("/a.jpg", unit([0.0, 0.0, 1.0]));
    changed.size = 11;
    store.upsert_items(&[changed]).await.expect("upsert");
    assert_eq!(store.count_items().await.expect("count"), 3);
    let v = store.vector_for_path("/a.jpg").await.expect("vector").expect("present");
    assert!((v[2] - 1.0).abs() < 1e-6);

    let stamps = store.stamps().await.expect("stamps");
    assert_eq!(stamps.len(), 4, "three items and one failure");
    assert_eq!(stamps["/a.jpg"].size, 11);
    let failures = store.failures().await.expect("failures");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].reason, "damaged");

    // A later success at the failed path clears its failure.
    store.upsert_items(&[item("/bad.jpg", unit([0.0, 1.0, 1.0]))]).await.expect("fixed");
    assert!(store.failures().await.expect("failures").is_empty());

    // A vector of the wrong width is refused.
    let err = store.ensure_items(4).await.expect_err("dim mismatch");
    assert!(matches!(err, StoreError::DimensionMismatch { stored: 3, given: 4 }));
    assert!(store.search(&[1.0, 0.0], 3).await.is_err());
}
