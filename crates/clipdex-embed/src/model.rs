//! A CLIP-family model: two ONNX graphs (visual and textual), read and
//! checked against the export's config files when opened.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use image::RgbImage;
use ort::session::SessionInputValue;
use ort::value::Tensor;
use ort::value::TensorElementType;

use crate::config::{self, Preprocess};
use crate::error::{ort_err, EmbedError, Result};
use crate::preprocess;
use crate::runtime::Device;
use crate::text::TextTokenizer;
use crate::tower::{bad_graph, check_against_graphs, open_tower, run_tower, InputRole, InputSpec, Tower};

/// What a graph input is for.
/// An image ready for the visual encoder: CHW, normalised.
pub struct Pixels(Vec<f32>);

/// Identity and shape of an opened model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// `<folder name>@<8 hex digits>`; the digits change with any byte of
    /// any file the model loads (see `identity`).
    pub id: String,
    pub name: String,
    pub dir: PathBuf,
    pub dim: usize,
    pub image_size: (u32, u32),
    pub context_length: usize,
    pub device: Device,
    /// Why a requested accelerator is not in use, if one was requested.
    pub device_note: Option<String>,
    /// The graphs' inputs as `name:type[shape]`, for `status` and `models list`.
    pub image_inputs: Vec<String>,
    pub text_inputs: Vec<String>,
    /// How many FLORES-200 language codes the text tower takes (0: none).
    pub languages: usize,
    /// The visual graph's patch-token output, if it has one (dense maps).
    pub patch_output: Option<String>,
}

/// Per-patch tokens of one image in the embedding space: a dense map of
/// where in the picture a query matches.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchTokens {
    pub rows: usize,
    pub cols: usize,
    /// `rows * cols` unit vectors, row by row (a leading class token, if the
    /// export includes one, is left out).
    pub tokens: Vec<Vec<f32>>,
}

pub struct Model {
    info: ModelInfo,
    preprocess: Preprocess,
    tokenizer: TextTokenizer,
    visual: Tower,
    textual: Tower,
}

/// L2-normalised copy; a zero vector stays zero.
pub fn normalized(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter().map(|x| x / n).collect()
    } else {
        v.to_vec()
    }
}

fn int_tensor(ty: TensorElementType, shape: [usize; 2], data: Vec<i64>) -> Result<SessionInputValue<'static>> {
    let v = match ty {
        TensorElementType::Int32 => {
            let d: Vec<i32> = data.into_iter().map(|x| x as i32).collect();
            Tensor::from_array((shape, d)).map_err(ort_err("building the token tensor"))?.into()
        }
        _ => Tensor::from_array((shape, data)).map_err(ort_err("building the token tensor"))?.into(),
    };
    Ok(v)
}

impl Model {
    /// Opens a model directory in the open_clip ONNX layout. `runtime_dirs`
    /// are extra places to look for the ONNX Runtime library. Every file is
    /// hashed to name the model; see [`Model::open_recorded`].
    pub fn open(dir: &Path, runtime_dirs: &[PathBuf]) -> Result<Self> {
        Self::open_recorded(dir, runtime_dirs, None)
    }

    /// As [`Model::open`], with the digest of every file's full hash from an
    /// install record the caller has checked the folder against (so the
    /// files are not read twice).
    pub fn open_recorded(dir: &Path, runtime_dirs: &[PathBuf], recorded: Option<&str>) -> Result<Self> {
        config::check_layout(dir)?;
        let model_cfg = config::read_model_config(&config::file(dir, "config.json"))?;
        let preprocess = config::read_preprocess(&config::file(dir, "visual/preprocess_cfg.json"))?;
        let text_settings =
            config::read_text_settings(&config::file(dir, "textual/tokenizer_config.json"), &model_cfg)?;
        let tokenizer = TextTokenizer::from_file(&config::file(dir, "textual/tokenizer.json"), &text_settings)?;

        let (visual, device, device_note) =
            open_tower(&config::file(dir, "visual/model.onnx"), "visual", runtime_dirs)?;
        let (textual, _, _) = open_tower(&config::file(dir, "textual/model.onnx"), "textual", runtime_dirs)?;
        check_against_graphs(&visual, &textual, &preprocess, text_settings.context_length, dir)?;

        let dim = match (visual.out_dim, textual.out_dim, model_cfg.embed_dim) {
            (Some(a), Some(b), _) if a != b => {
                return Err(bad_graph(
                    &textual.path,
                    "textual",
                    format!("embeds to {b} dimensions but the visual graph to {a}"),
                ))
            }
            (Some(a), _, _) | (None, Some(a), _) | (None, None, Some(a)) => a,
            (None, None, None) => 0,
        };
        let name = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        let id = format!("{name}@{}", crate::identity::fingerprint(dir, recorded)?);
        let mut model = Model {
            info: ModelInfo {
                id,
                name,
                dir: dir.to_path_buf(),
                dim,
                image_size: preprocess.size,
                context_length: tokenizer.context_length(),
                device,
                device_note,
                image_inputs: visual.inputs.iter().map(InputSpec::describe).collect(),
                text_inputs: textual.inputs.iter().map(InputSpec::describe).collect(),
                languages: tokenizer.languages().len(),
                patch_output: visual.patches.clone(),
            },
            preprocess,
            tokenizer,
            visual,
            textual,
        };
        if model.info.dim == 0 {
            // Neither the graphs nor config.json say; ask the text tower.
            model.info.dim = model.embed_texts(&[""])?.first().map_or(0, Vec::len);
        }
        Ok(model)
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// CPU work that can run on any thread, in parallel: resize, crop, normalise.
    pub fn preprocess(&self, img: RgbImage) -> Pixels {
        Pixels(preprocess::to_tensor(img, &self.preprocess))
    }

    /// Embeds preprocessed images, in batches the graph accepts. Blocking.
    pub fn embed_pixels(&self, images: &[Pixels]) -> Result<Vec<Vec<f32>>> {
        let (h, w) = (self.preprocess.size.0 as usize, self.preprocess.size.1 as usize);
        let per = 3 * h * w;
        let chunk = self.visual.fixed_batch.unwrap_or(32).max(1);
        let mut out = Vec::with_capacity(images.len());
        for group in images.chunks(chunk) {
            let mut data = Vec::with_capacity(group.len() * per);
            for p in group {
                data.extend_from_slice(&p.0);
            }
            let b = group.len();
            if self.visual.fixed_batch.is_some_and(|n| n != b) {
                // A graph fixed at batch N gets exactly N; pad the tail with copies.
                let n = self.visual.fixed_batch.unwrap_or(b);
                let last = data[data.len() - per..].to_vec();
                for _ in b..n {
                    data.extend_from_slice(&last);
                }
                let t = Tensor::from_array(([n, 3, h, w], data)).map_err(ort_err("building the image tensor"))?;
                let mut v = run_tower(&self.visual, vec![(self.visual.inputs[0].name.clone().into(), t.into())], n)?;
                v.truncate(b);
                out.extend(v);
                continue;
            }
            let t = Tensor::from_array(([b, 3, h, w], data)).map_err(ort_err("building the image tensor"))?;
            out.extend(run_tower(&self.visual, vec![(self.visual.inputs[0].name.clone().into(), t.into())], b)?);
        }
        Ok(out)
    }

    /// The patch tokens of one image, when the visual export has them
    /// (`Ok(None)` otherwise). The whole picture is squashed to the input
    /// size (no centre crop), so every token maps onto a cell of the picture.
    /// The token count must fill a grid of the input's shape, possibly after
    /// one class token. Blocking.
    pub fn patch_tokens(&self, img: RgbImage) -> Result<Option<PatchTokens>> {
        let Some(name) = self.visual.patches.as_deref() else { return Ok(None) };
        let squash = config::Preprocess { resize_mode: config::ResizeMode::Squash, ..self.preprocess.clone() };
        let image = Pixels(preprocess::to_tensor(img, &squash));
        let (h, w) = (self.preprocess.size.0 as usize, self.preprocess.size.1 as usize);
        let per = 3 * h * w;
        let n = self.visual.fixed_batch.unwrap_or(1).max(1);
        let mut data = Vec::with_capacity(n * per);
        for _ in 0..n {
            data.extend_from_slice(&image.0);
        }
        let t = Tensor::from_array(([n, 3, h, w], data)).map_err(ort_err("building the image tensor"))?;
        let mut session = self.visual.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session
            .run(vec![(Cow::from(self.visual.inputs[0].name.clone()), SessionInputValue::from(t))])
            .map_err(ort_err(format!("running {}", self.visual.path.display())))?;
        let (shape, data) = outputs[name].try_extract_tensor::<f32>().map_err(ort_err("reading the patch tokens"))?;
        let bad = |got: usize| EmbedError::BadOutput { context: "patch token shape", expected: 0, got };
        if shape.len() != 3 || shape[0] as usize != n || shape[1] <= 0 || shape[2] <= 0 {
            return Err(bad(data.len()));
        }
        let (count, dim) = (shape[1] as usize, shape[2] as usize);
        if dim != self.info.dim {
            return Err(EmbedError::BadOutput { context: "patch token width", expected: self.info.dim, got: dim });
        }
        // rows × cols tokens with the picture's shape (rows / cols = height / width).
        let grid =
            |k: usize| (1..=k).filter(|r| k.is_multiple_of(*r)).map(|r| (r, k / r)).find(|(r, c)| r * w == c * h);
        let (skip, (rows, cols)) = match (grid(count), count.checked_sub(1).and_then(grid)) {
            (Some(g), _) => (0, g),
            (None, Some(g)) => (1, g),
            (None, None) => return Err(bad(count)),
        };
        let first = &data[..count * dim];
        let tokens = first.chunks(dim).skip(skip).map(normalized).collect();
        Ok(Some(PatchTokens { rows, cols, tokens }))
    }

    /// Convenience: preprocess and embed a few images on this thread.
    pub fn embed_images(&self, images: Vec<RgbImage>) -> Result<Vec<Vec<f32>>> {
        let pixels: Vec<Pixels> = images.into_iter().map(|i| self.preprocess(i)).collect();
        self.embed_pixels(&pixels)
    }

    /// The token ids the text tower sees for `text` (always `context_length` long).
    pub fn tokens(&self, text: &str) -> Result<Vec<i64>> {
        Ok(self.tokenizer.encode(text, None)?.ids)
    }

    /// Token ids and attention mask for `text` in `lang` (see [`Model::embed_texts_in`]).
    pub fn tokens_in(&self, text: &str, lang: Option<&str>) -> Result<crate::text::Tokens> {
        self.tokenizer.encode(text, lang)
    }

    /// FLORES-200 codes the text tower takes in front of a query; empty for
    /// towers that take none.
    pub fn languages(&self) -> &[String] {
        self.tokenizer.languages()
    }

    /// Checks a query language for this model: the FLORES-200 code it will
    /// use, `None` for models that take no language code.
    pub fn language_code(&self, lang: Option<&str>) -> Result<Option<String>> {
        self.tokenizer.language_code(lang)
    }

    /// Embeds texts, in batches the graph accepts. Blocking. Text towers that
    /// take a language code get English; see [`Model::embed_texts_in`].
    pub fn embed_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>> {
        self.embed_texts_in(texts, None)
    }

    /// Embeds texts written in `lang` (a BCP-47 tag or FLORES-200 code).
    /// Only text towers that take a language code use it; for the others
    /// (English-only, or multilingual by vocabulary) it changes nothing.
    pub fn embed_texts_in<S: AsRef<str>>(&self, texts: &[S], lang: Option<&str>) -> Result<Vec<Vec<f32>>> {
        let ctx = self.tokenizer.context_length();
        let chunk = self.textual.fixed_batch.unwrap_or(64).max(1);
        let mut out = Vec::with_capacity(texts.len());
        for group in texts.chunks(chunk) {
            let b = group.len();
            let n = self.textual.fixed_batch.unwrap_or(b);
            let mut ids = Vec::with_capacity(n * ctx);
            let mut mask = Vec::with_capacity(n * ctx);
            for t in group {
                let tok = self.tokenizer.encode(t.as_ref(), lang)?;
                ids.extend(tok.ids);
                mask.extend(tok.mask);
            }
            for _ in b..n {
                ids.extend_from_within(ids.len() - ctx..);
                mask.extend_from_within(mask.len() - ctx..);
            }
            let mut inputs = Vec::new();
            for spec in &self.textual.inputs {
                let data = match spec.role {
                    InputRole::Mask => mask.clone(),
                    _ => ids.clone(),
                };
                inputs.push((Cow::Owned(spec.name.clone()), int_tensor(spec.ty, [n, ctx], data)?));
            }
            let mut v = run_tower(&self.textual, inputs, n)?;
            v.truncate(b);
            out.extend(v);
        }
        Ok(out)
    }
}
