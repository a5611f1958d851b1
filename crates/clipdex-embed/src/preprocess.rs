//! Pixels to model input, following open_clip's transforms on Pillow images:
//! resize with antialiasing (Pillow's convolution, bit for bit: [`crate::resample`];
//! nearest-neighbour by `fast_image_resize`), centre-crop or pad with
//! Python's rounding, scale to 0–1, normalise.

use fast_image_resize::{images::Image as FirImage, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use crate::config::{Interpolation, Preprocess, ResizeMode};
use crate::resample;

/// Python's `round()`: halves go to the even neighbour.
fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        let t = x.trunc();
        if (t as i64) % 2 == 0 {
            t as i64
        } else {
            r as i64
        }
    } else {
        r as i64
    }
}

/// Size after open_clip's resize step, as (width, height), before crop or pad.
fn resized_size(w: u32, h: u32, cfg: &Preprocess) -> (u32, u32) {
    let (th, tw) = cfg.size;
    match cfg.resize_mode {
        ResizeMode::Squash => (tw, th),
        // torchvision's Resize(int): short side to `size`, long side truncated.
        ResizeMode::Shortest if th == tw => {
            let s = th as u64;
            if w <= h {
                (th, ((s * h as u64) / w as u64).max(1) as u32)
            } else {
                (((s * w as u64) / h as u64).max(1) as u32, th)
            }
        }
        // A non-square target in `shortest` mode is a plain resize (open_clip).
        ResizeMode::Shortest => (tw, th),
        // open_clip's ResizeKeepRatio(longest=1): both sides by the larger ratio, rounded.
        ResizeMode::Longest => {
            let ratio = (h as f64 / th as f64).max(w as f64 / tw as f64);
            let nw = round_half_even(w as f64 / ratio).max(1) as u32;
            let nh = round_half_even(h as f64 / ratio).max(1) as u32;
            (nw, nh)
        }
    }
}

/// The part `window` of `img` resized to `nw` × `nh` (the rest is never
/// computed), as a `window`-sized image.
fn resize(img: RgbImage, nw: u32, nh: u32, interpolation: Interpolation, window: resample::Window) -> RgbImage {
    let (w, h) = img.dimensions();
    let crop =
        |full: RgbImage| image::imageops::crop_imm(&full, window.x, window.y, window.width, window.height).to_image();
    match interpolation {
        _ if (w, h) == (nw, nh) => crop(img),
        Interpolation::Bicubic => resample::resize_window(&img, nw, nh, resample::BICUBIC, window),
        Interpolation::Bilinear => resample::resize_window(&img, nw, nh, resample::BILINEAR, window),
        Interpolation::Nearest => crop(nearest(img, nw, nh)),
    }
}

fn nearest(img: RgbImage, nw: u32, nh: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut dst = FirImage::new(nw, nh, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Nearest);
    // `image` guarantees the buffer matches its dimensions, and U8x3 has no
    // alignment demands, so neither step can fail on an `RgbImage`.
    let resized = FirImage::from_vec_u8(w, h, img.into_raw(), PixelType::U8x3)
        .ok()
        .and_then(|src| Resizer::new().resize(&src, &mut dst, &opts).ok());
    match resized {
        Some(()) => RgbImage::from_raw(nw, nh, dst.into_vec()).unwrap_or_default(),
        None => RgbImage::new(nw, nh),
    }
}

/// Turns an RGB image into the model's input: CHW, f32, normalised, of
/// `3 * height * width` values for the configured size.
pub fn to_tensor(img: RgbImage, cfg: &Preprocess) -> Vec<f32> {
    let (th, tw) = cfg.size;
    let (w, h) = img.dimensions();
    let (nw, nh) = resized_size(w.max(1), h.max(1), cfg);

    // Centre crop (or pad, when the resized image is smaller): offsets of the
    // target window inside the resized image, which may be negative.
    let (left, top) = if nw >= tw && nh >= th {
        (round_half_even((nw - tw) as f64 / 2.0), round_half_even((nh - th) as f64 / 2.0))
    } else {
        // open_clip's center_crop_or_pad pads (floor) left/top, then crops at 0.
        let pad_l = if tw > nw { ((tw - nw) / 2) as i64 } else { 0 };
        let pad_t = if th > nh { ((th - nh) / 2) as i64 } else { 0 };
        let pw = nw as i64 + pad_l + if tw > nw { (tw - nw).div_ceil(2) as i64 } else { 0 };
        let ph = nh as i64 + pad_t + if th > nh { (th - nh).div_ceil(2) as i64 } else { 0 };
        let cl = round_half_even((pw - tw as i64) as f64 / 2.0);
        let ct = round_half_even((ph - th as i64) as f64 / 2.0);
        (cl - pad_l, ct - pad_t)
    };
    // Only the part of the resized image the crop keeps is computed.
    let (wx, wy) = (left.max(0), top.max(0));
    let window = resample::Window {
        x: wx as u32,
        y: wy as u32,
        width: ((left + tw as i64).min(nw as i64) - wx).max(0) as u32,
        height: ((top + th as i64).min(nh as i64) - wy).max(0) as u32,
    };
    let resized = resize(img, nw, nh, cfg.interpolation, window);

    let plane = (th * tw) as usize;
    let mut out = vec![0f32; 3 * plane];
    let scale: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * cfg.std[c]));
    let shift: [f32; 3] = std::array::from_fn(|c| cfg.mean[c] / cfg.std[c]);
    let fill = cfg.fill as f32;
    for y in 0..th as i64 {
        let sy = y + top;
        for x in 0..tw as i64 {
            let sx = x + left;
            let (rx, ry) = (sx - wx, sy - wy);
            let px = if rx >= 0 && ry >= 0 && (rx as u32) < window.width && (ry as u32) < window.height {
                let p = resized.get_pixel(rx as u32, ry as u32).0;
                [p[0] as f32, p[1] as f32, p[2] as f32]
            } else {
                [fill; 3]
            };
            let i = (y as usize) * tw as usize + x as usize;
            for c in 0..3 {
                out[c * plane + i] = px[c] * scale[c] - shift[c];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(mode: ResizeMode) -> Preprocess {
        Preprocess {
            size: (4, 4),
            mean: [0.0; 3],
            std: [1.0; 3],
            interpolation: Interpolation::Bicubic,
            resize_mode: mode,
            fill: 0,
        }
    }

    #[test]
    fn python_rounding() {
        assert_eq!(round_half_even(0.5), 0);
        assert_eq!(round_half_even(1.5), 2);
        assert_eq!(round_half_even(2.5), 2);
        assert_eq!(round_half_even(2.6), 3);
    }

    #[test]
    fn shortest_truncates_the_long_side_like_torchvision() {
        let c = Preprocess { size: (224, 224), ..cfg(ResizeMode::Shortest) };
        assert_eq!(resized_size(512, 512, &c), (224, 224));
        assert_eq!(resized_size(451, 300, &c), (336, 224)); // 224*451/300 = 336.7
        assert_eq!(resized_size(300, 451, &c), (224, 336));
    }

    #[test]
    fn longest_pads_with_fill() {
        let mut c = cfg(ResizeMode::Longest);
        c.fill = 255;
        // A 4x2 white-on-black image: long side already 4, pads one row top and bottom.
        let img = RgbImage::from_pixel(4, 2, image::Rgb([0, 0, 0]));
        let t = to_tensor(img, &c);
        assert_eq!(t.len(), 3 * 16);
        // First row is padding (fill 255 -> 1.0), second row is image (0.0).
        assert_eq!(&t[0..4], &[1.0; 4]);
        assert_eq!(&t[4..8], &[0.0; 4]);
        assert_eq!(&t[12..16], &[1.0; 4]);
    }

    #[test]
    fn normalises_per_channel() {
        let mut c = cfg(ResizeMode::Squash);
        c.mean = [0.5, 0.0, 0.0];
        c.std = [0.5, 1.0, 2.0];
        let img = RgbImage::from_pixel(4, 4, image::Rgb([255, 255, 255]));
        let t = to_tensor(img, &c);
        assert!((t[0] - 1.0).abs() < 1e-6);
        assert!((t[16] - 1.0).abs() < 1e-6);
        assert!((t[32] - 0.5).abs() < 1e-6);
    }
}
