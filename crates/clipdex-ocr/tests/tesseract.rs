//! The real Tesseract (the set-up installs it) reading text drawn with a
//! packaged font onto real photos: at several sizes, contrasts and turns,
//! with boxes where the words were drawn; photos without text read as none;
//! Chinese where its data is installed (the test set-up installs it).

#[path = "support/render.rs"]
mod render;

use clipdex_ocr::terms::matched_words;
use clipdex_ocr::{read, Reading, Tesseract, TextEngine};
use image::RgbImage;

fn tesseract() -> Tesseract {
    Tesseract::find().expect("tesseract on PATH (scripts/setup-debian.sh installs tesseract-ocr)")
}

fn eng() -> Vec<String> {
    vec!["eng".to_string()]
}

/// The words `query` finds in a reading, as read.
fn found(r: &Reading, query: &[&str]) -> Vec<String> {
    let q: Vec<String> = query.iter().map(|s| s.to_string()).collect();
    matched_words(&r.words, &q).into_iter().map(|i| r.words[i].text.clone()).collect()
}

/// coffee.png (600 × 400) with a sign near its top.
fn sign(px: f32, ink: [u8; 3], plate: [u8; 3]) -> (RgbImage, (f32, f32, f32, f32)) {
    let font = render::font();
    let mut img = render::photo("coffee.png");
    let text = "ACME HARDWARE";
    render::draw(&mut img, &font, px, (40.0, 30.0), text, ink, Some(plate));
    let w = render::width(&font, px, text);
    (img, (40.0, 30.0, w, px * 1.2))
}

#[test]
fn words_on_a_photo_are_read_at_several_sizes_and_contrasts_with_their_boxes() {
    let engine = tesseract();
    for (px, ink, plate) in [
        (28.0, [0, 0, 0], [255, 255, 255]),
        (44.0, [0, 0, 0], [255, 255, 255]),
        (48.0, [0, 0, 0], [250, 250, 240]),
        (40.0, [255, 255, 255], [40, 40, 40]),
        (40.0, [70, 70, 70], [200, 200, 200]),
    ] {
        let (img, (x, y, w, h)) = sign(px, ink, plate);
        let r = read(&engine, &img, &eng()).expect("read");
        assert!(!r.skipped && r.angle == 0, "{px} px: {r:?}");
        assert_eq!(found(&r, &["acme", "hardware"]), ["ACME", "HARDWARE"], "{px} px {ink:?} on {plate:?}: {r:?}");
        // Each word's box lies on the line drawn (fractions of 600 × 400), within a third of a letter.
        let slack = px / 3.0;
        for word in r.words.iter().filter(|w| w.text == "ACME" || w.text == "HARDWARE") {
            let (bx, by) = (word.x * 600.0, word.y * 400.0);
            let (bw, bh) = (word.w * 600.0, word.h * 400.0);
            assert!(bx >= x - slack && bx + bw <= x + w + slack, "{word:?} across {x}..{}", x + w);
            assert!(by >= y - slack && by + bh <= y + h + slack, "{word:?} down {y}..{}", y + h);
            assert!(bh < px * 1.2, "{word:?} about a line high");
        }
    }
}

#[test]
fn a_picture_saved_sideways_or_upside_down_is_read_at_its_turn() {
    let engine = tesseract();
    let (img, _) = sign(44.0, [0, 0, 0], [255, 255, 255]);
    let turns = [
        (image::imageops::rotate90(&img), 270u16),
        (image::imageops::rotate180(&img), 180),
        (image::imageops::rotate270(&img), 90),
    ];
    for (turned, angle) in turns {
        let r = read(&engine, &turned, &eng()).expect("read");
        assert_eq!(found(&r, &["acme", "hardware"]), ["ACME", "HARDWARE"], "saved turned: {r:?}");
        assert_eq!(r.angle, angle);
        // Boxes are in the picture as saved: sideways, a word is taller than wide.
        let acme = &r.words[matched_words(&r.words, &["acme".into()])[0]];
        let (w_px, h_px) = (acme.w * turned.width() as f32, acme.h * turned.height() as f32);
        assert_eq!(angle != 180, h_px > w_px, "{acme:?} in {}×{}", turned.width(), turned.height());
    }
}

#[test]
fn photos_without_text_read_as_none() {
    let engine = tesseract();
    for name in ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg", "motorcycle_left.png", "horse.png"] {
        let r = read(&engine, &render::photo(name), &eng()).expect("read");
        assert!(r.words.is_empty(), "{name}: {r:?}");
    }
}

#[test]
fn a_product_code_is_found_by_a_piece_of_it() {
    let engine = tesseract();
    let font = render::font();
    let mut img = render::photo("chelsea.png");
    render::draw(&mut img, &font, 36.0, (30.0, 20.0), "PART XRE16B-7", [0, 0, 0], Some([255, 255, 255]));
    let r = read(&engine, &img, &eng()).expect("read");
    assert!(!found(&r, &["RE16"]).is_empty(), "{r:?}");
    assert!(!found(&r, &["16B"]).is_empty(), "{r:?}");
    assert!(found(&r, &["E1"]).is_empty(), "two characters are too few: {r:?}");
    assert!(engine.signature(&eng()).starts_with("tesseract "));
}

#[test]
fn chinese_is_read_where_its_data_is_installed() {
    let engine = tesseract();
    assert!(
        engine.installed_languages().contains(&"chi_sim".to_string()),
        "scripts/setup-debian.sh --test installs tesseract-ocr-chi-sim"
    );
    let mut img = render::photo("coffee.png");
    // "Hardware store, open".
    render::draw(
        &mut img,
        &render::cjk_font(),
        56.0,
        (40.0, 30.0),
        "五金商店 营业中",
        [0, 0, 0],
        Some([255, 255, 255]),
    );
    let langs = vec!["chi_sim".to_string(), "eng".to_string()];
    let r = read(&engine, &img, &langs).expect("read");
    // Tesseract reads one character at a time here ("五" "金"): a word is found across them.
    assert!(!found(&r, &["五金"]).is_empty(), "a word inside a run of characters: {r:?}");
    assert!(!found(&r, &["营业"]).is_empty(), "{r:?}");
    assert!(found(&r, &["金店"]).is_empty(), "not characters that are not next to each other: {r:?}");
    // English alone reads none of it.
    assert!(found(&read(&engine, &img, &eng()).expect("read"), &["五金"]).is_empty());
}
