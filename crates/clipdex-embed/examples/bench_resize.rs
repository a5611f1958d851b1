//! Resize cost: Clipdex's Pillow-exact resample against `fast_image_resize`'s
//! Catmull-Rom convolution (SIMD), on camera-sized pictures shrunk to a
//! model's input. Run: `cargo run --release -p clipdex-embed --example bench_resize`.

use std::time::Instant;

use fast_image_resize::{images::Image as FirImage, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 + y) as u8, (y * 3) as u8, (x ^ y) as u8]))
}

fn main() {
    for (w, h) in [(4032, 3024), (1920, 1080), (451, 300)] {
        let img = picture(w, h);
        let (nw, nh) = ((224 * w as u64 / h as u64) as u32, 224);
        let runs = if w > 2000 { 10 } else { 50 };
        let t = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(clipdex_embed::resample::resize(&img, nw, nh, clipdex_embed::resample::BICUBIC));
        }
        let ours = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
        let t = Instant::now();
        for _ in 0..runs {
            let src = FirImage::from_vec_u8(w, h, img.as_raw().clone(), PixelType::U8x3).expect("src");
            let mut dst = FirImage::new(nw, nh, PixelType::U8x3);
            let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
            Resizer::new().resize(&src, &mut dst, &opts).expect("resize");
            std::hint::black_box(dst);
        }
        let fir = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
        println!(
            "{w}×{h} → {nw}×{nh}: Pillow-exact {ours:.1} ms, fast_image_resize {fir:.1} ms, ratio {:.2}",
            ours / fir
        );
    }
}
