//! Pillow's convolution resize for 8-bit images, bit for bit: the reference
//! implementation (open_clip's eval transform) resizes with Pillow, so
//! Clipdex resizes as Pillow does, not merely alike. The same steps as
//! Pillow's `Resample.c`: per output pixel, filter weights over the input
//! pixels its support covers (support scaled up when shrinking, which is the
//! antialiasing), normalised, then turned into fixed-point integers with 22
//! fractional bits; a horizontal pass over just the rows the vertical pass
//! reads, rounded to 8 bits, then the vertical pass, rounded again.

use image::RgbImage;

/// Fractional bits of the fixed-point weights (Pillow's `PRECISION_BITS`).
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// A resampling filter: its kernel and how far it reaches, in input pixels at scale 1.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    kernel: fn(f64) -> f64,
    support: f64,
}

/// Pillow's BICUBIC: Keys' cubic convolution with a = −0.5.
pub const BICUBIC: Filter = Filter { kernel: bicubic, support: 2.0 };
/// Pillow's BILINEAR: the triangle filter.
pub const BILINEAR: Filter = Filter { kernel: triangle, support: 1.0 };

fn bicubic(x: f64) -> f64 {
    const A: f64 = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * A
    } else {
        0.0
    }
}

fn triangle(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        1.0 - x
    } else {
        0.0
    }
}

/// For each output pixel: the first input pixel it reads, how many, and
/// their fixed-point weights (`ksize` slots each).
struct Weights {
    bounds: Vec<(usize, usize)>,
    ksize: usize,
    k: Vec<i32>,
}

fn weights(in_size: usize, out_size: usize, filter: Filter) -> Weights {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filter.support * filterscale;
    let ksize = support.ceil() as usize * 2 + 1;
    let mut bounds = Vec::with_capacity(out_size);
    let mut k = vec![0i32; out_size * ksize];
    let mut row = vec![0f64; ksize];
    for xx in 0..out_size {
        let center = (xx as f64 + 0.5) * scale;
        let ss = 1.0 / filterscale;
        // C's (int) cast truncates toward zero.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize - xmin;
        let mut ww = 0.0;
        for (x, w) in row.iter_mut().enumerate().take(xmax) {
            *w = (filter.kernel)((x as f64 + xmin as f64 - center + 0.5) * ss);
            ww += *w;
        }
        for (x, slot) in k[xx * ksize..(xx + 1) * ksize].iter_mut().enumerate() {
            let w = if x < xmax && ww != 0.0 {
                row[x] / ww
            } else if x < xmax {
                row[x]
            } else {
                0.0
            };
            let fixed = w * f64::from(1u32 << PRECISION_BITS);
            *slot = if w < 0.0 { (fixed - 0.5) as i32 } else { (fixed + 0.5) as i32 };
        }
        bounds.push((xmin, xmax));
    }
    Weights { bounds, ksize, k }
}

/// A fixed-point sum back to 8 bits (Pillow's `clip8`).
fn clip8(v: i32) -> u8 {
    if v >= (1 << 8 << PRECISION_BITS) {
        255
    } else if v <= 0 {
        0
    } else {
        (v >> PRECISION_BITS) as u8
    }
}

/// `img` resized to `nw` × `nh` with `filter`, exactly as Pillow's
/// `Image.resize` does for an RGB image (no reducing gap, no box).
pub fn resize(img: &RgbImage, nw: u32, nh: u32, filter: Filter) -> RgbImage {
    resize_window(img, nw, nh, filter, Window { x: 0, y: 0, width: nw, height: nh })
}

/// A rectangle of a resized image, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Just `window` of `img` resized to `nw` × `nh`: the same pixels as
/// cropping [`resize`]'s result (each output pixel depends only on its own
/// weights), without computing or holding the rest. A model's input is a
/// centre crop, so a panorama is never resized whole.
pub fn resize_window(img: &RgbImage, nw: u32, nh: u32, filter: Filter, window: Window) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (nw, nh) = (nw as usize, nh as usize);
    let (x0, y0) = (window.x as usize, window.y as usize);
    let (cw, ch) =
        ((window.width as usize).min(nw.saturating_sub(x0)), (window.height as usize).min(nh.saturating_sub(y0)));
    let empty = || RgbImage::new(cw as u32, ch as u32);
    if w == 0 || h == 0 || cw == 0 || ch == 0 {
        return empty();
    }
    let src = img.as_raw();
    let vert = weights(h, nh, filter);
    // Only the rows the vertical pass reads get a horizontal pass (without
    // a vertical pass, just the window's rows).
    let (first, last) = if nh == h {
        (y0, y0 + ch)
    } else {
        (vert.bounds[y0].0, vert.bounds[y0 + ch - 1].0 + vert.bounds[y0 + ch - 1].1)
    };
    let rows = last - first;
    let stride = cw * 3;
    let mut tmp = vec![0u8; rows * stride];
    if nw != w {
        let horiz = weights(w, nw, filter);
        for y in 0..rows {
            let line = &src[(y + first) * w * 3..(y + first + 1) * w * 3];
            let out = &mut tmp[y * stride..(y + 1) * stride];
            let cols = horiz.bounds[x0..x0 + cw].iter().zip(horiz.k.chunks_exact(horiz.ksize).skip(x0));
            for (px, (&(xmin, xmax), k)) in out.chunks_exact_mut(3).zip(cols) {
                let mut ss = [1i32 << (PRECISION_BITS - 1); 3];
                for (p, &kx) in line[xmin * 3..(xmin + xmax) * 3].chunks_exact(3).zip(&k[..xmax]) {
                    ss[0] += i32::from(p[0]) * kx;
                    ss[1] += i32::from(p[1]) * kx;
                    ss[2] += i32::from(p[2]) * kx;
                }
                px[0] = clip8(ss[0]);
                px[1] = clip8(ss[1]);
                px[2] = clip8(ss[2]);
            }
        }
    } else {
        // No horizontal pass: the window's columns of the source rows.
        for y in 0..rows {
            let start = ((y + first) * w + x0) * 3;
            tmp[y * stride..(y + 1) * stride].copy_from_slice(&src[start..start + stride]);
        }
    }
    if nh == h {
        // No vertical pass: the horizontal result is the window.
        return RgbImage::from_raw(cw as u32, ch as u32, tmp).unwrap_or_else(empty);
    }
    // Row by row: each output row sums whole intermediate rows (contiguous,
    // so the inner loop vectorises), in the same order of terms as Pillow.
    let mut out = vec![0u8; ch * stride];
    let mut acc = vec![0i32; stride];
    let rows_out = vert.bounds[y0..y0 + ch].iter().zip(vert.k.chunks_exact(vert.ksize).skip(y0));
    for (yy, (&(ymin, ymax), k)) in rows_out.enumerate() {
        acc.fill(1 << (PRECISION_BITS - 1));
        for (y, &ky) in k[..ymax].iter().enumerate() {
            let start = (y + ymin - first) * stride;
            for (a, &p) in acc.iter_mut().zip(&tmp[start..start + stride]) {
                *a += i32::from(p) * ky;
            }
        }
        for (o, &a) in out[yy * stride..(yy + 1) * stride].iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    RgbImage::from_raw(cw as u32, ch as u32, out).unwrap_or_else(empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_in_fixed_point_and_a_flat_image_stays_flat() {
        for (i, o) in [(451, 224), (224, 451), (7, 3), (3, 7), (1000, 1)] {
            let w = weights(i, o, BICUBIC);
            for xx in 0..o {
                let s: i32 = w.k[xx * w.ksize..(xx + 1) * w.ksize].iter().sum();
                assert!((s - (1 << PRECISION_BITS)).abs() <= w.ksize as i32, "{i}→{o} pixel {xx}: {s}");
            }
        }
        let flat = RgbImage::from_pixel(451, 300, image::Rgb([200, 10, 99]));
        let r = resize(&flat, 224, 149, BICUBIC);
        assert!(r.pixels().all(|p| p.0 == [200, 10, 99]));
    }

    /// A window of the resize is the same pixels as the whole resize,
    /// cropped, for shrinking, enlarging and one-axis resizes.
    #[test]
    fn a_window_is_the_whole_resize_cropped() {
        let img = RgbImage::from_fn(97, 61, |x, y| image::Rgb([(x * 5 + y) as u8, (y * 7) as u8, (x * y) as u8]));
        for (nw, nh) in [(40, 30), (150, 90), (97, 30), (40, 61), (97, 61)] {
            for filter in [BICUBIC, BILINEAR] {
                let whole = resize(&img, nw, nh, filter);
                let win = Window { x: nw / 4, y: nh / 3, width: nw / 2, height: nh / 2 };
                let part = resize_window(&img, nw, nh, filter, win);
                let want = image::imageops::crop_imm(&whole, win.x, win.y, win.width, win.height).to_image();
                assert_eq!(part, want, "{nw}×{nh}");
            }
        }
    }
}
