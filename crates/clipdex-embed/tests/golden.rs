//! Golden parity: the tiny random-weight CLIP in tests/fixtures, run through
//! Clipdex's own preprocessing, tokeniser and ONNX Runtime, must agree with
//! vectors the reference implementation (open_clip + Pillow, in PyTorch)
//! computed for real photos and awkward texts (scripts/make_test_model.py).

use std::path::{Path, PathBuf};

use clipdex_embed::{cosine, EmbedError, Model};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// PNG photos: both sides decode identical pixels and resize them alike
/// (Pillow's convolution, bit for bit), so only float rounding is left.
const PNG_BOUND: f32 = 0.99999;
/// JPEG decoders may differ by a level here and there (libjpeg vs zune-jpeg).
const JPEG_BOUND: f32 = 0.9999;
const TEXT_BOUND: f32 = 0.9999;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn model() -> Model {
    Model::open(&fixtures().join("tiny-clip"), &[])
        .expect("open the fixture model (is ONNX Runtime installed? see README)")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(fixtures().join("tiny-clip-reference.json")).expect("reference file");
    serde_json::from_str(&text).expect("reference json")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn photo(name: &str, sha: &str) -> PathBuf {
    let p = fixtures().join("photos").join(name);
    let bytes = std::fs::read(&p)
        .unwrap_or_else(|_| panic!("{} is missing: run `python3 scripts/fetch_test_photos.py`", p.display()));
    let digest = format!("{:x}", Sha256::digest(&bytes));
    assert_eq!(digest, sha, "{name} is not the photo the reference vectors were made from");
    p
}

#[test]
fn model_reads_its_shape_from_the_export() {
    let m = model();
    let info = m.info();
    assert_eq!(info.dim, 32);
    assert_eq!(info.image_size, (224, 224));
    assert_eq!(info.context_length, 77);
    assert!(info.id.starts_with("tiny-clip@") && info.id.len() == "tiny-clip@".len() + 8, "{}", info.id);
}

/// A copy of the fixture model in a temporary folder of the same name.
fn copy_of_fixture(tmp: &Path) -> PathBuf {
    let dir = tmp.join("tiny-clip");
    for rel in clipdex_embed::identity::model_files(&fixtures().join("tiny-clip")) {
        let to = dir.join(&rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(fixtures().join("tiny-clip").join(&rel), to).expect("copy");
    }
    dir
}

#[test]
fn a_changed_weight_byte_anywhere_changes_the_model_id() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = copy_of_fixture(tmp.path());
    let before = Model::open(&dir, &[]).expect("open").info().id.clone();
    assert_eq!(before, model().info().id, "the id is the content's, not the folder's");
    // One byte in the middle of the text weights (far from either end).
    let onnx = dir.join("textual/model.onnx");
    let mut bytes = std::fs::read(&onnx).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&onnx, &bytes).expect("write");
    let after = Model::open(&dir, &[]).expect("still loads").info().id.clone();
    assert_ne!(before, after, "other weights, same id");
    // An install record's digest names the model instead of a rehash.
    let a = Model::open_recorded(&dir, &[], Some("digest-a")).expect("open").info().id.clone();
    let b = Model::open_recorded(&dir, &[], Some("digest-b")).expect("open").info().id.clone();
    assert_ne!(a, b);
}

#[test]
fn image_vectors_match_the_reference_implementation() {
    let m = model();
    let r = reference();
    let images = r["images"].as_array().expect("images");
    assert!(images.len() >= 6);
    let mut report = Vec::new();
    let mut ours_all = Vec::new();
    for img in images {
        let name = img["file"].as_str().expect("file");
        let path = photo(name, img["sha256"].as_str().expect("sha"));
        let rgb = clipdex_embed_test_decode(&path);
        let ours = m.embed_images(vec![rgb]).expect("embed").remove(0);
        let norm: f32 = ours.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{name}: not L2-normalised ({norm})");
        let c = cosine(&ours, &floats(&img["vector"]));
        let bound = if name.ends_with(".png") { PNG_BOUND } else { JPEG_BOUND };
        report.push(format!("{name}: {c:.6}"));
        assert!(c >= bound, "{name}: cosine to reference {c} < {bound}; all: {report:?}");
        ours_all.push(ours);
    }
    // The bound must mean something: different photos are far apart.
    for i in 0..ours_all.len() {
        for j in 0..i {
            assert!(cosine(&ours_all[i], &ours_all[j]) < 0.99, "photos {i} and {j} embed alike");
        }
    }
    eprintln!("image parity: {report:?}");
}

/// Decodes the way the indexer does.
fn clipdex_embed_test_decode(path: &Path) -> image::RgbImage {
    clipdex_media::decode_file(path).expect("decode")
}

#[test]
fn batched_and_single_inference_agree() {
    let m = model();
    let r = reference();
    let imgs: Vec<image::RgbImage> = r["images"].as_array().expect("images")[..5]
        .iter()
        .map(|i| clipdex_embed_test_decode(&photo(i["file"].as_str().expect("f"), i["sha256"].as_str().expect("s"))))
        .collect();
    let batch = m.embed_images(imgs.clone()).expect("batch");
    for (img, b) in imgs.into_iter().zip(&batch) {
        let single = m.embed_images(vec![img]).expect("single").remove(0);
        assert!(cosine(&single, b) > 0.99999);
    }
}

#[test]
fn text_tokens_and_vectors_match_the_reference_implementation() {
    let m = model();
    let r = reference();
    let texts = r["texts"].as_array().expect("texts");
    let inputs: Vec<&str> = texts.iter().map(|t| t["text"].as_str().expect("text")).collect();
    assert!(inputs.iter().any(|t| t.is_empty()), "the empty text is covered");
    assert!(inputs.iter().any(|t| t.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c))), "CJK is covered");
    let vectors = m.embed_texts(&inputs).expect("embed texts");
    for (t, ours) in texts.iter().zip(&vectors) {
        let text = t["text"].as_str().expect("text");
        let want: Vec<i64> = t["tokens"].as_array().expect("tokens").iter().map(|x| x.as_i64().expect("id")).collect();
        let got = m.tokens(text).expect("tokens");
        assert_eq!(got.len(), 77);
        assert_eq!(&got[..want.len()], &want[..], "tokens of {text:?}");
        let c = cosine(ours, &floats(&t["vector"]));
        assert!(c >= TEXT_BOUND, "{text:?}: cosine to reference {c}");
    }
    // Past the context length the text is cut, ending in end-of-text.
    let long = m.tokens(&"word ".repeat(200)).expect("long");
    assert_eq!(long.len(), 77);
    assert_eq!(long[76], 49407);
}

/// Independent reference data made by scripts/make_reference_extras.py (the
/// fixture's ONNX graphs run by Python's ONNX Runtime, Hugging Face's
/// pure-Python CLIP tokenizer checked against open_clip's ids, Pillow).
fn extras() -> Value {
    let text = std::fs::read_to_string(fixtures().join("tiny-clip-extras.json")).expect("extras file");
    serde_json::from_str(&text).expect("extras json")
}

#[test]
fn every_token_id_matches_the_reference_padding_included() {
    let m = model();
    let x = extras();
    let cases = x["tokens"].as_array().expect("tokens");
    assert!(cases.len() >= 8);
    for t in cases {
        let text = t["text"].as_str().expect("text");
        let want: Vec<i64> = t["ids"].as_array().expect("ids").iter().map(|x| x.as_i64().expect("id")).collect();
        assert_eq!(want.len(), 77);
        assert_eq!(m.tokens(text).expect("tokens"), want, "all 77 ids of {text:?}");
    }
}

/// One photo resized and centre-cropped as open_clip's eval transform does
/// it with Pillow: the 224 × 224 RGB bytes hash the same. The tensor's
/// normalisation is set to identity (× 1/255), so its values are the pixels.
#[test]
fn a_resized_photo_has_pillows_pixels() {
    let x = extras();
    let p = &x["pixels"];
    let cfg = clipdex_embed::config::read_preprocess(&fixtures().join("tiny-clip/visual/preprocess_cfg.json"))
        .expect("the fixture's preprocess config");
    assert_eq!(
        (format!("{:?}", cfg.resize_mode).to_lowercase(), format!("{:?}", cfg.interpolation).to_lowercase()),
        (
            p["resize_mode"].as_str().expect("mode").to_string(),
            p["interpolation"].as_str().expect("interp").to_string()
        ),
        "the reference used the fixture's own settings"
    );
    let identity = clipdex_embed::config::Preprocess { mean: [0.0; 3], std: [1.0; 3], ..cfg };
    let img =
        clipdex_embed_test_decode(&photo(p["file"].as_str().expect("file"), p["file_sha256"].as_str().expect("sha")));
    let (h, w) = identity.size;
    let tensor = clipdex_embed::preprocess::to_tensor(img, &identity);
    let plane = (h * w) as usize;
    let mut rgb = Vec::with_capacity(3 * plane);
    for i in 0..plane {
        for c in 0..3 {
            rgb.push((tensor[c * plane + i] * 255.0).round() as u8);
        }
    }
    let first: Vec<Vec<u8>> = rgb.chunks(3).take(8).map(<[u8]>::to_vec).collect();
    let want_first: Vec<Vec<u8>> = p["first_pixels"]
        .as_array()
        .expect("first")
        .iter()
        .map(|px| px.as_array().expect("px").iter().map(|v| v.as_u64().expect("v") as u8).collect())
        .collect();
    assert_eq!(first, want_first, "the first pixels of row 0");
    assert_eq!(format!("{:x}", Sha256::digest(&rgb)), p["rgb_sha256"].as_str().expect("sha"), "every pixel");
}

/// Zero-shot tags: labels embedded by the reference (four templates each,
/// averaged, as the library does) rank the same first for each photo as
/// Clipdex's own label vectors do against Clipdex's own image vectors.
/// Only photos whose top label leads by over 0.01 are compared, where the
/// ranking does not hang on rounding.
#[test]
fn top_labels_match_the_reference_for_a_small_label_set() {
    let m = model();
    let x = extras();
    let l = &x["labels"];
    let labels: Vec<String> =
        l["labels"].as_array().expect("labels").iter().map(|v| v.as_str().expect("s").to_string()).collect();
    let templates: Vec<String> =
        l["templates"].as_array().expect("templates").iter().map(|v| v.as_str().expect("s").to_string()).collect();
    // Clipdex's side: each label's prompts embedded, averaged, renormalised.
    let ours: Vec<Vec<f32>> = labels
        .iter()
        .map(|label| {
            let prompts: Vec<String> = templates.iter().map(|t| t.replace("{}", label)).collect();
            let vs = m.embed_texts(&prompts).expect("embed prompts");
            let mut mean = vec![0f32; vs[0].len()];
            for v in &vs {
                mean.iter_mut().zip(v).for_each(|(a, b)| *a += b);
            }
            let n = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
            mean.iter().map(|x| x / n).collect()
        })
        .collect();
    for (label, (o, r)) in labels.iter().zip(ours.iter().zip(l["vectors"].as_array().expect("vectors"))) {
        let c = cosine(o, &floats(r));
        assert!(c > 0.9999, "{label}: our label vector vs the reference {c}");
    }
    let r = reference();
    let stable: Vec<&str> =
        l["stable_top1"].as_array().expect("stable").iter().map(|v| v.as_str().expect("s")).collect();
    assert!(stable.len() >= 3);
    let mut compared = 0;
    for ranked in l["ranked"].as_array().expect("ranked") {
        let file = ranked["file"].as_str().expect("file");
        if !stable.contains(&file) {
            continue;
        }
        let img = r["images"].as_array().expect("images").iter().find(|i| i["file"] == file).expect("in reference");
        let v = m
            .embed_images(vec![clipdex_embed_test_decode(&photo(file, img["sha256"].as_str().expect("sha")))])
            .expect("embed")
            .remove(0);
        let scores: Vec<f32> = ours.iter().map(|t| cosine(t, &v)).collect();
        let best = (0..scores.len()).max_by(|a, b| scores[*a].total_cmp(&scores[*b])).expect("a label");
        assert_eq!(labels[best], ranked["top"].as_str().expect("top"), "{file}: our scores {scores:?}");
        compared += 1;
    }
    assert_eq!(compared, stable.len());
}

#[test]
fn a_missing_or_incomplete_model_is_named_not_panicked() {
    let err = Model::open(Path::new("/no/such/model"), &[]).err().expect("missing");
    assert!(matches!(err, EmbedError::ModelNotFound { .. }), "{err}");

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("visual")).expect("mkdir");
    std::fs::copy(fixtures().join("tiny-clip/config.json"), dir.path().join("config.json")).expect("copy");
    std::fs::copy(fixtures().join("tiny-clip/visual/model.onnx"), dir.path().join("visual/model.onnx")).expect("copy");
    let err = Model::open(dir.path(), &[]).err().expect("incomplete");
    let msg = err.to_string();
    assert!(
        msg.contains("visual/preprocess_cfg.json")
            && msg.contains("textual/model.onnx")
            && msg.contains("textual/tokenizer.json"),
        "{msg}"
    );
    assert!(!msg.contains("config.json,"), "present files are not listed: {msg}");

    // A damaged graph is reported as such.
    for f in ["visual/preprocess_cfg.json", "textual/tokenizer.json", "textual/tokenizer_config.json"] {
        std::fs::create_dir_all(dir.path().join(f).parent().expect("parent")).expect("mkdir");
        std::fs::copy(fixtures().join("tiny-clip").join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::write(dir.path().join("textual/model.onnx"), b"not a graph").expect("write");
    let err = Model::open(dir.path(), &[]).err().expect("damaged");
    assert!(err.to_string().contains("textual/model.onnx"), "{err}");
}

#[test]
fn hostile_configs_are_refused_at_load_before_anything_is_allocated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = copy_of_fixture(tmp.path());
    let edit = |rel: &str, f: &dyn Fn(&mut Value)| {
        let path = fixtures().join("tiny-clip").join(rel);
        let mut v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
        f(&mut v);
        std::fs::write(dir.join(rel), serde_json::to_vec(&v).expect("json")).expect("write");
    };
    let refused = |what: &str, needle: &str| {
        let err = Model::open(&dir, &[]).err().unwrap_or_else(|| panic!("{what}: opened"));
        assert!(matches!(err, EmbedError::BadConfig { .. }), "{what}: {err}");
        assert!(err.to_string().contains(needle), "{what}: {err}");
    };
    for (n, needle) in [
        (serde_json::json!(1_000_000_000u64), "outside 2–1024"),
        (serde_json::json!(u64::MAX), "outside 2–1024"),
        (serde_json::json!(100), "takes 77 tokens"),
    ] {
        edit("config.json", &|v| v["text_cfg"]["context_length"] = n.clone());
        refused(&format!("context_length {n}"), needle);
    }
    edit("config.json", &|_| {});
    for (size, needle) in [(4096, "outside 1–1024"), (448, "height 224")] {
        edit("visual/preprocess_cfg.json", &|v| v["size"] = serde_json::json!([size, size]));
        refused(&format!("image size {size}"), needle);
    }
    edit("visual/preprocess_cfg.json", &|_| {});
    Model::open(&dir, &[]).expect("the untouched copy opens");
}
