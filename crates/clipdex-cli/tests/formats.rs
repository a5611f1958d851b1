//! HEIC, AVIF and RAW photos through the real binary (which decodes them in
//! its worker process): they embed like the photo they were made from, they
//! are indexed beside other photos, and a malformed one, or a decoder that
//! dies, is one file's recorded failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn model() -> String {
    fixtures().join("tiny-clip").to_str().expect("utf8").to_string()
}

fn clipdex(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipdex"));
    cmd.args(args).env_remove("CLIPDEX_MODEL").env_remove("CLIPDEX_LIBRARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run clipdex")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "clipdex failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

fn photo(name: &str) -> PathBuf {
    let p = fixtures().join("photos").join(name);
    assert!(p.is_file(), "{} missing: run `python3 scripts/fetch_test_photos.py`", p.display());
    p
}

/// libheif's own encoder (Debian's libheif-examples): HEIC or AVIF by the name.
fn heif_enc(input: &Path, output: &Path) {
    let out = Command::new("heif-enc")
        .args(["-q", "92"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .expect("heif-enc not found: install Debian's libheif-examples (scripts/setup-debian.sh --test)");
    assert!(out.status.success(), "heif-enc: {}", String::from_utf8_lossy(&out.stderr));
}

fn jpeg_of(png: &Path, out: &Path) {
    let img = image::open(png).expect("png").to_rgb8();
    img.save_with_format(out, image::ImageFormat::Jpeg).expect("jpeg");
}

fn embed(path: &Path) -> Vec<f32> {
    let out = ok(&clipdex(&["embed", "--model", &model(), "--image", path.to_str().expect("utf8"), "--json"], &[]));
    let row: Value = serde_json::from_str(out.trim()).expect("json");
    row["vector"].as_array().expect("vector").iter().map(|x| x.as_f64().expect("f") as f32).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The reference implementation's vectors for the committed photos.
fn reference() -> Vec<(String, Vec<f32>)> {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("tiny-clip-reference.json")).expect("ref"))
            .expect("json");
    r["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            let v = i["vector"].as_array().expect("v").iter().map(|x| x.as_f64().expect("f") as f32).collect();
            (i["file"].as_str().expect("file").to_string(), v)
        })
        .collect()
}

/// The committed photo whose reference vector is nearest.
fn nearest(v: &[f32]) -> String {
    reference().into_iter().max_by(|a, b| dot(v, &a.1).total_cmp(&dot(v, &b.1))).expect("photos").0
}

#[test]
fn heic_avif_and_raw_embed_like_the_photo_they_were_made_from() {
    let dir = tempfile::tempdir().expect("tmp");
    let jpeg = dir.path().join("chelsea.jpg");
    jpeg_of(&photo("chelsea.png"), &jpeg);
    let from_jpeg = embed(&jpeg);
    for ext in ["heic", "avif"] {
        let file = dir.path().join(format!("chelsea.{ext}"));
        heif_enc(&jpeg, &file);
        let v = embed(&file);
        let cos = dot(&v, &from_jpeg);
        assert!(cos >= 0.999, "{ext}: cos {cos:.5} with the JPEG's vector");
        assert_eq!(nearest(&v), "chelsea.png", "{ext}");
    }
    // The DNGs were made from chelsea.png (cropped to even sides).
    let chelsea = reference().into_iter().find(|(f, _)| f == "chelsea.png").expect("chelsea").1;
    let preview = embed(&fixtures().join("media/raw/preview.dng"));
    let cos = dot(&preview, &chelsea);
    assert!(cos >= 0.999, "the DNG's embedded preview: cos {cos:.5}");
    assert_eq!(nearest(&preview), "chelsea.png");
    let developed = embed(&fixtures().join("media/raw/cfa.dng"));
    let cos = dot(&developed, &chelsea);
    assert!(cos >= 0.99, "the demosaiced DNG: cos {cos:.5}");
    assert_eq!(nearest(&developed), "chelsea.png");
}

/// A folder of two committed photos, a HEIC, an AVIF and a DNG, and a
/// malformed file of each new format.
fn mixed_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::copy(photo("rocket.jpg"), d.join("rocket.jpg")).expect("copy");
    std::fs::copy(photo("astronaut.png"), d.join("astronaut.png")).expect("copy");
    heif_enc(&photo("coffee.png"), &d.join("coffee.heic"));
    heif_enc(&photo("horse.png"), &d.join("horse.avif"));
    std::fs::copy(fixtures().join("media/raw/preview.dng"), d.join("cat.dng")).expect("copy");
    for (good, bad) in [("coffee.heic", "broken.heic"), ("horse.avif", "broken.avif"), ("cat.dng", "broken.nef")] {
        let bytes = std::fs::read(d.join(good)).expect("read");
        std::fs::write(d.join(bad), &bytes[..bytes.len() / 3]).expect("write");
    }
    dir
}

fn index(lib: &Path, folder: &Path, env: &[(&str, &str)]) -> Value {
    let out = clipdex(
        &[
            "--library",
            lib.to_str().expect("utf8"),
            "index",
            folder.to_str().expect("utf8"),
            "--model",
            &model(),
            "--json",
        ],
        env,
    );
    serde_json::from_str(ok(&out).trim()).expect("summary")
}

fn failed(summary: &Value) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = summary["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| {
            let name =
                Path::new(f["path"].as_str().expect("p")).file_name().expect("name").to_string_lossy().to_string();
            (name, f["reason"].as_str().expect("r").to_string())
        })
        .collect();
    f.sort();
    f
}

#[test]
fn new_formats_are_indexed_and_malformed_ones_are_recorded_failures() {
    let folder = mixed_folder();
    let lib = tempfile::tempdir().expect("lib");
    let summary = index(lib.path(), folder.path(), &[]);
    assert_eq!(summary["indexed"], 5, "{summary}");
    let failures = failed(&summary);
    let names: Vec<&str> = failures.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["broken.avif", "broken.heic", "broken.nef"], "{summary}");
    for (name, reason) in &failures {
        assert!(!reason.is_empty() && !reason.contains("crashed"), "{name}: {reason}");
    }
    // The DNG's camera and date feed the filters.
    let out = ok(&clipdex(
        &[
            "--library",
            lib.path().to_str().expect("utf8"),
            "search",
            "a cat camera:fixture",
            "--min-score",
            "-1",
            "--json",
        ],
        &[],
    ));
    let hits: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("hit")).collect();
    assert_eq!(hits.len(), 1, "{out}");
    assert!(hits[0]["path"].as_str().expect("path").ends_with("cat.dng"));
}

#[test]
fn a_decoder_that_dies_fails_its_file_and_the_rest_are_indexed() {
    let folder = mixed_folder();
    let lib = tempfile::tempdir().expect("lib");
    // Debug builds only: every decoding worker aborts at once.
    let summary = index(lib.path(), folder.path(), &[("CLIPDEX_TEST_WORKER_ABORT", "1")]);
    assert_eq!(summary["indexed"], 2, "the JPEG and the PNG: {summary}");
    let failures = failed(&summary);
    assert_eq!(failures.len(), 6, "{summary}");
    for (name, reason) in &failures {
        assert!(reason.contains("crashed"), "{name}: {reason}");
    }
    // Once the decoder works again, the files are indexed when they change.
    for name in ["coffee.heic", "horse.avif", "cat.dng"] {
        let p = folder.path().join(name);
        let bytes = std::fs::read(&p).expect("read");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&p, bytes).expect("rewrite");
    }
    let again = index(lib.path(), folder.path(), &[]);
    assert_eq!(again["indexed"], 3, "{again}");
}

#[test]
fn a_raw_file_and_its_jpeg_are_one_photo_shown_by_the_jpeg() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // RAW+JPEG as a camera writes them: the DNG's preview and the JPEG differ
    // (chelsea vs coffee) only so that the test can tell which one was embedded.
    std::fs::copy(fixtures().join("media/raw/preview.dng"), d.join("IMG_0001.DNG")).expect("copy");
    jpeg_of(&photo("coffee.png"), &d.join("IMG_0001.JPG"));
    std::fs::copy(photo("rocket.jpg"), d.join("rocket.jpg")).expect("copy");
    let lib = tempfile::tempdir().expect("lib");
    let lib_s = lib.path().to_str().expect("utf8");
    let summary = index(lib.path(), d, &[]);
    assert!(failed(&summary).is_empty(), "{summary}");
    let status: Value =
        serde_json::from_str(ok(&clipdex(&["--library", lib_s, "status", "--json"], &[])).trim()).expect("status");
    assert_eq!(status["items"], 2, "the pair is one item: {status}");
    let search = |q: &str| -> Vec<Value> {
        let out = ok(&clipdex(&["--library", lib_s, "search", q, "--min-score", "-1", "--limit", "5", "--json"], &[]));
        out.lines().map(|l| serde_json::from_str(l).expect("hit")).collect()
    };
    let pair = search("IMG_0001")
        .into_iter()
        .find(|h| h["paths"].as_array().is_some_and(|p| p.len() == 2))
        .expect("one item with both paths");
    let paths: Vec<&str> = pair["paths"].as_array().expect("paths").iter().map(|p| p.as_str().expect("p")).collect();
    assert!(paths.iter().any(|p| p.ends_with("IMG_0001.DNG")) && paths.iter().any(|p| p.ends_with("IMG_0001.JPG")));
    // Its vector is the JPEG's (coffee), not the RAW preview's (the cat).
    let id = pair["id"].as_str().expect("id").to_string();
    let by_coffee = search(photo("coffee.png").to_str().expect("utf8"));
    let hit = by_coffee.iter().find(|h| h["id"] == id.as_str()).expect("the pair");
    let score = hit["score"].as_f64().expect("score");
    assert!(score > 0.99, "the pair looks like coffee.png: {score}");

    // Without its JPEG, the RAW is a photo of its own, shown by its preview.
    std::fs::remove_file(d.join("IMG_0001.JPG")).expect("rm");
    let again = index(lib.path(), d, &[]);
    assert!(failed(&again).is_empty(), "{again}");
    assert_eq!(again["indexed"], 1, "the DNG, now alone: {again}");
    let alone = search("IMG_0001");
    let dng = alone.iter().find(|h| h["path"].as_str().is_some_and(|p| p.ends_with("IMG_0001.DNG"))).expect("dng");
    assert_ne!(dng["id"].as_str(), Some(id.as_str()), "a new item, from the RAW's own picture");
}
