//! The model's own description of itself: `config.json`,
//! `visual/preprocess_cfg.json` and `textual/tokenizer_config.json`, read into
//! typed settings. Nothing here is specific to one model.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{EmbedError, Result};

/// How an image is brought to the model's input size (open_clip's `resize_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeMode {
    /// Resize the short side to the target, then centre-crop.
    Shortest,
    /// Resize the long side to the target, then pad to a square with `fill`.
    Longest,
    /// Resize both sides to the target, ignoring the aspect ratio.
    Squash,
}

/// The resampling filter the reference implementation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    Bicubic,
    Bilinear,
    Nearest,
}

/// Image preprocessing, exactly as the export describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocess {
    /// Target (height, width).
    pub size: (u32, u32),
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub interpolation: Interpolation,
    pub resize_mode: ResizeMode,
    /// Padding value for `ResizeMode::Longest`, 0–255.
    pub fill: u8,
}

/// How text is cleaned before tokenising (open_clip's `tokenizer_kwargs.clean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clean {
    /// Collapse runs of whitespace (open_clip's default).
    Whitespace,
    /// Also lowercase.
    Lower,
    /// Lowercase, `_` to space, ASCII punctuation removed (SigLIP-family
    /// exports ask for this).
    Canonicalize,
}

/// Text settings: how many tokens the text tower takes, and what pads them.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSettings {
    pub context_length: usize,
    /// The pad token's text, if the tokenizer config names one.
    pub pad_token: Option<String>,
    pub clean: Clean,
}

#[derive(Deserialize)]
struct RawConfig {
    embed_dim: Option<usize>,
    #[serde(default)]
    text_cfg: RawTextCfg,
}

#[derive(Deserialize, Default)]
struct RawTextCfg {
    context_length: Option<usize>,
    /// Set when open_clip tokenizes with a Hugging Face tokenizer (which
    /// pads with its own pad token); absent for open_clip's own BPE
    /// tokenizer (which pads with 0).
    #[serde(default)]
    hf_tokenizer_name: Option<String>,
    #[serde(default)]
    tokenizer_kwargs: Option<RawTokenizerKwargs>,
}

#[derive(Deserialize, Default)]
struct RawTokenizerKwargs {
    #[serde(default)]
    clean: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSize {
    Square(u32),
    Pair(Vec<u32>),
}

#[derive(Deserialize)]
struct RawPreprocess {
    size: RawSize,
    mean: Vec<f32>,
    std: Vec<f32>,
    #[serde(default)]
    interpolation: Option<String>,
    #[serde(default)]
    resize_mode: Option<String>,
    #[serde(default)]
    fill_color: Option<f32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawToken {
    Plain(String),
    Added { content: String },
}

#[derive(Deserialize)]
struct RawTokenizerConfig {
    pad_token: Option<RawToken>,
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|source| EmbedError::ReadFile { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&bytes).map_err(|source| EmbedError::BadJson { path: path.to_path_buf(), source })
}

fn bad(path: &Path, reason: impl Into<String>) -> EmbedError {
    EmbedError::BadConfig { path: path.to_path_buf(), reason: reason.into() }
}

/// The parts of `config.json` Clipdex uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub embed_dim: Option<usize>,
    pub context_length: usize,
    pub clean: Clean,
    /// open_clip tokenizes this model's text with a Hugging Face tokenizer
    /// (`text_cfg.hf_tokenizer_name`), not its own BPE tokenizer.
    pub hf_tokenizer: bool,
}

/// open_clip's default when `text_cfg.context_length` is absent.
pub const DEFAULT_CONTEXT_LENGTH: usize = 77;

/// Bounds on what a model folder may ask for, far above any published
/// export (context 64–248, images 224–518, widths up to 1,536) and far below
/// what would exhaust memory: a hostile config is refused at load, before
/// anything is allocated for it.
pub const MAX_CONTEXT_LENGTH: usize = 1024;
pub const MAX_IMAGE_SIDE: u32 = 1024;
pub const MAX_EMBED_DIM: usize = 16_384;

pub fn read_model_config(path: &Path) -> Result<ModelConfig> {
    let raw: RawConfig = read_json(path)?;
    let context_length = raw.text_cfg.context_length.unwrap_or(DEFAULT_CONTEXT_LENGTH);
    if !(2..=MAX_CONTEXT_LENGTH).contains(&context_length) {
        return Err(bad(path, format!("text_cfg.context_length is {context_length}, outside 2–{MAX_CONTEXT_LENGTH}")));
    }
    if raw.embed_dim.is_some_and(|d| d == 0 || d > MAX_EMBED_DIM) {
        return Err(bad(path, format!("embed_dim {:?} is outside 1–{MAX_EMBED_DIM}", raw.embed_dim)));
    }
    let clean = match raw.text_cfg.tokenizer_kwargs.and_then(|k| k.clean).as_deref() {
        None | Some("whitespace") => Clean::Whitespace,
        Some("lower") => Clean::Lower,
        Some("canonicalize") => Clean::Canonicalize,
        Some(other) => return Err(bad(path, format!("unknown text_cfg.tokenizer_kwargs.clean {other:?}"))),
    };
    let hf_tokenizer = raw.text_cfg.hf_tokenizer_name.is_some_and(|n| !n.is_empty());
    Ok(ModelConfig { embed_dim: raw.embed_dim, context_length, clean, hf_tokenizer })
}

pub fn read_preprocess(path: &Path) -> Result<Preprocess> {
    let raw: RawPreprocess = read_json(path)?;
    let size = match raw.size {
        RawSize::Square(s) => (s, s),
        RawSize::Pair(v) if v.len() == 2 => (v[0], v[1]),
        RawSize::Pair(v) => return Err(bad(path, format!("size has {} values, expected 1 or 2", v.len()))),
    };
    if size.0 == 0 || size.1 == 0 || size.0 > MAX_IMAGE_SIDE || size.1 > MAX_IMAGE_SIDE {
        return Err(bad(path, format!("size {size:?} is outside 1–{MAX_IMAGE_SIDE}")));
    }
    let three = |name: &str, v: &[f32]| -> Result<[f32; 3]> {
        match v {
            [a, b, c] => Ok([*a, *b, *c]),
            _ => Err(bad(path, format!("{name} has {} values, expected 3", v.len()))),
        }
    };
    let mean = three("mean", &raw.mean)?;
    let std = three("std", &raw.std)?;
    if std.iter().any(|s| *s <= 0.0 || !s.is_finite()) {
        return Err(bad(path, "std must be positive"));
    }
    let interpolation = match raw.interpolation.as_deref().unwrap_or("bicubic") {
        "bicubic" => Interpolation::Bicubic,
        "bilinear" => Interpolation::Bilinear,
        "nearest" => Interpolation::Nearest,
        other => return Err(bad(path, format!("unknown interpolation {other:?}"))),
    };
    let resize_mode = match raw.resize_mode.as_deref().unwrap_or("shortest") {
        "shortest" => ResizeMode::Shortest,
        "longest" => ResizeMode::Longest,
        "squash" => ResizeMode::Squash,
        other => return Err(bad(path, format!("unknown resize_mode {other:?}"))),
    };
    let fill = raw.fill_color.unwrap_or(0.0).clamp(0.0, 255.0) as u8;
    Ok(Preprocess { size, mean, std, interpolation, resize_mode, fill })
}

/// What pads the text: a Hugging Face tokenizer's own pad token (from its
/// `tokenizer_config.json`), as open_clip pads with one; for open_clip's own
/// BPE tokenizer none (0), whatever the exported config names, as open_clip
/// pads with 0.
pub fn read_text_settings(tokenizer_config: &Path, model: &ModelConfig) -> Result<TextSettings> {
    let raw: RawTokenizerConfig = read_json(tokenizer_config)?;
    let pad_token = raw.pad_token.filter(|_| model.hf_tokenizer).map(|t| match t {
        RawToken::Plain(s) => s,
        RawToken::Added { content } => content,
    });
    Ok(TextSettings { context_length: model.context_length, pad_token, clean: model.clean })
}

/// The files of the open_clip ONNX layout, relative to the model directory.
pub const LAYOUT: [&str; 6] = [
    "config.json",
    "visual/model.onnx",
    "visual/preprocess_cfg.json",
    "textual/model.onnx",
    "textual/tokenizer.json",
    "textual/tokenizer_config.json",
];

/// Checks that a model directory has every file of the layout, naming the missing ones.
pub fn check_layout(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(EmbedError::ModelNotFound {
            dir: dir.to_path_buf(),
            hint: "there is no folder there to hold a model in the open_clip ONNX layout".into(),
        });
    }
    let missing: Vec<String> = LAYOUT.iter().filter(|f| !dir.join(f).is_file()).map(|f| f.to_string()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(EmbedError::ModelIncomplete { dir: dir.to_path_buf(), missing })
    }
}

pub(crate) fn file(dir: &Path, rel: &str) -> PathBuf {
    dir.join(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        p
    }

    #[test]
    fn preprocess_reads_open_clip_fields() {
        let dir = std::env::temp_dir().join(format!("clipdex-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let p = write(
            &dir,
            "a.json",
            r#"{"size": [224, 224], "mode": "RGB", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.5, 1.0],
                "interpolation": "bicubic", "resize_mode": "squash", "fill_color": 0}"#,
        );
        let cfg = read_preprocess(&p).expect("parse");
        assert_eq!(cfg.size, (224, 224));
        assert_eq!(cfg.resize_mode, ResizeMode::Squash);
        assert_eq!(cfg.std, [0.25, 0.5, 1.0]);

        let p = write(&dir, "b.json", r#"{"size": 256, "mean": [0,0,0], "std": [1,1,1]}"#);
        let cfg = read_preprocess(&p).expect("parse");
        assert_eq!(cfg.size, (256, 256));
        assert_eq!(cfg.resize_mode, ResizeMode::Shortest);
        assert_eq!(cfg.interpolation, Interpolation::Bicubic);

        let p = write(&dir, "c.json", r#"{"size": 224, "mean": [0,0], "std": [1,1,1]}"#);
        let err = read_preprocess(&p).expect_err("two means");
        assert!(err.to_string().contains("mean has 2 values"), "{err}");

        let p = write(&dir, "d.json", r#"{"size": 224, "mean": [0,0,0], "std": [1,1,1], "resize_mode": "zoom"}"#);
        assert!(read_preprocess(&p).is_err());
    }

    #[test]
    fn context_length_defaults_to_77_and_only_hf_tokenizers_pad_with_their_token() {
        let dir = std::env::temp_dir().join(format!("clipdex-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let c = write(&dir, "config.json", r#"{"embed_dim": 512, "text_cfg": {"width": 512}}"#);
        let cfg = read_model_config(&c).expect("config");
        assert_eq!(cfg.context_length, 77);
        assert_eq!(cfg.embed_dim, Some(512));

        // open_clip's own BPE tokenizer pads with 0, whatever the exported tokenizer config says.
        let t = write(&dir, "t1.json", r#"{"pad_token": "<|endoftext|>"}"#);
        assert_eq!(read_text_settings(&t, &cfg).expect("t1").pad_token, None);
        // A Hugging Face tokenizer pads with its own pad token, in either shape.
        let hf = write(&dir, "hf.json", r#"{"text_cfg": {"hf_tokenizer_name": "some/tokenizer"}}"#);
        let hf = read_model_config(&hf).expect("hf config");
        assert_eq!(read_text_settings(&t, &hf).expect("t1").pad_token.as_deref(), Some("<|endoftext|>"));
        let t = write(&dir, "t2.json", r#"{"pad_token": {"content": "<pad>", "lstrip": false}}"#);
        assert_eq!(read_text_settings(&t, &hf).expect("t2").pad_token.as_deref(), Some("<pad>"));
        assert_eq!(cfg.clean, Clean::Whitespace);
        let c = write(
            &dir,
            "c2.json",
            r#"{"text_cfg": {"context_length": 64, "tokenizer_kwargs": {"clean": "canonicalize"}}}"#,
        );
        assert_eq!(read_model_config(&c).expect("siglip-style").clean, Clean::Canonicalize);
        let c = write(&dir, "c3.json", r#"{"text_cfg": {"tokenizer_kwargs": {"clean": "stem"}}}"#);
        assert!(read_model_config(&c).is_err(), "an unknown cleaning mode is not guessed at");
        let t = write(&dir, "t3.json", r#"{}"#);
        assert_eq!(read_text_settings(&t, &cfg).expect("t3").pad_token, None);
    }
}
