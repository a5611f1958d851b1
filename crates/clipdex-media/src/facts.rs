//! Facts a camera writes into a photo: when it was taken, with which camera
//! and lens. Read from the EXIF block of JPEG, TIFF, PNG, WebP, HEIF/AVIF
//! and TIFF-structured RAW files (DNG, NEF, ARW, CR2, PEF, and ORF and RW2
//! under their own marks), RAF's embedded JPEG and CR3's `CMT1`/`CMT2`
//! boxes; a file without one (or with a broken one) simply has no facts.

use std::io::BufReader;
use std::path::Path;

use exif::{In, Tag, Value};

/// What a photo's EXIF block says, where it says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhotoFacts {
    /// When the picture was taken, in milliseconds since the Unix epoch.
    /// EXIF stores the camera's wall-clock time; with an `OffsetTimeOriginal`
    /// it is converted to UTC, without one the wall-clock time is read as UTC
    /// (so a date filter matches the calendar day the photo shows).
    pub taken_at_ms: Option<i64>,
    /// Make and model, e.g. "Canon EOS 5D Mark IV" (the make once).
    pub camera: Option<String>,
    pub lens: Option<String>,
}

impl PhotoFacts {
    pub fn is_empty(&self) -> bool {
        self.taken_at_ms.is_none() && self.camera.is_none() && self.lens.is_none()
    }
}

/// Reads a file's EXIF facts; empty when it has none or they cannot be read.
pub fn read_facts(path: &Path) -> PhotoFacts {
    if crate::is_video_path(path) {
        return crate::video::video_facts(path);
    }
    let Ok(file) = std::fs::File::open(path) else { return PhotoFacts::default() };
    let mut reader = BufReader::new(file);
    let facts = match exif::Reader::new().read_from_container(&mut reader) {
        Ok(exif) => facts_of(&exif),
        Err(_) => PhotoFacts::default(),
    };
    if !facts.is_empty() {
        return facts;
    }
    // RAW containers a plain reader cannot open (ORF, RW2, RAF, CR3).
    let Ok(bytes) = crate::read_capped(path, crate::MAX_FILE_BYTES) else { return facts };
    if let Some(cr3) = crate::raw::cr3_exif(&bytes) {
        return cr3_facts(&cr3);
    }
    match crate::raw::exif_container(&bytes) {
        Some(tiff) => match exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&tiff[..])) {
            Ok(exif) => facts_of(&exif),
            Err(_) => facts,
        },
        None => facts,
    }
}

/// "Canon EOS R5" from make "Canon" and model "Canon EOS R5"; the make is
/// added only when the model does not already start with it.
fn camera_name(make: Option<String>, model: Option<String>) -> Option<String> {
    match (make, model) {
        // Many models already start with the make ("Canon EOS …", "NIKON D750" under "NIKON CORPORATION").
        (Some(make), Some(model)) => {
            let first = make.split_whitespace().next().unwrap_or("").to_lowercase();
            if model.to_lowercase().starts_with(&first) {
                Some(model)
            } else {
                Some(format!("{make} {model}"))
            }
        }
        (make, model) => model.or(make),
    }
}

/// Facts from a raw TIFF-structured EXIF block (as stored in a JPEG's APP1
/// segment after "Exif\0\0").
pub fn facts_from_raw(raw: &[u8]) -> PhotoFacts {
    match exif::Reader::new().read_raw(raw.to_vec()) {
        Ok(exif) => facts_of(&exif),
        Err(_) => PhotoFacts::default(),
    }
}

fn ascii(exif: &exif::Exif, tag: Tag) -> Option<String> {
    let field = exif.get_field(tag, In::PRIMARY)?;
    let Value::Ascii(parts) = &field.value else { return None };
    let text: String = parts
        .iter()
        .map(|p| String::from_utf8_lossy(p).trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn raw_ascii(exif: &exif::Exif, tag: Tag) -> Option<Vec<u8>> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => parts.first().cloned(),
        _ => None,
    }
}

fn facts_of(exif: &exif::Exif) -> PhotoFacts {
    let camera = camera_name(ascii(exif, Tag::Make), ascii(exif, Tag::Model));
    let lens = ascii(exif, Tag::LensModel);
    PhotoFacts { taken_at_ms: taken_at(exif, |t| t), camera, lens }
}

/// A CR3's facts from its two TIFFs (see `raw::cr3_exif`). The EXIF
/// directory is its TIFF's first, so its tags are read as top-level ones.
fn cr3_facts(cr3: &crate::raw::Cr3Exif<'_>) -> PhotoFacts {
    let read = |tiff: Option<&[u8]>| tiff.and_then(|t| exif::Reader::new().read_raw(t.to_vec()).ok());
    let camera = read(cr3.main).and_then(|e| camera_name(ascii(&e, Tag::Make), ascii(&e, Tag::Model)));
    let top = |t: Tag| Tag(exif::Context::Tiff, t.number());
    let (lens, taken_at_ms) = match read(cr3.exif) {
        Some(e) => (ascii(&e, top(Tag::LensModel)), taken_at(&e, top)),
        None => (None, None),
    };
    PhotoFacts { taken_at_ms, camera, lens }
}

/// When the picture was taken: the first of the original, digitized and
/// file dates that reads, with its offset; `tag` says where each tag sits.
fn taken_at(exif: &exif::Exif, tag: impl Fn(Tag) -> Tag) -> Option<i64> {
    [
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal),
        (Tag::DateTimeDigitized, Tag::OffsetTimeDigitized),
        (Tag::DateTime, Tag::OffsetTime),
    ]
    .iter()
    .find_map(|&(when, offset)| {
        let mut dt = exif::DateTime::from_ascii(&raw_ascii(exif, tag(when))?).ok()?;
        if let Some(o) = raw_ascii(exif, tag(offset)) {
            let _ = dt.parse_offset(&o);
        }
        to_epoch_ms(&dt)
    })
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A civil date from days since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Milliseconds since the epoch as ISO 8601 UTC, e.g. `2019-07-14T18:30:05Z`.
pub fn iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

fn to_epoch_ms(dt: &exif::DateTime) -> Option<i64> {
    // Cameras with an unset clock write 0000:00:00 or 1970; both mean "unknown".
    if dt.year < 1826 || !(1..=12).contains(&dt.month) || !(1..=31).contains(&dt.day) {
        return None;
    }
    if dt.hour > 23 || dt.minute > 59 || dt.second > 60 {
        return None;
    }
    let days = days_from_civil(dt.year as i64, dt.month as i64, dt.day as i64);
    let secs = days * 86_400 + dt.hour as i64 * 3_600 + dt.minute as i64 * 60 + dt.second as i64;
    let secs = secs - dt.offset.map_or(0, |o| o as i64 * 60);
    Some(secs * 1_000 + dt.nanosecond.map_or(0, |n| n as i64 / 1_000_000))
}

/// Builds a small big-endian TIFF EXIF block (for tests and fixtures): IFD0
/// with Make, Model and DateTime, and an Exif IFD with DateTimeOriginal,
/// OffsetTimeOriginal and LensModel. `None` leaves a tag out.
pub fn build_raw(
    make: Option<&str>,
    model: Option<&str>,
    taken: Option<&str>,
    offset: Option<&str>,
    lens: Option<&str>,
) -> Vec<u8> {
    fn ascii_bytes(s: &str) -> Vec<u8> {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        b
    }
    let ifd0: Vec<(u16, Vec<u8>)> =
        [(0x010F, make), (0x0110, model)].iter().filter_map(|(t, v)| v.map(|v| (*t, ascii_bytes(v)))).collect();
    let exif_ifd: Vec<(u16, Vec<u8>)> = [(0x9003, taken), (0x9011, offset), (0xA434, lens)]
        .iter()
        .filter_map(|(t, v)| v.map(|v| (*t, ascii_bytes(v))))
        .collect();
    // Layout: header (8) | IFD0 | Exif IFD | data.
    let ifd_len = |n: usize| 2 + 12 * n + 4;
    let ifd0_at = 8;
    let exif_at = ifd0_at + ifd_len(ifd0.len() + 1);
    let mut data_at = exif_at + ifd_len(exif_ifd.len());
    let mut out = b"MM\0\x2a".to_vec();
    out.extend_from_slice(&(ifd0_at as u32).to_be_bytes());
    let mut data = Vec::new();
    let entries = |list: &[(u16, Vec<u8>)], out: &mut Vec<u8>, data: &mut Vec<u8>, data_at: &mut usize| {
        for (tag, bytes) in list {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&2u16.to_be_bytes()); // ASCII
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            if bytes.len() <= 4 {
                let mut inline = bytes.clone();
                inline.resize(4, 0);
                out.extend_from_slice(&inline);
            } else {
                out.extend_from_slice(&(*data_at as u32).to_be_bytes());
                data.extend_from_slice(bytes);
                *data_at += bytes.len();
            }
        }
    };
    // IFD0, with the pointer to the Exif IFD (tag 0x8769, LONG) last in tag order.
    out.extend_from_slice(&((ifd0.len() + 1) as u16).to_be_bytes());
    entries(&ifd0, &mut out, &mut data, &mut data_at);
    out.extend_from_slice(&0x8769u16.to_be_bytes());
    out.extend_from_slice(&4u16.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&(exif_at as u32).to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(exif_ifd.len() as u16).to_be_bytes());
    entries(&exif_ifd, &mut out, &mut data, &mut data_at);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_camera_and_lens_are_read() {
        let raw = build_raw(
            Some("Canon"),
            Some("Canon EOS R5"),
            Some("2019:07:14 18:30:05"),
            None,
            Some("RF24-105mm F4 L IS USM"),
        );
        let f = facts_from_raw(&raw);
        assert_eq!(f.camera.as_deref(), Some("Canon EOS R5"));
        assert_eq!(f.lens.as_deref(), Some("RF24-105mm F4 L IS USM"));
        // 2019-07-14 is day 18091 since the epoch.
        assert_eq!(f.taken_at_ms, Some((18_091 * 86_400 + 18 * 3_600 + 30 * 60 + 5) * 1_000));
    }

    #[test]
    fn an_offset_converts_to_utc_and_make_is_added_when_missing_from_model() {
        let raw = build_raw(Some("FUJIFILM"), Some("X-T4"), Some("2021:01:01 01:00:00"), Some("+02:00"), None);
        let f = facts_from_raw(&raw);
        assert_eq!(f.camera.as_deref(), Some("FUJIFILM X-T4"));
        assert_eq!(f.taken_at_ms, Some((days_from_civil(2020, 12, 31) * 86_400 + 23 * 3_600) * 1_000));
        assert_eq!(f.lens, None);
    }

    #[test]
    fn dates_print_as_iso_utc() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc((18_091 * 86_400 + 18 * 3_600 + 30 * 60 + 5) * 1_000), "2019-07-14T18:30:05Z");
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(iso_utc(-1_000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn unset_clocks_and_garbage_give_no_date() {
        let raw = build_raw(None, Some("Phone"), Some("0000:00:00 00:00:00"), None, None);
        assert_eq!(facts_from_raw(&raw).taken_at_ms, None);
        assert_eq!(facts_from_raw(&raw).camera.as_deref(), Some("Phone"));
        assert!(facts_from_raw(b"not exif at all").is_empty());
        assert!(read_facts(Path::new("/no/such/file.jpg")).is_empty());
    }
}
