//! A cheap check for pictures with nothing text-like: no engine runs on them.
//!
//! Letters are strokes: small cells with sharp light–dark edges in both
//! directions, neither empty nor solid. The check looks at the picture at
//! most 1024 pixels long, in 16-pixel cells, for a few cells like that.
//! It errs on the side of reading: foliage and gravel pass too; what it
//! skips are smooth pictures (skies, skin, blur, flat graphics) and tiny
//! ones. It takes a few milliseconds for a 12-megapixel photo.

use image::GrayImage;

const CHECK_LONG_SIDE: u32 = 1024;
const CELL: u32 = 16;
/// A step between neighbours at least this large is an edge.
const EDGE: i16 = 40;
/// Cells like this, at least, make a picture worth reading.
const MIN_CELLS: usize = 3;
/// Pictures smaller than this (either side) hold nothing readable.
const MIN_SIDE: u32 = 24;

/// Whether `grey` has a few regions that look like text.
pub fn has_text_like_regions(grey: &GrayImage) -> bool {
    let (w, h) = grey.dimensions();
    if w < MIN_SIDE || h < MIN_SIDE {
        return false;
    }
    let small;
    let g = if w.max(h) > CHECK_LONG_SIDE {
        let s = CHECK_LONG_SIDE as f64 / w.max(h) as f64;
        let (nw, nh) = (((w as f64 * s) as u32).max(1), ((h as f64 * s) as u32).max(1));
        small = image::imageops::resize(grey, nw, nh, image::imageops::FilterType::Triangle);
        &small
    } else {
        grey
    };
    text_like_cells(g) >= MIN_CELLS
}

/// Cells with strokes: edges across and down, 8–60 % of their pixels, and
/// both light and dark.
fn text_like_cells(g: &GrayImage) -> usize {
    let (w, h) = g.dimensions();
    let px = |x: u32, y: u32| i16::from(g.get_pixel(x, y).0[0]);
    let mut count = 0;
    for cy in 0..h / CELL {
        for cx in 0..w / CELL {
            let (mut across, mut down, mut edges) = (0u32, 0u32, 0u32);
            let (mut lo, mut hi) = (255i16, 0i16);
            for y in cy * CELL..(cy * CELL + CELL).min(h - 1) {
                for x in cx * CELL..(cx * CELL + CELL).min(w - 1) {
                    let v = px(x, y);
                    lo = lo.min(v);
                    hi = hi.max(v);
                    let (dx, dy) = ((px(x + 1, y) - v).abs(), (px(x, y + 1) - v).abs());
                    across += u32::from(dx >= EDGE);
                    down += u32::from(dy >= EDGE);
                    edges += u32::from(dx >= EDGE || dy >= EDGE);
                }
            }
            let n = CELL * CELL;
            let share = edges as f32 / n as f32;
            if (0.08..=0.6).contains(&share) && across * 30 >= n && down * 30 >= n && hi - lo >= 80 {
                count += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_and_tiny_pictures_are_skipped_and_strokes_are_not() {
        let gradient = GrayImage::from_fn(640, 480, |x, y| image::Luma([((x + y) / 5) as u8]));
        assert!(!has_text_like_regions(&gradient));
        let tiny = GrayImage::from_fn(20, 20, |x, _| image::Luma([if x % 2 == 0 { 0 } else { 255 }]));
        assert!(!has_text_like_regions(&tiny));
        // Dark strokes on light paper in a corner of a smooth picture.
        let mut page = gradient.clone();
        for y in 40..72 {
            for x in 40..200 {
                let stroke = x % 7 < 2 || (y % 11 < 2 && x % 23 < 12);
                page.put_pixel(x, y, image::Luma([if stroke { 10 } else { 240 }]));
            }
        }
        assert!(has_text_like_regions(&page));
    }
}
