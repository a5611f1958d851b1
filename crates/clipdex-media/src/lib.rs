//! Turning a user's media file into pixels Clipdex can embed and show.
//!
//! Decoding is pure CPU work with bounded memory: the decoder refuses images
//! whose dimensions or allocations exceed [`LIMITS`], so a hostile file
//! cannot exhaust memory. Pixels come out upright (EXIF orientation applied)
//! and opaque (transparency composited on white) as 8-bit RGB, whatever the
//! source's colour type (grey, palette, CMYK, 16-bit, alpha).
//!
//! JPEG, PNG, WebP, GIF, BMP and TIFF are decoded by the `image` crate in
//! this process. HEIC/HEIF and AVIF (libheif, the `heif` feature) and camera
//! RAW files (`rawler`) go through `isolate`: in a worker process when the
//! program set one, else in-process behind `catch_unwind`. Which decoder a
//! file needs is read from its first bytes, never from its name. A consumer
//! that needs only a small picture (the indexer) asks [`decode_at_least`],
//! which decodes a large JPEG at 1/2, 1/4 or 1/8 scale in the DCT domain.

mod facts;
#[cfg(feature = "heif")]
mod heif;
mod isolate;
mod preview;
mod raw;
mod scaled;
mod video;

pub use facts::{
    build_raw as build_exif, civil_from_days, days_from_civil, facts_from_raw, iso_utc, read_facts, PhotoFacts,
};

use std::io::Cursor;
use std::path::Path;

use fast_image_resize::{
    images::Image as FirImage, images::ImageRef, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer,
};
pub use image::RgbImage;
use image::{DynamicImage, ImageDecoder, ImageReader};
pub use isolate::{run_worker_if_asked, use_worker, WORKER_ARG, WORKER_TIMEOUT};
pub use scaled::{decode_at_least, Decoded, Need};
pub use video::{
    find_ffmpeg, frame_at as video_frame_at, frames as video_frames, is_video_path, Frame, Sampling, VideoError,
    VideoInfo, VIDEO_EXTENSIONS,
};

/// File extensions the indexer picks up (lower case), besides [`RAW_EXTENSIONS`].
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tiff", "tif", // the `image` crate
    "heic", "heif", "hif", "avif", // libheif
];

/// Camera RAW extensions (lower case): a RAW file and a JPEG of the same
/// name in one folder are one photo.
pub const RAW_EXTENSIONS: &[&str] = &[
    "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf", "rw2", "pef", "srw", "erf", "3fr",
    "iiq", "mrw", "x3f", "kdc", "dcr", "mef", "mos",
];

/// Longest side of a stored thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 256;

/// Decoder limits: at most 40,000 px a side, and at most 768 MiB for the
/// decoded pixels (a 100-megapixel photo needs 300–600 MB). The `image`
/// crate's own allocation limit does not cover the output buffer, so
/// [`decode`] checks the decoded size itself before decoding.
pub const MAX_SIDE: u32 = 40_000;
pub const MAX_DECODED_BYTES: u64 = 768 << 20;
/// Files larger than this are not read (no photo is this big).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot read the file")]
    Read(#[source] std::io::Error),
    #[error("not an image format Clipdex can read")]
    UnknownFormat,
    #[error("the image is damaged or incomplete: {0}")]
    Corrupt(String),
    #[error("the image is too large to decode safely ({0})")]
    TooLarge(String),
    #[error("unsupported image: {0}")]
    Unsupported(String),
    #[error("the file is empty")]
    Empty,
    #[error("not a regular file (a device, a pipe or a folder)")]
    NotAFile,
}

/// What kind of media a path holds, by its extension: `photo` (still
/// images), `gif` (possibly animated) or `video`.
pub fn media_type(path: &Path) -> &'static str {
    if is_video_path(path) {
        return "video";
    }
    match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("gif") => "gif",
        _ => "photo",
    }
}

/// The MIME type of a format every web view shows as it is, if the path is one.
pub fn web_mime(path: &Path) -> Option<&'static str> {
    match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("jpg" | "jpeg") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        Some("gif") => Some("image/gif"),
        Some("webp") => Some("image/webp"),
        Some("bmp") => Some("image/bmp"),
        _ => None,
    }
}

/// Is this path a camera RAW file, by its extension?
pub fn is_raw_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| RAW_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Is this path one the indexer should look at?
pub fn is_supported_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).is_some_and(|e| {
        IMAGE_EXTENSIONS.contains(&e.as_str())
            || RAW_EXTENSIONS.contains(&e.as_str())
            || VIDEO_EXTENSIONS.contains(&e.as_str())
    })
}

fn classify(e: image::ImageError) -> DecodeError {
    use image::error::{ImageError, LimitErrorKind};
    match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => DecodeError::TooLarge(l.to_string()),
            _ => DecodeError::Unsupported(l.to_string()),
        },
        ImageError::Unsupported(u) => match u.kind() {
            image::error::UnsupportedErrorKind::Format(_) => DecodeError::UnknownFormat,
            _ => DecodeError::Unsupported(u.to_string()),
        },
        ImageError::IoError(io) => DecodeError::Corrupt(io.to_string()),
        other => DecodeError::Corrupt(other.to_string()),
    }
}

/// Decodes an image held in memory into upright, opaque 8-bit RGB.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    decode_with(bytes, |_| ()).map(|(img, ())| img)
}

/// Decodes like [`decode`], first calling `reserve` with the bytes the
/// decode will hold at its peak (the decoded pixels and their RGB copy),
/// once the header is read and before any pixel is allocated; what it
/// returns (a memory permit) comes back with the picture.
pub fn decode_with<R>(bytes: &[u8], reserve: impl FnOnce(u64) -> R) -> Result<(RgbImage, R), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if is_heif(bytes) {
        return isolate::decode(isolate::Native::Heif, bytes, reserve);
    }
    if raw::is_raw(bytes) {
        return isolate::decode(isolate::Native::Raw, bytes, reserve);
    }
    decode_image(bytes, reserve)
}

/// Decodes what the `image` crate reads (JPEG, PNG, WebP, GIF, BMP, TIFF).
fn decode_image<R>(bytes: &[u8], reserve: impl FnOnce(u64) -> R) -> Result<(RgbImage, R), DecodeError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(DecodeError::Read)?;
    match reader.format() {
        None => return Err(DecodeError::UnknownFormat),
        // The JPEG decoder fills a cut-short file with grey instead of failing.
        Some(image::ImageFormat::Jpeg) if jpeg_truncated(bytes) => {
            return Err(DecodeError::Corrupt("the file ends in the middle of the picture (truncated)".into()))
        }
        Some(_) => {}
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (w, h) = decoder.dimensions();
    let needed = w as u64 * h as u64 * decoder.color_type().bytes_per_pixel() as u64;
    if needed > MAX_DECODED_BYTES {
        return Err(DecodeError::TooLarge(format!("{w}×{h} pixels would take {} MiB", needed >> 20)));
    }
    let rgb_copy = if decoder.color_type() == image::ColorType::Rgb8 { 0 } else { w as u64 * h as u64 * 3 };
    let permit = reserve(needed + rgb_copy);
    // A broken EXIF block is no reason to drop a picture: keep it unrotated.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    img.apply_orientation(orientation);
    Ok((flatten(img), permit))
}

/// Reads a regular file of at most `cap` bytes (a device, a FIFO or a
/// folder is refused; a file that grows past the cap while being read is
/// refused too, never read to the end).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, DecodeError> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(DecodeError::Read)?;
    let meta = f.metadata().map_err(DecodeError::Read)?;
    if !meta.is_file() {
        return Err(DecodeError::NotAFile);
    }
    if meta.len() > cap {
        return Err(DecodeError::TooLarge(format!("the file is {} MiB, over {} MiB", meta.len() >> 20, cap >> 20)));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(cap + 1).read_to_end(&mut bytes).map_err(DecodeError::Read)?;
    if bytes.len() as u64 > cap {
        return Err(DecodeError::TooLarge(format!("the file grew past {} MiB while being read", cap >> 20)));
    }
    Ok(bytes)
}

/// Is this an HEIF-family file (HEIC, HEIF, AVIF): an ISO base media file
/// whose `ftyp` box names a HEIF brand? (Canon's CR3 shares the container
/// and is a RAW; MP4 and MOV videos name other brands.)
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: &[&[u8; 4]] = &[
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2", b"avif",
        b"avis", b"avio",
    ];
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let ftyp = &bytes[8..size.clamp(16, bytes.len().min(1024))];
    // Major brand, minor version, then the compatible brands.
    let brands: Vec<&[u8]> = std::iter::once(&ftyp[..4]).chain(ftyp[8..].chunks_exact(4)).collect();
    !brands.contains(&&b"crx "[..]) && brands.iter().any(|b| BRANDS.iter().any(|h| &h[..] == *b))
}

/// A JPEG's last scan (SOS marker) must be followed by an end-of-image marker.
/// Entropy-coded data never contains `FF D9` (0xFF bytes are stuffed), so a
/// missing one after the last scan means the file was cut short.
fn jpeg_truncated(bytes: &[u8]) -> bool {
    match bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]) {
        Some(sos) => !bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => true,
    }
}

/// Reads (a regular file, at most [`MAX_FILE_BYTES`]) and decodes a file.
pub fn decode_file(path: &Path) -> Result<RgbImage, DecodeError> {
    decode(&read_capped(path, MAX_FILE_BYTES)?)
}

/// Any colour type to 8-bit RGB, compositing transparency over white.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = src[3] as u32;
        for c in 0..3 {
            // src*a + 255*(255-a), divided by 255 with rounding.
            dst[c] = ((src[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// A JPEG thumbnail whose long side is at most [`THUMBNAIL_SIZE`].
/// Returns the JPEG bytes and the thumbnail's size.
pub fn thumbnail(img: &RgbImage) -> Result<(Vec<u8>, u32, u32), DecodeError> {
    jpeg_within(img, THUMBNAIL_SIZE)
}

/// A JPEG whose long side is at most `max_side` (never enlarged), for
/// showing a format a web view cannot (TIFF) at preview size.
pub fn jpeg_within(img: &RgbImage, max_side: u32) -> Result<(Vec<u8>, u32, u32), DecodeError> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(DecodeError::Empty);
    }
    let scale = (max_side as f64 / w.max(h) as f64).min(1.0);
    let tw = ((w as f64 * scale).round() as u32).max(1);
    let th = ((h as f64 * scale).round() as u32).max(1);
    let small = shrink(img, tw, th)?;
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    small.write_with_encoder(enc).map_err(|e| DecodeError::Unsupported(e.to_string()))?;
    Ok((out, tw, th))
}

/// `img` resized to `tw` × `th` for looking at: Lanczos, after averaging
/// boxes down to twice the target when the picture is far larger (a few
/// taps a pixel, not Lanczos's dozens). Not for the model, whose input is
/// resized as the reference resizes it.
fn shrink(img: &RgbImage, tw: u32, th: u32) -> Result<RgbImage, DecodeError> {
    let (w, h) = img.dimensions();
    if (tw, th) == (w, h) {
        return Ok(img.clone());
    }
    let fail = |e: &dyn std::fmt::Display| DecodeError::Unsupported(e.to_string());
    let mut resizer = Resizer::new();
    // Read in place: a 12-MP photo is 36 MB, not worth a copy.
    let src = ImageRef::new(w, h, img.as_raw(), PixelType::U8x3).map_err(|e| fail(&e))?;
    let (bw, bh) = (tw * 2, th * 2);
    let shrunk = if w >= bw * 2 && h >= bh * 2 {
        let mut mid = FirImage::new(bw, bh, PixelType::U8x3);
        let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
        resizer.resize(&src, &mut mid, &opts).map_err(|e| fail(&e))?;
        Some(mid)
    } else {
        None
    };
    let mut dst = FirImage::new(tw, th, PixelType::U8x3);
    let lanczos = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    match &shrunk {
        Some(mid) => resizer.resize(mid, &mut dst, &lanczos),
        None => resizer.resize(&src, &mut dst, &lanczos),
    }
    .map_err(|e| fail(&e))?;
    RgbImage::from_raw(tw, th, dst.into_vec()).ok_or_else(|| DecodeError::Unsupported("thumbnail buffer".into()))
}

/// A heat colour for a level from 0 (cold: blue) to 1 (hot: red), through
/// cyan, green and yellow.
pub fn heat_colour(level: f32) -> [u8; 3] {
    let t = level.clamp(0.0, 1.0) * 4.0;
    let (r, g, b) = match t {
        t if t < 1.0 => (0.0, t, 1.0),
        t if t < 2.0 => (0.0, 1.0, 2.0 - t),
        t if t < 3.0 => (t - 2.0, 1.0, 0.0),
        t => (1.0, 4.0 - t, 0.0),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}

/// `img` with a `rows`×`cols` grid of levels (0–1, row-major) laid over it,
/// smoothly interpolated, at `alpha` opacity.
pub fn heat_overlay(img: &RgbImage, rows: usize, cols: usize, levels: &[f32], alpha: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let at = |r: usize, c: usize| levels.get(r.min(rows - 1) * cols + c.min(cols - 1)).copied().unwrap_or(0.0);
    let mut out = img.clone();
    for (x, y, px) in out.enumerate_pixels_mut() {
        // Cell centres sit at (i + 0.5) / n; bilinear between the nearest four.
        let fx = ((x as f32 + 0.5) / w as f32 * cols as f32 - 0.5).clamp(0.0, (cols - 1) as f32);
        let fy = ((y as f32 + 0.5) / h as f32 * rows as f32 - 0.5).clamp(0.0, (rows - 1) as f32);
        let (c0, r0) = (fx.floor() as usize, fy.floor() as usize);
        let (tx, ty) = (fx - c0 as f32, fy - r0 as f32);
        let top = at(r0, c0) * (1.0 - tx) + at(r0, c0 + 1) * tx;
        let bottom = at(r0 + 1, c0) * (1.0 - tx) + at(r0 + 1, c0 + 1) * tx;
        let heat = heat_colour(top * (1.0 - ty) + bottom * ty);
        for (channel, h) in px.0.iter_mut().zip(heat) {
            *channel = (*channel as f32 * (1.0 - alpha) + h as f32 * alpha).round() as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};

    fn encode(img: DynamicImage, fmt: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, fmt).expect("encode");
        out.into_inner()
    }

    #[test]
    fn heat_overlay_colours_hot_cells_red_and_cold_cells_blue() {
        let img = RgbImage::from_pixel(40, 40, image::Rgb([128, 128, 128]));
        let levels = [1.0, 0.0, 0.0, 0.0];
        let out = heat_overlay(&img, 2, 2, &levels, 1.0);
        assert_eq!(out.get_pixel(0, 0).0, [255, 0, 0], "the hot corner is red");
        assert_eq!(out.get_pixel(39, 39).0, [0, 0, 255], "the cold corner is blue");
        assert_eq!(heat_colour(0.5), [0, 255, 0]);
    }

    #[test]
    fn transparency_becomes_white() {
        let mut img = RgbaImage::from_pixel(2, 1, Rgba([0, 0, 0, 0]));
        img.put_pixel(1, 0, Rgba([255, 0, 0, 255]));
        let rgb = decode(&encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)).expect("decode");
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [255, 0, 0]);
    }

    #[test]
    fn grey_and_sixteen_bit_become_rgb8() {
        let grey = image::GrayImage::from_pixel(3, 2, image::Luma([100]));
        let rgb = decode(&encode(DynamicImage::ImageLuma8(grey), ImageFormat::Png)).expect("grey");
        assert_eq!(rgb.get_pixel(2, 1).0, [100, 100, 100]);
        let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_pixel(2, 2, image::Rgb([65535u16, 0, 32896]));
        let rgb = decode(&encode(DynamicImage::ImageRgb16(deep), ImageFormat::Png)).expect("16-bit");
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 0, 128]);
    }

    /// A TIFF-structured EXIF block with one tag: Orientation = `value`.
    fn exif_orientation(value: u16) -> Vec<u8> {
        let mut e = b"MM\0\x2a\0\0\0\x08".to_vec(); // big-endian TIFF, IFD at 8
        e.extend_from_slice(&1u16.to_be_bytes()); // one entry
        e.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        e.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        e.extend_from_slice(&1u32.to_be_bytes()); // count
        e.extend_from_slice(&value.to_be_bytes());
        e.extend_from_slice(&[0, 0]);
        e.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        e
    }

    #[test]
    fn exif_orientation_is_applied() {
        use image::ImageEncoder;
        // 16x8: left half red, right half blue. Orientation 6 = rotate 90° clockwise to view.
        let img =
            RgbImage::from_fn(16, 8, |x, _| if x < 8 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) });
        let mut jpeg = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95);
        enc.set_exif_metadata(exif_orientation(6)).expect("exif");
        enc.write_image(img.as_raw(), 16, 8, image::ExtendedColorType::Rgb8).expect("encode");
        let upright = decode(&jpeg).expect("decode");
        assert_eq!(upright.dimensions(), (8, 16), "rotated to portrait");
        let top = upright.get_pixel(4, 2).0;
        let bottom = upright.get_pixel(4, 13).0;
        assert!(top[0] > 200 && top[2] < 60, "red on top after rotation: {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "blue at the bottom: {bottom:?}");
    }

    /// Files written by ImageMagick in colour types Clipdex must convert.
    #[test]
    fn cmyk_palette_and_sixteen_bit_files_decode_to_their_colour() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/media");
        for (file, want) in
            [("cmyk-red.jpg", [208, 32, 32]), ("palette-blue.png", [32, 96, 208]), ("rgb16-green.png", [32, 160, 64])]
        {
            let img = decode_file(&dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(img.dimensions(), (32, 24), "{file}");
            let got = img.get_pixel(16, 12).0;
            for c in 0..3 {
                assert!((got[c] as i32 - want[c]).abs() <= 12, "{file}: {got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn garbage_is_a_clear_error_not_a_panic() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty)));
        assert!(matches!(decode(b"this is not an image at all"), Err(DecodeError::UnknownFormat)));
        let jpeg =
            encode(DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, image::Rgb([9, 99, 199]))), ImageFormat::Jpeg);
        assert!(decode(&jpeg).is_ok());
        let err = decode(&jpeg[..jpeg.len() - 40]).expect_err("truncated jpeg");
        assert!(matches!(err, DecodeError::Corrupt(_)), "{err:?}");
        let png = encode(DynamicImage::ImageRgb8(RgbImage::new(64, 64)), ImageFormat::Png);
        let err = decode(&png[..png.len() / 2]).expect_err("truncated");
        assert!(matches!(err, DecodeError::Corrupt(_)), "{err:?}");
    }

    #[test]
    fn thumbnails_keep_aspect_and_cap_the_long_side() {
        let img = RgbImage::from_pixel(1000, 500, image::Rgb([10, 200, 30]));
        let (jpeg, w, h) = thumbnail(&img).expect("thumb");
        assert_eq!((w, h), (256, 128));
        let back = decode(&jpeg).expect("decode thumb");
        assert_eq!(back.dimensions(), (256, 128));
        let small = RgbImage::new(40, 30);
        assert_eq!(thumbnail(&small).expect("small").1, 40);
    }

    #[test]
    fn a_large_photos_thumbnail_is_as_sharp_and_clean_as_a_direct_lanczos_one() {
        // 12 MP of fine stripes, a gradient and noise: what a box pre-shrink
        // could blur or alias if it were done wrong.
        let mut seed = 7u32;
        let img = RgbImage::from_fn(4032, 3024, |x, y| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (seed >> 24) as i32 % 9 - 4;
            let stripes = if (x / 96) % 2 == 0 { 60 } else { 190 };
            let v = |base: i32| (base + noise).clamp(0, 255) as u8;
            image::Rgb([v(stripes), v((y * 255 / 3024) as i32), v(((x + y) * 255 / 7056) as i32)])
        });
        let (_, w, h) = thumbnail(&img).expect("thumb");
        assert_eq!((w, h), (256, 192));
        let ours = shrink(&img, w, h).expect("shrink");
        let src = ImageRef::new(4032, 3024, img.as_raw(), PixelType::U8x3).expect("src");
        let mut direct = FirImage::new(256, 192, PixelType::U8x3);
        let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        Resizer::new().resize(&src, &mut direct, &opts).expect("resize");
        let diff: u64 =
            ours.as_raw().iter().zip(direct.buffer()).map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs() as u64).sum();
        let mean = diff as f64 / ours.as_raw().len() as f64;
        // Box-then-Lanczos: 0.46 levels; a nearest-neighbour pre-shrink (aliasing): 2.0.
        assert!(mean < 1.0, "mean difference {mean:.2} levels from a direct Lanczos thumbnail");
    }
}
