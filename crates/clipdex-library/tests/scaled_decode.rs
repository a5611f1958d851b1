//! Speed never buys a different vector: the indexer decodes a phone-sized
//! JPEG at a reduced scale (in the DCT domain), and the vector it stores
//! must be the one a full decode gives. Real fixture model, real photos
//! (at their own resolution, tiled to 12 MP with sensor-like noise, so the
//! picture has a phone photo's fine detail), real LanceDB.

use std::path::{Path, PathBuf};

use clipdex_library::{open_model, Cancel, Library, SearchOptions, Vocabulary};
use image::{ImageEncoder, RgbImage};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// 4032×3024 (what phones write), tiled from the test photos at their own
/// resolution, with a per-pixel noise of ±6 levels, as a quality-90 JPEG.
/// `exif` adds an EXIF block (orientation).
fn phone_jpeg(seed: u32, exif: Option<Vec<u8>>) -> Vec<u8> {
    let dir = fixtures().join("photos");
    let names = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg", "brick.png"];
    let photos: Vec<RgbImage> = names
        .iter()
        .map(|n| {
            clipdex_media::decode_file(&dir.join(n))
                .unwrap_or_else(|e| panic!("{n}: {e} (run scripts/fetch_test_photos.py)"))
        })
        .collect();
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = RgbImage::from_fn(4032, 3024, |x, y| {
        let tile = (x / 600 + y / 500 * 7 + seed) as usize;
        let p = &photos[tile % photos.len()];
        let src = p.get_pixel((x % 600) % p.width(), (y % 500) % p.height()).0;
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 13) as i32 - 6;
        image::Rgb(src.map(|c| (c as i32 + noise).clamp(0, 255) as u8))
    });
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    if let Some(exif) = exif {
        enc.set_exif_metadata(exif).expect("exif");
    }
    enc.write_image(img.as_raw(), 4032, 3024, image::ExtendedColorType::Rgb8).expect("encode");
    out
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::test(flavor = "multi_thread")]
async fn twelve_megapixel_jpegs_get_the_vector_and_size_of_a_full_decode() {
    let tmp = tempfile::tempdir().expect("tmp");
    let photos = tmp.path().join("photos");
    std::fs::create_dir_all(&photos).expect("dir");
    // Orientation 6: stored landscape, shown portrait.
    let exif = |o: u8| {
        let mut e = b"MM\0\x2a\0\0\0\x08".to_vec();
        e.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0]);
        e
    };
    let files = [
        ("wide.jpg", phone_jpeg(1, None)),
        ("other.jpg", phone_jpeg(2, None)),
        ("turned.jpg", phone_jpeg(3, Some(exif(6)))),
    ];
    for (name, bytes) in &files {
        std::fs::write(photos.join(name), bytes).expect("write");
    }
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model");
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    let summary = lib
        .index_with(std::slice::from_ref(&photos), model.clone(), Vocabulary::IfReady, &Cancel::new(), |_| {})
        .await
        .expect("index");
    assert_eq!(summary.indexed, 3, "{summary:?}");

    let opts = SearchOptions { limit: 10, min_score: Some(-1.0), ..SearchOptions::default() };
    let hits = lib.search(model.clone(), "a photo", &opts).await.expect("search").hits;
    let stored = clipdex_store::Store::open(&tmp.path().join("lib")).await.expect("store");
    let vectors = stored.all_vectors(&model.info().id).await.expect("vectors");
    for (name, bytes) in &files {
        let hit = hits.iter().find(|h| h.path.ends_with(name)).unwrap_or_else(|| panic!("{name} not found"));
        let want_size = if *name == "turned.jpg" { (3024, 4032) } else { (4032, 3024) };
        assert_eq!((hit.width, hit.height), want_size, "{name}: the whole photo's size, upright");
        // The reference: the whole picture decoded, then the model's own preprocessing.
        let full = clipdex_media::decode(bytes).expect("full decode");
        assert_eq!(full.dimensions(), want_size);
        let m = model.clone();
        let want = tokio::task::spawn_blocking(move || m.embed_pixels(&[m.preprocess(full)]))
            .await
            .expect("join")
            .expect("embed")
            .remove(0);
        let (_, got) = vectors.iter().find(|(id, _)| *id == hit.id).expect("stored vector");
        let cos = cosine(got, &want);
        assert!(cos >= 0.9999, "{name}: cosine {cos:.6} to the full decode's vector");
    }
}
