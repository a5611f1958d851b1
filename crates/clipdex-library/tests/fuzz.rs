//! Time-boxed fuzzing (proptest) of what reads input from outside: the
//! query parser (anything typed or sent), a model folder's config files
//! (anything downloaded or copied), and the image decoders (anything in a
//! watched folder). Each must answer with a value or a clear error, never
//! panic, and never let a value past its bounds. A failing case is shrunk
//! and printed by proptest; crashes found are recorded in the issue log
//! and, once fixed, kept below as regressions.

use std::io::Cursor;
use std::path::Path;

use clipdex_embed::config;
use clipdex_library::query::{combine, parse, PieceOf};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Cases per property: `base` in the suite (a few seconds in all), times
/// `CLIPDEX_FUZZ_SCALE` for a longer hunt (`CLIPDEX_FUZZ_SCALE=50 cargo test
/// -p clipdex-library --test fuzz --release`).
fn cases(base: u32) -> ProptestConfig {
    let scale = std::env::var("CLIPDEX_FUZZ_SCALE").ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    ProptestConfig { cases: base.saturating_mul(scale), failure_persistence: None, ..ProptestConfig::default() }
}

// ---- the query parser ----

/// Fragments the grammar cares about, so random strings reach deep states.
const QUERY_BITS: &[&str] = &[
    " ",
    "  ",
    "\"",
    "\\\"",
    ":",
    "+",
    "-",
    "2:",
    "0.5:",
    "-1e39:",
    "3e38:",
    "nan:",
    "inf:",
    "1e-45:",
    "cat",
    "t-shirt",
    "./x.jpg",
    "../a b.png",
    "/dev/zero",
    "~/p.jpg",
    "x.JPG",
    "similar:",
    "similar:00ff",
    "similar:zz",
    "after:",
    "after:2020-01-01",
    "before:2300-13-45",
    "folder:",
    "folder:/a",
    "type:photo",
    "ext:.PNG",
    "camera:x",
    "minsize:",
    "minsize:99999999999999999999",
    "é",
    "猫",
    "🐈",
    "\u{0}",
    "\n",
    "\t",
    "\u{202e}",
    "a\u{301}",
];

fn query_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(QUERY_BITS), 0..60).prop_map(|v| v.concat())
}

fn check_query(src: &str) {
    let chars = src.chars().count();
    match parse(src) {
        Ok(q) => {
            assert!(q.terms.len() <= 32, "{src:?}: {} terms", q.terms.len());
            let mut last_end = 0;
            for p in &q.pieces {
                assert!(p.start <= p.atom_start && p.atom_start <= p.end && p.end <= chars, "{src:?}: {p:?}");
                assert!(p.start >= last_end, "{src:?}: pieces overlap");
                last_end = p.end;
                match p.of {
                    PieceOf::Term(i) => assert!(i < q.terms.len()),
                    PieceOf::Filter(i) => assert!(i < q.filters.len()),
                }
            }
            // Whatever the weights, combining never yields NaN or infinity.
            let parts: Vec<(f32, Vec<f32>)> = q.terms.iter().map(|t| (t.weight, vec![0.6, 0.8])).collect();
            if let Some(v) = combine(&parts) {
                assert!(v.iter().all(|x| x.is_finite()), "{src:?}: {v:?}");
            }
        }
        Err(e) => assert!(e.position <= chars, "{src:?}: error at {} of {chars}", e.position),
    }
}

proptest! {
    #![proptest_config(cases(10_000))]

    #[test]
    fn the_query_parser_never_panics_and_keeps_its_bounds(src in query_text()) {
        check_query(&src);
    }

    #[test]
    fn the_query_parser_takes_any_string(src in any::<String>()) {
        check_query(&src);
    }
}

// ---- a model folder's config files ----

fn wild_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(-1)),
        Just(json!(77)),
        Just(json!(224)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(1e300)),
        Just(json!(-0.0)),
        Just(json!(1.5)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
    ]
}

fn wild_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        wild_number(),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(&["bicubic", "nearest", "squash", "longest", "lower", "canonicalize", "", "\u{0}"][..])
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(&["size", "mean", "std", "context_length", "clean", "content"][..]),
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn config_files() -> impl Strategy<Value = (Value, Value, Value)> {
    let model = (wild_value(), wild_value(), wild_value(), wild_value()).prop_map(|(dim, ctx, hf, clean)| {
        json!({"embed_dim": dim, "text_cfg": {"context_length": ctx, "hf_tokenizer_name": hf,
               "tokenizer_kwargs": {"clean": clean}}})
    });
    let pre = (wild_value(), wild_value(), wild_value(), wild_value(), wild_value(), wild_value()).prop_map(
        |(size, mean, std, interp, mode, fill)| {
            json!({"size": size, "mean": mean, "std": std, "interpolation": interp, "resize_mode": mode,
                   "fill_color": fill})
        },
    );
    let tok = wild_value().prop_map(|pad| json!({ "pad_token": pad }));
    (model, pre, tok)
}

fn check_config(dir: &Path, (model, pre, tok): &(Value, Value, Value)) {
    let write = |name: &str, v: &Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(v).expect("json")).expect("write");
        path
    };
    let m = config::read_model_config(&write("config.json", model));
    if let Ok(m) = &m {
        assert!((2..=config::MAX_CONTEXT_LENGTH).contains(&m.context_length), "{model}");
        assert!(m.embed_dim.is_none_or(|d| d > 0 && d <= config::MAX_EMBED_DIM), "{model}");
        let _ = config::read_text_settings(&write("tokenizer_config.json", tok), m);
    }
    if let Ok(p) = config::read_preprocess(&write("preprocess_cfg.json", pre)) {
        let side = 1..=config::MAX_IMAGE_SIDE;
        assert!(side.contains(&p.size.0) && side.contains(&p.size.1), "{pre}");
        assert!(p.std.iter().all(|s| *s > 0.0 && s.is_finite()), "{pre}");
    }
}

proptest! {
    #![proptest_config(cases(3_000))]

    #[test]
    fn config_files_never_panic_and_accepted_values_are_bounded(files in config_files()) {
        let dir = tempfile::tempdir().expect("tmp");
        check_config(dir.path(), &files);
    }
}

// ---- the image decoders ----

/// Small real files of every format the indexer reads, as mutation seeds.
fn seeds() -> Vec<Vec<u8>> {
    let img =
        image::RgbImage::from_fn(19, 13, |x, y| image::Rgb([(x * 13) as u8, (y * 19) as u8, ((x ^ y) * 7) as u8]));
    let mut out = Vec::new();
    for f in [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Gif,
        image::ImageFormat::Bmp,
        image::ImageFormat::Tiff,
        image::ImageFormat::WebP,
    ] {
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(img.clone()).write_to(&mut Cursor::new(&mut bytes), f).expect("encode seed");
        out.push(bytes);
    }
    let media = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/media");
    for name in ["cmyk-red.jpg", "palette-blue.png", "rgb16-green.png"] {
        out.push(std::fs::read(media.join(name)).expect("fixture media"));
    }
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn edits() -> impl Strategy<Value = (usize, Vec<Edit>)> {
    let edit = prop_oneof![
        6 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Edit::Insert(i, b)),
    ];
    (0..9usize, prop::collection::vec(edit, 1..8))
}

proptest! {
    #![proptest_config(cases(5_000))]

    #[test]
    fn damaged_images_decode_or_fail_cleanly((seed, edits) in edits()) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for e in edits {
            match e {
                Edit::Set(i, b) if !bytes.is_empty() => { let n = bytes.len(); bytes[i % n] = b; }
                Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
                Edit::Insert(i, b) => { let at = i % (bytes.len() + 1); bytes.splice(at..at, b); }
                Edit::Set(..) => {}
            }
        }
        if let Ok(img) = clipdex_media::decode(&bytes) {
            let (w, h) = img.dimensions();
            prop_assert!(w > 0 && h > 0 && w <= clipdex_media::MAX_SIDE && h <= clipdex_media::MAX_SIDE);
            prop_assert!(w as u64 * h as u64 * 3 <= clipdex_media::MAX_DECODED_BYTES);
        }
        // The indexer's decoder, asked for so little that a JPEG takes the 1/8-scale path.
        let need = clipdex_media::Need { short: 1, long: 2 };
        if let Ok((d, ())) = clipdex_media::decode_at_least(&bytes, need, |_| ()) {
            let ((w, h), (fw, fh)) = (d.image.dimensions(), d.full_size);
            prop_assert!(w > 0 && h > 0 && w <= fw.max(fh) && h <= fw.max(fh));
            prop_assert!(fw <= clipdex_media::MAX_SIDE && fh <= clipdex_media::MAX_SIDE);
        }
    }
}
