//! HEIC/AVIF and RAW decoding, against the photos they were made from.
//! HEIC and AVIF files are made here with libheif's own encoder (`heif-enc`,
//! Debian's libheif-examples); the DNGs are committed, made by tifffile
//! (scripts/make_raw_samples.py).

use std::path::{Path, PathBuf};
use std::process::Command;

use clipdex_media::{decode, decode_file, read_facts, DecodeError, RgbImage};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn photo(name: &str) -> PathBuf {
    let p = root().join("tests/fixtures/photos").join(name);
    assert!(p.is_file(), "{} is missing: run scripts/fetch_test_photos.py", p.display());
    p
}

/// Mean absolute difference per channel, 0–255.
fn mean_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| (*x as i64 - *y as i64).unsigned_abs()).sum();
    sum as f64 / a.as_raw().len() as f64
}

/// `heif-enc` from libheif: HEIC (x265) or AVIF (AOM) by the output's name.
pub fn heif_enc(input: &Path, output: &Path) {
    let out = Command::new("heif-enc")
        .args(["-q", "92"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .expect("heif-enc not found: install Debian's libheif-examples (scripts/setup-debian.sh --test)");
    assert!(out.status.success(), "heif-enc failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(feature = "heif")]
#[test]
fn heic_and_avif_decode_to_the_photo_they_were_made_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = photo("chelsea.png");
    let original = decode_file(&src).expect("png");
    for ext in ["heic", "avif"] {
        let file = dir.path().join(format!("chelsea.{ext}"));
        heif_enc(&src, &file);
        let img = decode_file(&file).unwrap_or_else(|e| panic!("{ext}: {e}"));
        let d = mean_diff(&img, &original);
        assert!(d < 4.0, "{ext}: mean difference {d:.2} from the PNG");
        // A different photo is far from it (the comparison can fail).
        assert!(mean_diff(&img, &RgbImage::from_pixel(img.width(), img.height(), image::Rgb([128, 128, 128]))) > 20.0);
    }
}

#[cfg(feature = "heif")]
#[test]
fn heic_facts_come_from_its_exif() {
    use image::ImageEncoder;
    let dir = tempfile::tempdir().expect("tempdir");
    let original = decode_file(&photo("chelsea.png")).expect("png");
    let jpeg = dir.path().join("with-exif.jpg");
    let mut bytes = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92);
    enc.set_exif_metadata(clipdex_media::build_exif(
        Some("Apple"),
        Some("iPhone 15 Pro"),
        Some("2024:08:01 09:15:00"),
        Some("+02:00"),
        Some("iPhone 15 Pro back triple camera 6.86mm f/1.78"),
    ))
    .expect("exif");
    enc.write_image(original.as_raw(), original.width(), original.height(), image::ExtendedColorType::Rgb8)
        .expect("jpeg");
    std::fs::write(&jpeg, bytes).expect("write");
    let heic = dir.path().join("with-exif.heic");
    heif_enc(&jpeg, &heic);
    let facts = read_facts(&heic);
    assert_eq!(facts.camera.as_deref(), Some("Apple iPhone 15 Pro"));
    assert_eq!(facts.lens.as_deref(), Some("iPhone 15 Pro back triple camera 6.86mm f/1.78"));
    let day = clipdex_media::days_from_civil(2024, 8, 1);
    assert_eq!(facts.taken_at_ms, Some((day * 86_400 + 7 * 3_600 + 15 * 60) * 1_000), "09:15 at +02:00 is 07:15 UTC");
}

#[cfg(not(feature = "heif"))]
#[test]
fn without_libheif_heic_is_reported_unsupported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("chelsea.heic");
    heif_enc(&photo("chelsea.png"), &file);
    let err = decode_file(&file).expect_err("no libheif in this build");
    assert!(matches!(err, DecodeError::Unsupported(ref m) if m.contains("libheif")), "{err:?}");
}

#[test]
fn malformed_heic_avif_and_dng_are_errors_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = photo("coffee.png");
    let mut files = Vec::new();
    for ext in ["heic", "avif"] {
        let file = dir.path().join(format!("coffee.{ext}"));
        heif_enc(&src, &file);
        files.push(std::fs::read(&file).expect("read"));
    }
    files.push(std::fs::read(root().join("tests/fixtures/media/raw/cfa.dng")).expect("dng"));
    for bytes in files {
        for cut in [bytes.len() / 2, bytes.len() / 8, 40] {
            let r = decode(&bytes[..cut]);
            assert!(r.is_err(), "a file cut to {cut} of {} bytes decoded", bytes.len());
        }
        // Every byte after the header scrambled.
        let mut scrambled = bytes.clone();
        for (i, b) in scrambled.iter_mut().enumerate().skip(64) {
            *b = b.wrapping_mul(31).wrapping_add(i as u8);
        }
        let _ = decode(&scrambled);
    }
}

#[test]
fn a_dng_preview_is_preferred_and_turned_upright() {
    let original = decode_file(&photo("chelsea.png")).expect("png");
    let (w, h) = original.dimensions();
    let original = image::imageops::crop_imm(&original, 0, 0, w / 2 * 2, h / 2 * 2).to_image();
    let img = decode_file(&root().join("tests/fixtures/media/raw/preview.dng")).expect("preview dng");
    assert_eq!(img.dimensions(), original.dimensions(), "the preview, turned by its Orientation 6");
    let d = mean_diff(&img, &original);
    assert!(d < 3.0, "mean difference {d:.2}: the sensor data (flat grey) was used instead of the preview?");
}

#[test]
fn a_dng_without_a_preview_is_demosaiced() {
    let original = decode_file(&photo("chelsea.png")).expect("png");
    let (w, h) = original.dimensions();
    let original = image::imageops::crop_imm(&original, 0, 0, w / 2 * 2, h / 2 * 2).to_image();
    let img = decode_file(&root().join("tests/fixtures/media/raw/cfa.dng")).expect("cfa dng");
    assert_eq!(img.dimensions(), original.dimensions());
    let d = mean_diff(&img, &original);
    assert!(d < 8.0, "mean difference {d:.2} after demosaicing");
}

#[test]
fn dng_facts_are_read() {
    let facts = read_facts(&root().join("tests/fixtures/media/raw/preview.dng"));
    assert_eq!(facts.camera.as_deref(), Some("Clipdex Fixture DNG"));
    let day = clipdex_media::days_from_civil(2021, 6, 5);
    assert_eq!(facts.taken_at_ms, Some((day * 86_400 + 14 * 3_600 + 30 * 60) * 1_000));
}

#[test]
fn cr3_facts_are_read_from_its_canon_boxes() {
    // scripts/make_cr3_sample.py: CR3's layout, TIFFs by tifffile.
    let path = root().join("tests/fixtures/media/raw/facts.cr3");
    let facts = read_facts(&path);
    assert_eq!(facts.camera.as_deref(), Some("Canon EOS R5"));
    assert_eq!(facts.lens.as_deref(), Some("RF24-105mm F4 L IS USM"));
    // 2022-03-04 05:06:07 at +01:00 is 04:06:07 UTC.
    assert_eq!(facts.taken_at_ms.map(clipdex_media::iso_utc).as_deref(), Some("2022-03-04T04:06:07Z"));
    // Cut anywhere, it has fewer facts or none, never a panic.
    let bytes = std::fs::read(&path).expect("read");
    let dir = tempfile::tempdir().expect("tmp");
    for cut in (0..bytes.len()).step_by(7) {
        let part = dir.path().join("cut.cr3");
        std::fs::write(&part, &bytes[..cut]).expect("write");
        let f = read_facts(&part);
        assert!(f.camera.is_none() || f.camera.as_deref() == Some("Canon EOS R5"));
    }
}

#[test]
fn videos_and_plain_tiffs_are_not_taken_for_heif_or_raw() {
    // An MP4's ftyp names video brands: not a HEIF, so not an image at all.
    let mut mp4 = vec![0, 0, 0, 24];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    mp4.extend_from_slice(&[0; 64]);
    assert!(matches!(decode(&mp4), Err(DecodeError::UnknownFormat)));
    // A TIFF from no camera decodes as a TIFF.
    let img = RgbImage::from_pixel(8, 6, image::Rgb([10, 120, 240]));
    let mut tiff = std::io::Cursor::new(Vec::new());
    img.write_to(&mut tiff, image::ImageFormat::Tiff).expect("tiff");
    assert_eq!(decode(tiff.get_ref()).expect("tiff").get_pixel(3, 3).0, [10, 120, 240]);
}
