//! Turning a picture to read sideways text, and turning the boxes found back.

use image::GrayImage;

use crate::EngineWord;

/// The picture turned clockwise by `angle` (90, 180 or 270 degrees).
pub(crate) fn turned(grey: &GrayImage, angle: u16) -> GrayImage {
    match angle {
        90 => image::imageops::rotate90(grey),
        180 => image::imageops::rotate180(grey),
        270 => image::imageops::rotate270(grey),
        _ => grey.clone(),
    }
}

/// A word found in the picture turned clockwise by `angle`, with its box in
/// the upright picture (`w` × `h` pixels).
pub(crate) fn back(word: EngineWord, angle: u16, w: u32, h: u32) -> EngineWord {
    let (l, t, bw, bh) = (word.left, word.top, word.width, word.height);
    let (left, top, width, height) = match angle {
        // Upright (x, y) went to (h-1-y, x).
        90 => (t, h.saturating_sub(l + bw), bh, bw),
        // Upright (x, y) went to (w-1-x, h-1-y).
        180 => (w.saturating_sub(l + bw), h.saturating_sub(t + bh), bw, bh),
        // Upright (x, y) went to (y, w-1-x).
        270 => (w.saturating_sub(t + bh), l, bh, bw),
        _ => (l, t, bw, bh),
    };
    EngineWord { left, top, width, height, ..word }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_found_in_any_turn_covers_the_same_upright_pixels() {
        // A 7 × 5 picture with one lit 2 × 3 block at (4, 1).
        let (w, h) = (7, 5);
        let upright =
            GrayImage::from_fn(w, h, |x, y| image::Luma([u8::from((4..6).contains(&x) && (1..4).contains(&y)) * 255]));
        for angle in [0u16, 90, 180, 270] {
            let t = turned(&upright, angle);
            // The lit block's bounding box in the turned picture.
            let lit: Vec<(u32, u32)> = t.enumerate_pixels().filter(|p| p.2 .0[0] > 0).map(|p| (p.0, p.1)).collect();
            let (l, r) = (lit.iter().map(|p| p.0).min().unwrap_or(0), lit.iter().map(|p| p.0).max().unwrap_or(0));
            let (top, b) = (lit.iter().map(|p| p.1).min().unwrap_or(0), lit.iter().map(|p| p.1).max().unwrap_or(0));
            let found =
                EngineWord { text: "x".into(), left: l, top, width: r - l + 1, height: b - top + 1, confidence: 90.0 };
            let up = back(found, angle, w, h);
            assert_eq!((up.left, up.top, up.width, up.height), (4, 1, 2, 3), "turned {angle}°");
        }
    }
}
