use std::path::PathBuf;

/// Everything that can go wrong while opening a model or embedding with it.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no model found at {dir}: {hint}")]
    ModelNotFound { dir: PathBuf, hint: String },

    #[error("the model at {dir} is incomplete: missing {}", missing.join(", "))]
    ModelIncomplete { dir: PathBuf, missing: Vec<String> },

    #[error("cannot read {path}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not valid: {reason}")]
    BadConfig { path: PathBuf, reason: String },

    #[error("{path} is not valid JSON")]
    BadJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("cannot load the tokenizer {path}: {reason}")]
    Tokenizer { path: PathBuf, reason: String },

    #[error("the model graph {path} does not look like a CLIP {tower} encoder: {reason}")]
    BadGraph { path: PathBuf, tower: &'static str, reason: String },

    #[error(
        "cannot find the ONNX Runtime library ({tried}). Run the set-up in the README \
         (scripts/fetch_onnxruntime.py) or set ORT_DYLIB_PATH to the library file"
    )]
    RuntimeNotFound { tried: String },

    #[error("cannot load the ONNX Runtime library")]
    RuntimeLoad(#[source] ort::LoadDynamicError),

    #[error("ONNX Runtime failed while {context}")]
    Ort {
        context: String,
        #[source]
        source: ort::Error,
    },

    #[error("the model returned {got} values where {expected} were expected ({context})")]
    BadOutput { context: &'static str, expected: usize, got: usize },

    #[error("cannot tokenize the text: {0}")]
    Tokenize(String),

    #[error("unknown query language {lang:?}: {hint}")]
    UnknownLanguage { lang: String, hint: String },
}

pub type Result<T, E = EmbedError> = std::result::Result<T, E>;

pub(crate) fn ort_err<R>(context: impl Into<String>) -> impl FnOnce(ort::Error<R>) -> EmbedError {
    let context = context.into();
    move |e| EmbedError::Ort { context, source: strip_recover(e) }
}

/// `ort::Error<R>` carries a value to recover with (a session builder, say);
/// we never recover, so keep the error and drop the rest.
fn strip_recover<R>(e: ort::Error<R>) -> ort::Error {
    ort::Error::new_with_code(e.code(), e.message().to_string())
}
