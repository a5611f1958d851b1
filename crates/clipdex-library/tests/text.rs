//! Text in pictures, end to end through the library with the real
//! Tesseract and the fixture model: words drawn with a packaged font onto
//! real photos are found by a word, a prefix and a piece of a product code,
//! by `text:` filters, in pictures saved sideways or turned by EXIF; a
//! photo without text stores none; a moved file is not read again; hybrid
//! ranking puts the pictures with the words first; a video is found by a
//! moment's words; reading shows progress, stops when cancelled and goes on
//! next run; without Tesseract, indexing goes on and status says OCR is off.

#[path = "../../clipdex-ocr/tests/support/render.rs"]
mod render;

use std::path::{Path, PathBuf};

use clipdex_library::{open_model, Cancel, Library, Mode, SearchOptions, TextReading, Vocabulary};
use image::{ImageEncoder, RgbImage};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn jpeg(img: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
    if let Some(exif) = exif {
        enc.set_exif_metadata(exif).expect("exif");
    }
    enc.write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8).expect("encode");
    out
}

/// EXIF (big-endian TIFF) with only an orientation.
fn orientation(o: u8) -> Vec<u8> {
    let mut e = b"MM\0\x2a\0\0\0\x08".to_vec();
    e.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0]);
    e
}

fn name(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The photos: three with the shop's sign (upright, saved sideways, turned
/// by EXIF), one with a part number, three without text.
fn photos(dir: &Path) {
    let font = render::font();
    let mut sign = render::photo("coffee.png");
    render::draw(&mut sign, &font, 40.0, (40.0, 30.0), "ACME HARDWARE", [0, 0, 0], Some([255, 255, 255]));
    std::fs::write(dir.join("shop.jpg"), jpeg(&sign, None)).expect("write");
    std::fs::write(dir.join("sideways.jpg"), jpeg(&image::imageops::rotate90(&sign), None)).expect("write");
    // Stored turned a quarter to the left; EXIF orientation 6 turns it back upright.
    std::fs::write(dir.join("phone.jpg"), jpeg(&image::imageops::rotate270(&sign), Some(orientation(6))))
        .expect("write");
    let mut part = render::photo("chelsea.png");
    render::draw(&mut part, &font, 36.0, (30.0, 20.0), "PART XRE16B-7", [0, 0, 0], Some([255, 255, 255]));
    std::fs::write(dir.join("label.jpg"), jpeg(&part, None)).expect("write");
    for plain in ["astronaut.png", "rocket.jpg", "horse.png"] {
        std::fs::copy(fixtures().join("photos").join(plain), dir.join(plain)).expect("copy");
    }
}

async fn index(
    lib: &Library,
    dir: &Path,
    model: &std::sync::Arc<clipdex_library::Model>,
) -> clipdex_library::IndexSummary {
    let cancel = Cancel::new();
    let roots = [dir.to_path_buf()];
    lib.index_with(&roots, model.clone(), Vocabulary::IfReady, &cancel, |_| {}).await.expect("index")
}

fn opts(mode: Mode) -> SearchOptions {
    SearchOptions { mode, min_score: Some(-1.0), limit: 20, ..SearchOptions::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_in_pictures_are_found_filtered_and_read_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("photos");
    std::fs::create_dir_all(&dir).expect("dir");
    photos(&dir);
    let model =
        open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model (is ONNX Runtime installed?)");
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    let status = lib.text_status().await.expect("status");
    assert!(status.engine.is_some(), "Tesseract is installed by the set-up: {status:?}");
    let s = index(&lib, &dir, &model).await;
    assert_eq!((s.indexed, s.text_read), (7, 7), "{s:?}");

    // What was read, upright whatever the file's turn.
    for file in ["shop.jpg", "sideways.jpg", "phone.jpg"] {
        let t = lib.text(&dir.join(file).to_string_lossy()).await.expect("text");
        assert!(t.text.contains("ACME HARDWARE"), "{file}: {t:?}");
    }
    let sideways = lib.text(&dir.join("sideways.jpg").to_string_lossy()).await.expect("text");
    // Saved a quarter turn right: read sideways (by a turn, or by Tesseract's own page
    // layout), its boxes in the picture as saved (400 × 600): taller than wide.
    let acme = sideways.words.iter().find(|w| w.text == "ACME").expect("ACME");
    assert!(acme.h * 600.0 > acme.w * 400.0 * 1.5, "{acme:?}");
    let phone = lib.text(&dir.join("phone.jpg").to_string_lossy()).await.expect("text");
    assert_eq!(phone.angle, 0, "EXIF turned it upright before reading");
    // No text, none stored.
    for plain in ["astronaut.png", "rocket.jpg", "horse.png"] {
        let t = lib.text(&dir.join(plain).to_string_lossy()).await.expect("text");
        assert_eq!((t.text.as_str(), t.words.len()), ("", 0), "{plain}");
    }

    // A word, a prefix, a piece of a product code: the pictures holding them first (random-weight model).
    let with_sign = ["phone.jpg", "shop.jpg", "sideways.jpg"];
    for (query, holders) in [("acme", &with_sign[..]), ("hardw", &with_sign[..]), ("RE16", &["label.jpg"][..])] {
        let found = lib.search(model.clone(), query, &opts(Mode::Hybrid)).await.expect("search");
        let mut top: Vec<&str> = found.hits.iter().take(holders.len()).map(|h| name(&h.path)).collect();
        top.sort();
        assert_eq!(top, holders, "{query}: {:?}", found.hits.iter().map(|h| name(&h.path)).collect::<Vec<_>>());
        let first = &found.hits[0];
        assert!(first.why.keyword_fields.iter().any(|f| f.starts_with("text: ")), "{:?}", first.why);
        assert!(!first.text_match.is_empty(), "the matched words and their boxes");
    }
    // Where the words are: on the sign near the top of the upright picture.
    let found = lib.search(model.clone(), "acme", &opts(Mode::Hybrid)).await.expect("search");
    let shop = found.hits.iter().find(|h| name(&h.path) == "shop.jpg").expect("shop");
    assert_eq!(shop.text_match.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["ACME"]);
    assert!(shop.text_match[0].y < 0.25 && shop.text_match[0].x < 0.3, "{:?}", shop.text_match);
    assert!(shop.why.keyword_fields.contains(&"text: ACME".to_string()), "{:?}", shop.why);

    // `text:` filters: every word must be there; with other terms, and alone (browsing).
    let filtered = lib.search(model.clone(), "a cup text:\"acme hardware\"", &opts(Mode::Hybrid)).await;
    let mut names: Vec<&str> = Vec::new();
    let filtered = filtered.expect("search");
    names.extend(filtered.hits.iter().map(|h| name(&h.path)));
    names.sort();
    assert_eq!(names, with_sign);
    let browse = SearchOptions { browse_empty: true, ..opts(Mode::Vector) };
    let none = lib.search(model.clone(), "text:\"acme plumbing\"", &browse).await.expect("search");
    assert!(none.hits.is_empty());
    let alone = lib.search(model.clone(), "text:xre16b", &browse).await.expect("search");
    assert_eq!(alone.hits.iter().map(|h| name(&h.path)).collect::<Vec<_>>(), ["label.jpg"]);
    assert!(!alone.hits[0].text_match.is_empty());

    // A moved file is not read again, and is still found by its words.
    let moved = dir.join("moved");
    std::fs::create_dir_all(&moved).expect("dir");
    std::fs::rename(dir.join("shop.jpg"), moved.join("shop.jpg")).expect("move");
    let s = index(&lib, &dir, &model).await;
    assert_eq!((s.reused, s.text_read), (1, 0), "{s:?}");
    let t = lib.text(&moved.join("shop.jpg").to_string_lossy()).await.expect("text");
    assert!(t.text.contains("ACME"));
    let status = lib.text_status().await.expect("status");
    assert_eq!((status.read, status.with_text, status.waiting), (7, 4, 0), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_tesseract_indexing_goes_on_and_status_says_ocr_is_off() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("photos");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(fixtures().join("photos/coffee.png"), dir.join("coffee.png")).expect("copy");
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model");
    let mut lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    lib.set_text_reading(TextReading::Program(tmp.path().join("no-such-tesseract")));
    let s = index(&lib, &dir, &model).await;
    assert_eq!((s.indexed, s.text_read), (1, 0));
    let status = lib.status().await.expect("status");
    assert!(status.text.engine.is_none());
    assert!(
        status.text.off_reason.as_deref().is_some_and(|r| r.contains("Tesseract is not installed")),
        "{:?}",
        status.text
    );
    let found = lib.search(model.clone(), "a cup of coffee", &opts(Mode::Hybrid)).await.expect("search");
    assert_eq!(found.hits.len(), 1);
    // Asking for an item's text says it has not been read.
    let err = lib.text(&dir.join("coffee.png").to_string_lossy()).await;
    assert!(err.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_is_found_by_the_words_in_one_of_its_moments() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("videos");
    std::fs::create_dir_all(&dir).expect("dir");
    // Two seconds of a plain photo, then two of a sign (ffmpeg, the set-up installs it).
    let font = render::font();
    let mut sign = render::photo("coffee.png");
    render::draw(&mut sign, &font, 40.0, (40.0, 30.0), "ACME HARDWARE", [0, 0, 0], Some([255, 255, 255]));
    sign.save(tmp.path().join("sign.png")).expect("save");
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-loop", "1", "-framerate", "10", "-t", "2", "-i"])
        .arg(fixtures().join("photos/horse.png"))
        .args(["-loop", "1", "-framerate", "10", "-t", "2", "-i"])
        .arg(tmp.path().join("sign.png"))
        .args([
            "-filter_complex",
            "[0]scale=600:400,setsar=1[a];[1]scale=600:400,setsar=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p",
        ])
        .args(["-c:v", "libvpx", "-b:v", "2M"])
        .arg(dir.join("shop.webm"))
        .status()
        .expect("ffmpeg (scripts/setup-debian.sh installs it)");
    assert!(status.success());
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model");
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    let s = index(&lib, &dir, &model).await;
    assert_eq!(s.indexed, 1, "{s:?}");
    let browse = SearchOptions { browse_empty: true, ..opts(Mode::Hybrid) };
    let found = lib.search(model.clone(), "text:acme", &browse).await.expect("search");
    assert_eq!(found.hits.iter().map(|h| name(&h.path)).collect::<Vec<_>>(), ["shop.webm"]);
    assert_eq!(found.hits[0].text_match.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["ACME"]);
    let t = lib.text(&dir.join("shop.webm").to_string_lossy()).await.expect("text");
    assert!(t.text.contains("ACME HARDWARE"), "{t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_shows_progress_stops_when_cancelled_and_the_next_run_goes_on() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("photos");
    std::fs::create_dir_all(&dir).expect("dir");
    // Twenty signs, each a different number: more than one batch of eight.
    let font = render::font();
    for i in 0..20 {
        let mut sign = render::photo("coffee.png");
        render::draw(
            &mut sign,
            &font,
            40.0,
            (40.0, 30.0),
            &format!("SHOP {}", 100 + i),
            [0, 0, 0],
            Some([255, 255, 255]),
        );
        std::fs::write(dir.join(format!("sign-{i:02}.jpg")), jpeg(&sign, None)).expect("write");
    }
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model");
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    // Cancelled once the reading phase has reported its first batch.
    let cancel = Cancel::new();
    let mut reading = Vec::new();
    let roots = [dir.clone()];
    let s = lib
        .index_with(&roots, model.clone(), Vocabulary::IfReady, &cancel, |p| {
            if p.phase == clipdex_library::Phase::Reading {
                reading.push((p.done, p.total));
                if p.done > 0 {
                    cancel.cancel();
                }
            }
        })
        .await
        .expect("index");
    assert_eq!(reading.first(), Some(&(0, 20)), "the phase starts at 0 of 20: {reading:?}");
    assert!(s.cancelled && s.text_read > 0 && s.text_read < 20, "stopped after a batch: {s:?}");
    let status = lib.text_status().await.expect("status");
    assert_eq!((status.read, status.waiting), (s.text_read, 20 - s.text_read));
    // The next run reads only what was left.
    let s2 = index(&lib, &dir, &model).await;
    assert_eq!(s2.text_read, 20 - s.text_read, "{s2:?}");
    let browse = SearchOptions { browse_empty: true, ..opts(Mode::Hybrid) };
    let found = lib.search(model.clone(), "text:119", &browse).await.expect("search");
    assert_eq!(found.hits.iter().map(|h| name(&h.path)).collect::<Vec<_>>(), ["sign-19.jpg"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_read_in_the_window_language_and_english_and_chinese_is_found() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("photos");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut shop = render::photo("coffee.png");
    // "Hardware store, open".
    render::draw(&mut shop, &render::cjk_font(), 56.0, (40.0, 30.0), "五金商店 营业中", [0, 0, 0], Some([255; 3]));
    // Lossless: JPEG's ringing round these strokes costs Tesseract characters at this size.
    shop.save(dir.join("shop.png")).expect("write");
    for plain in ["astronaut.png", "rocket.jpg", "horse.png", "chelsea.png"] {
        std::fs::copy(fixtures().join("photos").join(plain), dir.join(plain)).expect("copy");
    }
    let model = open_model(&fixtures().join("tiny-clip"), &[]).await.expect("fixture model");
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    lib.set_ui_language(Some("zh-CN".into()));
    let status = lib.text_status().await.expect("status");
    assert_eq!(status.languages, ["chi_sim", "eng"], "the window's language, then English: {status:?}");
    index(&lib, &dir, &model).await;
    let browse = SearchOptions { browse_empty: true, ..opts(Mode::Vector) };
    for filter in ["text:五金", "text:营业中"] {
        let found = lib.search(model.clone(), filter, &browse).await.expect("search");
        assert_eq!(found.hits.iter().map(|h| name(&h.path)).collect::<Vec<_>>(), ["shop.png"], "{filter}");
    }
    // The languages a library first read in stay its own, whatever the next window's language.
    drop(lib);
    let lib = Library::open(&tmp.path().join("lib")).await.expect("open");
    lib.set_ui_language(Some("en-US".into()));
    assert_eq!(lib.text_status().await.expect("status").languages, ["chi_sim", "eng"]);
}
