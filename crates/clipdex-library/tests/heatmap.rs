//! Heatmaps with the fixture model on real photos: the prompt × item matrix
//! agrees with direct embedding and sits on the calibrated scale, and the
//! region map finds the half of a composite image that matches the query.

use std::path::{Path, PathBuf};

use clipdex_library::{open_model, Cancel, Library};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn photo(name: &str) -> PathBuf {
    let p = fixtures().join("photos").join(name);
    assert!(p.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", p.display());
    p
}

fn square(name: &str, side: u32) -> image::RgbImage {
    let img = clipdex_library::decode_image_file(&photo(name)).expect("decode");
    image::imageops::resize(&img, side, side, image::imageops::FilterType::Triangle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_composite_peaks_on_the_half_that_matches_and_the_matrix_agrees_with_embedding() {
    let lib_dir = tempfile::tempdir().expect("lib");
    let photos = tempfile::tempdir().expect("photos");
    for f in ["astronaut.png", "coffee.png", "chelsea.png", "motorcycle_left.png"] {
        std::fs::copy(photo(f), photos.path().join(f)).expect("copy");
    }
    // The composite: photo A on the left half, photo B on the right.
    let (a, b) = (square("astronaut.png", 224), square("coffee.png", 224));
    let mut composite = image::RgbImage::new(448, 224);
    image::imageops::replace(&mut composite, &a, 0, 0);
    image::imageops::replace(&mut composite, &b, 224, 0);
    let composite_path = photos.path().join("composite.png");
    composite.save(&composite_path).expect("save");

    let lib = Library::open(lib_dir.path()).await.expect("open");
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("model");
    lib.index(&[photos.path().to_path_buf()], model.clone(), &Cancel::new(), |_| {}).await.expect("index");

    // The query is A itself: its embedding must peak on the left half.
    let query = model.embed_images(vec![a.clone()]).expect("embed A").remove(0);
    let map = clipdex_library::heatmap::region_map(&model, &composite, &query, &Cancel::new(), |_, _| {})
        .expect("region map");
    assert_eq!((map.rows, map.cols, map.passes), (4, 4, 30));
    let mean = |cols: std::ops::Range<usize>| {
        let v: Vec<f32> = (0..4).flat_map(|r| cols.clone().map(move |c| r * 4 + c)).map(|i| map.cells[i]).collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    let (left, right) = (mean(0..2), mean(2..4));
    assert!(left > right, "the left half (A) matches A better: left {left:.4}, right {right:.4}, {map:?}");
    assert!(map.peak().1 < 2, "the peak is on the left: {:?}", map.peak());

    // Through the library: by path, cached the second time, cancellable.
    let by_text = lib
        .heatmap_region(model.clone(), composite_path.to_str().expect("utf8"), "an astronaut", None, &Cancel::new(), |_, _| {})
        .await
        .expect("region by text");
    assert_eq!(by_text.cells.len(), 16);
    let first = lib
        .heatmap_region(model.clone(), photo("coffee.png").to_str().expect("utf8"), "a cup", None, &Cancel::new(), |_, _| {})
        .await
        .expect("outside the library: not cached");
    assert!(!first.cached);
    let item = photos.path().join("coffee.png");
    let once = lib.heatmap_region(model.clone(), item.to_str().expect("utf8"), "a cup", None, &Cancel::new(), |_, _| {}).await.expect("item");
    let twice = lib.heatmap_region(model.clone(), item.to_str().expect("utf8"), "a cup", None, &Cancel::new(), |_, _| {}).await.expect("again");
    assert!(!once.cached && twice.cached, "a library item's map is cached per model, item and query");
    assert!(once.cells.iter().zip(&twice.cells).all(|(x, y)| (x - y).abs() < 1e-6));
    let cancel = Cancel::new();
    cancel.cancel();
    let err = lib.heatmap_region(model.clone(), item.to_str().expect("utf8"), "a saucer", None, &cancel, |_, _| {}).await;
    assert!(matches!(err, Err(clipdex_library::LibraryError::Cancelled)), "{err:?}");

    // The matrix: each cell is the cosine of the prompt's and the item's vectors.
    let prompts = vec!["an astronaut".to_string(), "a cup of coffee".to_string()];
    let items: Vec<String> = ["astronaut.png", "coffee.png", "chelsea.png"]
        .iter()
        .map(|f| photos.path().join(f).to_string_lossy().into_owned())
        .collect();
    let m = lib.heatmap_matrix(model.clone(), &prompts, &items, None).await.expect("matrix");
    assert_eq!((m.cosines.len(), m.cosines[0].len()), (2, 3));
    let texts = model.embed_texts(&prompts).expect("texts");
    for (i, path) in items.iter().enumerate() {
        let img = clipdex_library::decode_image_file(Path::new(path)).expect("decode");
        let v = model.embed_images(vec![img]).expect("embed").remove(0);
        for (p, t) in texts.iter().enumerate() {
            let direct = clipdex_library::cosine(t, &v);
            assert!((m.cosines[p][i] - direct).abs() < 1e-4, "cell {p},{i}: {} vs {direct}", m.cosines[p][i]);
        }
    }
    assert_eq!(m.scale, "calibrated", "the library was calibrated when it was indexed");
    assert!(m.low < m.high);
    assert!(m.items.iter().all(|(id, path)| id.len() == 64 && path.ends_with(".png")));
    assert!(lib.heatmap_matrix(model, &[], &items, None).await.is_err());
}
