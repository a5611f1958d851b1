//! Default cutoffs end to end: a library of 40 pictures is calibrated when
//! it is indexed, for text and (from 20 items) for image queries, and a
//! search without `min_score` applies the right one and counts what it hid.
//! Query images are registered once and named by token. Real fixture
//! model, real LanceDB.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clipdex_library::{open_model, Cancel, Library, LibraryError, Mode, Model, SearchOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn picture(i: usize) -> image::RgbImage {
    image::RgbImage::from_fn(48, 40, |x, y| {
        image::Rgb([(i * 53 % 256) as u8, (x * 3 + i as u32 * 29) as u8, (y * 7 + (i * i) as u32 * 3) as u8])
    })
}

fn png(i: usize) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    picture(i).write_to(&mut out, image::ImageFormat::Png).expect("encode");
    out.into_inner()
}

async fn indexed_library(dir: &Path, photos: &Path, n: usize) -> (Library, Arc<Model>) {
    for i in 0..n {
        std::fs::write(photos.join(format!("pic-{i:03}.png")), png(i)).expect("write");
    }
    let model =
        open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)");
    let lib = Library::open(dir).await.expect("open");
    let s = lib.index(&[photos.to_path_buf()], model.clone(), &Cancel::new(), |_| {}).await.expect("index");
    assert_eq!(s.indexed, n);
    (lib, model)
}

/// Every vector score of a query, with no cutoff.
async fn all_scores(lib: &Library, model: &Arc<Model>, text: &str, opts: &SearchOptions) -> Vec<f32> {
    let opts = SearchOptions { min_score: Some(-1.0), limit: 1000, ..opts.clone() };
    lib.search(model.clone(), text, &opts).await.expect("search").hits.iter().map(|h| h.score).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_image_queries_get_their_calibrated_cutoffs() {
    let (dir, photos) = (tempfile::tempdir().expect("lib"), tempfile::tempdir().expect("photos"));
    let (lib, model) = indexed_library(dir.path(), photos.path(), 40).await;
    let cal = lib.calibration().await.expect("read").expect("calibrated when indexed");
    assert_eq!(cal.items, 40);
    let image_cut = cal.image.expect("40 items give image queries a cutoff of their own");

    // An image query, by token: the image cutoff, and the hidden matches counted.
    let token = lib.register_query_image(model.clone(), png(7)).await.expect("register");
    let by_image =
        SearchOptions { image_tokens: vec![token.clone()], mode: Mode::Vector, limit: 1000, ..Default::default() };
    let found = lib.search(model.clone(), "", &by_image).await.expect("search");
    assert_eq!((found.cutoff, found.default_cutoff), (Some(image_cut), true));
    assert!(found.hits.iter().all(|h| h.score >= image_cut), "{:?}", found.hits);
    let every = all_scores(&lib, &model, "", &by_image).await;
    assert_eq!(every.len(), 40);
    assert_eq!(found.below_cutoff, every.iter().filter(|s| **s < image_cut).count());
    assert_eq!(found.hits.len(), 40 - found.below_cutoff);
    assert!(found.hits[0].path.ends_with("pic-007.png") && found.hits[0].score > 0.999, "{:?}", found.hits[0]);

    // A text query: the text cutoff.
    let by_text = SearchOptions { mode: Mode::Vector, limit: 1000, ..Default::default() };
    let found = lib.search(model.clone(), "a red square", &by_text).await.expect("search");
    assert_eq!(found.cutoff, Some(cal.text));
    let every = all_scores(&lib, &model, "a red square", &by_text).await;
    assert_eq!(found.below_cutoff, every.iter().filter(|s| **s < cal.text).count());

    // Both: the lower of the two.
    let found = lib.search(model.clone(), "a red square", &by_image).await.expect("search");
    assert_eq!(found.cutoff, Some(cal.text.min(image_cut)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_image_is_registered_once_and_named_by_token() {
    let (dir, photos) = (tempfile::tempdir().expect("lib"), tempfile::tempdir().expect("photos"));
    let (lib, model) = indexed_library(dir.path(), photos.path(), 3).await;
    let first = lib.register_query_image(model.clone(), png(0)).await.expect("register");
    assert_eq!(lib.register_query_image(model.clone(), png(0)).await.expect("again"), first, "same bytes, same token");
    let err = lib.register_query_image(model.clone(), b"not a picture".to_vec()).await.expect_err("bad bytes");
    assert!(matches!(err, LibraryError::Decode { .. }), "{err}");

    // The last 16 are held; an older token is refused, never ignored.
    for i in 1..=16 {
        lib.register_query_image(model.clone(), png(100 + i)).await.expect("register");
    }
    let opts = SearchOptions { image_tokens: vec![first], min_score: Some(-1.0), ..Default::default() };
    let err = lib.search(model.clone(), "", &opts).await.expect_err("fallen out");
    assert!(matches!(err, LibraryError::BadArgument(_)) && err.to_string().contains("no longer held"), "{err}");
}
