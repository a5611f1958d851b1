//! Text drawn with a packaged font (DejaVu Sans Bold, Debian's
//! fonts-dejavu-core; WenQuanYi Micro Hei, fonts-wqy-microhei, for Chinese)
//! onto real photos: what the OCR tests read.

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

pub const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

pub fn font() -> FontVec {
    let bytes = std::fs::read(FONT).unwrap_or_else(|e| panic!("{FONT}: {e} (apt install fonts-dejavu-core)"));
    FontVec::try_from_vec(bytes).expect("a TrueType font")
}

pub const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// A font with Chinese characters (the first face of its collection).
#[allow(dead_code)] // not every test that includes this file draws Chinese
pub fn cjk_font() -> FontVec {
    let bytes = std::fs::read(CJK_FONT).unwrap_or_else(|e| panic!("{CJK_FONT}: {e} (apt install fonts-wqy-microhei)"));
    FontVec::try_from_vec_and_index(bytes, 0).expect("a TrueType collection")
}

/// The photo `name` from tests/fixtures/photos (scripts/fetch_test_photos.py).
pub fn photo(name: &str) -> RgbImage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/photos").join(name);
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/fetch_test_photos.py)", path.display()))
        .to_rgb8()
}

/// How wide `text` is at `px` pixels.
pub fn width(font: &FontVec, px: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(px));
    text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum()
}

/// Draws `text` at `px` pixels, its top-left corner at (`x`, `y`), in
/// `ink`, on an optional `plate` (a sign: a filled box with a margin).
pub fn draw(
    img: &mut RgbImage,
    font: &FontVec,
    px: f32,
    (x, y): (f32, f32),
    text: &str,
    ink: [u8; 3],
    plate: Option<[u8; 3]>,
) {
    let scaled = font.as_scaled(PxScale::from(px));
    if let Some(bg) = plate {
        let (m, w, h) = (px * 0.3, width(font, px, text), scaled.ascent() - scaled.descent());
        for py in (y - m).max(0.0) as u32..((y + h + m) as u32).min(img.height()) {
            for qx in (x - m).max(0.0) as u32..((x + w + m) as u32).min(img.width()) {
                img.put_pixel(qx, py, Rgb(bg));
            }
        }
    }
    let mut caret = x;
    for c in text.chars() {
        let glyph = scaled.scaled_glyph(c);
        let id = glyph.id;
        let glyph = id.with_scale_and_position(PxScale::from(px), point(caret, y + scaled.ascent()));
        caret += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let b = outline.px_bounds();
        outline.draw(|gx, gy, cov| {
            let (px_x, px_y) = (b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy));
            if px_x < 0 || px_y < 0 || px_x >= i64::from(img.width()) || px_y >= i64::from(img.height()) {
                return;
            }
            let p = img.get_pixel_mut(px_x as u32, px_y as u32);
            for (c, i) in p.0.iter_mut().zip(ink) {
                *c = (f32::from(*c) * (1.0 - cov) + f32::from(i) * cov).round() as u8;
            }
        });
    }
}
