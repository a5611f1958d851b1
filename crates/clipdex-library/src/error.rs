use std::path::PathBuf;

use clipdex_embed::EmbedError;
use clipdex_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Model(#[from] EmbedError),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Models(#[from] clipdex_models::ModelsError),

    #[error(
        "this library indexes new files with the model {library} ({library_dir}), not {given}; \
         vectors from different models are never mixed. To switch, run `clipdex models use` with the new model \
         (it indexes the library in the background and the old model stays searchable until it is done)"
    )]
    ModelMismatch { library: String, library_dir: String, given: String },

    #[error("no model is set for this library yet and none was given; index a folder first, or pass --model DIR")]
    NoModel,

    #[error(
        "this library has no vectors from the model {0}; `clipdex models use` indexes the library with it \
         (the current model stays searchable meanwhile)"
    )]
    NotIndexedWith(String),

    #[error("cannot read the image {path}: {reason}")]
    Decode { path: PathBuf, reason: String },

    #[error("{path} does not exist")]
    PathNotFound { path: PathBuf },

    #[error("cannot use {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "another Clipdex process{} is writing to this library; wait for it to finish and try again",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { pid: Option<u32> },

    #[error("{0}")]
    Watch(String),

    #[error("the query is not valid {0}")]
    QuerySyntax(#[from] crate::query::QuerySyntaxError),

    #[error("{0}")]
    Unsupported(String),

    #[error("no library item has the id {0}")]
    NoSuchItem(String),

    #[error("the query has nothing to search for: give text, an image, or similar:<id>")]
    EmptyQuery,

    #[error("{0} is not in the library (index it first)")]
    NotInLibrary(String),

    #[error("cancelled")]
    Cancelled,

    #[error("no file failed, so there is nothing to try again")]
    NothingToRetry,

    #[error("a background task failed: {0}")]
    Task(String),
}

impl LibraryError {
    /// A stable, machine-readable code for front ends (CLI exit, IPC `{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            LibraryError::Model(e) => match e {
                EmbedError::ModelNotFound { .. } => "model_not_found",
                EmbedError::ModelIncomplete { .. } => "model_incomplete",
                EmbedError::RuntimeNotFound { .. } | EmbedError::RuntimeLoad(_) => "runtime_missing",
                EmbedError::BadConfig { .. }
                | EmbedError::BadJson { .. }
                | EmbedError::BadGraph { .. }
                | EmbedError::Tokenizer { .. } => "model_invalid",
                EmbedError::UnknownLanguage { .. } => "bad_argument",
                _ => "inference_failed",
            },
            LibraryError::Store(StoreError::DimensionMismatch { .. }) => "model_mismatch",
            LibraryError::Store(_) => "store_failed",
            LibraryError::Models(e) => e.code(),
            LibraryError::ModelMismatch { .. } => "model_mismatch",
            LibraryError::NoModel => "no_model",
            LibraryError::NotIndexedWith(_) => "model_not_indexed",
            LibraryError::PathNotFound { .. } => "path_not_found",
            LibraryError::Decode { .. } => "bad_image",
            LibraryError::Io { .. } => "io",
            LibraryError::Busy { .. } => "library_busy",
            LibraryError::Watch(_) => "watch_failed",
            LibraryError::QuerySyntax(_) => "query_syntax",
            LibraryError::Unsupported(_) => "unsupported",
            LibraryError::NoSuchItem(_) => "no_such_item",
            LibraryError::EmptyQuery => "empty_query",
            LibraryError::Cancelled => "cancelled",
            LibraryError::NothingToRetry => "nothing_to_retry",
            LibraryError::NotInLibrary(_) => "not_in_library",
            LibraryError::Task(_) => "internal",
        }
    }
}

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

/// "outer: inner: innermost" — the whole reason, for people.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let msg = inner.to_string();
        if !s.contains(&msg) {
            s.push_str(": ");
            s.push_str(&msg);
        }
        cur = inner.source();
    }
    s
}
