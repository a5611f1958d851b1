//! One encoder graph: what its inputs and outputs are, read from the graph
//! itself and checked against the model's config, and running it.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::{Session, SessionInputValue};
use ort::value::TensorElementType;
use ort::value::ValueType;

use crate::config::{self, Preprocess};
use crate::error::{ort_err, EmbedError, Result};
use crate::model::normalized;
use crate::runtime::{self, Device};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputRole {
    Pixels,
    Ids,
    Mask,
}

#[derive(Debug, Clone)]
pub(crate) struct InputSpec {
    pub name: String,
    pub role: InputRole,
    pub ty: TensorElementType,
    pub shape: Vec<i64>,
}

impl InputSpec {
    pub fn describe(&self) -> String {
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
pub(crate) struct Tower {
    pub path: PathBuf,
    pub session: Mutex<Session>,
    pub inputs: Vec<InputSpec>,
    pub output: String,
    /// `Some(n)` when the graph fixes its batch dimension (often 1 in public exports).
    pub fixed_batch: Option<usize>,
    /// The output's width, when the graph fixes it.
    pub out_dim: Option<usize>,
    /// A second output of per-patch tokens in the embedding space
    /// (float32 `[batch, tokens, dim]`), when the export has one.
    pub patches: Option<String>,
}

pub(crate) fn bad_graph(path: &Path, tower: &'static str, reason: impl Into<String>) -> EmbedError {
    EmbedError::BadGraph { path: path.to_path_buf(), tower, reason: reason.into() }
}

pub(crate) fn is_int(ty: TensorElementType) -> bool {
    matches!(ty, TensorElementType::Int32 | TensorElementType::Int64)
}

/// The largest batch a graph may fix (public exports fix 1 or none).
const MAX_FIXED_BATCH: i64 = 256;

/// The config must agree with every dimension the graphs fix: pixels in
/// `[batch, 3, height, width]`, tokens in `[batch, context]`.
pub(crate) fn check_against_graphs(
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

pub(crate) fn open_tower(
    path: &Path,
    tower: &'static str,
    runtime_dirs: &[PathBuf],
) -> Result<(Tower, Device, Option<String>)> {
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

pub(crate) fn run_tower(
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
