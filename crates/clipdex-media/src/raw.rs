//! Camera RAW files (DNG, CR2/CR3, NEF, ARW, RAF, ORF, RW2, PEF, …) through
//! `rawler`, pure Rust. The camera's own full-size JPEG preview is preferred
//! (it is what the camera showed, and decoding it costs a fraction of a
//! demosaic); a file without one large enough is demosaiced and developed to
//! sRGB. Either way the file's EXIF orientation is applied. `decode` runs
//! only in a decoding worker (or behind `catch_unwind`, see `isolate`);
//! `is_raw` and `exif_container` run anywhere and use no RAW decoder.

use image::metadata::Orientation;
use image::DynamicImage;
use rawler::decoders::{Decoder, RawDecodeParams};
use rawler::imgop::develop::RawDevelop;
use rawler::rawsource::RawSource;

use crate::{DecodeError, MAX_DECODED_BYTES, MAX_SIDE};

/// A preview whose long side is at least this (or the raw's own) is used
/// instead of demosaicing: far more than a model's input or a thumbnail needs.
const MIN_PREVIEW_SIDE: u32 = 1024;

/// Does the file start like a RAW format that is not also a plain TIFF?
/// (TIFF-structured RAWs are told apart from TIFFs by [`is_raw`].)
fn raw_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(b"FUJIFILMCCD-RAW")
        || bytes.starts_with(b"IIRO")
        || bytes.starts_with(b"IIRS")
        || bytes.starts_with(b"MMOR")
        || bytes.starts_with(b"IIU\0")
        || bytes.starts_with(b"\0MRM")
        || bytes.starts_with(b"FOVb")
        || (bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && &bytes[8..12] == b"crx ")
}

fn tiff_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*")
}

/// Camera makers whose TIFF-structured files are RAWs (rawler's list).
const RAW_MAKERS: &[&str] = &[
    "canon",
    "nikon",
    "sony",
    "pentax",
    "ricoh",
    "olympus",
    "om digital",
    "panasonic",
    "leica",
    "samsung",
    "fujifilm",
    "hasselblad",
    "phase one",
    "leaf",
    "mamiya",
    "kodak",
    "eastman kodak",
    "seiko epson",
];

/// Is this a camera RAW file? Read from the bytes alone, by a bounds-checked
/// walk of the directories (`preview::walk`), never by a RAW decoder: this
/// runs in the app's own process. A TIFF counts when it says it is one: a
/// DNG version, Canon's "CR" mark, sensor data (CFA or linear raw), or a
/// camera maker's name.
pub(crate) fn is_raw(bytes: &[u8]) -> bool {
    if raw_magic(bytes) {
        return true;
    }
    if !tiff_magic(bytes) {
        return false;
    }
    if bytes.get(8..10) == Some(b"CR") {
        return true;
    }
    let found = crate::preview::walk(bytes);
    found.dng
        || found.sensor_data
        || found.make.as_deref().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            RAW_MAKERS.iter().any(|k| m.starts_with(k))
        })
}

fn failed(e: rawler::RawlerError) -> DecodeError {
    match e {
        rawler::RawlerError::Unsupported { what, .. } => DecodeError::Unsupported(what),
        other => DecodeError::Corrupt(other.to_string()),
    }
}

fn orientation(decoder: &dyn Decoder, src: &RawSource) -> Orientation {
    let exif = decoder.raw_metadata(src, &RawDecodeParams::default()).ok().and_then(|m| m.exif.orientation);
    exif.and_then(|v| u8::try_from(v).ok()).and_then(Orientation::from_exif).unwrap_or(Orientation::NoTransforms)
}

fn long_side(img: &DynamicImage) -> u32 {
    img.width().max(img.height())
}

fn check_size(w: u32, h: u32, bytes_per_pixel: u64) -> Result<u64, DecodeError> {
    if w == 0 || h == 0 {
        return Err(DecodeError::Empty);
    }
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(DecodeError::TooLarge(format!("{w}×{h} pixels, over {MAX_SIDE} a side")));
    }
    let needed = w as u64 * h as u64 * bytes_per_pixel;
    if needed > 2 * MAX_DECODED_BYTES {
        return Err(DecodeError::TooLarge(format!("{w}×{h} pixels would take {} MiB to develop", needed >> 20)));
    }
    Ok(needed)
}

/// Decodes a RAW file: its full-size preview if it has one, else the sensor
/// data demosaiced. Upright, 8-bit RGB.
pub(crate) fn decode<R>(bytes: &[u8], reserve: impl FnOnce(u64) -> R) -> Result<(DynamicImage, R), DecodeError> {
    let found = crate::preview::walk(bytes);
    if let Some(why) = &found.insane {
        return Err(DecodeError::Corrupt(format!("the RAW file is malformed ({why})")));
    }
    // The camera's own JPEG, when it is full size (most makers) or at least
    // large (a DNG's preview): decoded like any JPEG, with the same limits,
    // without starting rawler (whose camera catalogue takes a while to load).
    let walked_turn = found.orientation.and_then(|v| u8::try_from(v).ok()).and_then(Orientation::from_exif);
    if let Some((jpeg, w, h)) = crate::preview::largest(&found) {
        if w.max(h) >= MIN_PREVIEW_SIDE.min(found.largest_side.max(1)) {
            let (rgb, permit) = crate::decode_image(jpeg, reserve)?;
            let mut img = DynamicImage::ImageRgb8(rgb);
            img.apply_orientation(walked_turn.unwrap_or(Orientation::NoTransforms));
            return Ok((img, permit));
        }
    }
    let src = RawSource::new_from_slice(bytes);
    let decoder = rawler::get_decoder(&src).map_err(failed)?;
    let params = RawDecodeParams::default();
    let turn = walked_turn.unwrap_or_else(|| orientation(decoder.as_ref(), &src));
    // Formats whose previews sit in their own containers (CR3).
    let embedded = match decoder.full_image(&src, &params) {
        Ok(Some(img)) => Some(img),
        _ => decoder.preview_image(&src, &params).ok().flatten(),
    };
    if let Some(img) = embedded {
        if long_side(&img) >= MIN_PREVIEW_SIDE {
            let needed = check_size(img.width(), img.height(), 3)?;
            let permit = reserve(needed);
            let mut img = DynamicImage::ImageRgb8(img.into_rgb8());
            img.apply_orientation(turn);
            return Ok((img, permit));
        }
    }
    let raw = decoder.raw_image(&src, &params, false).map_err(failed)?;
    // Sensor values (2 bytes), the developed floats (12) and the 16-bit RGB (6).
    let needed = check_size(raw.width as u32, raw.height as u32, 20)?;
    let permit = reserve(needed);
    let developed = RawDevelop::default().develop_intermediate(&raw).map_err(failed)?;
    let img =
        developed.to_dynamic_image().ok_or_else(|| DecodeError::Corrupt("the developed picture is empty".into()))?;
    let mut img = DynamicImage::ImageRgb8(img.into_rgb8());
    img.apply_orientation(turn);
    Ok((img, permit))
}

/// The bytes of a RAW file that a plain EXIF reader can read: ORF and RW2
/// are TIFFs under another mark (copied with the standard one), RAF carries
/// its EXIF in its embedded JPEG. Others (TIFF-based RAWs) are read as they are.
pub(crate) fn exif_container(bytes: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if bytes.starts_with(b"IIRO") || bytes.starts_with(b"IIRS") || bytes.starts_with(b"IIU\0") {
        let mut tiff = bytes.to_vec();
        tiff[..4].copy_from_slice(b"II*\0");
        return Some(Cow::Owned(tiff));
    }
    if bytes.starts_with(b"MMOR") {
        let mut tiff = bytes.to_vec();
        tiff[..4].copy_from_slice(b"MM\0*");
        return Some(Cow::Owned(tiff));
    }
    if bytes.starts_with(b"FUJIFILMCCD-RAW") {
        return crate::preview::walk(bytes).jpegs.first().map(|j| Cow::Borrowed(*j));
    }
    None
}

/// Canon's box in a CR3's `moov`, which holds its metadata.
const CANON_UUID: [u8; 16] =
    [0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48];

/// A CR3's EXIF, as two TIFFs.
pub(crate) struct Cr3Exif<'a> {
    /// `CMT1`: the main directory (make, model).
    pub main: Option<&'a [u8]>,
    /// `CMT2`: the EXIF directory (date taken, lens), as its TIFF's first.
    pub exif: Option<&'a [u8]>,
}

/// A CR3's EXIF; `None` for a file that is not a CR3 or has neither TIFF.
pub(crate) fn cr3_exif(bytes: &[u8]) -> Option<Cr3Exif<'_>> {
    if bytes.get(4..12) != Some(b"ftypcrx ") {
        return None;
    }
    let moov = boxes(bytes).into_iter().find(|(kind, _)| kind == b"moov")?.1;
    let canon = boxes(moov).into_iter().find(|(kind, body)| kind == b"uuid" && body.starts_with(&CANON_UUID))?.1;
    let inner = boxes(&canon[CANON_UUID.len()..]);
    let find = |name: &[u8; 4]| inner.iter().find(|(kind, _)| kind == name).map(|(_, body)| *body);
    let found = Cr3Exif { main: find(b"CMT1"), exif: find(b"CMT2") };
    (found.main.is_some() || found.exif.is_some()).then_some(found)
}

/// The boxes of an ISO base media span, in order: their types and bodies.
/// Stops at the first box that does not fit.
fn boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(head) = data.get(at..at + 8) {
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = [head[4], head[5], head[6], head[7]];
        let (header, size) = match size {
            0 => (8, (data.len() - at) as u64), // to the end
            1 => match data.get(at + 8..at + 16).and_then(|l| <[u8; 8]>::try_from(l).ok()) {
                Some(large) => (16, u64::from_be_bytes(large)),
                None => break,
            },
            s => (8, s),
        };
        let Some(end) = usize::try_from(size).ok().and_then(|s| at.checked_add(s)) else { break };
        if size < header as u64 || end > data.len() {
            break;
        }
        out.push((kind, &data[at + header..end]));
        at = end;
    }
    out
}
