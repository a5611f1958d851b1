//! Decoding a picture no larger than its consumer needs.
//!
//! The indexer needs a few hundred pixels a side (the model's input, the
//! thumbnail), and a phone's 12-MP JPEG has 4032. A JPEG stores 8×8 blocks
//! of frequencies, so it can be decoded at 1/2, 1/4 or 1/8 of its size by
//! keeping only each block's lowest frequencies (libjpeg's scaled IDCT,
//! Pillow's `draft()`): the entropy decoding is the same, but the inverse
//! transform, upsampling and colour conversion touch a quarter to a
//! sixty-fourth of the pixels, and so does every resize after it. That
//! reduction is itself an averaging filter, so the picture that comes out is
//! what a good downscale of the full one would be.
//!
//! Only JPEGs shrink this way, and only by as much as still leaves the
//! consumer's [`Need`] covered; everything else (other formats, CMYK, a file
//! the scaled decoder cannot read) is decoded in full by [`crate::decode_with`],
//! which also gives any error its proper kind.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use crate::{jpeg_truncated, DecodeError, MAX_DECODED_BYTES, MAX_SIDE};

/// The smallest picture a consumer can use: its short side at least
/// `short` pixels and its long side at least `long` (both upright).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    pub short: u32,
    pub long: u32,
}

/// A decoded picture, perhaps at a reduced scale, with the size of the
/// whole picture (upright), which is what a user is told.
#[derive(Debug)]
pub struct Decoded {
    pub image: RgbImage,
    pub full_size: (u32, u32),
}

/// Decodes like [`crate::decode_with`], but a JPEG comes out at the smallest
/// of 1/8, 1/4, 1/2 or full scale that still covers `need`. `reserve` is
/// called with the bytes the decode will hold at its peak before any pixel
/// is allocated (a second time, after dropping the first permit, if the
/// scaled decoder gives up and the full one takes over).
pub fn decode_at_least<R>(
    bytes: &[u8],
    need: Need,
    mut reserve: impl FnMut(u64) -> R,
) -> Result<(Decoded, R), DecodeError> {
    if let Some(plan) = plan(bytes, need) {
        let permit = reserve(plan.peak_bytes);
        if let Some(decoded) = decode_scaled(bytes, &plan) {
            return Ok((decoded, permit));
        }
        drop(permit);
    }
    let (image, permit) = crate::decode_with(bytes, reserve)?;
    let full_size = image.dimensions();
    Ok((Decoded { image, full_size }, permit))
}

/// How a JPEG will be decoded at a reduced scale.
struct Plan {
    /// The stored (not upright) size of the whole picture.
    width: u32,
    height: u32,
    /// 2, 4 or 8.
    denominator: u32,
    /// Scaled output, plus (progressive files) every coefficient of the
    /// whole picture, which the decoder holds until the last scan.
    peak_bytes: u64,
}

/// The scale a JPEG can be decoded at, if smaller than full; `None` for
/// anything else, which is decoded in full.
fn plan(bytes: &[u8], need: Need) -> Option<Plan> {
    if bytes.len() < 4 || bytes[..2] != [0xFF, 0xD8] || jpeg_truncated(bytes) {
        return None;
    }
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    if !matches!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8) {
        return None; // CMYK and 16-bit: the full decoder converts those.
    }
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return None;
    }
    let (short, long) = (width.min(height), width.max(height));
    // The output of 1/d scale is ceil(side / d) (the decoder rounds up).
    let denominator =
        [8, 4, 2].into_iter().find(|d| short.div_ceil(*d) >= need.short && long.div_ceil(*d) >= need.long)?;
    let scaled = u64::from(width.div_ceil(denominator)) * u64::from(height.div_ceil(denominator)) * 3;
    let progressive = matches!(info.coding_process, jpeg_decoder::CodingProcess::DctProgressive);
    // Two bytes per coefficient, at most three full-size components.
    let coefficients = if progressive { u64::from(width) * u64::from(height) * 6 } else { 0 };
    Some(Plan { width, height, denominator, peak_bytes: scaled + coefficients })
}

/// The picture at the planned scale, upright and as RGB; `None` if the
/// scaled decoder cannot read it (the full decoder then says why).
fn decode_scaled(bytes: &[u8], plan: &Plan) -> Option<Decoded> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODED_BYTES).ok()?);
    decoder.read_info().ok()?;
    let (w, h) = (plan.width.div_ceil(plan.denominator), plan.height.div_ceil(plan.denominator));
    let (sw, sh) = decoder.scale(u16::try_from(w).ok()?, u16::try_from(h).ok()?).ok()?;
    if (u32::from(sw), u32::from(sh)) != (w, h) {
        return None;
    }
    let pixels = decoder.decode().ok()?;
    let format = decoder.info()?.pixel_format;
    let image = match format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(w, h, pixels)?,
        jpeg_decoder::PixelFormat::L8 => {
            let grey = image::GrayImage::from_raw(w, h, pixels)?;
            DynamicImage::ImageLuma8(grey).into_rgb8()
        }
        _ => return None,
    };
    // A broken EXIF block is no reason to drop a picture: keep it unrotated.
    let orientation = decoder.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let mut upright = DynamicImage::ImageRgb8(image);
    upright.apply_orientation(orientation);
    let turned = matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    );
    let full_size = if turned { (plan.height, plan.width) } else { (plan.width, plan.height) };
    Some(Decoded { image: upright.into_rgb8(), full_size })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;

    fn jpeg(img: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if let Some(exif) = exif {
            enc.set_exif_metadata(exif).expect("exif");
        }
        enc.write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8).expect("encode");
        out
    }

    #[test]
    fn a_large_jpeg_is_decoded_at_the_smallest_scale_that_covers_the_need() {
        let img = RgbImage::from_fn(4032, 3024, |x, y| image::Rgb([(x / 16) as u8, (y / 12) as u8, 128]));
        let bytes = jpeg(&img, None);
        let need = |short, long| Need { short, long };
        let size = |n: Need| decode_at_least(&bytes, n, |_| ()).expect("decode").0;
        // 1/8 gives 504×378, 1/4 1008×756, 1/2 2016×1512.
        let d = size(need(224, 256));
        assert_eq!((d.image.dimensions(), d.full_size), ((504, 378), (4032, 3024)));
        assert_eq!(size(need(448, 512)).image.dimensions(), (1008, 756));
        assert_eq!(size(need(1000, 512)).image.dimensions(), (2016, 1512));
        assert_eq!(size(need(3000, 512)).image.dimensions(), (4032, 3024), "no scale covers it: in full");
        // The picture is the same one, only smaller: a pixel's colour matches the full picture's there.
        let full = crate::decode(&bytes).expect("full");
        for (x, y) in [(10, 10), (250, 200), (490, 370)] {
            let (a, b) = (d.image.get_pixel(x, y).0, full.get_pixel(x * 8 + 4, y * 8 + 4).0);
            assert!(a.iter().zip(b).all(|(a, b)| (*a as i32 - b as i32).abs() <= 6), "{a:?} vs {b:?} at {x},{y}");
        }
    }

    #[test]
    fn a_scaled_decode_is_upright_and_reports_the_upright_full_size() {
        // 2000×1000: left half red, right half blue; orientation 6 = turn 90° clockwise to view.
        let img =
            RgbImage::from_fn(
                2000,
                1000,
                |x, _| if x < 1000 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) },
            );
        let mut exif = b"MM\0\x2a\0\0\0\x08".to_vec();
        exif.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let (d, ()) = decode_at_least(&jpeg(&img, Some(exif)), Need { short: 100, long: 100 }, |_| ()).expect("decode");
        assert_eq!(d.full_size, (1000, 2000), "the whole picture, upright");
        assert_eq!(d.image.dimensions(), (125, 250), "1/8 scale, upright");
        let (top, bottom) = (d.image.get_pixel(60, 20).0, d.image.get_pixel(60, 230).0);
        assert!(top[0] > 200 && top[2] < 60, "red on top: {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "blue at the bottom: {bottom:?}");
    }

    #[test]
    fn damaged_and_other_files_take_the_full_decoder_and_its_errors() {
        let img = RgbImage::from_pixel(1600, 1200, image::Rgb([9, 99, 199]));
        let bytes = jpeg(&img, None);
        let need = Need { short: 100, long: 100 };
        let err = decode_at_least(&bytes[..bytes.len() - 40], need, |_| ()).expect_err("truncated");
        assert!(matches!(err, DecodeError::Corrupt(_)), "{err:?}");
        let err = decode_at_least(b"not an image", need, |_| ()).expect_err("garbage");
        assert!(matches!(err, DecodeError::UnknownFormat), "{err:?}");
        // A PNG is decoded in full, whatever the need.
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img).write_to(&mut png, image::ImageFormat::Png).expect("png");
        let (d, ()) = decode_at_least(png.get_ref(), need, |_| ()).expect("png");
        assert_eq!((d.image.dimensions(), d.full_size), ((1600, 1200), (1600, 1200)));
    }
}
