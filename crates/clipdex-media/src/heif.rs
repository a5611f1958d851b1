//! HEIC/HEIF and AVIF through libheif (the `heif` feature). libheif applies
//! the file's own rotation, mirroring and cropping (`irot`, `imir`, `clap`):
//! in HEIF those, not the EXIF orientation, say which way is up.

use image::{DynamicImage, RgbImage, RgbaImage};
use libheif_rs::{ColorSpace, DecodingOptions, HeifContext, LibHeif, RgbChroma};

use crate::{DecodeError, MAX_DECODED_BYTES, MAX_SIDE};

fn corrupt(e: libheif_rs::HeifError) -> DecodeError {
    use libheif_rs::HeifErrorCode as C;
    match e.code {
        C::UnsupportedFeature | C::UnsupportedFileType | C::DecoderPluginError => DecodeError::Unsupported(e.message),
        C::MemoryAllocationError => DecodeError::TooLarge(e.message),
        _ => DecodeError::Corrupt(e.message),
    }
}

/// Decodes the primary image of a HEIF/AVIF file, calling `reserve` with the
/// bytes it will hold once the size is known and before any pixel is decoded.
pub(crate) fn decode<R>(bytes: &[u8], reserve: impl FnOnce(u64) -> R) -> Result<(DynamicImage, R), DecodeError> {
    let lib = LibHeif::new();
    let mut ctx = HeifContext::new().map_err(corrupt)?;
    // libheif's own limits, tightened to Clipdex's: a file that claims more
    // pixels, tiles or memory than this is refused while being parsed.
    let mut limits = ctx.security_limits();
    limits.set_max_image_size_pixels(MAX_DECODED_BYTES / 3);
    limits.set_max_total_memory(2 * MAX_DECODED_BYTES);
    ctx.set_security_limits(&limits).map_err(corrupt)?;
    // Files are decoded on several threads already; one each is enough.
    ctx.set_max_decoding_threads(0);
    ctx.read_bytes(bytes).map_err(corrupt)?;
    let handle = ctx.primary_image_handle().map_err(corrupt)?;
    let (w, h) = (handle.width(), handle.height());
    if w == 0 || h == 0 {
        return Err(DecodeError::Empty);
    }
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(DecodeError::TooLarge(format!("{w}×{h} pixels, over {MAX_SIDE} a side")));
    }
    let alpha = handle.has_alpha_channel();
    let channels = if alpha { 4 } else { 3 };
    let needed = w as u64 * h as u64 * channels;
    if needed > MAX_DECODED_BYTES {
        return Err(DecodeError::TooLarge(format!("{w}×{h} pixels would take {} MiB", needed >> 20)));
    }
    let permit = reserve(needed * 2);
    let mut options = DecodingOptions::new().ok_or_else(|| DecodeError::Unsupported("libheif options".into()))?;
    options.set_convert_hdr_to_8bit(true);
    let chroma = if alpha { RgbChroma::Rgba } else { RgbChroma::Rgb };
    let img = lib.decode(&handle, ColorSpace::Rgb(chroma), Some(options)).map_err(corrupt)?;
    let planes = img.planes();
    let plane = planes.interleaved.ok_or_else(|| DecodeError::Corrupt("libheif returned no pixels".into()))?;
    let (pw, ph) = (plane.width, plane.height);
    let row = pw as usize * channels as usize;
    if plane.stride < row || plane.data.len() < plane.stride * ph.saturating_sub(1) as usize + row {
        return Err(DecodeError::Corrupt("libheif returned a short picture".into()));
    }
    let mut packed = Vec::with_capacity(row * ph as usize);
    for y in 0..ph as usize {
        packed.extend_from_slice(&plane.data[y * plane.stride..y * plane.stride + row]);
    }
    let out = if alpha {
        RgbaImage::from_raw(pw, ph, packed).map(DynamicImage::ImageRgba8)
    } else {
        RgbImage::from_raw(pw, ph, packed).map(DynamicImage::ImageRgb8)
    };
    out.map(|img| (img, permit)).ok_or_else(|| DecodeError::Corrupt("libheif returned a short picture".into()))
}
