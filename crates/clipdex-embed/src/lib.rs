//! CLIP-family models in the open_clip ONNX layout, run with ONNX Runtime.
//!
//! Execution model: [`Model::open`] reads a model folder (config files and both
//! graphs) once; [`Model::preprocess`] is pure CPU work that callers run on
//! their own worker threads; [`Model::embed_pixels`] and [`Model::embed_texts`]
//! block the calling thread while ONNX Runtime (with its own thread pool) runs
//! the graph. Every vector that comes out is L2-normalised.
//!
//! Everything model-specific — input names and element types, image size,
//! mean and std, resize mode, context length, pad token — is read from the
//! export's files and graphs; nothing is hard-coded per model.

pub mod config;
mod error;
pub mod identity;
pub mod lang;
mod model;
pub mod preprocess;
pub mod resample;
pub mod runtime;
pub mod text;
mod tower;

pub use error::{EmbedError, Result};
pub use model::{normalized, Model, ModelInfo, PatchTokens, Pixels};
pub use runtime::Device;

/// Cosine similarity of two L2-normalised vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
