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
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (nw, nh) = (nw as usize, nh as usize);
    if w == 0 || h == 0 || nw == 0 || nh == 0 {
        return RgbImage::new(nw as u32, nh as u32);
    }
    let src = img.as_raw();
    let horiz = weights(w, nw, filter);
    let vert = weights(h, nh, filter);
    // Only the rows the vertical pass reads get a horizontal pass.
    let first = vert.bounds[0].0;
    let last = vert.bounds[nh - 1].0 + vert.bounds[nh - 1].1;
    let (tmp, tw, row0) = if nw != w {
        let rows = last - first;
        let mut tmp = vec![0u8; rows * nw * 3];
        for y in 0..rows {
            let line = &src[(y + first) * w * 3..(y + first + 1) * w * 3];
            let out = &mut tmp[y * nw * 3..(y + 1) * nw * 3];
            for (px, (&(xmin, xmax), k)) in
                out.chunks_exact_mut(3).zip(horiz.bounds.iter().zip(horiz.k.chunks_exact(horiz.ksize)))
            {
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
        (tmp, nw, first)
    } else {
        (src.to_vec(), w, 0)
    };
    if nh == h {
        // No vertical pass: the horizontal result is the image.
        return RgbImage::from_raw(nw as u32, nh as u32, tmp).unwrap_or_else(|| RgbImage::new(nw as u32, nh as u32));
    }
    // Row by row: each output row sums whole input rows (contiguous, so the
    // inner loop vectorises), in the same order of terms as Pillow.
    let stride = nw * 3;
    let mut out = vec![0u8; nw * nh * 3];
    let mut acc = vec![0i32; stride];
    for (yy, (&(ymin, ymax), k)) in vert.bounds.iter().zip(vert.k.chunks_exact(vert.ksize)).enumerate() {
        acc.fill(1 << (PRECISION_BITS - 1));
        for (y, &ky) in k[..ymax].iter().enumerate() {
            let start = (y + ymin - row0) * tw * 3;
            for (a, &p) in acc.iter_mut().zip(&tmp[start..start + stride]) {
                *a += i32::from(p) * ky;
            }
        }
        for (o, &a) in out[yy * stride..(yy + 1) * stride].iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    RgbImage::from_raw(nw as u32, nh as u32, out).unwrap_or_else(|| RgbImage::new(nw as u32, nh as u32))
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
}
