//! A CLIP-family model: two ONNX graphs (visual and textual), read and
//! checked against the export's config files when opened.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::RgbImage;
use ort::session::{Session, SessionInputValue};
use ort::value::TensorElementType;
use ort::value::{Tensor, ValueType};

use crate::config::{self, Preprocess};
use crate::error::{ort_err, EmbedError, Result};
use crate::preprocess;
use crate::runtime::{self, Device};
use crate::text::TextTokenizer;

/// What a graph input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputRole {
    Pixels,
    Ids,
    Mask,
}

#[derive(Debug, Clone)]
struct InputSpec {
    name: String,
    role: InputRole,
    ty: TensorElementType,
    shape: Vec<i64>,
}

impl InputSpec {
    fn describe(&self) -> String {
        let ty = match self.ty {
            TensorElementType::Int32 => "int32",
            TensorElementType::Int64 => "int64",
            TensorElementType::Float32 => "float32",
            _ => "other",
        };
        let dims: Vec<String> = self.shape.iter().map(|d| if *d > 0 { d.to_string() } else { "?".into() }).collect();
        format!("{}:{ty}[{}]", self.name, dims.join(","))
    }
}

/// One encoder graph and what we learned about it.
struct Tower {
    path: PathBuf,
    session: Mutex<Session>,
    inputs: Vec<InputSpec>,
    output: String,
    /// `Some(n)` when the graph fixes its batch dimension (often 1 in public exports).
    fixed_batch: Option<usize>,
    /// The output's width, when the graph fixes it.
    out_dim: Option<usize>,
    /// A second output of per-patch tokens in the embedding space
    /// (float32 `[batch, tokens, dim]`), when the export has one.
    patches: Option<String>,
}

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

fn bad_graph(path: &Path, tower: &'static str, reason: impl Into<String>) -> EmbedError {
    EmbedError::BadGraph { path: path.to_path_buf(), tower, reason: reason.into() }
}

fn is_int(ty: TensorElementType) -> bool {
    matches!(ty, TensorElementType::Int32 | TensorElementType::Int64)
}

/// The largest batch a graph may fix (public exports fix 1 or none).
const MAX_FIXED_BATCH: i64 = 256;

/// The config must agree with every dimension the graphs fix: pixels in
/// `[batch, 3, height, width]`, tokens in `[batch, context]`.
fn check_against_graphs(
    visual: &Tower,
    textual: &Tower,
    preprocess: &Preprocess,
    context_length: usize,
    dir: &Path,
) -> Result<()> {
    let want = [3, i64::from(preprocess.size.0), i64::from(preprocess.size.1)];
    if let Some(px) = visual.inputs.iter().find(|s| s.role == InputRole::Pixels) {
        for (axis, (got, want)) in px.shape[1..].iter().zip(want).enumerate() {
            if *got > 0 && *got != want {
                let what = ["channels", "height", "width"][axis];
                return Err(EmbedError::BadConfig {
                    path: config::file(dir, "visual/preprocess_cfg.json"),
                    reason: format!(
                        "the graph takes images with {what} {got}, but the config asks for {want} \
                         (size {:?})",
                        preprocess.size
                    ),
                });
            }
        }
    }
    for spec in textual.inputs.iter().filter(|s| s.role != InputRole::Pixels) {
        if spec.shape[1] > 0 && spec.shape[1] as usize != context_length {
            return Err(EmbedError::BadConfig {
                path: config::file(dir, "config.json"),
                reason: format!(
                    "the text graph's {:?} takes {} tokens, but text_cfg.context_length is {context_length}",
                    spec.name, spec.shape[1]
                ),
            });
        }
    }
    Ok(())
}

fn open_tower(path: &Path, tower: &'static str, runtime_dirs: &[PathBuf]) -> Result<(Tower, Device, Option<String>)> {
    let env = runtime::environment(runtime_dirs)?;
    let mut builder = Session::builder(env).map_err(ort_err("creating a session"))?;
    if tower == "textual" {
        // Text runs one query at a time between database lookups; threads
        // spinning after each run would steal the cores those lookups need
        // (measured: p95 of a 100k-item search 97 → 87 ms, BENCHMARKS.md).
        builder = builder.with_intra_op_spinning(false).map_err(ort_err("configuring a session"))?;
    }
    let (device, note) = runtime::choose_device(&mut builder);
    let session = builder.commit_from_file(path).map_err(ort_err(format!("loading {}", path.display())))?;

    let mut inputs = Vec::new();
    let mut fixed_batch = None;
    for (i, outlet) in session.inputs().iter().enumerate() {
        let name = outlet.name().to_string();
        let (ty, shape) = match outlet.dtype() {
            ValueType::Tensor { ty, shape, .. } => (*ty, shape.clone()),
            other => return Err(bad_graph(path, tower, format!("input {name:?} is {other:?}, not a tensor"))),
        };
        let role = match tower {
            "visual" => {
                if ty != TensorElementType::Float32 || shape.len() != 4 {
                    return Err(bad_graph(
                        path,
                        tower,
                        format!("input {name:?} is {ty:?}{shape:?}, expected float32 [batch, 3, height, width]"),
                    ));
                }
                if i > 0 {
                    return Err(bad_graph(path, tower, "more than one input"));
                }
                InputRole::Pixels
            }
            _ => {
                let lname = name.to_ascii_lowercase();
                if !is_int(ty) || shape.len() != 2 {
                    return Err(bad_graph(
                        path,
                        tower,
                        format!("input {name:?} is {ty:?}{shape:?}, expected int32/int64 [batch, tokens]"),
                    ));
                }
                if lname.contains("mask") {
                    InputRole::Mask
                } else if inputs.iter().any(|s: &InputSpec| s.role == InputRole::Ids) {
                    return Err(bad_graph(path, tower, format!("unexpected extra input {name:?}")));
                } else {
                    InputRole::Ids
                }
            }
        };
        if shape[0] > MAX_FIXED_BATCH {
            return Err(bad_graph(path, tower, format!("input {name:?} fixes a batch of {}", shape[0])));
        }
        if shape[0] > 0 {
            fixed_batch = Some(shape[0] as usize);
        }
        inputs.push(InputSpec { name, role, ty, shape: shape.to_vec() });
    }
    let wanted = if tower == "visual" { InputRole::Pixels } else { InputRole::Ids };
    if !inputs.iter().any(|s| s.role == wanted) {
        return Err(bad_graph(path, tower, "no input for the image or the token ids"));
    }

    // The embedding output: a conventional name, else the first rank-2 output.
    let outs = session.outputs();
    let pick = outs
        .iter()
        .find(|o| matches!(o.name(), "embedding" | "embeddings" | "image_embeds" | "text_embeds"))
        .or_else(|| outs.iter().find(|o| o.dtype().tensor_shape().is_some_and(|s| s.len() == 2)))
        .ok_or_else(|| bad_graph(path, tower, "no [batch, dim] output"))?;
    let out_shape = pick.dtype().tensor_shape().cloned().unwrap_or_default();
    if pick.dtype().tensor_type() != Some(TensorElementType::Float32) || out_shape.len() != 2 {
        return Err(bad_graph(
            path,
            tower,
            format!("output {:?} is {:?}, expected float32 [batch, dim]", pick.name(), pick.dtype()),
        ));
    }
    let out_dim = (out_shape[1] > 0).then_some(out_shape[1] as usize);
    let output = pick.name().to_string();
    // Patch tokens: another float32 output of rank 3 whose width, when fixed, is the embedding's.
    let patches = outs
        .iter()
        .filter(|o| o.name() != output && o.dtype().tensor_type() == Some(TensorElementType::Float32))
        .find(|o| {
            o.dtype()
                .tensor_shape()
                .is_some_and(|s| s.len() == 3 && (s[2] <= 0 || out_dim.is_none_or(|d| s[2] as usize == d)))
        })
        .map(|o| o.name().to_string());
    Ok((
        Tower { path: path.to_path_buf(), session: Mutex::new(session), inputs, output, fixed_batch, out_dim, patches },
        device,
        note,
    ))
}

fn run_tower(
    tower: &Tower,
    inputs: Vec<(Cow<'static, str>, SessionInputValue<'static>)>,
    batch: usize,
) -> Result<Vec<Vec<f32>>> {
    let mut session = tower.session.lock().unwrap_or_else(|p| p.into_inner());
    let outputs = session.run(inputs).map_err(ort_err(format!("running {}", tower.path.display())))?;
    let value = &outputs[tower.output.as_str()];
    let (shape, data) = value.try_extract_tensor::<f32>().map_err(ort_err("reading the embedding"))?;
    let dim = shape.get(1).copied().unwrap_or(0).max(0) as usize;
    if shape.len() != 2 || shape[0] as usize != batch || data.len() != batch * dim || dim == 0 {
        return Err(EmbedError::BadOutput {
            context: "embedding shape",
            expected: batch * dim.max(1),
            got: data.len(),
        });
    }
    Ok(data.chunks(dim).map(normalized).collect())
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
