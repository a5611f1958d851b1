//! Boxes as tight as the letters: on a photo, Tesseract's word box often
//! takes in dark background next to a light sign (twice the word's
//! height). Rows of letters are full of light–dark steps across; rows of
//! plain background or of a sign's edge have few. A box keeps the rows, and
//! then the columns, that hold a fair share of the steps.

use image::GrayImage;

use crate::EngineWord;

/// A step between neighbours at least this large is an edge.
const EDGE: i16 = 48;
/// A row (column) belongs to the word when it holds this share of the busiest row's (column's) edges.
const SHARE: f32 = 0.2;

/// The word's box shrunk to its letters in `grey` (the picture it was read in).
pub(crate) fn tighten(grey: &GrayImage, word: EngineWord) -> EngineWord {
    let (w, h) = grey.dimensions();
    let (x0, y0) = (word.left.min(w), word.top.min(h));
    let (x1, y1) = ((word.left + word.width).min(w), (word.top + word.height).min(h));
    if x1 <= x0 + 2 || y1 <= y0 + 2 {
        return word;
    }
    let px = |x: u32, y: u32| i16::from(grey.get_pixel(x, y).0[0]);
    // Edges across each row, and down each column, inside the box.
    let rows: Vec<u32> =
        (y0..y1).map(|y| (x0..x1 - 1).filter(|&x| (px(x + 1, y) - px(x, y)).abs() >= EDGE).count() as u32).collect();
    let Some((top, bottom)) = span(&rows) else { return word };
    let (ty0, ty1) = (y0 + top, y0 + bottom + 1);
    let step = |x: u32, y: u32| {
        let across = x + 1 < w && (px(x + 1, y) - px(x, y)).abs() >= EDGE;
        across || (y + 1 < h && (px(x, y + 1) - px(x, y)).abs() >= EDGE)
    };
    let cols: Vec<u32> = (x0..x1).map(|x| (ty0..ty1).filter(|&y| step(x, y)).count() as u32).collect();
    let (left, right) = span(&cols).unwrap_or((0, x1 - x0 - 1));
    // A pixel of slack on each side: the steps sit just inside the letters' edges.
    let (nx0, ny0) = ((x0 + left).saturating_sub(1), ty0.saturating_sub(1));
    let (nx1, ny1) = ((x0 + right + 2).min(x1), (ty1 + 1).min(y1));
    EngineWord { left: nx0, top: ny0, width: nx1 - nx0, height: ny1 - ny0, ..word }
}

/// The first and last index holding at least [`SHARE`] of the largest count.
fn span(counts: &[u32]) -> Option<(u32, u32)> {
    let most = *counts.iter().max()?;
    if most == 0 {
        return None;
    }
    let enough = |c: &u32| *c as f32 >= most as f32 * SHARE;
    let first = counts.iter().position(enough)?;
    let last = counts.iter().rposition(enough)?;
    Some((first as u32, last as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_taking_in_background_shrinks_to_the_letters() {
        // Dark above (rows 0–19), a light plate (20–59) with strokes in rows 30–49, cols 10–69.
        let g = GrayImage::from_fn(100, 80, |x, y| {
            let v = if y < 20 {
                30
            } else if (30..50).contains(&y) && (10..70).contains(&x) && x % 6 < 2 {
                0
            } else {
                240
            };
            image::Luma([v])
        });
        let word = EngineWord { text: "III".into(), left: 5, top: 0, width: 80, height: 70, confidence: 90.0 };
        let t = tighten(&g, word);
        assert!((29..=31).contains(&t.top) && (49..=52).contains(&(t.top + t.height)), "{t:?}");
        assert!((9..=11).contains(&t.left) && (66..=71).contains(&(t.left + t.width)), "{t:?}");
    }
}
