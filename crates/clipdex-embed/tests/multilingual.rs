//! Multilingual text towers, both input shapes the public exports use, on
//! tiny random-weight fixtures made by scripts/make_multilingual_fixtures.py
//! (reference vectors from the PyTorch models, tokens from the tokenizer
//! files with the reference runtime's convention):
//! - `tiny-xlmr-clip`: M-CLIP style, `input_ids` + `attention_mask` (int32);
//! - `tiny-nllb-clip`: NLLB-CLIP style, one `text` input, a FLORES-200
//!   language code in front of the text.

use std::path::{Path, PathBuf};

use clipdex_embed::{cosine, Model};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TEXT_BOUND: f32 = 0.9999;
const PNG_BOUND: f32 = 0.9995;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(fixtures().join("multilingual-reference.json")).expect("reference file");
    serde_json::from_str(&text).expect("reference json")
}

fn open(name: &str) -> Model {
    Model::open(&fixtures().join(name), &[]).expect("open the fixture model (is ONNX Runtime installed? see README)")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array().expect("array").iter().map(|x| x.as_i64().expect("int")).collect()
}

fn check_texts(name: &str, m: &Model, r: &Value) {
    let cases = r[name]["texts"].as_array().expect("texts");
    assert!(cases.len() >= 8);
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let lang = case.get("lang").and_then(Value::as_str);
        let tok = m.tokens_in(text, lang).expect("tokens");
        assert_eq!(tok.ids, ints(&case["ids"]), "{name}: ids of {text:?} ({lang:?})");
        assert_eq!(tok.mask, ints(&case["mask"]), "{name}: mask of {text:?}");
        let v = m.embed_texts_in(&[text], lang).expect("embed").remove(0);
        let c = cosine(&v, &floats(&case["vector"]));
        assert!(c >= TEXT_BOUND, "{name}: {text:?} ({lang:?}) cos {c}");
    }
}

fn check_images(name: &str, m: &Model, r: &Value) {
    let images = r[name]["images"].as_object().expect("images");
    assert!(images.len() >= 3);
    for (file, want) in images {
        let p = fixtures().join("photos").join(file);
        let bytes = std::fs::read(&p)
            .unwrap_or_else(|_| panic!("{} is missing: run `python3 scripts/fetch_test_photos.py`", p.display()));
        let sha = r["photos"][file.as_str()]["sha256"].as_str().expect("sha");
        assert_eq!(format!("{:x}", Sha256::digest(&bytes)), sha, "{file} is not the reference photo");
        let img = clipdex_media::decode(&bytes).expect("decode");
        let v = m.embed_images(vec![img]).expect("embed").remove(0);
        let c = cosine(&v, &floats(want));
        assert!(c >= PNG_BOUND, "{name}: {file} cos {c}");
    }
}

#[test]
fn xlm_roberta_style_tower_takes_ids_and_attention_mask() {
    let r = reference();
    let m = open("tiny-xlmr-clip");
    let info = m.info();
    assert_eq!(info.dim, 24);
    assert_eq!(info.context_length, 77);
    assert_eq!(info.text_inputs, ["input_ids:int32[?,77]", "attention_mask:int32[?,77]"]);
    assert_eq!(info.languages, 0, "no language code for XLM-R: multilingual by vocabulary");
    check_texts("tiny-xlmr-clip", &m, &r);
    check_images("tiny-xlmr-clip", &m, &r);
    // A language, if given, changes nothing for towers that take none.
    let a = m.embed_texts_in(&["ein roter Schlitten"], Some("de")).expect("de");
    let b = m.embed_texts(&["ein roter Schlitten"]).expect("none");
    assert_eq!(a, b);
}

#[test]
fn nllb_style_tower_takes_a_flores_language_code() {
    let r = reference();
    let m = open("tiny-nllb-clip");
    let info = m.info();
    assert_eq!(info.dim, 40);
    assert_eq!(info.context_length, 64, "from config.json, not tokenizer_config's model_max_length");
    assert_eq!(info.text_inputs, ["text:int32[?,64]"]);
    assert!(info.languages >= 200, "the FLORES-200 codes are read from the tokenizer: {}", info.languages);
    check_texts("tiny-nllb-clip", &m, &r);
    check_images("tiny-nllb-clip", &m, &r);

    // The code comes from a BCP-47 tag as well as a FLORES code, and it matters.
    let de = m.tokens_in("ein roter Schlitten", Some("de-DE")).expect("de-DE");
    assert_eq!(de.ids, m.tokens_in("ein roter Schlitten", Some("deu_Latn")).expect("deu_Latn").ids);
    let en = m.tokens_in("ein roter Schlitten", None).expect("default");
    assert_ne!(de.ids, en.ids, "the language code is part of the input");
    assert_eq!(m.language_code(None).expect("default").as_deref(), Some("eng_Latn"));
    assert_eq!(m.language_code(Some("zh-TW")).expect("zh-TW").as_deref(), Some("zho_Hant"));
    let v_de = m.embed_texts_in(&["ein roter Schlitten"], Some("de")).expect("de").remove(0);
    let v_en = m.embed_texts(&["ein roter Schlitten"]).expect("en").remove(0);
    assert!(cosine(&v_de, &v_en) < 0.999, "different languages give different vectors");

    let err = m.language_code(Some("klingon")).expect_err("unknown");
    assert!(err.to_string().contains("klingon"), "{err}");
    let err = m.embed_texts_in(&["x"], Some("xx")).expect_err("unknown");
    assert!(err.to_string().contains("BCP-47"), "{err}");
}
