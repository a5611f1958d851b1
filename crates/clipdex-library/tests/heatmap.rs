//! Heatmaps with the fixture model on real photos: the prompt × item matrix
//! agrees with direct embedding and sits on the calibrated scale, and the
//! region map finds the half of a composite image that matches the query.

use std::path::{Path, PathBuf};

use clipdex_library::{open_model, Cancel, Library, RegionMap};

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

/// `left` and `right` side by side.
fn side_by_side(left: &image::RgbImage, right: &image::RgbImage) -> image::RgbImage {
    let mut out = image::RgbImage::new(left.width() + right.width(), left.height().max(right.height()));
    image::imageops::replace(&mut out, left, 0, 0);
    image::imageops::replace(&mut out, right, i64::from(left.width()), 0);
    out
}

/// The map's mean on the left and right halves (a middle column, if any, in neither).
fn halves(map: &RegionMap) -> (f32, f32) {
    let mean = |keep: &dyn Fn(usize) -> bool| {
        let v: Vec<f32> = (0..map.rows * map.cols).filter(|i| keep(i % map.cols)).map(|i| map.cells[i]).collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    let half = map.cols / 2;
    (mean(&|c| c < half), mean(&|c| c >= map.cols - half))
}

/// The map is higher on the half holding the query's photo, and (with
/// `peak`) peaks there. A dense map of this random-weight model matches the
/// reference cell for cell, but its single highest patch is noise: for it
/// only the halves are compared.
fn assert_follows(map: &RegionMap, on_left: bool, how: &str, peak: bool) {
    let (left, right) = halves(map);
    let (_, peak_col) = map.peak();
    let side = if on_left { "left" } else { "right" };
    let (wins, peak_there) = if on_left {
        (left > right, peak_col < map.cols / 2)
    } else {
        (right > left, peak_col >= map.cols - map.cols / 2)
    };
    assert!(wins, "{how}: the photo is on the {side}, yet left {left:.4}, right {right:.4}: {map:?}");
    assert!(
        !peak || peak_there,
        "{how}: the photo is on the {side}, yet the peak is in column {peak_col} of {}",
        map.cols
    );
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
    let composite = side_by_side(&a, &b);
    let composite_path = photos.path().join("composite.png");
    composite.save(&composite_path).expect("save");

    let lib = Library::open(lib_dir.path()).await.expect("open");
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("model");
    lib.index(&[photos.path().to_path_buf()], model.clone(), &Cancel::new(), |_| {}).await.expect("index");

    // The query is A itself: the map peaks on A's half, whichever side A is on.
    let query = model.embed_images(vec![a.clone()]).expect("embed A").remove(0);
    for (picture, a_left) in [(composite.clone(), true), (side_by_side(&b, &a), false)] {
        let map = clipdex_library::heatmap::region_map(&model, &picture, &query, &Cancel::new(), |_, _| {})
            .expect("region map");
        assert_eq!((map.rows, map.cols, map.passes), (4, 4, 30));
        assert_follows(&map, a_left, "crops", true);
    }

    // Through the library: by path, cached the second time, cancellable.
    let by_text = lib
        .heatmap_region(
            model.clone(),
            composite_path.to_str().expect("utf8"),
            "an astronaut",
            None,
            &Cancel::new(),
            |_, _| {},
        )
        .await
        .expect("region by text");
    assert_eq!(by_text.cells.len(), 16);
    let first = lib
        .heatmap_region(
            model.clone(),
            photo("coffee.png").to_str().expect("utf8"),
            "a cup",
            None,
            &Cancel::new(),
            |_, _| {},
        )
        .await
        .expect("outside the library: not cached");
    assert!(!first.cached);
    let item = photos.path().join("coffee.png");
    let once = lib
        .heatmap_region(model.clone(), item.to_str().expect("utf8"), "a cup", None, &Cancel::new(), |_, _| {})
        .await
        .expect("item");
    let twice = lib
        .heatmap_region(model.clone(), item.to_str().expect("utf8"), "a cup", None, &Cancel::new(), |_, _| {})
        .await
        .expect("again");
    assert!(!once.cached && twice.cached, "a library item's map is cached per model, item and query");
    assert!(once.cells.iter().zip(&twice.cells).all(|(x, y)| (x - y).abs() < 1e-6));
    let cancel = Cancel::new();
    cancel.cancel();
    let err =
        lib.heatmap_region(model.clone(), item.to_str().expect("utf8"), "a saucer", None, &cancel, |_, _| {}).await;
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
            let direct = clipdex_embed::cosine(t, &v);
            assert!((m.cosines[p][i] - direct).abs() < 1e-4, "cell {p},{i}: {} vs {direct}", m.cosines[p][i]);
        }
    }
    assert_eq!(m.scale, "calibrated", "the library was calibrated when it was indexed");
    assert!(m.low < m.high);
    assert!(m.items.iter().all(|(id, path)| id.len() == 64 && path.ends_with(".png")));
    assert!(lib.heatmap_matrix(model, &[], &items, None).await.is_err());
}

/// A model whose visual export also outputs patch tokens (tiny-clip's
/// weights, made by scripts/make_patch_fixture.py) gets a dense map in one
/// pass, cell for cell what the reference implementation computes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_tokens_give_a_dense_map_equal_to_the_reference() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("tiny-clip-patches-reference.json")).expect("reference"),
    )
    .expect("json");
    let text = reference["text"].as_str().expect("text");
    let expected: Vec<f64> = reference["cells"].as_array().expect("cells").iter().filter_map(|c| c.as_f64()).collect();

    let patched = open_model(&fixtures().join("tiny-clip-patches"), &[]).await.expect("patch model");
    let plain = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("model");
    assert_eq!(patched.info().patch_output.as_deref(), Some("patch_embeddings"));
    assert_eq!(plain.info().patch_output, None);
    // The same weights: the ordinary embedding is unchanged.
    let img = clipdex_library::decode_image_file(&photo("astronaut.png")).expect("decode");
    let (a, b) = (
        patched.embed_images(vec![img.clone()]).expect("embed").remove(0),
        plain.embed_images(vec![img]).expect("embed").remove(0),
    );
    assert!(clipdex_embed::cosine(&a, &b) > 0.99999);

    let lib_dir = tempfile::tempdir().expect("lib");
    let lib = Library::open(lib_dir.path()).await.expect("open");
    let path = photo("astronaut.png").to_string_lossy().into_owned();
    let map = lib.heatmap_region(patched.clone(), &path, text, None, &Cancel::new(), |_, _| {}).await.expect("dense");
    assert!(map.dense && !map.cached);
    assert_eq!((map.rows, map.cols, map.passes), (7, 7, 2));
    // Cell for cell (a token sees 32×32 pixels, so resampling differences
    // between Pillow and Clipdex show more than in a whole-image embedding).
    let worst = map.cells.iter().zip(&expected).map(|(c, e)| (*c as f64 - e).abs()).fold(0.0, f64::max);
    let got: Vec<f64> = map.cells.iter().map(|c| *c as f64).collect();
    let r = pearson(&got, &expected);
    eprintln!("dense map vs the reference: largest difference {worst:.4}, correlation {r:.5}");
    assert!(worst < 0.01 && r > 0.999, "largest difference from the reference {worst:.4}, correlation {r:.5}");
    // Transposed or shifted, the map would not correlate like that.
    let transposed: Vec<f64> = (0..49).map(|i| got[(i % 7) * 7 + i / 7]).collect();
    assert!(pearson(&transposed, &expected) < 0.9, "the map is not symmetric by accident");
    // The composite cases, A|B and B|A, the query A's own embedding: the dense map follows A.
    let (a, b) = (square("astronaut.png", 224), square("coffee.png", 224));
    let query = patched.embed_images(vec![a.clone()]).expect("embed").remove(0);
    for (picture, a_left) in [(side_by_side(&a, &b), true), (side_by_side(&b, &a), false)] {
        let dense = clipdex_library::heatmap::patch_map(&patched, &picture, &query).expect("map").expect("dense");
        assert_follows(&dense, a_left, "patch tokens", false);
    }
    // The model without patch tokens still maps by crops.
    let crops = lib.heatmap_region(plain, &path, text, None, &Cancel::new(), |_, _| {}).await.expect("crops");
    assert!(!crops.dense);
    assert_eq!((crops.rows, crops.cols, crops.passes), (4, 4, 30));
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
